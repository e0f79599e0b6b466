package domain

import (
	"strings"
	"time"
)

// ProgrammeParticipation is a social programme received by a family, or by
// one member (natural key: KK number or NIK, programme, period start).
// Programmes already received are both a welfare signal and the baseline the
// eligibility engine compares against (DESIGN.md §1.4, §1.8).
type ProgrammeParticipation struct {
	KK               string
	NIK              string // empty for a family-level record
	Programme        Programme
	PeriodStart      time.Time
	PeriodEnd        time.Time // zero while open
	DisbursingAgency string
	Common
}

func (p *ProgrammeParticipation) Kind() Kind                 { return KindProgrammeParticipation }
func (p *ProgrammeParticipation) Meta() *Common              { return &p.Common }
func (p *ProgrammeParticipation) Identity() (string, string) { return p.NIK, p.KK }

// Name is `families/{kk}/programmeParticipations/{programme}.{start}` for a
// family-level record and `persons/{nik}/...` for a person-level one.
func (p *ProgrammeParticipation) Name() string {
	parent := "families/" + p.KK
	if p.NIK != "" {
		parent = "persons/" + p.NIK
	}
	return parent + "/programmeParticipations/" + p.Programme.Slug() + "." + DateString(p.PeriodStart)
}

// ActiveOn reports whether the period includes day.
func (p *ProgrammeParticipation) ActiveOn(day time.Time) bool {
	return !p.PeriodStart.After(day) && (p.PeriodEnd.IsZero() || !p.PeriodEnd.Before(day))
}

// Validate implements Record.
func (p *ProgrammeParticipation) Validate(now time.Time) Violations {
	vs := kkViolations("kk_number", p.KK)
	if p.NIK != "" {
		_, nvs := nikViolations("nik", p.NIK, now)
		vs = append(vs, nvs...)
	}
	vs = append(vs, p.Common.validate(now)...)
	if !p.Programme.Valid() {
		vs = append(vs, Violation{Field: "programme", Reason: ReasonProgrammeInvalid, Description: "programme must be a defined, non-zero value"})
	}
	switch {
	case p.PeriodStart.IsZero():
		vs = append(vs, Violation{Field: "period_start", Reason: ReasonProgrammeStartRequired, Description: "period_start is required"})
	case p.PeriodStart.After(Today(now)):
		vs = append(vs, Violation{Field: "period_start", Reason: ReasonProgrammeStartInFuture,
			Description: "period_start must not be in the future: only programmes received are recorded"})
	case p.PeriodStart.Before(earliest):
		vs = append(vs, Violation{Field: "period_start", Reason: ReasonProgrammeStartTooOld, Description: "period_start must not be before 2000-01-01"})
	case !p.PeriodEnd.IsZero() && p.PeriodEnd.Before(p.PeriodStart):
		vs = append(vs, Violation{Field: "period_end", Reason: ReasonProgrammeEndBeforeStart, Description: "period_end must not be before period_start"})
	}
	if !ValidAgency(p.DisbursingAgency) {
		vs = append(vs, Violation{Field: "disbursing_agency", Reason: ReasonDisbursingAgencyInvalid,
			Description: "disbursing_agency is 2-64 lowercase letters, digits or '-', starting with a letter"})
	}
	return vs
}

// ParseProgrammeParticipationName checks
// `families/{kk}|persons/{nik}/programmeParticipations/{programme}.{YYYY-MM-DD}`.
func ParseProgrammeParticipationName(field, name string, now time.Time) Violations {
	const pattern = "families/{kk}/programmeParticipations/{programme}.{YYYY-MM-DD} or persons/{nik}/..."
	p, ok := segments(name, 4)
	if !ok || (p[0] != "families" && p[0] != "persons") || p[2] != "programmeParticipations" {
		return nameViolation(field, pattern)
	}
	slug, date, ok := strings.Cut(p[3], ".")
	if _, known := ProgrammeFromSlug(slug); !ok || !known {
		return nameViolation(field, pattern)
	}
	if _, v := ParseDate(field, date); v != nil {
		return nameViolation(field, pattern)
	}
	if p[0] == "families" {
		return kkViolations(field, p[1])
	}
	_, vs := nikViolations(field, p[1], now)
	return vs
}
