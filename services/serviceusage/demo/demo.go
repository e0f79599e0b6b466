// Package demo generates valid service-usage records for `make run`, tests
// and benchmarks. The records are about registry/demo.Family(i)'s people,
// so once those families are in the registry every record matches. It is a
// deterministic stand-in; no real person is described.
package demo

import (
	"fmt"
	"time"

	suv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	registrydemo "github.com/dtsen-id/dtsen/services/registry/demo"
	"github.com/dtsen-id/dtsen/services/serviceusage/domain"
)

// ObservationDate is the observation date of every demo record.
const ObservationDate = "2025-06-30"

var classes = []suv1.HealthMembershipClass{
	suv1.HealthMembershipClass_HEALTH_MEMBERSHIP_CLASS_PBI_APBN,
	suv1.HealthMembershipClass_HEALTH_MEMBERSHIP_CLASS_CLASS_3,
	suv1.HealthMembershipClass_HEALTH_MEMBERSHIP_CLASS_PBI_APBD,
	suv1.HealthMembershipClass_HEALTH_MEMBERSHIP_CLASS_NONE,
}

// HealthCoverage is the BPJS Kesehatan record of member m (0-3) of family i.
func HealthCoverage(i, m int) *suv1.HealthCoverage {
	f := registrydemo.Family(i)
	return &suv1.HealthCoverage{
		Nik:                 f.Members[m].Nik,
		SourceAgency:        "bpjs-kesehatan",
		ObservationDate:     ObservationDate,
		MembershipClass:     classes[(i+m)%len(classes)],
		OutpatientVisits:    int32((i + m) % 13),
		InpatientAdmissions: int32((i + m) % 3 / 2),
		ChronicIllness:      m == 0 && i%7 == 0,
	}
}

// Enrolment is the current school year's enrolment of child c (0 or 1,
// members 2 and 3) of family i.
func Enrolment(i, c int, now time.Time) *suv1.Enrolment {
	f := registrydemo.Family(i)
	child := f.Members[2+c]
	birth, _ := time.Parse(time.DateOnly, child.BirthDate)
	year := domain.CurrentSchoolYear(now)
	start, _ := domain.SchoolYearStart(year)
	age := start - birth.Year()
	level := suv1.SchoolLevel_SCHOOL_LEVEL_HIGHER
	switch {
	case age < 7:
		level = suv1.SchoolLevel_SCHOOL_LEVEL_EARLY_CHILDHOOD
	case age < 13:
		level = suv1.SchoolLevel_SCHOOL_LEVEL_PRIMARY
	case age < 16:
		level = suv1.SchoolLevel_SCHOOL_LEVEL_JUNIOR_SECONDARY
	case age < 19:
		level = suv1.SchoolLevel_SCHOOL_LEVEL_SENIOR_SECONDARY
	}
	return &suv1.Enrolment{
		Nik:             child.Nik,
		SourceAgency:    "kemendikdasmen",
		ObservationDate: Today(now),
		SchoolYear:      year,
		Level:           level,
		Ownership:       suv1.SchoolOwnership_SCHOOL_OWNERSHIP_PUBLIC,
		FeeBand:         suv1.SchoolFeeBand_SCHOOL_FEE_BAND_FREE,
		KipRecipient:    i%2 == 0,
	}
}

// UtilityUsage is family i's use in month ("YYYY-MM").
func UtilityUsage(i int, month string) *suv1.UtilityUsage {
	f := registrydemo.Family(i)
	return &suv1.UtilityUsage{
		KkNumber:               f.KkNumber,
		SourceAgency:           "pln",
		ObservationDate:        ObservationDate,
		Month:                  month,
		ElectricityKwh:         int32(60 + i%90),
		SubsidisedTariff:       i%3 != 0,
		PlnCustomerId:          fmt.Sprintf("5%011d", i),
		SubsidisedLpgPurchases: int32(2 + i%4),
	}
}

// ProgrammeParticipation is family i's PKH, open since 2024-01-01.
func ProgrammeParticipation(i int) *suv1.ProgrammeParticipation {
	f := registrydemo.Family(i)
	return &suv1.ProgrammeParticipation{
		KkNumber:         f.KkNumber,
		SourceAgency:     "kemensos",
		ObservationDate:  ObservationDate,
		Programme:        suv1.SocialProgramme_SOCIAL_PROGRAMME_PKH,
		PeriodStart:      "2024-01-01",
		DisbursingAgency: "bank-himbara",
	}
}

// Today is now's date (WIT) as YYYY-MM-DD.
func Today(now time.Time) string { return domain.DateString(domain.Today(now)) }

// Records returns every demo record of family i as import messages: four
// health coverages, two enrolments, three months of utilities and PKH.
func Records(i int, now time.Time) []*suv1.ImportRecordsRequest {
	var out []*suv1.ImportRecordsRequest
	for m := range 4 {
		out = append(out, Health(HealthCoverage(i, m)))
	}
	for c := range 2 {
		out = append(out, &suv1.ImportRecordsRequest{Payload: &suv1.ImportRecordsRequest_Enrolment{Enrolment: Enrolment(i, c, now)}})
	}
	for _, month := range []string{"2025-04", "2025-05", "2025-06"} {
		out = append(out, &suv1.ImportRecordsRequest{Payload: &suv1.ImportRecordsRequest_UtilityUsage{UtilityUsage: UtilityUsage(i, month)}})
	}
	out = append(out, &suv1.ImportRecordsRequest{Payload: &suv1.ImportRecordsRequest_ProgrammeParticipation{
		ProgrammeParticipation: ProgrammeParticipation(i)}})
	return out
}

// Health wraps a health coverage as an import message.
func Health(h *suv1.HealthCoverage) *suv1.ImportRecordsRequest {
	return &suv1.ImportRecordsRequest{Payload: &suv1.ImportRecordsRequest_HealthCoverage{HealthCoverage: h}}
}
