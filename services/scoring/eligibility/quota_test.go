package eligibility

import (
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/dtsen-id/dtsen/services/scoring/ranking"
)

const quotaTable = `
version: q1
effective_from: "2026-01-01"
programmes:
  - code: PERSONS
    short: Per Jiwa
    name: {id: Kuota jiwa, en: Person quota}
    max_decile: 5
    quota: {unit: persons, size: 10}
  - code: FAMILIES
    short: Per Keluarga
    name: {id: Kuota keluarga, en: Family quota}
    max_decile: 5
    quota: {unit: families, size: 2}
  - code: OPEN
    short: Terbuka
    name: {id: Tanpa kuota, en: No quota}
    max_decile: 5
`

// quotaRun is five qualifying families and one above the decile limit. In
// poorest-first order: kk3 (score 1, 3 persons), kk1 and kk2 (score 2, tied,
// so by KK: kk1 with 2 persons, then kk2 with 4), kk4 (score 3, 5 persons),
// kk5 (score 4, 1 person).
func quotaRun(t *testing.T, tb *Table) []Decision {
	t.Helper()
	spec := []struct {
		n, decile, persons int
		score              float64
	}{{1, 2, 2, 2.0}, {2, 3, 4, 2.0}, {3, 1, 3, 1.0}, {4, 5, 5, 3.0}, {5, 4, 1, 4.0}, {6, 6, 1, 0.5}}
	var out []Decision
	for _, s := range spec {
		var ms []Member
		for i := range s.persons {
			ms = append(ms, adult(s.n*10+i))
		}
		f := family(s.n, s.decile, ms...)
		f.Score = s.score
		out = append(out, Evaluate(tb, f))
	}
	return out
}

func statuses(ds []Decision, programme string) map[string]Status {
	m := map[string]Status{}
	for _, d := range ds {
		p, _ := d.Programme(programme)
		m[d.KK] = p.Status
	}
	return m
}

func TestQuotaGoesToThePoorestFirst(t *testing.T) {
	tb := mustParse(t, quotaTable)
	ds := quotaRun(t, tb)
	for _, d := range ds[:5] {
		if p, _ := d.Programme("PERSONS"); p.Status != StatusQuotaPending {
			t.Fatalf("before ApplyQuotas %s is %s", d.KK, p.Status)
		}
	}
	results, err := ApplyQuotas(tb, ds)
	if err != nil {
		t.Fatal(err)
	}

	// Persons, quota 10: kk3 (3), kk1 (5), kk2 (9); kk4 would make 14, so
	// the allocation stops there, and kk5 (1 person, would fit) does not
	// jump ahead of the poorer kk4.
	wantPersons := map[string]Status{
		kkN(3): StatusEligible, kkN(1): StatusEligible, kkN(2): StatusEligible,
		kkN(4): StatusIneligible, kkN(5): StatusIneligible, kkN(6): StatusIneligible,
	}
	if got := statuses(ds, "PERSONS"); !maps.Equal(got, wantPersons) {
		t.Errorf("persons quota: %v", got)
	}
	// Families, quota 2: kk3, then the tie between kk1 and kk2 goes the way
	// the national ranking breaks it (ranking.PositionOf), so the quota
	// agrees with the deciles the families were told.
	first, second := kkN(1), kkN(2)
	p1, _ := ranking.PositionOf(2, first)
	p2, _ := ranking.PositionOf(2, second)
	if p2.Compare(p1) < 0 {
		first, second = second, first
	}
	wantFamilies := map[string]Status{
		kkN(3): StatusEligible, first: StatusEligible, second: StatusIneligible,
		kkN(4): StatusIneligible, kkN(5): StatusIneligible, kkN(6): StatusIneligible,
	}
	if got := statuses(ds, "FAMILIES"); !maps.Equal(got, wantFamilies) {
		t.Errorf("families quota: %v", got)
	}
	if got := statuses(ds, "OPEN"); got[kkN(5)] != StatusEligible {
		t.Errorf("a programme without quota is untouched: %v", got)
	}

	want := []QuotaResult{
		{Programme: "PERSONS", Unit: QuotaPersons, Size: 10, Candidates: 5, Granted: 3, Used: 9, LastGrantedKK: second, LastGrantedScore: 2},
		{Programme: "FAMILIES", Unit: QuotaFamilies, Size: 2, Candidates: 5, Granted: 2, Used: 2, LastGrantedKK: first, LastGrantedScore: 2},
	}
	if !slices.Equal(results, want) {
		t.Errorf("results %+v", results)
	}

	// The over-the-limit family keeps its decile reason, not a quota one.
	if p, _ := ds[5].Programme("PERSONS"); p.Reasons[0].Code != ReasonDecileAboveLimit {
		t.Errorf("kk6: %v", codes(p.Reasons))
	}
	granted, _ := ds[2].Programme("PERSONS")
	if got := codes(granted.Reasons); !slices.Equal(got, []string{ReasonDecileWithinLimit, ReasonQuotaGranted}) {
		t.Errorf("granted reasons %v", got)
	}
	if txt := granted.Reasons[1].Text.ID; !strings.Contains(txt, "(10 jiwa): urutan ke-1 ") {
		t.Errorf("granted text %q", txt)
	}
	exhausted, _ := ds[3].Programme("PERSONS")
	if got := codes(exhausted.Reasons); !slices.Equal(got, []string{ReasonQuotaExhausted}) {
		t.Errorf("exhausted reasons %v", got)
	}
	if txt := exhausted.Reasons[0].Text.EN; txt != "The national Per Jiwa quota (10 persons) was filled by families with lower welfare scores; this family is at position 4" {
		t.Errorf("exhausted text %q", txt)
	}
}

func TestQuotaOutcomeDoesNotDependOnOrder(t *testing.T) {
	tb := mustParse(t, quotaTable)
	ref := quotaRun(t, tb)
	if _, err := ApplyQuotas(tb, ref); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		ds := quotaRun(t, tb)
		rng.Shuffle(len(ds), func(i, j int) { ds[i], ds[j] = ds[j], ds[i] })
		if _, err := ApplyQuotas(tb, ds); err != nil {
			t.Fatal(err)
		}
		for _, prog := range []string{"PERSONS", "FAMILIES"} {
			if got, want := statuses(ds, prog), statuses(ref, prog); !maps.Equal(got, want) {
				t.Fatalf("%s after shuffle: %v, want %v", prog, got, want)
			}
		}
	}
}

func TestApplyQuotasTwiceChangesNothing(t *testing.T) {
	tb := mustParse(t, quotaTable)
	ds := quotaRun(t, tb)
	if _, err := ApplyQuotas(tb, ds); err != nil {
		t.Fatal(err)
	}
	before := statuses(ds, "PERSONS")
	results, err := ApplyQuotas(tb, ds)
	if err != nil {
		t.Fatal(err)
	}
	if results[0].Candidates != 0 || !maps.Equal(statuses(ds, "PERSONS"), before) {
		t.Errorf("second pass: %+v %v", results, statuses(ds, "PERSONS"))
	}
	if p, _ := ds[2].Programme("PERSONS"); len(p.Reasons) != 2 {
		t.Errorf("reasons grew: %v", codes(p.Reasons))
	}
}

func TestApplyQuotasRefusesMixedOrDuplicateRuns(t *testing.T) {
	tb := mustParse(t, quotaTable)
	ds := quotaRun(t, tb)
	foreign := Evaluate(DefaultTable(), family(7, 1, adult(70)))
	mixed := append(slices.Clone(ds), foreign)
	if _, err := ApplyQuotas(tb, mixed); err == nil || !strings.Contains(err.Error(), "was made by table") {
		t.Errorf("mixed tables: %v", err)
	}
	dup := append(slices.Clone(ds), ds[0])
	if _, err := ApplyQuotas(tb, dup); err == nil || !strings.Contains(err.Error(), "appears twice") {
		t.Errorf("duplicate KK: %v", err)
	}
	for _, d := range ds {
		if p, _ := d.Programme("PERSONS"); d.Decile <= 5 && p.Status != StatusQuotaPending {
			t.Fatalf("a refused run was partly applied: %s %s", d.KK, p.Status)
		}
	}
}

func TestShippedPBIQuotaCoversASmallRun(t *testing.T) {
	tb := DefaultTable()
	ds := []Decision{Evaluate(tb, family(1, 1, adult(1))), Evaluate(tb, family(2, 5, adult(2), adult(3)))}
	results, err := ApplyQuotas(tb, ds)
	if err != nil {
		t.Fatal(err)
	}
	if !ds[0].Eligible("PBI_JK") || !ds[1].Eligible("PBI_JK") || results[0].Used != 3 {
		t.Errorf("%+v", results)
	}
}
