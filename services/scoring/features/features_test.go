package features_test

import (
	"bytes"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	"github.com/dtsen-id/dtsen/services/population/population"
	"github.com/dtsen-id/dtsen/services/scoring/features"
)

var update = flag.Bool("update", false, "rewrite docs/features.md from the definitions")

const docsPath = "../../../docs/features.md"

func TestDocsCurrent(t *testing.T) {
	want := features.Markdown()
	if *update {
		if err := os.WriteFile(docsPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatalf("%v; run go test -run TestDocsCurrent -update", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale; run go test -run TestDocsCurrent -update in services/scoring/features", filepath.Clean(docsPath))
	}
	for _, d := range features.Definitions() {
		if !bytes.Contains(got, []byte("`"+d.Name+"`")) {
			t.Errorf("docs do not mention %s", d.Name)
		}
	}
}

func TestDefinitionsValid(t *testing.T) {
	snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	defs := features.Definitions()
	if n := len(defs); n < 50 || n > 100 {
		t.Errorf("%d features; the design asks for about 50–80", n)
	}
	seen := map[string]bool{}
	groupOrder := features.Groups()
	lastGroup := 0
	perGroup := map[features.Group]int{}
	for i, d := range defs {
		if !snake.MatchString(d.Name) {
			t.Errorf("%q is not snake_case", d.Name)
		}
		if seen[d.Name] {
			t.Errorf("%s declared twice", d.Name)
		}
		seen[d.Name] = true
		if j, ok := features.Index(d.Name); !ok || j != i {
			t.Errorf("Index(%s) = %d, %v; want %d", d.Name, j, ok, i)
		}
		g := slices.Index(groupOrder, d.Group)
		if g < 0 {
			t.Errorf("%s: unknown group %q", d.Name, d.Group)
		} else if g < lastGroup {
			t.Errorf("%s: group %s after %s; keep each group's features together", d.Name, d.Group, groupOrder[lastGroup])
		} else {
			lastGroup = g
		}
		perGroup[d.Group]++
		for field, s := range map[string]string{"DescriptionEN": d.DescriptionEN, "DescriptionID": d.DescriptionID,
			"Unit": d.Unit, "Computation": d.Computation} {
			if strings.TrimSpace(s) == "" {
				t.Errorf("%s: %s is empty", d.Name, field)
			}
		}
		if d.DescriptionEN == d.DescriptionID {
			t.Errorf("%s: the Indonesian description is the English one", d.Name)
		}
		if len(d.Sources) == 0 {
			t.Errorf("%s: no source context", d.Name)
		}
		if strings.Contains(strings.ToLower(d.Name), "consumption") || strings.Contains(strings.ToLower(d.Computation), "consumption") {
			t.Errorf("%s: a feature must not read consumption", d.Name)
		}
	}
	for _, g := range groupOrder {
		if perGroup[g] == 0 {
			t.Errorf("group %s has no feature", g)
		}
	}
	if got := features.Names(); len(got) != len(defs) || features.Len() != len(defs) {
		t.Errorf("Names() has %d, Len() %d, Definitions() %d", len(got), features.Len(), len(defs))
	}
}

// checkVector compares a vector with hand-worked values for every feature.
func checkVector(t *testing.T, label string, v features.Vector, want map[string]float64) {
	t.Helper()
	if len(v) != features.Len() {
		t.Fatalf("%s: vector has %d values, want %d", label, len(v), features.Len())
	}
	for _, name := range features.Names() {
		w, ok := want[name]
		if !ok {
			t.Errorf("%s: no expectation for %s", label, name)
			continue
		}
		got, _ := v.Get(name)
		switch {
		case math.IsNaN(w) != math.IsNaN(got):
			t.Errorf("%s: %s = %v, want %v", label, name, got, w)
		case !math.IsNaN(w) && math.Abs(got-w) > 1e-9*math.Max(1, math.Abs(w)):
			t.Errorf("%s: %s = %v, want %v", label, name, got, w)
		}
	}
	for name := range want {
		if _, ok := features.Index(name); !ok {
			t.Errorf("%s: expectation for unknown feature %s", label, name)
		}
	}
}

func TestBuildPoorRuralFamily(t *testing.T) {
	v, err := features.Build(poorFamily())
	if err != nil {
		t.Fatal(err)
	}
	checkVector(t, "poor", v, poorExpected)
}

func TestBuildRichUrbanFamily(t *testing.T) {
	v, err := features.Build(richFamily())
	if err != nil {
		t.Fatal(err)
	}
	checkVector(t, "rich", v, richExpected)
}

// TestBuildNilContexts builds the rich family with only one context at a
// time: every feature none of whose sources is present is NaN, and what
// that context alone can say is still said.
func TestBuildNilContexts(t *testing.T) {
	full := richFamily()
	cases := []struct {
		ctx  features.Context
		in   features.Input
		some []string // features that must still be computed
	}{
		{features.ContextRegistry, features.Input{Family: full.Family},
			[]string{"household_size", "head_age", "dependency_ratio", "head_education_years", "public_sector_workers"}},
		{features.ContextAsset, features.Input{Assets: full.Assets},
			[]string{"household_size", "floor_area_per_capita_sqm", "installed_power_va", "cars", "owns_refrigerator"}},
		{features.ContextIncome, features.Input{Economics: full.Economics},
			[]string{"household_size", "log_formal_income_per_capita", "formal_wage_earners", "max_savings_band"}},
		{features.ContextServiceUsage, features.Input{ServiceUsage: full.ServiceUsage},
			[]string{"household_size", "health_class_1_2", "electricity_kwh_per_capita", "max_school_fee_band", "programme_pkh"}},
	}
	for _, c := range cases {
		c.in.ReferenceDate = refDate
		v, err := features.Build(c.in)
		if err != nil {
			t.Fatalf("%s only: %v", c.ctx, err)
		}
		for i, d := range features.Definitions() {
			if !slices.Contains(d.Sources, c.ctx) && !math.IsNaN(v[i]) {
				t.Errorf("%s only: %s = %v, want NaN (sources %v)", c.ctx, d.Name, v[i], d.Sources)
			}
		}
		// The contexts agree on five living members, so even per-capita
		// values match the full family's.
		for _, name := range c.some {
			if x, _ := v.Get(name); x != richExpected[name] {
				t.Errorf("%s only: %s = %v, want %v", c.ctx, name, x, richExpected[name])
			}
		}
	}

	// Without the registry the head is unknown, so the head's job is too.
	v, _ := features.Build(features.Input{Economics: full.Economics, ReferenceDate: refDate})
	if x, _ := v.Get("head_formal_employment"); !math.IsNaN(x) {
		t.Errorf("head_formal_employment without the registry = %v, want NaN", x)
	}
	// A service-usage summary of a KK the registry does not know has no
	// members: member counts are unknown, not zero.
	s := proto.Clone(full.ServiceUsage).(*serviceusagev1.FamilyServiceUsage)
	s.FamilyRegistered, s.Members = false, nil
	v, _ = features.Build(features.Input{ServiceUsage: s, ReferenceDate: refDate})
	for _, name := range []string{"higher_education_students", "kip_recipients", "health_uninsured_share", "members_chronic_illness", "household_size"} {
		if x, _ := v.Get(name); !math.IsNaN(x) {
			t.Errorf("unregistered family: %s = %v, want NaN", name, x)
		}
	}
	if x, _ := v.Get("programme_pkh"); x != 0 {
		t.Errorf("unregistered family: programme_pkh = %v, want 0 (its own records still count)", x)
	}
	// A housing record with UNSPECIFIED fields gives NaN, not 0.
	a := proto.Clone(full.Assets).(*assetv1.FamilyAssets)
	a.Housing = &assetv1.Housing{KkNumber: richKK, ObservationDate: "2025-01-01"}
	a.Holdings.Livestock = nil
	v, _ = features.Build(features.Input{Assets: a, ReferenceDate: refDate})
	for _, name := range []string{"floor_area_per_capita_sqm", "floor_earth", "wall_quality", "installed_power_va",
		"housing_poor_condition_count", "tenure_owned", "livestock_cattle"} {
		if x, _ := v.Get(name); !math.IsNaN(x) {
			t.Errorf("unspecified housing: %s = %v, want NaN", name, x)
		}
	}
	if x, _ := v.Get("owns_refrigerator"); x != 1 {
		t.Errorf("owns_refrigerator = %v, want 1 (goods are still known)", x)
	}
}

// TestBuildAssetTotalsFallback: an asset summary without totals is
// summed from its lists, and gives the same features.
func TestBuildAssetTotalsFallback(t *testing.T) {
	in := richFamily()
	want, _ := features.Build(in)
	in.Assets.Totals = nil
	got, _ := features.Build(in)
	if !sameBits(want, got) {
		t.Errorf("without totals: %s differ", diff(want, got))
	}
}

func TestBuildErrors(t *testing.T) {
	noRef := poorFamily()
	noRef.ReferenceDate = time.Time{}
	if _, err := features.Build(noRef); !errors.Is(err, features.ErrNoReferenceDate) {
		t.Errorf("no reference date: %v", err)
	}
	if _, err := features.Build(features.Input{ReferenceDate: refDate}); !errors.Is(err, features.ErrNoData) {
		t.Errorf("no data: %v", err)
	}
	mixed := poorFamily()
	mixed.Assets = richFamily().Assets
	if _, err := features.Build(mixed); !errors.Is(err, features.ErrFamilyMismatch) {
		t.Errorf("two families: %v", err)
	}
	if _, err := features.DeriveFlags(mixed, features.DefaultStalePolicy); !errors.Is(err, features.ErrFamilyMismatch) {
		t.Errorf("flags of two families: %v", err)
	}
	if _, err := features.BuildFacts(features.Input{Assets: poorFamily().Assets, ReferenceDate: refDate}); !errors.Is(err, features.ErrNoRegistry) {
		t.Errorf("facts without the registry: %v", err)
	}
}

// mutateConsumption changes everything a feature must not read: measured
// and self-declared consumption (the label and the Pak Budi comparison)
// and self-reported survey income.
func mutateConsumption(in features.Input) features.Input {
	e := proto.Clone(in.Economics).(*incomev1.FamilyEconomics)
	for _, c := range e.MeasuredConsumptions {
		c.MonthlyExpenditure *= 10
	}
	for _, c := range e.SelfDeclaredConsumptions {
		c.MonthlyExpenditure = c.MonthlyExpenditure/10 + 1
	}
	e.MeasuredConsumptions = append(e.MeasuredConsumptions, &incomev1.Consumption{KkNumber: e.KkNumber, MonthlyExpenditure: 123_456_000,
		SurveyId: "susenas-2099-03", SurveyDate: "2025-06-01", Measurement: incomev1.Measurement_MEASUREMENT_MEASURED_BY_ENUMERATOR,
		ObservationDate: "2025-06-01"})
	e.SelfDeclaredConsumptions = append(e.SelfDeclaredConsumptions, &incomev1.Consumption{KkNumber: e.KkNumber, MonthlyExpenditure: 1000,
		SurveyId: "x", SurveyDate: "2025-06-01", Measurement: incomev1.Measurement_MEASUREMENT_SELF_DECLARED, ObservationDate: "2025-06-01"})
	for _, m := range e.Members {
		for _, x := range m.Incomes {
			if x.Source == incomev1.IncomeSource_INCOME_SOURCE_SURVEY_SELF_REPORT {
				x.MonthlyAmount = x.MonthlyAmount*7 + 1000
			}
		}
		if !m.Deceased {
			m.Incomes = append(m.Incomes, &incomev1.Income{Nik: m.Nik, Source: incomev1.IncomeSource_INCOME_SOURCE_SURVEY_SELF_REPORT,
				MonthlyAmount: 99_000_000, PeriodStart: "2025-05", PeriodEnd: "2025-05", ObservationDate: "2025-05-20"})
		}
	}
	in.Economics = e
	return in
}

func sameBits(a, b features.Vector) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

func diff(a, b features.Vector) string {
	var out []string
	for i, name := range features.Names() {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			out = append(out, name)
		}
	}
	return strings.Join(out, ", ")
}

// TestConsumptionNeverAFeature: changing measured or declared consumption
// (or self-reported income) leaves every feature unchanged.
func TestConsumptionNeverAFeature(t *testing.T) {
	check := func(label string, in features.Input) {
		t.Helper()
		before, err := features.Build(in)
		if err != nil {
			t.Fatal(err)
		}
		after, err := features.Build(mutateConsumption(in))
		if err != nil {
			t.Fatal(err)
		}
		if !sameBits(before, after) {
			t.Errorf("%s: consumption or self-reported income moved %s", label, diff(before, after))
		}
		noConsumption := mutateConsumption(in)
		noConsumption.Economics.MeasuredConsumptions, noConsumption.Economics.SelfDeclaredConsumptions = nil, nil
		if after, _ := features.Build(noConsumption); !sameBits(before, after) {
			t.Errorf("%s: removing consumption moved %s", label, diff(before, after))
		}
	}
	check("poor", poorFamily())
	check("rich", richFamily())
	n := 0
	err := generate(300, func(h *population.Household, in features.Input) error {
		if len(in.Economics.MeasuredConsumptions)+len(in.Economics.SelfDeclaredConsumptions) > 0 {
			n++
		}
		check(h.Truth.KK, in)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 200 {
		t.Errorf("only %d of 300 generated families have consumption; the test needs them", n)
	}
}

func reversed[T any](s []T) []T {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// reverseAll reverses every repeated field of the four messages: list
// order must not leak into any feature.
func reverseAll(in features.Input) features.Input {
	out := features.Input{ReferenceDate: in.ReferenceDate}
	if in.Family != nil {
		f := proto.Clone(in.Family).(*registryv1.Family)
		f.Members = reversed(f.Members)
		out.Family = f
	}
	if in.Assets != nil {
		a := proto.Clone(in.Assets).(*assetv1.FamilyAssets)
		a.LandParcels, a.Vehicles = reversed(a.LandParcels), reversed(a.Vehicles)
		if a.Totals != nil {
			a.Totals.VehiclesByType = reversed(a.Totals.VehiclesByType)
		}
		out.Assets = a
	}
	if in.Economics != nil {
		e := proto.Clone(in.Economics).(*incomev1.FamilyEconomics)
		e.Members = reversed(e.Members)
		for _, m := range e.Members {
			m.Incomes, m.Employments, m.BankingPatterns = reversed(m.Incomes), reversed(m.Employments), reversed(m.BankingPatterns)
			for _, b := range m.BankingPatterns {
				b.Loans = reversed(b.Loans)
			}
		}
		out.Economics = e
	}
	if in.ServiceUsage != nil {
		s := proto.Clone(in.ServiceUsage).(*serviceusagev1.FamilyServiceUsage)
		s.Members = reversed(s.Members)
		for _, m := range s.Members {
			m.HealthCoverages, m.Enrolments = reversed(m.HealthCoverages), reversed(m.Enrolments)
		}
		s.UtilityUsages, s.ProgrammeParticipations = reversed(s.UtilityUsages), reversed(s.ProgrammeParticipations)
		out.ServiceUsage = s
	}
	return out
}

func TestDeterminism(t *testing.T) {
	check := func(label string, in features.Input) {
		t.Helper()
		first, err := features.Build(in)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := features.Build(in)
		buf := make(features.Vector, 3, 200)
		into, _ := features.BuildInto(in, buf)
		flipped, _ := features.Build(reverseAll(in))
		switch {
		case !sameBits(first, again):
			t.Errorf("%s: two builds differ in %s", label, diff(first, again))
		case !sameBits(first, into):
			t.Errorf("%s: BuildInto differs in %s", label, diff(first, into))
		case &into[0] != &buf[:1][0]:
			t.Errorf("%s: BuildInto did not reuse a large enough buffer", label)
		case !sameBits(first, flipped):
			t.Errorf("%s: reversing repeated fields changes %s", label, diff(first, flipped))
		}
	}
	check("poor", poorFamily())
	check("rich", richFamily())
	err := generate(500, func(h *population.Household, in features.Input) error {
		check(h.Truth.KK, in)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
