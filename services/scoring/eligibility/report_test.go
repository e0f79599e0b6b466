package eligibility

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// pilotComparisons is a hand-built switch-over of five families in two
// provinces:
//
//	F1 32.04 DTKS PKH SEMBAKO PBI_JK; desil 3 with a young child: keeps all three
//	F2 32.04 DTKS PKH SEMBAKO;        desil 7: loses both (DECILE_ABOVE_LIMIT)
//	F3 32.73 DTKS none;               desil 2 with an elderly member: gains PKH SEMBAKO PBI_JK
//	F4 33.01 DTKS SEMBAKO PBI_JK;     desil 4, a civil servant: loses both (EXCLUDED_CIVIL_SERVANT)
//	F5 32.04 DTKS PKH;                desil 4, no qualifying member: loses PKH, gains SEMBAKO PBI_JK
func pilotComparisons(t *testing.T) []Comparison {
	t.Helper()
	tb := DefaultTable()
	at := func(f Facts, region string) Facts { f.Region = region; return f }
	asn := adult(41)
	asn.Occupation = OccupationASN
	facts := []Facts{
		at(family(1, 3, adult(11), Member{NIK: nikN(12), Age: 4, Sex: SexFemale}), "32.04.12.2001"),
		at(family(2, 7, adult(21), Member{NIK: nikN(22), Age: 2, Sex: SexMale}), "32.04.12.2002"),
		at(family(3, 2, Member{NIK: nikN(31), Age: 66, Sex: SexFemale}), "32.73.01.1001"),
		at(family(4, 4, asn), "33.01.01.2001"),
		at(family(5, 4, adult(51)), "32.04.05.2001"),
	}
	dtks := [][]string{{"PKH", "SEMBAKO", "PBI_JK"}, {"PKH", "SEMBAKO"}, nil, {"SEMBAKO", "PBI_JK"}, {"PKH"}}
	decisions := make([]Decision, len(facts))
	for i, f := range facts {
		decisions[i] = Evaluate(tb, f)
	}
	if _, err := ApplyQuotas(tb, decisions); err != nil {
		t.Fatal(err)
	}
	out := make([]Comparison, len(facts))
	for i := range facts {
		out[i] = Comparison{DTKSReceiving: dtks[i], New: decisions[i]}
	}
	return out
}

func change(t *testing.T, s RegionSummary, programme string) ProgrammeChange {
	t.Helper()
	for _, pc := range s.Programmes {
		if pc.Programme == programme {
			return pc
		}
	}
	t.Fatalf("%q has no %s", s.Region, programme)
	return ProgrammeChange{}
}

func lostKKs(pc ProgrammeChange) []string {
	var out []string
	for _, l := range pc.Lost {
		out = append(out, l.KK)
	}
	return out
}

func TestTransitionReportCounts(t *testing.T) {
	r, err := BuildReport(DefaultTable(), pilotComparisons(t))
	if err != nil {
		t.Fatal(err)
	}
	if r.National.Families != 5 || r.TableHash != DefaultTable().Hash() {
		t.Fatalf("national %+v", r.National)
	}
	type counts struct {
		before, after, kept int
		gained, lost        []string
	}
	check := func(s RegionSummary, programme string, want counts) {
		t.Helper()
		pc := change(t, s, programme)
		if pc.Before != want.before || pc.After != want.after || pc.Kept != want.kept ||
			!slices.Equal(pc.Gained, want.gained) || !slices.Equal(lostKKs(pc), want.lost) {
			t.Errorf("%q %s: before %d after %d kept %d gained %v lost %v; want %+v",
				s.Region, programme, pc.Before, pc.After, pc.Kept, pc.Gained, lostKKs(pc), want)
		}
	}
	check(r.National, "PKH", counts{3, 2, 1, []string{kkN(3)}, []string{kkN(2), kkN(5)}})
	check(r.National, "SEMBAKO", counts{3, 3, 1, []string{kkN(3), kkN(5)}, []string{kkN(2), kkN(4)}})
	check(r.National, "PBI_JK", counts{2, 3, 1, []string{kkN(3), kkN(5)}, []string{kkN(4)}})
	check(r.National, "BLT_DD", counts{0, 0, 0, []string{}, nil})

	wantPKHReasons := map[string]int{ReasonDecileAboveLimit: 1, ReasonNoQualifyingMember: 1}
	if got := change(t, r.National, "PKH").LossReasons; !maps.Equal(got, wantPKHReasons) {
		t.Errorf("PKH loss reasons %v", got)
	}
	if got := change(t, r.National, "PBI_JK").LossReasons; !maps.Equal(got, map[string]int{"EXCLUDED_CIVIL_SERVANT": 1}) {
		t.Errorf("PBI JK loss reasons %v", got)
	}

	var provinces, regencies []string
	for _, s := range r.Provinces {
		provinces = append(provinces, s.Region)
	}
	for _, s := range r.Regencies {
		regencies = append(regencies, s.Region)
	}
	if !slices.Equal(provinces, []string{"32", "33"}) || !slices.Equal(regencies, []string{"32.04", "32.73", "33.01"}) {
		t.Fatalf("regions %v %v", provinces, regencies)
	}
	if r.Provinces[0].Families != 4 || r.Regencies[0].Families != 3 || r.Regencies[1].Families != 1 {
		t.Errorf("families per region: %d %d %d", r.Provinces[0].Families, r.Regencies[0].Families, r.Regencies[1].Families)
	}
	check(r.Provinces[0], "PKH", counts{3, 2, 1, []string{kkN(3)}, []string{kkN(2), kkN(5)}})
	check(r.Provinces[1], "SEMBAKO", counts{1, 0, 0, []string{}, []string{kkN(4)}})
	check(r.Regencies[0], "PKH", counts{3, 1, 1, []string{}, []string{kkN(2), kkN(5)}})
	check(r.Regencies[0], "SEMBAKO", counts{2, 2, 1, []string{kkN(5)}, []string{kkN(2)}})
	check(r.Regencies[1], "PKH", counts{0, 1, 0, []string{kkN(3)}, nil})
}

func TestTransitionReportMarkdown(t *testing.T) {
	r, err := BuildReport(DefaultTable(), pilotComparisons(t))
	if err != nil {
		t.Fatal(err)
	}
	md := r.Markdown()
	for _, want := range []string{
		"# Transition report: DTKS to DTSEN",
		"Rules table 2026.1 (`" + DefaultTable().Hash() + "`); 5 families compared.",
		"| Programme | DTKS | DTSEN | Kept | Gains | Losses | Net |",
		"| PKH | 3 | 2 | 1 | 1 | 2 | -1 |",
		"| Sembako | 3 | 3 | 1 | 2 | 2 | +0 |",
		"| PBI JK | 2 | 3 | 1 | 2 | 1 | +1 |",
		"- PKH: DECILE_ABOVE_LIMIT 1, NO_QUALIFYING_MEMBER 1",
		"### Province 33 (families: 1)",
		"### Regency/city 32.04 (families: 3)",
		"- PKH losses (2): " + kkN(2) + " (DECILE_ABOVE_LIMIT), " + kkN(5) + " (NO_QUALIFYING_MEMBER)",
		"- Sembako gains (1): " + kkN(5),
		"- PBI JK losses (1): " + kkN(4) + " (EXCLUDED_CIVIL_SERVANT)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q\n%s", want, md)
		}
	}
	var b strings.Builder
	if err := r.WriteMarkdown(&b, 1); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "- PKH losses (2): "+kkN(2)+" (DECILE_ABOVE_LIMIT) and 1 more") {
		t.Errorf("capped list missing:\n%s", b.String())
	}
}

func TestTransitionReportRefusesBadInput(t *testing.T) {
	tb := DefaultTable()
	base := pilotComparisons(t)
	cases := map[string]func([]Comparison) []Comparison{
		`DTKS programme "BPNT" is not in the table`: func(c []Comparison) []Comparison { c[0].DTKSReceiving = []string{"BPNT"}; return c },
		"appears twice":    func(c []Comparison) []Comparison { return append(c, c[0]) },
		"names no regency": func(c []Comparison) []Comparison { c[0].New.Region = "32"; return c },
		"waiting for ApplyQuotas": func(c []Comparison) []Comparison {
			c[0].New = Evaluate(tb, family(9, 1, adult(91)))
			return c
		},
		"was made by table": func(c []Comparison) []Comparison { c[0].New.TableHash = "sha256:other"; return c },
		"has no result for": func(c []Comparison) []Comparison { c[0].New.Programmes = c[0].New.Programmes[:2]; return c },
	}
	for want, mutate := range cases {
		in := make([]Comparison, len(base))
		for i, c := range base {
			c.New.Programmes = slices.Clone(c.New.Programmes)
			in[i] = c
		}
		if _, err := BuildReport(tb, mutate(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want an error with %q, got %v", want, err)
		}
	}
}
