package eligibility

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func kkN(n int) string  { return fmt.Sprintf("3204120000%06d", n) }
func nikN(n int) string { return fmt.Sprintf("3204120101%06d", n) }

var refDate = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// adult is a member who qualifies for nothing and excludes nothing.
func adult(n int) Member {
	return Member{NIK: nikN(n), Age: 40, Sex: SexMale, Occupation: OccupationOther}
}

func schoolChild(n int) Member {
	return Member{NIK: nikN(n), Age: 10, Sex: SexFemale, InSchool: true, Occupation: OccupationOther}
}

func family(n, decile int, members ...Member) Facts {
	return Facts{KK: kkN(n), Decile: decile, Score: float64(decile), Region: "32.04.12.2001",
		ReferenceDate: refDate, Members: members}
}

func programmeOf(t *testing.T, d Decision, code string) ProgrammeDecision {
	t.Helper()
	p, ok := d.Programme(code)
	if !ok {
		t.Fatalf("decision has no %s", code)
	}
	return p
}

func codes(rs []Reason) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Code
	}
	return out
}

func TestDecileLimitOfEachProgramme(t *testing.T) {
	tb := DefaultTable()
	child := Member{NIK: nikN(2), Age: 10, Sex: SexFemale, InSchool: true}
	for _, p := range tb.Programmes() {
		for decile := 1; decile <= 10; decile++ {
			d := Evaluate(tb, family(1, decile, adult(1), child))
			got := programmeOf(t, d, p.Code)
			want := StatusIneligible
			if decile <= p.MaxDecile {
				want = StatusEligible
				if p.Quota != nil {
					want = StatusQuotaPending
				}
			}
			if got.Status != want {
				t.Errorf("%s decile %d: %s, want %s (%v)", p.Code, decile, got.Status, want, codes(got.Reasons))
			}
			if want == StatusIneligible && !slices.Equal(codes(got.Reasons), []string{ReasonDecileAboveLimit}) {
				t.Errorf("%s decile %d: reasons %v", p.Code, decile, codes(got.Reasons))
			}
			if want != StatusIneligible && got.Reasons[0].Code != ReasonDecileWithinLimit {
				t.Errorf("%s decile %d: first reason %v", p.Code, decile, got.Reasons[0])
			}
		}
	}
}

func TestDecileReasonText(t *testing.T) {
	d := Evaluate(DefaultTable(), family(1, 6, adult(1), Member{NIK: nikN(2), Age: 3}))
	r := programmeOf(t, d, "PKH").Reasons[0]
	want := Text{ID: "Desil 6 di atas batas desil 4 untuk PKH", EN: "Decile 6 is above the limit of decile 4 for PKH"}
	if r.Code != ReasonDecileAboveLimit || r.Text != want {
		t.Errorf("got %+v", r)
	}
	pbi := programmeOf(t, d, "PBI_JK").Reasons[0]
	if pbi.Text.ID != "Desil 6 di atas batas desil 5 untuk PBI JK" {
		t.Errorf("PBI JK text uses the short name: %q", pbi.Text.ID)
	}
}

func TestUnrankedFamilyQualifiesForNothing(t *testing.T) {
	for _, decile := range []int{0, -1, 11} {
		d := Evaluate(DefaultTable(), family(1, decile, adult(1), Member{NIK: nikN(2), Age: 3}))
		for _, p := range d.Programmes {
			if p.Status != StatusIneligible || p.Reasons[0].Code != ReasonNotRanked {
				t.Errorf("decile %d %s: %s %v", decile, p.Programme, p.Status, codes(p.Reasons))
			}
		}
	}
	d := Evaluate(DefaultTable(), family(1, 0, adult(1)))
	if got := programmeOf(t, d, "BLT_DD").Reasons[0].Text.EN; !strings.HasSuffix(got, "BLT Dana Desa requires decile 1") {
		t.Errorf("text %q", got)
	}
}

func TestPKHQualifyingMembers(t *testing.T) {
	cases := []struct {
		name   string
		member Member
		want   []string // qualifying conditions, empty = none
	}{
		{"pregnant woman", Member{Age: 25, Sex: SexFemale, Pregnant: true}, []string{"PREGNANT"}},
		{"pregnant flag on a man is a data error, not a qualification", Member{Age: 25, Sex: SexMale, Pregnant: true}, nil},
		{"newborn", Member{Age: 0, Sex: SexMale}, []string{"YOUNG_CHILD"}},
		{"young child at 6", Member{Age: 6, Sex: SexMale}, []string{"YOUNG_CHILD"}},
		{"six in school is still a young child only", Member{Age: 6, Sex: SexMale, InSchool: true}, []string{"YOUNG_CHILD"}},
		{"seven not in school", Member{Age: 7, Sex: SexMale}, nil},
		{"seven in school", Member{Age: 7, Sex: SexMale, InSchool: true}, []string{"SCHOOL_CHILD"}},
		{"21 in school", Member{Age: 21, Sex: SexFemale, InSchool: true}, []string{"SCHOOL_CHILD"}},
		{"22 in school", Member{Age: 22, Sex: SexFemale, InSchool: true}, nil},
		{"59", Member{Age: 59, Sex: SexFemale}, nil},
		{"60", Member{Age: 60, Sex: SexFemale}, []string{"ELDERLY"}},
		{"severe disability", Member{Age: 30, Sex: SexMale, SevereDisability: true}, []string{"SEVERE_DISABILITY"}},
		{"elderly with a severe disability", Member{Age: 75, Sex: SexMale, SevereDisability: true}, []string{"ELDERLY", "SEVERE_DISABILITY"}},
		{"working-age adult", Member{Age: 30, Sex: SexFemale}, nil},
		{"deceased young child", Member{Age: 2, Sex: SexMale, Deceased: true}, nil},
		{"deceased elderly", Member{Age: 80, Sex: SexFemale, Deceased: true}, nil},
		{"deceased pregnant woman", Member{Age: 25, Sex: SexFemale, Pregnant: true, Deceased: true}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := c.member
			m.NIK = nikN(2)
			pkh := programmeOf(t, Evaluate(DefaultTable(), family(1, 2, adult(1), m)), "PKH")
			var got []string
			for _, r := range pkh.Reasons {
				if r.Code == ReasonQualifyingMember {
					got = append(got, r.Rule)
					if !slices.Equal(r.Members, []string{nikN(2)}) {
						t.Errorf("%s names members %v", r.Rule, r.Members)
					}
				}
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("qualifying %v, want %v", got, c.want)
			}
			wantStatus := StatusEligible
			if len(c.want) == 0 {
				wantStatus = StatusIneligible
				if !slices.Equal(codes(pkh.Reasons), []string{ReasonNoQualifyingMember}) {
					t.Errorf("reasons %v", codes(pkh.Reasons))
				}
			}
			if pkh.Status != wantStatus {
				t.Errorf("status %s, want %s", pkh.Status, wantStatus)
			}
		})
	}
}

func TestQualifyingReasonTexts(t *testing.T) {
	twins := []Member{adult(1), {NIK: nikN(2), Age: 3, Sex: SexMale}, {NIK: nikN(3), Age: 3, Sex: SexFemale}}
	pkh := programmeOf(t, Evaluate(DefaultTable(), family(1, 2, twins...)), "PKH")
	want := Reason{Code: ReasonQualifyingMember, Rule: "YOUNG_CHILD", Members: []string{nikN(2), nikN(3)}, Text: Text{
		ID: "Anggota keluarga yang memenuhi syarat PKH: anak usia dini (0–6 tahun) (2 orang)",
		EN: "Family member qualifying for PKH: young child (0–6 years) (2 persons)",
	}}
	if got := pkh.Reasons[1]; got.Code != want.Code || got.Rule != want.Rule || got.Text != want.Text || !slices.Equal(got.Members, want.Members) {
		t.Errorf("got %+v", got)
	}
	none := programmeOf(t, Evaluate(DefaultTable(), family(1, 2, adult(1))), "PKH").Reasons[0].Text
	if none.ID != "Tidak ada anggota keluarga (yang masih hidup) yang memenuhi syarat PKH: ibu hamil, anak usia dini (0–6 tahun), "+
		"anak sekolah (7–21 tahun), lanjut usia (60 tahun ke atas), atau penyandang disabilitas berat" {
		t.Errorf("ID text %q", none.ID)
	}
	if !strings.HasSuffix(none.EN, "elderly person (60 or older) or person with a severe disability") {
		t.Errorf("EN text %q", none.EN)
	}
}

func TestSembakoNeedsNoQualifyingMember(t *testing.T) {
	d := Evaluate(DefaultTable(), family(1, 5, adult(1)))
	if !d.Eligible("SEMBAKO") || d.Eligible("PKH") {
		t.Errorf("SEMBAKO %v PKH %v", d.Eligible("SEMBAKO"), d.Eligible("PKH"))
	}
}

func TestOccupationExclusionsExcludeTheWholeFamily(t *testing.T) {
	cases := map[Occupation]string{
		OccupationASN:   "EXCLUDED_CIVIL_SERVANT",
		OccupationTNI:   "EXCLUDED_MILITARY",
		OccupationPolri: "EXCLUDED_POLICE",
		OccupationBUMN:  "EXCLUDED_STATE_ENTERPRISE",
		OccupationBUMD:  "EXCLUDED_REGIONAL_ENTERPRISE",
	}
	for occ, code := range cases {
		t.Run(string(occ), func(t *testing.T) {
			// The child would qualify for PKH; the parent's employer
			// excludes the family (DESIGN.md §1.4 "and their families").
			parent := adult(1)
			parent.Occupation = occ
			d := Evaluate(DefaultTable(), family(1, 1, parent, Member{NIK: nikN(2), Age: 3}, schoolChild(3)))
			for _, p := range d.Programmes {
				if p.Status != StatusIneligible || !slices.Equal(codes(p.Reasons), []string{code}) {
					t.Errorf("%s: %s %v", p.Programme, p.Status, codes(p.Reasons))
					continue
				}
				if !slices.Equal(p.Reasons[0].Members, []string{nikN(1)}) {
					t.Errorf("%s: members %v", p.Programme, p.Reasons[0].Members)
				}
			}
		})
	}
	for _, occ := range []Occupation{OccupationOther, ""} {
		parent := adult(1)
		parent.Occupation = occ
		if d := Evaluate(DefaultTable(), family(1, 1, parent)); !d.Eligible("SEMBAKO") {
			t.Errorf("occupation %q excluded the family", occ)
		}
	}
}

func TestExclusionText(t *testing.T) {
	parent := adult(1)
	parent.Occupation = OccupationASN
	r := programmeOf(t, Evaluate(DefaultTable(), family(1, 1, parent)), "SEMBAKO").Reasons[0]
	want := Text{
		ID: "Ada anggota keluarga yang berstatus Aparatur Sipil Negara (ASN); keluarga dikecualikan dari Sembako",
		EN: "A family member is a civil servant (ASN); the family is excluded from Sembako",
	}
	if r.Rule != "CIVIL_SERVANT" || r.Text != want {
		t.Errorf("got %+v", r)
	}
}

func TestDeceasedCivilServantDoesNotExcludeTheSurvivors(t *testing.T) {
	late := adult(1)
	late.Occupation, late.Deceased = OccupationASN, true
	d := Evaluate(DefaultTable(), family(1, 1, late, adult(2)))
	if !d.Eligible("SEMBAKO") {
		t.Errorf("survivors excluded: %v", codes(programmeOf(t, d, "SEMBAKO").Reasons))
	}
	if d.Persons != 1 {
		t.Errorf("persons %d, want the one living member", d.Persons)
	}
}

func TestFamilyOfOnlyDeceasedMembersIsExcluded(t *testing.T) {
	a, b := adult(1), Member{NIK: nikN(2), Age: 3}
	a.Deceased, b.Deceased = true, true
	d := Evaluate(DefaultTable(), family(1, 1, a, b))
	if d.Persons != 0 {
		t.Errorf("persons %d", d.Persons)
	}
	if got := codes(programmeOf(t, d, "SEMBAKO").Reasons); !slices.Equal(got, []string{"EXCLUDED_ALL_MEMBERS_DECEASED"}) {
		t.Errorf("SEMBAKO %v", got)
	}
	if got := codes(programmeOf(t, d, "PKH").Reasons); !slices.Equal(got, []string{ReasonNoQualifyingMember, "EXCLUDED_ALL_MEMBERS_DECEASED"}) {
		t.Errorf("PKH %v", got)
	}
	if r := programmeOf(t, d, "SEMBAKO").Reasons[0]; r.Members != nil {
		t.Errorf("a family-level exclusion names no member: %v", r.Members)
	}
}

func TestAddressNotFoundExcludes(t *testing.T) {
	f := family(1, 1, adult(1), Member{NIK: nikN(2), Age: 3}, schoolChild(3))
	f.AddressNotFound = true
	for _, p := range Evaluate(DefaultTable(), f).Programmes {
		if p.Status != StatusIneligible || !slices.Equal(codes(p.Reasons), []string{"EXCLUDED_ADDRESS_NOT_FOUND"}) {
			t.Errorf("%s: %s %v", p.Programme, p.Status, codes(p.Reasons))
		}
	}
}

func TestEveryFailedRuleIsListed(t *testing.T) {
	parent := adult(1)
	parent.Occupation = OccupationPolri
	f := family(1, 7, parent)
	f.AddressNotFound = true
	got := codes(programmeOf(t, Evaluate(DefaultTable(), f), "PKH").Reasons)
	want := []string{ReasonDecileAboveLimit, ReasonNoQualifyingMember, "EXCLUDED_POLICE", "EXCLUDED_ADDRESS_NOT_FOUND"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestDecisionRecordsWhichRulesDecided(t *testing.T) {
	tb := DefaultTable()
	f := family(9, 3, adult(1))
	f.Score = 12.5
	d := Evaluate(tb, f)
	if d.TableHash != tb.Hash() || d.TableVersion != "2026.1" || d.KK != kkN(9) || d.Decile != 3 ||
		d.Score != 12.5 || d.Region != "32.04.12.2001" || !d.ReferenceDate.Equal(refDate) || d.Persons != 1 {
		t.Errorf("decision header %+v", d)
	}
	var order []string
	for _, p := range d.Programmes {
		order = append(order, p.Programme)
	}
	if !slices.Equal(order, []string{"PKH", "SEMBAKO", "PBI_JK", "PIP", "BLT_DD"}) {
		t.Errorf("programmes in table order: %v", order)
	}
}

func TestCustomPredicates(t *testing.T) {
	tb := mustParse(t, `
version: c1
effective_from: "2026-01-01"
conditions:
  - code: GIRL_OUT_OF_SCHOOL
    name: {id: anak perempuan putus sekolah, en: girl out of school}
    when:
      all:
        - sex: female
        - age: {max: 17}
        - not: {in_school: true}
  - code: DISABLED_OR_OLD
    name: {id: lansia atau disabilitas, en: elderly or disabled}
    when:
      any:
        - age: {min: 70}
        - severe_disability: true
programmes:
  - code: TEST
    short: Test
    name: {id: Uji, en: Test}
    max_decile: 10
    qualifying_members: [GIRL_OUT_OF_SCHOOL, DISABLED_OR_OLD]
`)
	cases := []struct {
		m    Member
		want bool
	}{
		{Member{Age: 12, Sex: SexFemale}, true},
		{Member{Age: 12, Sex: SexFemale, InSchool: true}, false},
		{Member{Age: 12, Sex: SexMale}, false},
		{Member{Age: 18, Sex: SexFemale}, false},
		{Member{Age: 70, Sex: SexMale}, true},
		{Member{Age: 69, Sex: SexMale}, false},
		{Member{Age: 30, Sex: SexMale, SevereDisability: true}, true},
	}
	for _, c := range cases {
		c.m.NIK = nikN(1)
		if got := Evaluate(tb, family(1, 5, c.m)).Eligible("TEST"); got != c.want {
			t.Errorf("%+v: %v, want %v", c.m, got, c.want)
		}
	}
}

func TestFactsValidate(t *testing.T) {
	good := family(1, 3, adult(1), Member{NIK: nikN(2), Age: 3, Sex: SexFemale})
	if err := good.Validate(); err != nil {
		t.Fatalf("valid facts: %v", err)
	}
	unranked := good
	unranked.Decile = 0
	if err := unranked.Validate(); err != nil {
		t.Errorf("an unranked family is valid: %v", err)
	}
	cases := map[string]func(f *Facts){
		"kk":         func(f *Facts) { f.KK = "123" },
		"decile":     func(f *Facts) { f.Decile = 11 },
		"score":      func(f *Facts) { f.Score = 1 / zero() },
		"region":     func(f *Facts) { f.Region = "32.4" },
		"members":    func(f *Facts) { f.Members = nil },
		"nik":        func(f *Facts) { f.Members = []Member{{NIK: "x", Age: 1, Sex: SexMale}} },
		"nik twice":  func(f *Facts) { f.Members = []Member{adult(1), adult(1)} },
		"age":        func(f *Facts) { f.Members = []Member{{NIK: nikN(1), Age: -1, Sex: SexMale}} },
		"sex":        func(f *Facts) { f.Members = []Member{{NIK: nikN(1), Age: 1, Sex: "X"}} },
		"occupation": func(f *Facts) { f.Members = []Member{{NIK: nikN(1), Age: 30, Sex: SexMale, Occupation: "PNS"}} },
	}
	for field, mutate := range cases {
		f := good
		f.Members = slices.Clone(good.Members)
		mutate(&f)
		err := f.Validate()
		if err == nil || !strings.Contains(err.Error(), strings.Fields(field)[0]) {
			t.Errorf("%s: %v", field, err)
		}
	}
}

func zero() float64 { return 0 }

func BenchmarkEvaluate(b *testing.B) {
	tb := DefaultTable()
	f := family(1, 3, adult(1), Member{NIK: nikN(2), Age: 34, Sex: SexFemale, Pregnant: true},
		Member{NIK: nikN(3), Age: 9, Sex: SexMale, InSchool: true}, Member{NIK: nikN(4), Age: 2, Sex: SexFemale},
		Member{NIK: nikN(5), Age: 67, Sex: SexFemale})
	b.ReportAllocs()
	for b.Loop() {
		_ = Evaluate(tb, f)
	}
}

func TestUnknownAgeQualifiesNoOne(t *testing.T) {
	tb := DefaultTable()
	// Age 0 with no birth date must not read as a toddler.
	unknown := Member{NIK: nikN(2), AgeUnknown: true, Sex: SexFemale, Occupation: OccupationOther}
	d := Evaluate(tb, family(1, 1, adult(1), unknown))
	if p := programmeOf(t, d, "PKH"); p.Status != StatusIneligible || !slices.Contains(codes(p.Reasons), ReasonNoQualifyingMember) {
		t.Errorf("PKH with an unknown-age member: %s %v", p.Status, codes(p.Reasons))
	}
	known := unknown
	known.AgeUnknown = false
	if p := programmeOf(t, Evaluate(tb, family(1, 1, adult(1), known)), "PKH"); p.Status == StatusIneligible {
		t.Errorf("the same member aged 0 should qualify PKH: %v", codes(p.Reasons))
	}
}
