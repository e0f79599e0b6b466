package eligibility

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// minimalTable is a valid table small enough to mutate in validation tests.
const minimalTable = `
version: "t1"
effective_from: "2026-01-01"
conditions:
  - code: YOUNG_CHILD
    name: {id: anak usia dini, en: young child}
    when: {age: {min: 0, max: 6}}
exclusions:
  - code: CIVIL_SERVANT
    name: {id: keluarga ASN, en: civil servant's family}
    reason: {id: Ada anggota ASN, en: A member is ASN}
    any_member: {occupation: [ASN]}
programmes:
  - code: PKH
    short: PKH
    name: {id: Program Keluarga Harapan, en: Family Hope Programme}
    max_decile: 4
    qualifying_members: [YOUNG_CHILD]
    exclusions: [CIVIL_SERVANT]
`

func mustParse(t *testing.T, src string) *Table {
	t.Helper()
	tb, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return tb
}

func TestDefaultTableShipsTheDesignProgrammes(t *testing.T) {
	tb := DefaultTable()
	if tb.Version() != "2026.1" || !tb.EffectiveFrom().Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("version %q effective %v", tb.Version(), tb.EffectiveFrom())
	}
	if !strings.HasPrefix(tb.Hash(), "sha256:") || len(tb.Hash()) != len("sha256:")+64 {
		t.Fatalf("hash %q", tb.Hash())
	}
	// DESIGN.md §1.4.
	want := map[string]int{"PKH": 4, "SEMBAKO": 5, "PBI_JK": 5}
	for code, decile := range want {
		p, ok := tb.Programme(code)
		if !ok || p.MaxDecile != decile || p.Illustrative {
			t.Errorf("%s: %+v %v", code, p, ok)
		}
		if len(p.Exclusions) != 7 {
			t.Errorf("%s: exclusions %v", code, p.Exclusions)
		}
	}
	pbi, _ := tb.Programme("PBI_JK")
	if pbi.Quota == nil || pbi.Quota.Unit != QuotaPersons || pbi.Quota.Size != 96_800_000 {
		t.Errorf("PBI JK quota %+v", pbi.Quota)
	}
	for _, code := range []string{"PIP", "BLT_DD"} {
		if p, ok := tb.Programme(code); !ok || !p.Illustrative {
			t.Errorf("%s should ship marked illustrative", code)
		}
	}
}

func TestProgrammesReturnsCopies(t *testing.T) {
	tb := DefaultTable()
	ps := tb.Programmes()
	ps[0].MaxDecile = 10
	ps[0].Exclusions[0] = "NONE"
	ps[2].Quota.Size = 1
	again := tb.Programmes()
	if again[0].MaxDecile != 4 || again[0].Exclusions[0] != "CIVIL_SERVANT" || again[2].Quota.Size != 96_800_000 {
		t.Fatal("mutating the returned programmes changed the table")
	}
}

func TestLoadFromFileYAMLAndJSON(t *testing.T) {
	dir := t.TempDir()
	yamlPath := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(yamlPath, []byte(minimalTable), 0o600); err != nil {
		t.Fatal(err)
	}
	fromYAML, err := Load(yamlPath)
	if err != nil {
		t.Fatal(err)
	}
	// The canonical form is itself a valid JSON table with the same hash,
	// so an auditor can reload exactly what decided.
	jsonPath := filepath.Join(dir, "rules.json")
	if err := os.WriteFile(jsonPath, DefaultTable().CanonicalJSON(), 0o600); err != nil {
		t.Fatal(err)
	}
	fromJSON, err := Load(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if fromJSON.Hash() != DefaultTable().Hash() {
		t.Errorf("canonical JSON reloads with hash %s, want %s", fromJSON.Hash(), DefaultTable().Hash())
	}
	if fromYAML.Hash() == fromJSON.Hash() {
		t.Error("different tables share a hash")
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestHashFollowsContentNotLayout(t *testing.T) {
	base := mustParse(t, minimalTable).Hash()
	relaid := strings.NewReplacer("    when: {age: {min: 0, max: 6}}", "    # a comment\n    when:\n      age:\n        max: 6\n        min: 0").Replace(minimalTable)
	if got := mustParse(t, relaid).Hash(); got != base {
		t.Errorf("comments and layout changed the hash: %s vs %s", got, base)
	}
	changes := map[string][2]string{
		"decile limit":  {"max_decile: 4", "max_decile: 5"},
		"age bound":     {"max: 6}", "max: 5}"},
		"version":       {`version: "t1"`, `version: "t2"`},
		"effective":     {"2026-01-01", "2026-02-01"},
		"reason text":   {"A member is ASN", "A member is a civil servant"},
		"exclusion ref": {"exclusions: [CIVIL_SERVANT]", "exclusions: []"},
	}
	for name, c := range changes {
		changed := strings.Replace(minimalTable, c[0], c[1], 1)
		if changed == minimalTable {
			t.Fatalf("%s: replacement did not apply", name)
		}
		if got := mustParse(t, changed).Hash(); got == base {
			t.Errorf("%s: hash did not change", name)
		}
	}
}

func TestTableValidation(t *testing.T) {
	cases := []struct {
		name, old, new, want string
	}{
		{"unknown condition name", "when: {age: {min: 0, max: 6}}", "when: {pregnent: true}", `unknown condition "pregnent"`},
		{"two keys in one predicate", "when: {age: {min: 0, max: 6}}", "when: {pregnant: true, in_school: true}", "exactly one key"},
		{"inverted age range", "when: {age: {min: 0, max: 6}}", "when: {age: {min: 7, max: 6}}", "min 7 is greater than max 6"},
		{"negative age", "when: {age: {min: 0, max: 6}}", "when: {age: {min: -1, max: 6}}", "within 0-150"},
		{"empty age range", "when: {age: {min: 0, max: 6}}", "when: {age: {}}", "needs min, max or both"},
		{"unknown age bound", "when: {age: {min: 0, max: 6}}", "when: {age: {from: 0}}", `unknown age bound "from"`},
		{"overlapping any ranges", "when: {age: {min: 0, max: 6}}", "when: {any: [{age: {min: 0, max: 6}}, {age: {min: 6, max: 21}}]}", "age ranges 0-6 and 6-21 overlap"},
		{"disjoint all ranges", "when: {age: {min: 0, max: 6}}", "when: {all: [{age: {min: 0, max: 6}}, {age: {min: 7}}]}", "can never match"},
		{"empty any", "when: {age: {min: 0, max: 6}}", "when: {any: []}", "non-empty list"},
		{"bad boolean", "when: {age: {min: 0, max: 6}}", "when: {pregnant: maybe}", "true or false"},
		{"bad sex", "when: {age: {min: 0, max: 6}}", "when: {sex: x}", "female or male"},
		{"unknown occupation", "occupation: [ASN]", "occupation: [ASN, PNS]", `unknown occupation "PNS"`},
		{"missing when", "    when: {age: {min: 0, max: 6}}\n", "", "conditions[0].when: is required"},
		{"missing English name", "{id: anak usia dini, en: young child}", "{id: anak usia dini}", "conditions[0].name.en: missing English text"},
		{"missing Indonesian reason", "reason: {id: Ada anggota ASN, en: A member is ASN}", "reason: {en: A member is ASN}", "exclusions[0].reason.id: missing Bahasa Indonesia text"},
		{"missing programme name", "name: {id: Program Keluarga Harapan, en: Family Hope Programme}", "name: {en: Family Hope Programme}", "programmes[0].name.id"},
		{"missing short", "    short: PKH\n", "", "programmes[0].short: is required"},
		{"decile above 10", "max_decile: 4", "max_decile: 11", "must be 1-10"},
		{"decile zero", "max_decile: 4", "max_decile: 0", "must be 1-10"},
		{"unknown qualifying condition", "qualifying_members: [YOUNG_CHILD]", "qualifying_members: [ELDERLY]", `unknown condition "ELDERLY"`},
		{"duplicate qualifying condition", "qualifying_members: [YOUNG_CHILD]", "qualifying_members: [YOUNG_CHILD, YOUNG_CHILD]", "listed twice"},
		{"unknown exclusion", "exclusions: [CIVIL_SERVANT]", "exclusions: [CIVIL_SERVANT, MILITARY]", `unknown exclusion "MILITARY"`},
		{"bad code", "  - code: PKH", "  - code: pkh", "must be UPPER_SNAKE"},
		{"exclusion with no test", "    any_member: {occupation: [ASN]}\n", "", "needs any_member or family"},
		{"exclusion with both tests", "any_member: {occupation: [ASN]}", "any_member: {occupation: [ASN]}\n    family: address_not_found", "not both"},
		{"unknown family condition", "any_member: {occupation: [ASN]}", "family: homeless", `unknown family condition "homeless"`},
		{"bad quota unit", "exclusions: [CIVIL_SERVANT]\n", "exclusions: [CIVIL_SERVANT]\n    quota: {unit: households, size: 10}\n", "must be persons or families"},
		{"zero quota", "exclusions: [CIVIL_SERVANT]\n", "exclusions: [CIVIL_SERVANT]\n    quota: {unit: persons, size: 0}\n", "must be positive"},
		{"unknown field", "    max_decile: 4\n", "    max_decile: 4\n    min_income: 3\n", "field min_income not found in a programme"},
		{"no version", `version: "t1"`, `version: ""`, "version: is required"},
		{"bad date", "2026-01-01", "1 January 2026", "effective_from: must be a date"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(minimalTable, c.old, c.new, 1)
			if src == minimalTable {
				t.Fatal("replacement did not apply")
			}
			_, err := Parse([]byte(src))
			var te *TableError
			if !errors.As(err, &te) {
				t.Fatalf("want a *TableError, got %v", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}
}

func TestTableValidationReportsEveryProblemWithLines(t *testing.T) {
	src := strings.NewReplacer(
		"when: {age: {min: 0, max: 6}}", "when: {age: {min: 9, max: 6}}",
		"max_decile: 4", "max_decile: 12",
		"{id: anak usia dini, en: young child}", "{en: young child}",
	).Replace(minimalTable)
	_, err := Parse([]byte(src))
	var te *TableError
	if !errors.As(err, &te) || len(te.Problems) != 3 {
		t.Fatalf("want 3 problems, got %v", err)
	}
	if !strings.Contains(err.Error(), "line 7: conditions[0].when.age") {
		t.Errorf("the age problem should carry its line: %v", err)
	}
}

func TestTableRejectsDuplicatesAndEmptiness(t *testing.T) {
	dup := minimalTable + `
  - code: PKH
    short: PKH2
    name: {id: lagi, en: again}
    max_decile: 3
`
	if _, err := Parse([]byte(dup)); err == nil || !strings.Contains(err.Error(), `programme code "PKH" is defined twice`) {
		t.Errorf("duplicate programme: %v", err)
	}
	if _, err := Parse(nil); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty table: %v", err)
	}
	if _, err := Parse([]byte(minimalTable + "---\nversion: t2\n")); err == nil || !strings.Contains(err.Error(), "more than one YAML document") {
		t.Errorf("two documents: %v", err)
	}
	noProgrammes := minimalTable[:strings.Index(minimalTable, "programmes:")]
	if _, err := Parse([]byte(noProgrammes)); err == nil || !strings.Contains(err.Error(), "no programme") {
		t.Errorf("table without programmes: %v", err)
	}
}

func TestAnchorsExpandToTheSameRules(t *testing.T) {
	explicit := mustParse(t, minimalTable)
	anchored := mustParse(t, strings.NewReplacer(
		"when: {age: {min: 0, max: 6}}", "when: &kid {age: {min: 0, max: 6}}",
		"any_member: {occupation: [ASN]}", "any_member: {all: [*kid, {occupation: [ASN]}]}",
	).Replace(minimalTable))
	if anchored.Hash() == explicit.Hash() {
		t.Fatal("a changed exclusion kept the hash")
	}
	spelled := mustParse(t, strings.Replace(minimalTable,
		"any_member: {occupation: [ASN]}", "any_member: {all: [{age: {min: 0, max: 6}}, {occupation: [ASN]}]}", 1))
	if anchored.Hash() != spelled.Hash() {
		t.Error("an alias must mean exactly what it points to")
	}
}
