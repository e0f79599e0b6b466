package domain

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	rd "github.com/dtsen-id/dtsen/services/registry/domain"
)

// Violation and Violations are the registry's, so NIK and date problems read
// the same in every context and the ports map them to field violations alike.
type (
	Violation  = rd.Violation
	Violations = rd.Violations
)

// ErrNotFound is returned by a Repository when a record does not exist.
var ErrNotFound = errors.New("not found")

// ErrConcurrentChange is returned by a write that found a record changed or
// moved by another writer since it was read.
var ErrConcurrentChange = errors.New("record changed concurrently")

// Kind names a record kind; it is also the resource's collection name in
// events (`serviceusage.<kind>.<verb>`).
type Kind string

const (
	KindHealthCoverage         Kind = "healthCoverage"
	KindEnrolment              Kind = "enrolment"
	KindUtilityUsage           Kind = "utilityUsage"
	KindProgrammeParticipation Kind = "programmeParticipation"
)

// Kinds lists every record kind.
var Kinds = []Kind{KindHealthCoverage, KindEnrolment, KindUtilityUsage, KindProgrammeParticipation}

// Common is what every record carries besides its own variables: where it
// came from, when it was observed, and what the registry cross-check found.
type Common struct {
	SourceAgency    string
	ObservationDate time.Time

	// Set by the cross-check (Assess), never by the agency.
	Match           MatchStatus
	UnmatchedReason string
	Flags           Flags
	// FamilyKK is the record's own KK number, or for a person's record the
	// family the registry places the person in ("" while unmatched).
	FamilyKK string

	Version                int64
	CreateTime, UpdateTime time.Time
}

// Record is one stored fact of any kind.
type Record interface {
	Kind() Kind
	// Name is the resource name, which is also the natural key.
	Name() string
	Meta() *Common
	// Identity returns the NIK and KK number the registry must know; either
	// may be empty.
	Identity() (nik, kk string)
	// Validate checks the record on its own (no registry, no storage).
	Validate(now time.Time) Violations
}

// earliest is the oldest observation or period accepted: JKN, KIP and the
// current programmes all post-date it, so an older date is a typing error.
var earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// wit is Waktu Indonesia Timur (UTC+9). "Today" is the date there, so data
// observed on its day anywhere in Indonesia is never "in the future" (the
// registry uses the same rule).
var wit = time.FixedZone("WIT", 9*60*60)

// Today is now's calendar date in WIT, at UTC midnight.
func Today(now time.Time) time.Time {
	y, m, d := now.In(wit).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

var agencyPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{1,63}$`)

// ValidAgency reports whether s is an agency code: 2-64 lowercase letters,
// digits or '-', starting with a letter (it appears in resource names).
func ValidAgency(s string) bool { return agencyPattern.MatchString(s) }

func (c *Common) validate(now time.Time) Violations {
	var vs Violations
	if !ValidAgency(c.SourceAgency) {
		vs = append(vs, Violation{Field: "source_agency", Reason: ReasonSourceAgencyInvalid,
			Description: "source_agency is 2-64 lowercase letters, digits or '-', starting with a letter"})
	}
	switch {
	case c.ObservationDate.IsZero():
		vs = append(vs, Violation{Field: "observation_date", Reason: ReasonObservationDateRequired,
			Description: "observation_date is required"})
	case c.ObservationDate.After(Today(now)):
		vs = append(vs, Violation{Field: "observation_date", Reason: ReasonObservationDateInFuture,
			Description: "observation_date must not be in the future"})
	case c.ObservationDate.Before(earliest):
		vs = append(vs, Violation{Field: "observation_date", Reason: ReasonObservationDateTooOld,
			Description: "observation_date must not be before 2000-01-01"})
	}
	return vs
}

// nikViolations checks a NIK's structure with the registry's rules.
func nikViolations(field, nik string, now time.Time) (rd.NIK, Violations) {
	if nik == "" {
		return rd.NIK{}, Violations{{Field: field, Reason: ReasonNIKRequired, Description: "a NIK is required"}}
	}
	n, v := rd.ParseNIK(nik, now)
	if v != nil {
		return n, Violations{{Field: field, Reason: v.Reason, Description: v.Description}}
	}
	return n, nil
}

func kkViolations(field, kk string) Violations {
	if kk == "" {
		return Violations{{Field: field, Reason: ReasonKKRequired, Description: "a KK number is required"}}
	}
	if v := rd.ValidateKK(kk); v != nil {
		return Violations{{Field: field, Reason: v.Reason, Description: v.Description}}
	}
	return nil
}

func rangeViolation(field, reason string, v, lo, hi int32) Violations {
	if v < lo || v > hi {
		return Violations{{Field: field, Reason: reason,
			Description: field + " must be between " + strconv.Itoa(int(lo)) + " and " + strconv.Itoa(int(hi))}}
	}
	return nil
}

// ParseDate parses a wire date YYYY-MM-DD (the registry's strict rule).
func ParseDate(field, s string) (time.Time, *Violation) { return rd.ParseDate(field, s) }

// DateString formats a date as YYYY-MM-DD; the zero time gives "".
func DateString(t time.Time) string { return rd.DateString(t) }

// Etag is the opaque version string (AIP-154).
func Etag(version int64) string { return rd.Etag(version) }

// cut splits name into exactly n '/'-separated segments.
func segments(name string, n int) ([]string, bool) {
	parts := strings.Split(name, "/")
	if len(parts) != n {
		return nil, false
	}
	for _, p := range parts {
		if p == "" {
			return nil, false
		}
	}
	return parts, true
}
