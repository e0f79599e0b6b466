package domain

import (
	"time"
)

// Person is one person as Dukcapil registers them.
type Person struct {
	NIK, FullName, BirthPlace string
	BirthDate                 time.Time // UTC midnight; authoritative for the century
	Sex                       Sex
	MaritalStatus             MaritalStatus
	Relation                  FamilyRelation
	Education                 EducationLevel
	Occupation                Occupation
	Disability                Disability
	SevereDisability          bool
	Vital                     VitalStatus
	DeathDate                 time.Time // zero unless deceased
	FamilyKK                  string
	Version                   int64 // bumped on every write; the etag derives from it
	CreateTime, UpdateTime    time.Time
}

const (
	maxFullName   = 150
	maxBirthPlace = 100
)

// earliestBirth bounds birth dates from below. Nobody born before 1900 is
// alive to be registered, and the bound keeps the NIK's two-digit year from
// matching a third century.
var earliestBirth = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// Validate checks one person and returns every violation, not just the
// first, so that a Dukcapil operator can fix a record in one pass.
func (p *Person) Validate(now time.Time) Violations {
	if p == nil {
		return Violations{{Reason: ReasonPersonRequired, Description: "the person is missing"}}
	}
	var vs Violations
	add := func(field, reason, description string) {
		vs = append(vs, Violation{Field: field, Reason: reason, Description: description})
	}
	today := todayDate(now)

	nik, nikErr := ParseNIK(p.NIK, now)
	if nikErr != nil {
		vs = append(vs, *nikErr)
	}

	if !p.Sex.Valid() {
		add("sex", ReasonPersonSexInvalid, "sex is required: MALE or FEMALE")
	} else if nikErr == nil && p.Sex != nik.Sex {
		// DESIGN.md §2: women's NIK day = day + 40, so the NIK fixes the sex.
		add("sex", ReasonNIKSexMismatch, "sex does not agree with the NIK (women have 40 added to the day)")
	}

	birth := dateOnly(p.BirthDate)
	switch {
	case p.BirthDate.IsZero():
		add("birth_date", ReasonPersonBirthDateRequired, "birth date is required")
	case birth.Before(earliestBirth) || birth.After(today):
		add("birth_date", ReasonPersonBirthDateInvalid, "birth date must be between 1900-01-01 and today")
	case nikErr == nil && !nik.MatchesBirthDate(birth):
		// DESIGN.md §2: NIK digits 7-12 are the birth date DDMMYY.
		add("birth_date", ReasonNIKBirthDateMismatch, "birth date does not agree with NIK digits 7-12 (DDMMYY)")
	}

	if blank(p.FullName) || !validText(p.FullName, maxFullName) {
		add("full_name", ReasonPersonNameInvalid, "full name is 1-150 characters without control characters")
	}
	if !validText(p.BirthPlace, maxBirthPlace) {
		add("birth_place", ReasonPersonBirthPlaceInvalid, "birth place is at most 100 characters without control characters")
	}

	if !p.MaritalStatus.Valid() {
		add("marital_status", ReasonPersonMaritalInvalid, "marital status must be a defined value")
	}
	if !p.Relation.Valid() {
		add("relation_to_head", ReasonPersonRelationInvalid, "relation to the head must be a defined value")
	}
	if !p.Education.Valid() {
		add("education", ReasonPersonEducationInvalid, "education must be a defined value")
	}
	if !p.Occupation.Valid() {
		add("occupation", ReasonPersonOccupationInvalid, "occupation must be a defined value")
	}
	if !p.Disability.Valid() {
		add("disability", ReasonPersonDisabilityInvalid, "disability must be a defined value (NONE when there is none)")
	} else if p.SevereDisability && p.Disability == DisabilityNone {
		// Severe disability qualifies a family for PKH (DESIGN.md §1.4), so a
		// flag without a disability would grant eligibility on nothing.
		add("severe_disability", ReasonPersonSevereWithoutDisability, "severe disability needs a disability other than NONE")
	}

	switch p.Vital {
	case VitalAlive:
		if !p.DeathDate.IsZero() {
			add("death_date", ReasonPersonDeathDateInvalid, "a living person has no death date")
		}
	case VitalDeceased:
		if d := deathDateProblem(p.DeathDate, p.BirthDate, today); d != "" {
			add("death_date", ReasonPersonDeathDateInvalid, d)
		}
	default:
		add("vital_status", ReasonPersonVitalStatusInvalid, "vital status must be ALIVE or DECEASED")
	}
	return vs
}

// deathDateProblem describes what is wrong with a death date, or "". A
// deceased person is excluded from assistance (DESIGN.md §1.4), so a death
// date in the future would cut someone off early.
func deathDateProblem(death, birth, today time.Time) string {
	if death.IsZero() {
		return "a deceased person needs a death date"
	}
	death = dateOnly(death)
	if death.After(today) {
		return "death date must not be in the future"
	}
	if !birth.IsZero() && death.Before(dateOnly(birth)) {
		return "death date must not be before the birth date"
	}
	return ""
}
