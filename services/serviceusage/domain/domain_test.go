package domain_test

import (
	"strings"
	"testing"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/serviceusage/domain"
)

// now is fixed so "today" and the current school year are stable.
var now = time.Date(2025, 9, 15, 3, 0, 0, 0, time.UTC)

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

const (
	nik = "3204124507700001" // female, born 5 Jul 1970
	kid = "3204120101150002" // male, born 1 Jan 2015
	kk  = "3204120000010001"
)

func common() domain.Common {
	return domain.Common{SourceAgency: "bpjs-kesehatan", ObservationDate: date("2025-06-30")}
}

func validHealth() *domain.HealthCoverage {
	return &domain.HealthCoverage{NIK: nik, Class: domain.MembershipPBIAPBN, OutpatientVisits: 3, Common: common()}
}

func validEnrolment() *domain.Enrolment {
	return &domain.Enrolment{NIK: kid, SchoolYear: "2025/2026", Level: domain.LevelPrimary,
		Ownership: domain.OwnershipPublic, FeeBand: domain.FeeFree, Common: common()}
}

func validUtility() *domain.UtilityUsage {
	return &domain.UtilityUsage{KK: kk, Month: "2025-06", ElectricityKWh: 90, SubsidisedTariff: true,
		PLNCustomerID: "512345678901", SubsidisedLPGPurchases: 3, Common: common()}
}

func validProgramme() *domain.ProgrammeParticipation {
	return &domain.ProgrammeParticipation{KK: kk, Programme: domain.ProgrammePKH, PeriodStart: date("2024-01-01"),
		DisbursingAgency: "kemensos", Common: common()}
}

type tc struct {
	name          string
	rec           domain.Record
	field, reason string
}

func TestValidRecordsPass(t *testing.T) {
	for _, r := range []domain.Record{validHealth(), validEnrolment(), validUtility(), validProgramme()} {
		if vs := r.Validate(now); len(vs) > 0 {
			t.Errorf("%s: %v", r.Kind(), vs)
		}
	}
}

// Every field's bad input yields its own reason, on its own field, and only
// that one.
func TestValidate(t *testing.T) {
	h := func(f func(*domain.HealthCoverage)) domain.Record { r := validHealth(); f(r); return r }
	e := func(f func(*domain.Enrolment)) domain.Record { r := validEnrolment(); f(r); return r }
	u := func(f func(*domain.UtilityUsage)) domain.Record { r := validUtility(); f(r); return r }
	p := func(f func(*domain.ProgrammeParticipation)) domain.Record { r := validProgramme(); f(r); return r }
	cases := []tc{
		// common fields
		{"agency empty", h(func(r *domain.HealthCoverage) { r.SourceAgency = "" }), "source_agency", domain.ReasonSourceAgencyInvalid},
		{"agency upper", h(func(r *domain.HealthCoverage) { r.SourceAgency = "BPJS" }), "source_agency", domain.ReasonSourceAgencyInvalid},
		{"agency slash", h(func(r *domain.HealthCoverage) { r.SourceAgency = "a/b" }), "source_agency", domain.ReasonSourceAgencyInvalid},
		{"observation missing", h(func(r *domain.HealthCoverage) { r.ObservationDate = time.Time{} }), "observation_date", domain.ReasonObservationDateRequired},
		{"observation future", h(func(r *domain.HealthCoverage) { r.ObservationDate = date("2025-09-16") }), "observation_date", domain.ReasonObservationDateInFuture},
		{"observation too old", h(func(r *domain.HealthCoverage) { r.ObservationDate = date("1999-12-31") }), "observation_date", domain.ReasonObservationDateTooOld},
		// health
		{"nik missing", h(func(r *domain.HealthCoverage) { r.NIK = "" }), "nik", domain.ReasonNIKRequired},
		{"nik short", h(func(r *domain.HealthCoverage) { r.NIK = "320412" }), "nik", "NIK_INVALID_LENGTH"},
		{"nik letters", h(func(r *domain.HealthCoverage) { r.NIK = "32041245077000AB" }), "nik", "NIK_NOT_NUMERIC"},
		{"nik province", h(func(r *domain.HealthCoverage) { r.NIK = "9904124507700001" }), "nik", "NIK_INVALID_PROVINCE"},
		{"nik date", h(func(r *domain.HealthCoverage) { r.NIK = "3204123102700001" }), "nik", "NIK_INVALID_BIRTH_DATE"},
		{"nik serial", h(func(r *domain.HealthCoverage) { r.NIK = "3204124507700000" }), "nik", "NIK_INVALID_SERIAL"},
		{"class zero", h(func(r *domain.HealthCoverage) { r.Class = 0 }), "membership_class", domain.ReasonHealthClassInvalid},
		{"class unknown", h(func(r *domain.HealthCoverage) { r.Class = 7 }), "membership_class", domain.ReasonHealthClassInvalid},
		{"outpatient negative", h(func(r *domain.HealthCoverage) { r.OutpatientVisits = -1 }), "outpatient_visits", domain.ReasonHealthOutpatientRange},
		{"outpatient too many", h(func(r *domain.HealthCoverage) { r.OutpatientVisits = 366 }), "outpatient_visits", domain.ReasonHealthOutpatientRange},
		{"inpatient negative", h(func(r *domain.HealthCoverage) { r.InpatientAdmissions = -1 }), "inpatient_admissions", domain.ReasonHealthInpatientRange},
		{"inpatient too many", h(func(r *domain.HealthCoverage) { r.InpatientAdmissions = 53 }), "inpatient_admissions", domain.ReasonHealthInpatientRange},
		// enrolment
		{"enrolment nik", e(func(r *domain.Enrolment) { r.NIK = "1" }), "nik", "NIK_INVALID_LENGTH"},
		{"school year format", e(func(r *domain.Enrolment) { r.SchoolYear = "2025-2026" }), "school_year", domain.ReasonSchoolYearInvalid},
		{"school year gap", e(func(r *domain.Enrolment) { r.SchoolYear = "2025/2027" }), "school_year", domain.ReasonSchoolYearInvalid},
		{"school year old", e(func(r *domain.Enrolment) { r.SchoolYear = "1999/2000" }), "school_year", domain.ReasonSchoolYearInvalid},
		{"school year future", e(func(r *domain.Enrolment) { r.SchoolYear = "2026/2027" }), "school_year", domain.ReasonSchoolYearInFuture},
		{"child too young", e(func(r *domain.Enrolment) { r.NIK = "3204120101240002" }), "school_year", domain.ReasonEnrolmentAgeImplausble},
		{"level zero", e(func(r *domain.Enrolment) { r.Level = 0 }), "level", domain.ReasonEnrolmentLevelInvalid},
		{"level unknown", e(func(r *domain.Enrolment) { r.Level = 6 }), "level", domain.ReasonEnrolmentLevelInvalid},
		{"ownership zero", e(func(r *domain.Enrolment) { r.Ownership = 0 }), "ownership", domain.ReasonEnrolmentOwnerInvalid},
		{"ownership unknown", e(func(r *domain.Enrolment) { r.Ownership = 3 }), "ownership", domain.ReasonEnrolmentOwnerInvalid},
		{"fee zero", e(func(r *domain.Enrolment) { r.FeeBand = 0 }), "fee_band", domain.ReasonEnrolmentFeeInvalid},
		{"fee unknown", e(func(r *domain.Enrolment) { r.FeeBand = 6 }), "fee_band", domain.ReasonEnrolmentFeeInvalid},
		// utilities
		{"kk missing", u(func(r *domain.UtilityUsage) { r.KK = "" }), "kk_number", domain.ReasonKKRequired},
		{"kk short", u(func(r *domain.UtilityUsage) { r.KK = "3204" }), "kk_number", "KK_INVALID_LENGTH"},
		{"kk region", u(func(r *domain.UtilityUsage) { r.KK = "9904120000010001" }), "kk_number", "KK_INVALID_REGION"},
		{"kk serial", u(func(r *domain.UtilityUsage) { r.KK = "3204120000010000" }), "kk_number", "KK_INVALID_SERIAL"},
		{"month format", u(func(r *domain.UtilityUsage) { r.Month = "2025-6" }), "month", domain.ReasonUtilityMonthInvalid},
		{"month 13", u(func(r *domain.UtilityUsage) { r.Month = "2025-13" }), "month", domain.ReasonUtilityMonthInvalid},
		{"month old", u(func(r *domain.UtilityUsage) { r.Month = "1999-12" }), "month", domain.ReasonUtilityMonthInvalid},
		{"month future", u(func(r *domain.UtilityUsage) { r.Month = "2025-10" }), "month", domain.ReasonUtilityMonthInFuture},
		{"kwh negative", u(func(r *domain.UtilityUsage) { r.ElectricityKWh = -1 }), "electricity_kwh", domain.ReasonUtilityKWhRange},
		{"kwh huge", u(func(r *domain.UtilityUsage) { r.ElectricityKWh = 100_001 }), "electricity_kwh", domain.ReasonUtilityKWhRange},
		{"lpg negative", u(func(r *domain.UtilityUsage) { r.SubsidisedLPGPurchases = -1 }), "subsidised_lpg_purchases", domain.ReasonUtilityLPGRange},
		{"lpg huge", u(func(r *domain.UtilityUsage) { r.SubsidisedLPGPurchases = 101 }), "subsidised_lpg_purchases", domain.ReasonUtilityLPGRange},
		{"pln id short", u(func(r *domain.UtilityUsage) { r.PLNCustomerID = "12345" }), "pln_customer_id", domain.ReasonUtilityPLNInvalid},
		{"pln id letters", u(func(r *domain.UtilityUsage) { r.PLNCustomerID = "51234567890X" }), "pln_customer_id", domain.ReasonUtilityPLNInvalid},
		{"pln id missing with subsidy", u(func(r *domain.UtilityUsage) { r.PLNCustomerID = "" }), "pln_customer_id", domain.ReasonUtilityPLNRequired},
		// programmes
		{"programme kk", p(func(r *domain.ProgrammeParticipation) { r.KK = "" }), "kk_number", domain.ReasonKKRequired},
		{"programme nik", p(func(r *domain.ProgrammeParticipation) { r.NIK = "3204124507700000" }), "nik", "NIK_INVALID_SERIAL"},
		{"programme zero", p(func(r *domain.ProgrammeParticipation) { r.Programme = 0 }), "programme", domain.ReasonProgrammeInvalid},
		{"programme unknown", p(func(r *domain.ProgrammeParticipation) { r.Programme = 5 }), "programme", domain.ReasonProgrammeInvalid},
		{"start missing", p(func(r *domain.ProgrammeParticipation) { r.PeriodStart = time.Time{} }), "period_start", domain.ReasonProgrammeStartRequired},
		{"start future", p(func(r *domain.ProgrammeParticipation) { r.PeriodStart = date("2025-10-01") }), "period_start", domain.ReasonProgrammeStartInFuture},
		{"start old", p(func(r *domain.ProgrammeParticipation) { r.PeriodStart = date("1999-01-01") }), "period_start", domain.ReasonProgrammeStartTooOld},
		{"end before start", p(func(r *domain.ProgrammeParticipation) { r.PeriodEnd = date("2023-12-31") }), "period_end", domain.ReasonProgrammeEndBeforeStart},
		{"disbursing agency", p(func(r *domain.ProgrammeParticipation) { r.DisbursingAgency = "Bank BRI" }), "disbursing_agency", domain.ReasonDisbursingAgencyInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vs := c.rec.Validate(now)
			if len(vs) != 1 || vs[0].Field != c.field || vs[0].Reason != c.reason {
				t.Fatalf("got %v, want only %s %s", vs, c.field, c.reason)
			}
			if !apierror.ValidReason(vs[0].Reason) {
				t.Fatalf("reason %q is not UPPER_SNAKE", vs[0].Reason)
			}
			if strings.Contains(vs[0].Description, nik) || strings.Contains(vs[0].Description, kid) {
				t.Fatalf("description repeats a NIK: %q", vs[0].Description)
			}
		})
	}
}

func TestOpenPeriodAndEndOnStartAreValid(t *testing.T) {
	p := validProgramme()
	p.PeriodEnd = p.PeriodStart
	if vs := p.Validate(now); len(vs) > 0 {
		t.Fatal(vs)
	}
	if !p.ActiveOn(p.PeriodStart) || p.ActiveOn(p.PeriodStart.AddDate(0, 0, 1)) || p.ActiveOn(p.PeriodStart.AddDate(0, 0, -1)) {
		t.Fatal("ActiveOn must include both ends of the period and nothing else")
	}
	open := validProgramme()
	if !open.ActiveOn(date("2030-01-01")) {
		t.Fatal("an open period is active indefinitely")
	}
}

func TestNames(t *testing.T) {
	pp := validProgramme()
	pp.Programme = domain.ProgrammeSembakoBPNT
	person := validProgramme()
	person.NIK, person.Programme = nik, domain.ProgrammePBIJK
	want := map[string]domain.Record{
		"persons/" + nik + "/healthCoverages/bpjs-kesehatan":                  validHealth(),
		"persons/" + kid + "/enrolments/2025-2026":                            validEnrolment(),
		"families/" + kk + "/utilityUsages/2025-06":                           validUtility(),
		"families/" + kk + "/programmeParticipations/sembako-bpnt.2024-01-01": pp,
		"persons/" + nik + "/programmeParticipations/pbi-jk.2024-01-01":       person,
	}
	for name, r := range want {
		if r.Name() != name {
			t.Errorf("name = %q, want %q", r.Name(), name)
		}
		var vs domain.Violations
		switch r.Kind() {
		case domain.KindHealthCoverage:
			vs = domain.ParseHealthCoverageName("name", name, now)
		case domain.KindEnrolment:
			vs = domain.ParseEnrolmentName("name", name, now)
		case domain.KindUtilityUsage:
			vs = domain.ParseUtilityUsageName("name", name)
		case domain.KindProgrammeParticipation:
			vs = domain.ParseProgrammeParticipationName("name", name, now)
		}
		if len(vs) > 0 {
			t.Errorf("%s does not parse: %v", name, vs)
		}
	}
	bad := map[string]func(string) domain.Violations{
		"persons/" + nik + "/healthCoverages/BPJS":        func(n string) domain.Violations { return domain.ParseHealthCoverageName("name", n, now) },
		"persons/" + nik + "/healthCoverages":             func(n string) domain.Violations { return domain.ParseHealthCoverageName("name", n, now) },
		"persons/" + kid + "/enrolments/2025/2026":        func(n string) domain.Violations { return domain.ParseEnrolmentName("name", n, now) },
		"persons/" + kid + "/enrolments/2025-2027":        func(n string) domain.Violations { return domain.ParseEnrolmentName("name", n, now) },
		"families/" + kk + "/utilityUsages/2025-13":       func(n string) domain.Violations { return domain.ParseUtilityUsageName("name", n) },
		"persons/" + kk + "/utilityUsages/2025-01":        func(n string) domain.Violations { return domain.ParseUtilityUsageName("name", n) },
		"families/" + kk + "/programmeParticipations/pkh": func(n string) domain.Violations { return domain.ParseProgrammeParticipationName("name", n, now) },
		"families/" + kk + "/programmeParticipations/x.2024-01-01": func(n string) domain.Violations {
			return domain.ParseProgrammeParticipationName("name", n, now)
		},
	}
	for name, parse := range bad {
		if vs := parse(name); len(vs) != 1 || vs[0].Reason != domain.ReasonResourceNameInvalid {
			t.Errorf("%s: got %v, want RESOURCE_NAME_INVALID", name, vs)
		}
	}
	if vs := domain.ParseHealthCoverageName("name", "persons/3204124507700000/healthCoverages/bpjs", now); len(vs) != 1 || vs[0].Reason != "NIK_INVALID_SERIAL" {
		t.Errorf("a bad NIK in a name reports the NIK reason: %v", vs)
	}
}

func TestAssess(t *testing.T) {
	ids := domain.Identities{
		Persons: map[string]domain.PersonStatus{
			nik: {Registered: true, FamilyKK: kk},
			kid: {Registered: true, FamilyKK: "3204120000020001", Deceased: true},
		},
		Families: map[string]bool{kk: true},
	}
	cases := []struct {
		name     string
		rec      domain.Record
		match    domain.MatchStatus
		reason   string
		flags    []domain.Flag
		familyKK string
	}{
		{"registered person", validHealth(), domain.Matched, "", nil, kk},
		{"unknown person", func() domain.Record { r := validHealth(); r.NIK = "3204124507700009"; return r }(),
			domain.Unmatched, domain.ReasonNIKNotRegistered, nil, ""},
		{"deceased person", validEnrolment(), domain.Matched, "", []domain.Flag{domain.FlagPersonDeceased}, "3204120000020001"},
		{"registered family", validUtility(), domain.Matched, "", nil, kk},
		{"unknown family", func() domain.Record { r := validUtility(); r.KK = "3204120000090001"; return r }(),
			domain.Unmatched, domain.ReasonKKNotRegistered, nil, ""},
		{"person in another family", func() domain.Record { r := validProgramme(); r.NIK = kid; return r }(),
			domain.Matched, "", []domain.Flag{domain.FlagPersonDeceased, domain.FlagPersonNotInFamily}, kk},
		{"unknown person in known family", func() domain.Record { r := validProgramme(); r.NIK = "3204124507700009"; return r }(),
			domain.Unmatched, domain.ReasonNIKNotRegistered, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !domain.Assess(c.rec, ids) {
				t.Fatal("first assessment must report a change")
			}
			m := c.rec.Meta()
			if m.Match != c.match || m.UnmatchedReason != c.reason || m.FamilyKK != c.familyKK || len(m.Flags.List()) != len(c.flags) {
				t.Fatalf("got %v %q %v %q", m.Match, m.UnmatchedReason, m.Flags.List(), m.FamilyKK)
			}
			for i, f := range c.flags {
				if m.Flags.List()[i] != f {
					t.Fatalf("flags %v, want %v", m.Flags.List(), c.flags)
				}
			}
			if domain.Assess(c.rec, ids) {
				t.Fatal("re-assessing with the same answers must report no change (idempotent reconciliation)")
			}
		})
	}
}

func TestCurrentSchoolYear(t *testing.T) {
	for in, want := range map[string]string{"2025-06-30": "2024/2025", "2025-07-01": "2025/2026", "2026-01-10": "2025/2026"} {
		if got := domain.CurrentSchoolYear(date(in).Add(12 * time.Hour)); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}
