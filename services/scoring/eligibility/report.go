package eligibility

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Comparison is one family's old and new standing, the input of the
// transition report (DESIGN.md §1.8).
type Comparison struct {
	// DTKSReceiving are the programmes (table codes) the family received
	// under the old DTKS lists.
	DTKSReceiving []string
	// New is the family's DTSEN decision, after [ApplyQuotas]. Its KK and
	// region place the family in the report.
	New Decision
}

// Report shows, per region, who gains and who loses each programme when a
// region switches from DTKS to DTSEN. Losses listed here are what the new
// ranking would do; each still goes through a notice and an objection
// window before it takes effect.
type Report struct {
	TableVersion string   `json:"table_version"`
	TableHash    string   `json:"table_hash"`
	Programmes   []string `json:"programmes"`
	// National, then one summary per province ("32") and per regency or
	// city ("32.04"), in code order.
	National  RegionSummary   `json:"national"`
	Provinces []RegionSummary `json:"provinces"`
	Regencies []RegionSummary `json:"regencies"`

	short map[string]string
}

// RegionSummary is the change in one region; Region is empty for the
// national total.
type RegionSummary struct {
	Region     string            `json:"region"`
	Families   int               `json:"families"`
	Programmes []ProgrammeChange `json:"programmes"`
}

// ProgrammeChange is one programme's change in one region.
type ProgrammeChange struct {
	Programme string `json:"programme"`
	// Before counts DTKS recipients, After DTSEN-eligible families, Kept
	// those in both.
	Before int `json:"before"`
	After  int `json:"after"`
	Kept   int `json:"kept"`
	// Gained and Lost are the families (KK numbers, sorted) that enter or
	// leave the programme.
	Gained []string     `json:"gained"`
	Lost   []LostFamily `json:"lost"`
	// LossReasons counts the lost families by reason code; a family that
	// fails two rules counts under both.
	LossReasons map[string]int `json:"loss_reasons,omitempty"`
}

// LostFamily is a family that leaves a programme, with the codes of every
// rule it fails.
type LostFamily struct {
	KK      string   `json:"kk"`
	Reasons []string `json:"reasons"`
}

// BuildReport aggregates the comparisons per province and regency. Every
// decision must come from this table with its quotas applied, every DTKS
// programme must be a table code (map DTKS names first: a misspelt code
// would show up as a mass loss), and each family must appear once.
func BuildReport(t *Table, families []Comparison) (*Report, error) {
	r := &Report{TableVersion: t.version, TableHash: t.hash, short: map[string]string{}}
	for _, p := range t.programmes {
		r.Programmes = append(r.Programmes, p.Code)
		r.short[p.Code] = p.Short
	}
	r.National = newSummary("", r.Programmes)
	provinces := map[string]*RegionSummary{}
	regencies := map[string]*RegionSummary{}
	seen := make(map[string]bool, len(families))
	for i := range families {
		c := &families[i]
		d := &c.New
		switch {
		case d.TableHash != t.hash:
			return nil, fmt.Errorf("eligibility: decision for KK %s was made by table %s, not %s", d.KK, d.TableHash, t.hash)
		case seen[d.KK]:
			return nil, fmt.Errorf("eligibility: KK %s appears twice in the report", d.KK)
		case !regionShape(d.Region) || len(d.Region) < len("32.04"):
			return nil, fmt.Errorf("eligibility: KK %s has region %q, which names no regency", d.KK, d.Region)
		}
		seen[d.KK] = true
		old := map[string]bool{}
		for _, code := range c.DTKSReceiving {
			if t.programmeIndex(code) < 0 {
				return nil, fmt.Errorf("eligibility: KK %s: DTKS programme %q is not in the table", d.KK, code)
			}
			old[code] = true
		}
		prov, reg := d.Region[:2], d.Region[:5]
		for _, s := range []*RegionSummary{&r.National, summaryFor(provinces, prov, r.Programmes), summaryFor(regencies, reg, r.Programmes)} {
			s.Families++
		}
		for pi, code := range r.Programmes {
			j := programmeAt(d, pi, code)
			if j < 0 {
				return nil, fmt.Errorf("eligibility: KK %s: the decision has no result for %s", d.KK, code)
			}
			pd := d.Programmes[j]
			if pd.Status == StatusQuotaPending {
				return nil, fmt.Errorf("eligibility: KK %s: %s is still waiting for ApplyQuotas", d.KK, code)
			}
			now := pd.Status == StatusEligible
			for _, s := range []*RegionSummary{&r.National, provinces[prov], regencies[reg]} {
				s.Programmes[pi].add(d.KK, old[code], now, pd.Reasons)
			}
		}
	}
	r.Provinces = sortedSummaries(provinces)
	r.Regencies = sortedSummaries(regencies)
	for _, s := range append([]*RegionSummary{&r.National}, pointers(r.Provinces, r.Regencies)...) {
		for i := range s.Programmes {
			pc := &s.Programmes[i]
			slices.Sort(pc.Gained)
			slices.SortFunc(pc.Lost, func(a, b LostFamily) int { return cmp.Compare(a.KK, b.KK) })
		}
	}
	return r, nil
}

func newSummary(region string, programmes []string) RegionSummary {
	s := RegionSummary{Region: region, Programmes: make([]ProgrammeChange, len(programmes))}
	for i, code := range programmes {
		s.Programmes[i] = ProgrammeChange{Programme: code, Gained: []string{}, Lost: []LostFamily{}}
	}
	return s
}

func summaryFor(m map[string]*RegionSummary, region string, programmes []string) *RegionSummary {
	s, ok := m[region]
	if !ok {
		ns := newSummary(region, programmes)
		s = &ns
		m[region] = s
	}
	return s
}

func (pc *ProgrammeChange) add(kk string, before, after bool, reasons []Reason) {
	switch {
	case before && after:
		pc.Kept++
	case after:
		pc.Gained = append(pc.Gained, kk)
	case before:
		lf := LostFamily{KK: kk, Reasons: make([]string, 0, len(reasons))}
		if pc.LossReasons == nil {
			pc.LossReasons = map[string]int{}
		}
		for _, r := range reasons {
			if !slices.Contains(lf.Reasons, r.Code) {
				lf.Reasons = append(lf.Reasons, r.Code)
				pc.LossReasons[r.Code]++
			}
		}
		pc.Lost = append(pc.Lost, lf)
	}
	if before {
		pc.Before++
	}
	if after {
		pc.After++
	}
}

func sortedSummaries(m map[string]*RegionSummary) []RegionSummary {
	out := make([]RegionSummary, 0, len(m))
	for _, s := range m {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b RegionSummary) int { return cmp.Compare(a.Region, b.Region) })
	return out
}

func pointers(lists ...[]RegionSummary) []*RegionSummary {
	var out []*RegionSummary
	for _, l := range lists {
		for i := range l {
			out = append(out, &l[i])
		}
	}
	return out
}

// Markdown renders the whole report with every KK listed.
func (r *Report) Markdown() string {
	var b strings.Builder
	_ = r.WriteMarkdown(&b, 0)
	return b.String()
}

// WriteMarkdown renders the report: a count table nationally, per province
// and per regency, and under each regency the families that gain and lose,
// losses with their reason codes. maxListed > 0 caps each list (the rest is
// counted), for regions too large to read family by family.
func (r *Report) WriteMarkdown(w io.Writer, maxListed int) error {
	ew := &errWriter{w: w}
	ew.printf("# Transition report: DTKS to DTSEN\n\n")
	ew.printf("Rules table %s (`%s`); %d families compared.\n\n", r.TableVersion, r.TableHash, r.National.Families)
	ew.printf("DTKS counts the families on the old recipient lists, DTSEN those eligible under the new ranking. ")
	ew.printf("A loss listed here takes effect only after the family's notice deadline, and not while an objection is pending.\n\n")
	ew.printf("## National\n\n")
	r.writeCounts(ew, &r.National)
	r.writeReasons(ew, &r.National)
	if len(r.Provinces) > 0 {
		ew.printf("## Provinces\n\n")
		for i := range r.Provinces {
			ew.printf("### Province %s (families: %d)\n\n", r.Provinces[i].Region, r.Provinces[i].Families)
			r.writeCounts(ew, &r.Provinces[i])
			r.writeReasons(ew, &r.Provinces[i])
		}
	}
	if len(r.Regencies) > 0 {
		ew.printf("## Regencies and cities\n\n")
		for i := range r.Regencies {
			s := &r.Regencies[i]
			ew.printf("### Regency/city %s (families: %d)\n\n", s.Region, s.Families)
			r.writeCounts(ew, s)
			r.writeLists(ew, s, maxListed)
		}
	}
	return ew.err
}

func (r *Report) name(code string) string {
	if s := r.short[code]; s != "" {
		return s
	}
	return code
}

func (r *Report) writeCounts(ew *errWriter, s *RegionSummary) {
	ew.printf("| Programme | DTKS | DTSEN | Kept | Gains | Losses | Net |\n")
	ew.printf("|---|---:|---:|---:|---:|---:|---:|\n")
	for _, pc := range s.Programmes {
		ew.printf("| %s | %d | %d | %d | %d | %d | %+d |\n",
			r.name(pc.Programme), pc.Before, pc.After, pc.Kept, len(pc.Gained), len(pc.Lost), pc.After-pc.Before)
	}
	ew.printf("\n")
}

func (r *Report) writeReasons(ew *errWriter, s *RegionSummary) {
	listed := false
	for _, pc := range s.Programmes {
		if len(pc.LossReasons) == 0 {
			continue
		}
		if !listed {
			ew.printf("Reasons for losses (a family failing two rules counts under both):\n\n")
			listed = true
		}
		codes := make([]string, 0, len(pc.LossReasons))
		for code := range pc.LossReasons {
			codes = append(codes, code)
		}
		slices.SortFunc(codes, func(a, b string) int {
			return cmp.Or(cmp.Compare(pc.LossReasons[b], pc.LossReasons[a]), cmp.Compare(a, b))
		})
		parts := make([]string, len(codes))
		for i, code := range codes {
			parts[i] = fmt.Sprintf("%s %d", code, pc.LossReasons[code])
		}
		ew.printf("- %s: %s\n", r.name(pc.Programme), strings.Join(parts, ", "))
	}
	if listed {
		ew.printf("\n")
	}
}

func (r *Report) writeLists(ew *errWriter, s *RegionSummary, maxListed int) {
	wrote := false
	for _, pc := range s.Programmes {
		if len(pc.Gained) > 0 {
			ew.printf("- %s gains (%d): %s\n", r.name(pc.Programme), len(pc.Gained), capped(pc.Gained, maxListed))
			wrote = true
		}
		if len(pc.Lost) > 0 {
			items := make([]string, len(pc.Lost))
			for i, l := range pc.Lost {
				items[i] = l.KK + " (" + strings.Join(l.Reasons, ", ") + ")"
			}
			ew.printf("- %s losses (%d): %s\n", r.name(pc.Programme), len(pc.Lost), capped(items, maxListed))
			wrote = true
		}
	}
	if wrote {
		ew.printf("\n")
	}
}

func capped(items []string, maxListed int) string {
	if maxListed <= 0 || len(items) <= maxListed {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:maxListed], ", ") + fmt.Sprintf(" and %d more", len(items)-maxListed)
}

// errWriter keeps the first write error so that rendering code stays a
// sequence of prints.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
