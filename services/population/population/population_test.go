package population_test

import (
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/population/population"
	regdomain "github.com/dtsen-id/dtsen/services/registry/domain"
)

// testFamilies is the population size the statistical tests use.
const testFamilies = 20000

var ref = population.DefaultReferenceDate

// stats is everything the tests check, gathered in one streaming pass over
// testFamilies households (the households themselves are not kept).
type stats struct {
	households, persons, poorPersons int
	labelled, declaring, under       int
	urban, dtks                      int
	pcs                              []float64 // per-capita consumption per household
	unders                           []bool
	poorHH                           []bool
	dtksHH                           []bool
	errorsByKind                     map[string]int
	problems                         []string // invariant violations, with household index
	nikOwner                         map[string]int
	kks                              map[string]int
	ghostKKs                         map[string]bool
	duplicates                       int
	recordViolations                 map[string]int
}

var (
	statsOnce sync.Once
	theStats  *stats
)

func (s *stats) fail(h *population.Household, format string, args ...any) {
	if len(s.problems) < 50 {
		s.problems = append(s.problems, sprintf("household %d: ", h.Index)+sprintf(format, args...))
	}
}

func gather(t *testing.T) *stats {
	t.Helper()
	statsOnce.Do(func() {
		s := &stats{errorsByKind: map[string]int{}, nikOwner: map[string]int{}, kks: map[string]int{},
			ghostKKs: map[string]bool{}, recordViolations: map[string]int{}}
		err := population.Generate(population.Config{Families: testFamilies, Seed: 42}, func(h *population.Household) error {
			s.observe(h)
			return nil
		})
		if err != nil {
			s.problems = append(s.problems, err.Error())
		}
		theStats = s
	})
	if len(theStats.problems) > 0 {
		t.Fatalf("generation invariants broken:\n%s", strings.Join(theStats.problems, "\n"))
	}
	return theStats
}

func has(list []string, x string) bool { return slices.Contains(list, x) }

func (s *stats) observe(h *population.Household) {
	s.households++
	t := h.Truth
	s.persons += t.Members
	if t.Poor {
		s.poorPersons += t.Members
	}
	if t.Urban {
		s.urban++
	}
	if t.DTKSRecipient {
		s.dtks++
	}
	s.pcs = append(s.pcs, t.PerCapitaConsumption)
	s.unders = append(s.unders, t.UnderReports)
	s.poorHH = append(s.poorHH, t.Poor)
	s.dtksHH = append(s.dtksHH, t.DTKSRecipient)
	if t.UnderReports {
		s.under++
	}
	for _, e := range h.Errors {
		s.errorsByKind[e]++
	}
	if len(h.Errors) != len(h.ErrorReasons) {
		s.fail(h, "Errors and ErrorReasons differ in length")
	}
	f := h.Family
	if f.GetKkNumber() != t.KK {
		s.fail(h, "truth KK %s, family KK %s", t.KK, f.GetKkNumber())
	}
	if prev, dup := s.kks[f.GetKkNumber()]; dup {
		s.fail(h, "KK number already used by household %d", prev)
	}
	s.kks[f.GetKkNumber()] = h.Index
	s.checkFamily(h)
	s.checkRecords(h)
}

// checkFamily: DESIGN.md §2 structure, consistency with region, birth date
// and sex, uniqueness, the registry's own Family.Validate, and the injected
// registry errors caught with the expected reason.
func (s *stats) checkFamily(h *population.Household) {
	f := h.Family
	df := toDomainFamily(f)
	vs := df.Validate(ref)
	nikErr := has(h.Errors, population.ErrNIKInvalid)
	if nikErr {
		want := h.ErrorReasons[slices.Index(h.Errors, population.ErrNIKInvalid)]
		found := false
		for _, v := range vs {
			found = found || v.Reason == want
		}
		if !found {
			s.fail(h, "NIK error: want reason %s from Family.Validate, got %v", want, vs)
		}
	} else if len(vs) > 0 {
		s.fail(h, "Family.Validate: %v", vs)
	}
	region := strings.ReplaceAll(f.GetRegionCode(), ".", "")[:6]
	if f.GetKkNumber()[:6] != region {
		s.fail(h, "KK region %s, family region %s", f.GetKkNumber()[:6], f.GetRegionCode())
	}
	village := f.GetRegionCode()[9:]
	urban := f.GetSettlement() == registryv1.Settlement_SETTLEMENT_URBAN
	if urban != h.Truth.Urban {
		s.fail(h, "settlement disagrees with truth")
	}
	_ = village
	if s.households == 1 || h.Index%1000 == 0 {
		if v := regdomain.ValidateKK(f.GetKkNumber()); v != nil {
			s.fail(h, "KK: %v", v)
		}
	}
	living, kidsOlderThanHead := 0, 0
	var head *registryv1.Person
	for k, p := range f.GetMembers() {
		if k == 0 {
			head = p
		}
		ghost := has(h.Errors, population.ErrPersonInTwoFamilies) && k == len(f.GetMembers())-1
		if ghost {
			prev, ok := s.nikOwner[p.GetNik()]
			if !ok || prev >= h.Index {
				s.fail(h, "the duplicated person is not in an earlier family")
			}
			s.duplicates++
			continue
		}
		if p.GetVitalStatus() == registryv1.VitalStatus_VITAL_STATUS_ALIVE {
			living++
		}
		n, v := regdomain.ParseNIK(p.GetNik(), ref)
		if v != nil {
			if !nikErr {
				s.fail(h, "member %d: %v", k, v)
			}
			continue
		}
		if n.Region != region {
			s.fail(h, "member %d NIK region %s, family %s", k, n.Region, region)
		}
		if prev, dup := s.nikOwner[p.GetNik()]; dup && !nikErr {
			s.fail(h, "member %d NIK already used in household %d", k, prev)
		}
		s.nikOwner[p.GetNik()] = h.Index
		if p.GetRelationToHead() == registryv1.FamilyRelation_FAMILY_RELATION_CHILD && p.GetBirthDate() < head.GetBirthDate() {
			kidsOlderThanHead++
		}
		age := ageOf(p.GetBirthDate())
		occ := p.GetOccupation()
		if age < 15 && occ != registryv1.Occupation_OCCUPATION_NOT_WORKING && occ != registryv1.Occupation_OCCUPATION_STUDENT {
			s.fail(h, "a %d-year-old has occupation %s", age, occ)
		}
		if age < 13 && p.GetEducation() > registryv1.EducationLevel_EDUCATION_LEVEL_PRIMARY_INCOMPLETE {
			s.fail(h, "a %d-year-old has education %s", age, p.GetEducation())
		}
		if p.GetMaritalStatus() == registryv1.MaritalStatus_MARITAL_STATUS_MARRIED && age < 17 {
			s.fail(h, "a %d-year-old is married", age)
		}
	}
	if kidsOlderThanHead > 0 {
		s.fail(h, "a child is older than the head")
	}
	if living != h.Truth.Members {
		s.fail(h, "truth members %d, living members %d", h.Truth.Members, living)
	}
}

func ageOf(birth string) int {
	b, _ := time.Parse(time.DateOnly, birth)
	a := ref.Year() - b.Year()
	if ref.Month() < b.Month() || (ref.Month() == b.Month() && ref.Day() < b.Day()) {
		a--
	}
	return a
}

func TestNIKAndKKStructureAndUniqueness(t *testing.T) {
	s := gather(t)
	if len(s.nikOwner) < 3*testFamilies {
		t.Fatalf("only %d distinct NIKs", len(s.nikOwner))
	}
	if len(s.kks) != testFamilies {
		t.Fatalf("%d distinct KK numbers for %d families", len(s.kks), testFamilies)
	}
	for kk := range s.ghostKKs {
		if _, ok := s.kks[kk]; ok {
			t.Fatalf("a KK_UNKNOWN record names a registered KK")
		}
	}
}

func TestFamiliesValidateAndErrorsAreCaught(t *testing.T) {
	s := gather(t)
	for _, kind := range []string{population.ErrNIKInvalid, population.ErrKKUnknown, population.ErrPersonInTwoFamilies} {
		n := s.errorsByKind[kind]
		// 1% of households carry an error, a third each: ~67 of 20,000.
		if n < 35 || n > 110 {
			t.Errorf("%s in %d households, want about %d", kind, n, testFamilies/300)
		}
	}
	if s.duplicates != s.errorsByKind[population.ErrPersonInTwoFamilies] {
		t.Errorf("%d duplicated persons for %d PERSON_IN_TWO_FAMILIES households", s.duplicates, s.errorsByKind[population.ErrPersonInTwoFamilies])
	}
	if len(s.ghostKKs) != s.errorsByKind[population.ErrKKUnknown] {
		t.Errorf("%d unknown KKs for %d KK_UNKNOWN households", len(s.ghostKKs), s.errorsByKind[population.ErrKKUnknown])
	}
}

func TestPovertyShare(t *testing.T) {
	s := gather(t)
	share := float64(s.poorPersons) / float64(s.persons)
	if math.Abs(share-0.09) > 0.015 {
		t.Fatalf("poverty share %.4f, want 0.09 ± 0.015", share)
	}
	if pl := population.PovertyLine; pl < 500_000 || pl > 700_000 {
		t.Fatalf("poverty line %v", pl)
	}
}

func TestLabelShare(t *testing.T) {
	s := gather(t)
	share := float64(s.labelled) / float64(s.households)
	if math.Abs(share-0.01) > 0.005 {
		t.Fatalf("label share %.4f, want 0.01 ± 0.005", share)
	}
}

// TestUnderReporting: 5-10% of households under-report ("Pak Budi"), and
// they are mostly better-off.
func TestUnderReporting(t *testing.T) {
	s := gather(t)
	share := float64(s.under) / float64(s.households)
	if share < 0.05 || share > 0.10 {
		t.Fatalf("under-reporting share %.4f, want 0.05-0.10", share)
	}
	sorted := slices.Clone(s.pcs)
	slices.Sort(sorted)
	median := sorted[len(sorted)/2]
	upper := 0
	for i, u := range s.unders {
		if u && s.pcs[i] > median {
			upper++
		}
	}
	if frac := float64(upper) / float64(s.under); frac < 0.7 {
		t.Fatalf("%.2f of under-reporters are in the upper half of welfare, want ≥ 0.7", frac)
	}
}

func TestHouseholdSizeAndUrbanShare(t *testing.T) {
	s := gather(t)
	mean := float64(s.persons) / float64(s.households)
	if math.Abs(mean-3.8) > 0.2 {
		t.Errorf("mean household size %.3f, want 3.8 ± 0.2", mean)
	}
	urban := float64(s.urban) / float64(s.households)
	if math.Abs(urban-0.57) > 0.05 {
		t.Errorf("urban share %.3f, want 0.57 ± 0.05", urban)
	}
}

// TestDTKSMistargeting: the old list covers about 40% of households, with
// substantial inclusion and exclusion errors against the true bottom 40%.
func TestDTKSMistargeting(t *testing.T) {
	s := gather(t)
	cover := float64(s.dtks) / float64(s.households)
	if math.Abs(cover-0.40) > 0.03 {
		t.Fatalf("DTKS covers %.3f of households, want 0.40 ± 0.03", cover)
	}
	sorted := slices.Clone(s.pcs)
	slices.Sort(sorted)
	cut := sorted[int(0.4*float64(len(sorted)))]
	poor, poorMissed, included, wrong := 0, 0, 0, 0
	for i, pc := range s.pcs {
		bottom := pc < cut
		if bottom {
			poor++
			if !s.dtksHH[i] {
				poorMissed++
			}
		}
		if s.dtksHH[i] {
			included++
			if !bottom {
				wrong++
			}
		}
	}
	exclusion, inclusion := float64(poorMissed)/float64(poor), float64(wrong)/float64(included)
	t.Logf("DTKS at q=40%%: exclusion error %.2f, inclusion error %.2f", exclusion, inclusion)
	if exclusion < 0.15 || exclusion > 0.6 || inclusion < 0.15 || inclusion > 0.6 {
		t.Fatalf("exclusion %.2f, inclusion %.2f: want both substantial (0.15-0.6)", exclusion, inclusion)
	}
	// The poor are far more often on the list than the rich.
	poorOn, poorN := 0, 0
	for i := range s.poorHH {
		if s.poorHH[i] {
			poorN++
			if s.dtksHH[i] {
				poorOn++
			}
		}
	}
	if float64(poorOn)/float64(poorN) < 0.7 {
		t.Fatalf("only %.2f of poor households are on DTKS", float64(poorOn)/float64(poorN))
	}
}

func TestIndependentHouseholds(t *testing.T) {
	g, err := population.New(population.Config{Families: 5000, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	var seq []*population.Household
	if err := g.Each(func(h *population.Household) error {
		if h.Index%997 == 0 {
			seq = append(seq, h)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, h := range seq {
		again := g.Household(h.Index)
		if again.Family.GetKkNumber() != h.Family.GetKkNumber() || again.Truth != h.Truth {
			t.Fatalf("household %d differs when generated on its own", h.Index)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	if _, err := population.New(population.Config{}); err == nil {
		t.Fatal("zero families accepted")
	}
	if _, err := population.New(population.Config{Families: 1, ErrorRate: 2}); err == nil {
		t.Fatal("error rate 2 accepted")
	}
	if _, err := population.New(population.Config{Families: 1_000_000_000}); err == nil {
		t.Fatal("a billion families accepted")
	}
	n := 0
	if err := population.Generate(population.Config{Families: 300, Seed: 1, ErrorRate: -1}, func(h *population.Household) error {
		n += len(h.Errors)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d errors with ErrorRate -1", n)
	}
}

func BenchmarkGenerate(b *testing.B) {
	g, err := population.New(population.Config{Families: 10_000_000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	n := 0
	for b.Loop() {
		_ = g.Household(n)
		n++
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "households/s")
}
