package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Enrolment is one child's school enrolment in one school year (natural key:
// NIK, school year). School participation and level are PMT person
// variables (DESIGN.md §2); KIP shows existing education assistance.
type Enrolment struct {
	NIK          string
	SchoolYear   string // "2025/2026"
	Level        SchoolLevel
	Ownership    SchoolOwnership
	FeeBand      FeeBand
	KIPRecipient bool
	Common
}

func (e *Enrolment) Kind() Kind                 { return KindEnrolment }
func (e *Enrolment) Meta() *Common              { return &e.Common }
func (e *Enrolment) Identity() (string, string) { return e.NIK, "" }

// Name is `persons/{nik}/enrolments/{YYYY-YYYY}`: the school year with '-'
// for '/', which cannot appear in a resource id.
func (e *Enrolment) Name() string {
	return "persons/" + e.NIK + "/enrolments/" + strings.Replace(e.SchoolYear, "/", "-", 1)
}

// SchoolYearStart returns the first calendar year of "YYYY/YYYY", or false
// when s is not two consecutive four-digit years.
func SchoolYearStart(s string) (int, bool) {
	a, b, ok := strings.Cut(s, "/")
	if !ok || len(a) != 4 || len(b) != 4 {
		return 0, false
	}
	y1, err1 := strconv.Atoi(a)
	y2, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || a[0] == '+' || b[0] == '+' || y2 != y1+1 || y1 < 2000 {
		return 0, false
	}
	return y1, true
}

// CurrentSchoolYear is the school year running today: Indonesian school
// years start in July.
func CurrentSchoolYear(now time.Time) string {
	t := Today(now)
	y := t.Year()
	if t.Month() < time.July {
		y--
	}
	return fmt.Sprintf("%d/%d", y, y+1)
}

// Validate implements Record.
func (e *Enrolment) Validate(now time.Time) Violations {
	nik, vs := nikViolations("nik", e.NIK, now)
	nikOK := len(vs) == 0
	vs = append(vs, e.Common.validate(now)...)
	start, ok := SchoolYearStart(e.SchoolYear)
	switch {
	case !ok:
		vs = append(vs, Violation{Field: "school_year", Reason: ReasonSchoolYearInvalid,
			Description: "school_year is two consecutive years YYYY/YYYY from 2000, e.g. 2025/2026"})
	case start > Today(now).Year():
		// Next year's enrolment (registered from about May) is allowed;
		// anything later is a typing error.
		vs = append(vs, Violation{Field: "school_year", Reason: ReasonSchoolYearInFuture,
			Description: "school_year must not start after the current calendar year"})
	case nikOK:
		// A child must be at least 2 at the start of the school year
		// (PAUD playgroups start at 2). The NIK's century is a guess, so
		// only an impossible age is refused.
		yearStart := time.Date(start, time.July, 1, 0, 0, 0, 0, time.UTC)
		if nik.BirthDate.After(yearStart.AddDate(-2, 0, 0)) {
			vs = append(vs, Violation{Field: "school_year", Reason: ReasonEnrolmentAgeImplausble,
				Description: "the NIK's birth date makes the child younger than 2 at the start of the school year"})
		}
	}
	if !e.Level.Valid() {
		vs = append(vs, Violation{Field: "level", Reason: ReasonEnrolmentLevelInvalid, Description: "level must be a defined, non-zero value"})
	}
	if !e.Ownership.Valid() {
		vs = append(vs, Violation{Field: "ownership", Reason: ReasonEnrolmentOwnerInvalid, Description: "ownership must be a defined, non-zero value"})
	}
	if !e.FeeBand.Valid() {
		vs = append(vs, Violation{Field: "fee_band", Reason: ReasonEnrolmentFeeInvalid, Description: "fee_band must be a defined, non-zero value"})
	}
	return vs
}

// ParseEnrolmentName checks `persons/{nik}/enrolments/{YYYY-YYYY}`.
func ParseEnrolmentName(field, name string, now time.Time) Violations {
	p, ok := segments(name, 4)
	if !ok || p[0] != "persons" || p[2] != "enrolments" {
		return nameViolation(field, "persons/{nik}/enrolments/{YYYY-YYYY}")
	}
	if _, ok := SchoolYearStart(strings.Replace(p[3], "-", "/", 1)); !ok || strings.Contains(p[3], "/") {
		return nameViolation(field, "persons/{nik}/enrolments/{YYYY-YYYY}")
	}
	_, vs := nikViolations(field, p[1], now)
	return vs
}
