package features_test

import (
	"math"
	"reflect"
	"testing"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	"github.com/dtsen-id/dtsen/services/population/population"
	"github.com/dtsen-id/dtsen/services/scoring/features"
)

const grandma = "3201014101500005"

// troubledFamily is poorFamily after the grandmother died (still on the KK,
// as every context records) and with records the contexts could not match
// to the registry: a vehicle and a parcel, an income, a programme.
func troubledFamily() features.Input {
	in := poorFamily()
	for _, m := range in.Family.Members {
		if m.Nik == grandma {
			m.VitalStatus, m.DeathDate = registryv1.VitalStatus_VITAL_STATUS_DECEASED, "2025-03-01"
		}
	}
	for _, m := range in.Economics.Members {
		m.Deceased = m.Deceased || m.Nik == grandma
	}
	in.Economics.MemberCount = 4
	for _, m := range in.ServiceUsage.Members {
		m.Deceased = m.Deceased || m.Nik == grandma
	}
	// A member only the service-usage context still lists, also deceased.
	in.ServiceUsage.Members = append(in.ServiceUsage.Members, &serviceusagev1.MemberServiceUsage{Nik: "3201010101400009", Deceased: true})
	in.Assets.MemberCount = 4
	um := assetv1.MatchStatus_MATCH_STATUS_UNMATCHED
	in.Assets.Vehicles = append(in.Assets.Vehicles, &assetv1.Vehicle{FrameNumber: "MH1200000000999", OwnerNik: "3201011005800001",
		Source: "korlantas", ObservationDate: "2025-04-01", Type: assetv1.VehicleType_VEHICLE_TYPE_MOTORCYCLE, MatchStatus: um,
		MatchReason: "NIK_NOT_REGISTERED"})
	in.Assets.LandParcels[0].MatchStatus = um
	head := in.Economics.Members[0]
	head.Incomes[1].MatchStatus = incomev1.MatchStatus_MATCH_STATUS_UNMATCHED
	in.ServiceUsage.ProgrammeParticipations[0].Meta = &serviceusagev1.RecordMeta{
		MatchStatus: serviceusagev1.MatchStatus_MATCH_STATUS_UNMATCHED, UnmatchedReason: "KK_NOT_REGISTERED"}
	return in
}

func TestDeceasedMembersAndUnmatchedRecords(t *testing.T) {
	in := troubledFamily()
	v, err := features.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	// The grandmother no longer counts anywhere.
	want := map[string]float64{
		"household_size":                 4,
		"floor_area_per_capita_sqm":      7.5,
		"dependency_ratio":               1, // two children ÷ head and spouse
		"elderly_60_plus":                0,
		"members_with_disability":        0,
		"members_severe_disability":      0,
		"members_chronic_illness":        0,
		"outpatient_visits_per_capita":   1, // (1+2+0+1) / 4
		"inpatient_admissions":           0,
		"working_members":                2,
		"log_transfer_income_per_capita": math.Log(125_001), // 500,000 / 4
		"health_uninsured_share":         0,
	}
	for name, w := range want {
		if got, _ := v.Get(name); math.Abs(got-w) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, got, w)
		}
	}

	flags, err := features.DeriveFlags(in, features.DefaultStalePolicy)
	if err != nil {
		t.Fatal(err)
	}
	wantFlags := []features.Finding{
		{Flag: features.FlagMemberDeceased, Context: features.ContextRegistry, Count: 2},
		{Flag: features.FlagUnmatchedRecords, Context: features.ContextAsset, Count: 2},
		{Flag: features.FlagUnmatchedRecords, Context: features.ContextIncome, Count: 1},
		{Flag: features.FlagUnmatchedRecords, Context: features.ContextServiceUsage, Count: 1},
	}
	if !reflect.DeepEqual(flags, wantFlags) {
		t.Errorf("flags\n got %+v\nwant %+v", flags, wantFlags)
	}

	for _, fam := range []features.Input{poorFamily(), richFamily()} {
		if flags, _ := features.DeriveFlags(fam, features.DefaultStalePolicy); len(flags) != 0 {
			t.Errorf("%s: unexpected flags %+v", fam.Family.KkNumber, flags)
		}
	}

	// A service-usage summary of a KK the registry does not know is
	// unmatched as a whole.
	s := richFamily()
	s.ServiceUsage.FamilyRegistered, s.ServiceUsage.Members = false, nil
	flags, _ = features.DeriveFlags(features.Input{ServiceUsage: s.ServiceUsage, ReferenceDate: refDate}, features.DefaultStalePolicy)
	if want := []features.Finding{{Flag: features.FlagUnmatchedRecords, Context: features.ContextServiceUsage, Count: 6}}; !reflect.DeepEqual(flags, want) {
		t.Errorf("unregistered KK: %+v, want %+v", flags, want)
	}
}

func setAssetDates(a *assetv1.FamilyAssets, d string) {
	a.Housing.ObservationDate, a.Holdings.ObservationDate = d, d
	for _, p := range a.LandParcels {
		p.ObservationDate = d
	}
	for _, v := range a.Vehicles {
		v.ObservationDate = d
	}
}

func setIncomeDates(e *incomev1.FamilyEconomics, d string) {
	for _, m := range e.Members {
		for _, x := range m.Incomes {
			x.ObservationDate = d
		}
		for _, x := range m.Employments {
			x.ObservationDate = d
		}
		for _, x := range m.BankingPatterns {
			x.ObservationDate = d
		}
	}
	for _, x := range append(e.MeasuredConsumptions, e.SelfDeclaredConsumptions...) {
		x.ObservationDate = d
	}
}

func setUsageDates(s *serviceusagev1.FamilyServiceUsage, d string) {
	for _, m := range s.Members {
		for _, x := range m.HealthCoverages {
			x.ObservationDate = d
		}
		for _, x := range m.Enrolments {
			x.ObservationDate = d
		}
	}
	for _, x := range s.UtilityUsages {
		x.ObservationDate = d
	}
	for _, x := range s.ProgrammeParticipations {
		x.ObservationDate = d
	}
}

func TestDataStale(t *testing.T) {
	in := richFamily()
	setAssetDates(in.Assets, "2023-01-01")       // 911 days before 2025-06-30
	setIncomeDates(in.Economics, "2024-06-30")   // 365 days: on the threshold, not stale
	setUsageDates(in.ServiceUsage, "2024-12-31") // 181 days
	flags, err := features.DeriveFlags(in, features.DefaultStalePolicy)
	if err != nil {
		t.Fatal(err)
	}
	want := []features.Finding{
		{Flag: features.FlagDataStale, Context: features.ContextAsset, Newest: "2023-01-01", AgeDays: 911},
		{Flag: features.FlagDataStale, Context: features.ContextServiceUsage, Newest: "2024-12-31", AgeDays: 181},
	}
	if !reflect.DeepEqual(flags, want) {
		t.Errorf("flags\n got %+v\nwant %+v", flags, want)
	}

	setIncomeDates(in.Economics, "2024-06-29")
	setUsageDates(in.ServiceUsage, "2025-01-01") // 180 days: not stale
	in.Assets.Vehicles[0].ObservationDate = "2025-06-01"
	flags, _ = features.DeriveFlags(in, features.DefaultStalePolicy)
	want = []features.Finding{{Flag: features.FlagDataStale, Context: features.ContextIncome, Newest: "2024-06-29", AgeDays: 366}}
	if !reflect.DeepEqual(flags, want) {
		t.Errorf("flags\n got %+v\nwant %+v", flags, want)
	}

	// A zero threshold disables the check; a context without any dated
	// record is missing, not stale.
	if flags, _ := features.DeriveFlags(in, features.StalePolicy{}); len(flags) != 0 {
		t.Errorf("disabled policy raised %+v", flags)
	}
	empty := features.Input{Family: in.Family, Assets: &assetv1.FamilyAssets{Family: "families/" + richKK}, ReferenceDate: refDate}
	if flags, _ := features.DeriveFlags(empty, features.DefaultStalePolicy); len(flags) != 0 {
		t.Errorf("empty asset summary raised %+v", flags)
	}
}

func TestDeclaredConsumptionInconsistent(t *testing.T) {
	predicted := math.Log(1_000_000)
	cases := []struct {
		declared float64
		want     bool
	}{
		{499_999, true}, {500_001, false}, {1_000_000, false}, {2_000_000, false}, {0, false}, {-1, false}, {math.NaN(), false},
	}
	for _, c := range cases {
		if got := features.DeclaredConsumptionInconsistent(predicted, c.declared); got != c.want {
			t.Errorf("declared %v against predicted 1,000,000: %v, want %v", c.declared, got, c.want)
		}
	}
	if features.DeclaredConsumptionInconsistent(math.NaN(), 1) || features.DeclaredConsumptionInconsistent(math.Inf(1), 1) {
		t.Error("a missing prediction raised the flag")
	}
}

// TestDeclaredFlagOnPopulation measures the threshold on the generated
// population with an exact prediction (the true consumption): it must
// catch most deliberate under-reporters ("Pak Budi") and almost no honest
// declarers. A real model's error only adds to both rates.
func TestDeclaredFlagOnPopulation(t *testing.T) {
	var under, caught, honest, wrong int
	err := generate(populationSample, func(h *population.Household, in features.Input) error {
		d, ok := features.DeclaredConsumption(in.Economics)
		if !ok || len(h.Errors) > 0 {
			return nil
		}
		flag := features.DeclaredConsumptionInconsistent(math.Log(h.Truth.PerCapitaConsumption), d.PerCapita)
		if h.Truth.UnderReports {
			under++
			if flag {
				caught++
			}
		} else {
			honest++
			if flag {
				wrong++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	recall, fpr := float64(caught)/float64(under), float64(wrong)/float64(honest)
	t.Logf("exact prediction: %d of %d under-reporters flagged (%.0f%%), %d of %d honest declarers (%.2f%%)",
		caught, under, 100*recall, wrong, honest, 100*fpr)
	if under < 50 || recall < 0.5 || fpr > 0.01 {
		t.Errorf("recall %.2f over %d under-reporters, false-positive rate %.3f; want ≥ 0.5 and ≤ 0.01", recall, under, fpr)
	}
}

func TestLabel(t *testing.T) {
	poor := poorFamily()
	if y, ok := features.Label(poor.Economics); !ok || math.Abs(y-math.Log(400_000)) > 1e-12 {
		t.Errorf("Label = %v, %v; want ln 400,000", y, ok)
	}
	d, ok := features.DeclaredConsumption(poor.Economics)
	if want := (features.Consumption{PerCapita: 300_000, SurveyID: "dtsen-selfdeclare-2025", SurveyDate: "2025-04-02"}); !ok || d != want {
		t.Errorf("DeclaredConsumption = %+v, %v; want %+v", d, ok, want)
	}
	if _, ok := features.Label(richFamily().Economics); ok {
		t.Error("a family without a measured consumption has a label")
	}
	if _, ok := features.Label(nil); ok {
		t.Error("nil economics has a label")
	}

	e := poor.Economics
	// The newest survey wins; a self-declaration filed in the measured list
	// never becomes a label.
	e.MeasuredConsumptions = append(e.MeasuredConsumptions,
		consumption(poorKK, 2_500_000, incomev1.Measurement_MEASUREMENT_MEASURED_BY_ENUMERATOR, "2024-03-10", "susenas-2024-03"),
		consumption(poorKK, 100_000, incomev1.Measurement_MEASUREMENT_SELF_DECLARED, "2025-06-01", "mislabelled"))
	m, _ := features.MeasuredConsumption(e)
	if m.SurveyID != "susenas-2025-03" || m.PerCapita != 400_000 || math.Abs(m.Log()-math.Log(400_000)) > 1e-12 {
		t.Errorf("MeasuredConsumption = %+v", m)
	}
	e.MemberCount = 0
	if _, ok := features.Label(e); ok {
		t.Error("a family without living members has a label")
	}
}

func TestBuildFacts(t *testing.T) {
	f, err := features.BuildFacts(troubledFamily())
	if err != nil {
		t.Fatal(err)
	}
	want := features.FamilyFacts{KK: poorKK, RegionCode: "32.01.01.2001", AddressFound: true, SchoolKnown: true,
		Members: []features.MemberFacts{
			{NIK: "3201011005800001", Head: true, Age: 45, AgeKnown: true, Sex: features.SexMale, Occupation: features.OccupationOther},
			{NIK: "3201014102840002", Age: 41, AgeKnown: true, Sex: features.SexFemale, Occupation: features.OccupationOther},
			{NIK: "3201011509120003", Age: 12, AgeKnown: true, Sex: features.SexMale, InSchool: true, SchoolLevel: features.SchoolPrimary,
				Occupation: features.OccupationOther},
			{NIK: "3201014303200004", Age: 5, AgeKnown: true, Sex: features.SexFemale, Occupation: features.OccupationOther},
			{NIK: grandma, Age: 75, AgeKnown: true, Sex: features.SexFemale, Disabled: true, SevereDisability: true, Deceased: true,
				Occupation: features.OccupationOther},
		},
		// The programmes on its current participation records.
		Receiving: []serviceusagev1.SocialProgramme{serviceusagev1.SocialProgramme_SOCIAL_PROGRAMME_PKH,
			serviceusagev1.SocialProgramme_SOCIAL_PROGRAMME_SEMBAKO_BPNT, serviceusagev1.SocialProgramme_SOCIAL_PROGRAMME_BLT}}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("facts\n got %+v\nwant %+v", f, want)
	}
	if f.LivingMembers() != 4 {
		t.Errorf("LivingMembers = %d, want 4", f.LivingMembers())
	}

	rich := richFamily()
	occ := []registryv1.Occupation{registryv1.Occupation_OCCUPATION_CIVIL_SERVANT, registryv1.Occupation_OCCUPATION_MILITARY,
		registryv1.Occupation_OCCUPATION_POLICE, registryv1.Occupation_OCCUPATION_STATE_ENTERPRISE_EMPLOYEE, registryv1.Occupation_OCCUPATION_UNSPECIFIED}
	for i, o := range occ {
		rich.Family.Members[i].Occupation = o
	}
	rich.Family.Members[2].BirthDate = "2005-02-30"
	rich.Family.Address = &registryv1.Address{PostalCode: "10110"}
	rich.ServiceUsage = nil
	f, _ = features.BuildFacts(rich)
	gotOcc := []features.OccupationCategory{}
	for _, m := range f.Members[:5] {
		gotOcc = append(gotOcc, m.Occupation)
	}
	wantOcc := []features.OccupationCategory{features.OccupationASN, features.OccupationTNI, features.OccupationPolri,
		features.OccupationBUMNBUMD, features.OccupationUnknown}
	if !reflect.DeepEqual(gotOcc, wantOcc) {
		t.Errorf("occupations %v, want %v", gotOcc, wantOcc)
	}
	if f.AddressFound || f.SchoolKnown || f.Members[2].AgeKnown || f.Members[2].InSchool {
		t.Errorf("address %v, school known %v, malformed birth date known %v, in school %v; want all false",
			f.AddressFound, f.SchoolKnown, f.Members[2].AgeKnown, f.Members[2].InSchool)
	}
}

func TestProjection(t *testing.T) {
	v, _ := features.Build(richFamily())
	p, err := features.NewProjection([]string{"cars", "installed_power_va", "household_size"})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Apply(v, nil); !reflect.DeepEqual(got, []float64{1, 2200, 5}) {
		t.Errorf("Apply = %v", got)
	}
	if got := p.Names(); !reflect.DeepEqual(got, []string{"cars", "installed_power_va", "household_size"}) {
		t.Errorf("Names = %v", got)
	}
	if _, err := features.NewProjection([]string{"cars", "yacht_count"}); err == nil {
		t.Error("a projection onto an unknown feature was accepted")
	}
	if _, err := features.NewProjection([]string{"cars", "cars"}); err == nil {
		t.Error("a projection naming a feature twice was accepted")
	}
	if x, ok := v.Get("yacht_count"); ok || !math.IsNaN(x) {
		t.Errorf("Get(unknown) = %v, %v", x, ok)
	}
	if d, ok := features.Lookup("installed_power_va"); !ok || d.Unit != "VA" || d.Group != features.GroupHousing {
		t.Errorf("Lookup = %+v, %v", d, ok)
	}
}
