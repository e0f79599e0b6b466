package eligibility

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// Table is a validated, immutable programme rules table. Its fields are
// reachable only through accessors so that nothing can change the rules
// after their hash was taken.
type Table struct {
	version       string
	effectiveFrom time.Time
	description   Text
	programmes    []Programme
	canonical     []byte
	hash          string

	// compiled holds, per programme in table order, what Evaluate needs:
	// resolved references and the reason texts, which depend only on the
	// table and the decile, written once instead of once per family.
	compiled []compiledProgramme
	nConds   int
	nExcls   int
}

// Programme is one row of the table: who may receive a programme.
type Programme struct {
	// Code is the machine name, UPPER_SNAKE (PKH, SEMBAKO, PBI_JK).
	Code string `json:"code"`
	// Short is how reason texts name the programme in both languages
	// ("PBI JK"); Name is the full name.
	Short string `json:"short"`
	Name  Text   `json:"name"`
	// Basis cites where the rule comes from, for the audit.
	Basis string `json:"basis,omitempty"`
	// Illustrative marks a programme that shows how the table extends but
	// whose parameters have not been confirmed by the owning ministry.
	Illustrative bool `json:"illustrative,omitempty"`
	// MaxDecile is the highest national decile that qualifies (DESIGN.md
	// §1.4: 4 for PKH, 5 for Sembako and PBI JK).
	MaxDecile int `json:"max_decile"`
	// QualifyingMembers are condition codes; at least one living member must
	// satisfy at least one of them. Empty means no member condition.
	QualifyingMembers []string `json:"qualifying_members,omitempty"`
	// Exclusions are exclusion codes; any one that applies excludes the
	// family from this programme.
	Exclusions []string `json:"exclusions,omitempty"`
	// Quota, if set, caps the national number of recipients; see
	// [ApplyQuotas].
	Quota *Quota `json:"quota,omitempty"`
}

// Quota is a national cap on a programme's recipients.
type Quota struct {
	Unit QuotaUnit `json:"unit"`
	Size int64     `json:"size"`
}

// QuotaUnit is what a quota counts.
type QuotaUnit string

const (
	// QuotaPersons counts the living members of each granted family: PBI JK
	// pays a premium per insured person.
	QuotaPersons QuotaUnit = "persons"
	// QuotaFamilies counts granted families.
	QuotaFamilies QuotaUnit = "families"
)

// Condition is a named member predicate that qualifies a family, such as a
// PKH component.
type Condition struct {
	Code string `json:"code"`
	// Name is written to read mid-sentence ("anak usia dini (0–6 tahun)").
	Name Text      `json:"name"`
	When Predicate `json:"when"`
}

// Exclusion removes a family from the programmes that list it. Exactly one
// of AnyMember and Family is set.
type Exclusion struct {
	Code string `json:"code"`
	Name Text   `json:"name"`
	// Reason is the sentence a decision shows when the exclusion applies.
	Reason Text `json:"reason"`
	// AnyMember excludes the family when a living member matches: DESIGN.md
	// §1.4 excludes ASN, TNI/Polri and BUMN/BUMD staff "and their families".
	AnyMember *Predicate `json:"any_member,omitempty"`
	// Family is a condition on the family as a whole.
	Family FamilyCondition `json:"family,omitempty"`
}

// FamilyCondition is a built-in test on the family rather than a member.
type FamilyCondition string

const (
	// FamilyNoLivingMember: every member on the KK is deceased (DESIGN.md
	// §1.4 "deceased persons"). Nobody is left to receive assistance.
	FamilyNoLivingMember FamilyCondition = "no_living_member"
	// FamilyAddressNotFound: field verification could not find the family
	// at its address (DESIGN.md §1.4).
	FamilyAddressNotFound FamilyCondition = "address_not_found"
)

// Version is the table's version id, chosen by its authors.
func (t *Table) Version() string { return t.version }

// EffectiveFrom is the date from which the table is meant to decide runs.
func (t *Table) EffectiveFrom() time.Time { return t.effectiveFrom }

// Description is the table's free-text description.
func (t *Table) Description() Text { return t.description }

// Hash is "sha256:" and the hex SHA-256 of the canonical JSON form. It
// depends on the rules only, not on comments, layout or YAML anchors, so
// re-formatting a file keeps its hash and any change to a rule does not.
func (t *Table) Hash() string { return t.hash }

// CanonicalJSON is the table's content in the form its hash is taken over;
// the service stores it next to the decisions for the audit.
func (t *Table) CanonicalJSON() []byte { return slices.Clone(t.canonical) }

// Programmes returns the table's programmes in table order, as copies.
func (t *Table) Programmes() []Programme {
	out := make([]Programme, len(t.programmes))
	for i, p := range t.programmes {
		out[i] = p.clone()
	}
	return out
}

// Programme returns the programme with the given code.
func (t *Table) Programme(code string) (Programme, bool) {
	i := t.programmeIndex(code)
	if i < 0 {
		return Programme{}, false
	}
	return t.programmes[i].clone(), true
}

func (t *Table) programmeIndex(code string) int {
	return slices.IndexFunc(t.programmes, func(p Programme) bool { return p.Code == code })
}

func (p Programme) clone() Programme {
	p.QualifyingMembers = slices.Clone(p.QualifyingMembers)
	p.Exclusions = slices.Clone(p.Exclusions)
	if p.Quota != nil {
		q := *p.Quota
		p.Quota = &q
	}
	return p
}

//go:embed rules/programmes.yaml
var defaultRules []byte

var defaultTable = sync.OnceValues(func() (*Table, error) { return Parse(defaultRules) })

// DefaultTable returns the rules table that ships with the service
// (rules/programmes.yaml, described in docs/eligibility.md). The package's
// tests validate it, so a failure here is a build defect and panics.
func DefaultTable() *Table {
	t, err := defaultTable()
	if err != nil {
		panic("eligibility: the embedded rules table is invalid: " + err.Error())
	}
	return t
}

// maxTableBytes bounds a table file: the shipped table is a few kilobytes,
// and a rules file is never worth reading a gigabyte for.
const maxTableBytes = 1 << 20

// Load reads and validates a rules table from a YAML or JSON file.
func Load(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxTableBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxTableBytes {
		return nil, fmt.Errorf("eligibility: %s is larger than %d bytes", path, maxTableBytes)
	}
	return Parse(data)
}

// TableError lists every problem found in a rules table, so that its author
// can fix them in one pass.
type TableError struct {
	Problems []Problem
}

// Problem is one defect in a rules table.
type Problem struct {
	// Path locates the field, e.g. "programmes[0].name.en".
	Path string
	// Line is the YAML line, when known (0 otherwise).
	Line    int
	Message string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

func (e *TableError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.String()
	}
	return "eligibility: invalid rules table: " + strings.Join(msgs, "; ")
}

type validator struct{ problems []Problem }

func (v *validator) addf(n *yaml.Node, path, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	v.problems = append(v.problems, Problem{Path: path, Line: line, Message: fmt.Sprintf(format, args...)})
}

// The file form. Predicates stay YAML nodes until decodePredicate reads
// them, so that their errors carry lines.
type rawTable struct {
	Version       string         `yaml:"version"`
	EffectiveFrom string         `yaml:"effective_from"`
	Description   Text           `yaml:"description"`
	Conditions    []rawCondition `yaml:"conditions"`
	Exclusions    []rawExclusion `yaml:"exclusions"`
	Programmes    []rawProgramme `yaml:"programmes"`
}

type rawCondition struct {
	Code string    `yaml:"code"`
	Name Text      `yaml:"name"`
	When yaml.Node `yaml:"when"`
}

type rawExclusion struct {
	Code      string    `yaml:"code"`
	Name      Text      `yaml:"name"`
	Reason    Text      `yaml:"reason"`
	AnyMember yaml.Node `yaml:"any_member"`
	Family    string    `yaml:"family"`
}

type rawProgramme struct {
	Code              string    `yaml:"code"`
	Short             string    `yaml:"short"`
	Name              Text      `yaml:"name"`
	Basis             string    `yaml:"basis"`
	Illustrative      bool      `yaml:"illustrative"`
	MaxDecile         int       `yaml:"max_decile"`
	QualifyingMembers []string  `yaml:"qualifying_members"`
	Exclusions        []string  `yaml:"exclusions"`
	Quota             *rawQuota `yaml:"quota"`
}

type rawQuota struct {
	Unit string `yaml:"unit"`
	Size int64  `yaml:"size"`
}

var codePattern = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)

// Parse reads and validates a rules table in YAML or JSON (JSON is valid
// YAML). Unknown fields, unknown condition names, bad ranges, dangling
// references and missing translations are errors: a rule that silently
// means something else than its author thought decides millions of
// families.
func Parse(data []byte) (*Table, error) {
	var raw rawTable
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &TableError{Problems: []Problem{{Message: "the table is empty"}}}
		}
		return nil, &TableError{Problems: yamlProblems(err)}
	}
	// A second document would be ignored by the decoder, and rules that are
	// in the file but not in force are worse than an error.
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, &TableError{Problems: []Problem{{Message: "the file holds more than one YAML document; a table is exactly one"}}}
	}
	v := &validator{}
	t := &Table{
		version:     strings.TrimSpace(raw.Version),
		description: raw.Description,
	}
	condByCode := map[string]*Condition{}
	exclByCode := map[string]*Exclusion{}
	if t.version == "" {
		v.addf(nil, "version", "is required")
	}
	if d, err := time.Parse(time.DateOnly, raw.EffectiveFrom); err != nil {
		v.addf(nil, "effective_from", "must be a date YYYY-MM-DD, got %q", raw.EffectiveFrom)
	} else {
		t.effectiveFrom = d
	}
	if raw.Description != (Text{}) {
		checkText(v, "description", raw.Description)
	}

	conds := make([]Condition, 0, len(raw.Conditions))
	for i, rc := range raw.Conditions {
		path := fmt.Sprintf("conditions[%d]", i)
		c := Condition{Code: rc.Code, Name: rc.Name}
		checkCode(v, path, c.Code, "condition", condByCode)
		checkText(v, path+".name", c.Name)
		if rc.When.Kind == 0 {
			v.addf(nil, path+".when", "is required")
		} else {
			c.When = decodePredicate(&rc.When, path+".when", v)
		}
		conds = append(conds, c)
		condByCode[c.Code] = &conds[len(conds)-1]
	}

	excls := make([]Exclusion, 0, len(raw.Exclusions))
	for i, re := range raw.Exclusions {
		path := fmt.Sprintf("exclusions[%d]", i)
		e := Exclusion{Code: re.Code, Name: re.Name, Reason: re.Reason, Family: FamilyCondition(re.Family)}
		checkCode(v, path, e.Code, "exclusion", exclByCode)
		checkText(v, path+".name", e.Name)
		checkText(v, path+".reason", e.Reason)
		hasMember := re.AnyMember.Kind != 0
		switch {
		case hasMember && e.Family != "":
			v.addf(nil, path, "set either any_member or family, not both")
		case hasMember:
			p := decodePredicate(&re.AnyMember, path+".any_member", v)
			e.AnyMember = &p
		case e.Family == FamilyNoLivingMember || e.Family == FamilyAddressNotFound:
		case e.Family == "":
			v.addf(nil, path, "needs any_member or family")
		default:
			v.addf(nil, path+".family", "unknown family condition %q (known: %s, %s)",
				e.Family, FamilyNoLivingMember, FamilyAddressNotFound)
		}
		excls = append(excls, e)
		exclByCode[e.Code] = &excls[len(excls)-1]
	}

	seen := map[string]bool{}
	for i, rp := range raw.Programmes {
		path := fmt.Sprintf("programmes[%d]", i)
		p := Programme{
			Code: rp.Code, Short: strings.TrimSpace(rp.Short), Name: rp.Name, Basis: rp.Basis,
			Illustrative: rp.Illustrative, MaxDecile: rp.MaxDecile,
			QualifyingMembers: rp.QualifyingMembers, Exclusions: rp.Exclusions,
		}
		checkCode(v, path, p.Code, "programme", seen)
		seen[p.Code] = true
		if p.Short == "" {
			v.addf(nil, path+".short", "is required (the name reason texts use)")
		}
		checkText(v, path+".name", p.Name)
		if p.MaxDecile < 1 || p.MaxDecile > 10 {
			v.addf(nil, path+".max_decile", "must be 1-10 (DESIGN.md §2), got %d", p.MaxDecile)
		}
		checkRefs(v, path+".qualifying_members", p.QualifyingMembers, "condition", condByCode)
		checkRefs(v, path+".exclusions", p.Exclusions, "exclusion", exclByCode)
		if rp.Quota != nil {
			q := Quota{Unit: QuotaUnit(rp.Quota.Unit), Size: rp.Quota.Size}
			if q.Unit != QuotaPersons && q.Unit != QuotaFamilies {
				v.addf(nil, path+".quota.unit", "must be %s or %s, got %q", QuotaPersons, QuotaFamilies, q.Unit)
			}
			if q.Size <= 0 {
				v.addf(nil, path+".quota.size", "must be positive, got %d", q.Size)
			}
			p.Quota = &q
		}
		t.programmes = append(t.programmes, p)
	}
	if len(t.programmes) == 0 {
		v.addf(nil, "programmes", "the table lists no programme")
	}
	if len(v.problems) > 0 {
		return nil, &TableError{Problems: v.problems}
	}

	canon := struct {
		Version       string      `json:"version"`
		EffectiveFrom string      `json:"effective_from"`
		Description   Text        `json:"description"`
		Conditions    []Condition `json:"conditions"`
		Exclusions    []Exclusion `json:"exclusions"`
		Programmes    []Programme `json:"programmes"`
	}{t.version, t.effectiveFrom.Format(time.DateOnly), t.description, conds, excls, t.programmes}
	b, err := json.Marshal(canon)
	if err != nil {
		return nil, fmt.Errorf("eligibility: encoding the canonical table: %w", err)
	}
	sum := sha256.Sum256(b)
	t.canonical = b
	t.hash = "sha256:" + hex.EncodeToString(sum[:])
	t.compile(conds, excls)
	return t, nil
}

// rawNames turns the decoder's Go type names into the table's words.
var rawNames = strings.NewReplacer(
	"type eligibility.rawTable", "the table",
	"type eligibility.rawCondition", "a condition",
	"type eligibility.rawExclusion", "an exclusion",
	"type eligibility.rawProgramme", "a programme",
	"type eligibility.rawQuota", "a quota",
	"type eligibility.Text", "a text (id, en)",
)

func yamlProblems(err error) []Problem {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		out := make([]Problem, len(te.Errors))
		for i, e := range te.Errors {
			out[i] = Problem{Message: rawNames.Replace(e)}
		}
		return out
	}
	return []Problem{{Message: rawNames.Replace(err.Error())}}
}

func checkText(v *validator, path string, t Text) {
	if strings.TrimSpace(t.ID) == "" {
		v.addf(nil, path+".id", "missing Bahasa Indonesia text")
	}
	if strings.TrimSpace(t.EN) == "" {
		v.addf(nil, path+".en", "missing English text")
	}
}

func checkCode[T any](v *validator, path, code, kind string, seen map[string]T) {
	if !codePattern.MatchString(code) {
		v.addf(nil, path+".code", "%s code %q must be UPPER_SNAKE", kind, code)
		return
	}
	if _, dup := seen[code]; dup {
		v.addf(nil, path+".code", "%s code %q is defined twice", kind, code)
	}
}

func checkRefs[T any](v *validator, path string, refs []string, kind string, known map[string]T) {
	seen := map[string]bool{}
	for _, r := range refs {
		if _, ok := known[r]; !ok {
			v.addf(nil, path, "unknown %s %q", kind, r)
		}
		if seen[r] {
			v.addf(nil, path, "%s %q listed twice", kind, r)
		}
		seen[r] = true
	}
}
