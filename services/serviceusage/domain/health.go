package domain

import "time"

// HealthCoverage is one person's JKN coverage as reported by one agency
// (natural key: NIK, source agency). Chronic illness is a PMT person
// variable (DESIGN.md §2); visits show actual use of the coverage.
type HealthCoverage struct {
	NIK                 string
	Class               MembershipClass
	OutpatientVisits    int32 // in the 12 months before ObservationDate
	InpatientAdmissions int32
	ChronicIllness      bool
	Common
}

// Bounds on 12-month counts: one outpatient visit a day (dialysis patients
// come about three times a week), and one admission a week.
const (
	MaxOutpatientVisits    = 365
	MaxInpatientAdmissions = 52
)

func (h *HealthCoverage) Kind() Kind                 { return KindHealthCoverage }
func (h *HealthCoverage) Meta() *Common              { return &h.Common }
func (h *HealthCoverage) Identity() (string, string) { return h.NIK, "" }

// Name is `persons/{nik}/healthCoverages/{source_agency}`.
func (h *HealthCoverage) Name() string {
	return "persons/" + h.NIK + "/healthCoverages/" + h.SourceAgency
}

// Validate implements Record.
func (h *HealthCoverage) Validate(now time.Time) Violations {
	_, vs := nikViolations("nik", h.NIK, now)
	vs = append(vs, h.Common.validate(now)...)
	if !h.Class.Valid() {
		vs = append(vs, Violation{Field: "membership_class", Reason: ReasonHealthClassInvalid,
			Description: "membership_class must be a defined, non-zero value"})
	}
	vs = append(vs, rangeViolation("outpatient_visits", ReasonHealthOutpatientRange, h.OutpatientVisits, 0, MaxOutpatientVisits)...)
	vs = append(vs, rangeViolation("inpatient_admissions", ReasonHealthInpatientRange, h.InpatientAdmissions, 0, MaxInpatientAdmissions)...)
	return vs
}

// ParseHealthCoverageName checks `persons/{nik}/healthCoverages/{agency}`.
func ParseHealthCoverageName(field, name string, now time.Time) Violations {
	p, ok := segments(name, 4)
	if !ok || p[0] != "persons" || p[2] != "healthCoverages" || !ValidAgency(p[3]) {
		return nameViolation(field, "persons/{nik}/healthCoverages/{source_agency}")
	}
	_, vs := nikViolations(field, p[1], now)
	return vs
}

func nameViolation(field, pattern string) Violations {
	return Violations{{Field: field, Reason: ReasonResourceNameInvalid, Description: "expected " + pattern}}
}
