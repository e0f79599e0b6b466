package domain

import (
	"math"
	"regexp"
	"time"

	regdomain "github.com/dtsen-id/dtsen/services/registry/domain"
)

// Violation and Violations are the registry's: one problem with one field,
// with an UPPER_SNAKE reason, so both contexts report problems alike.
type (
	Violation  = regdomain.Violation
	Violations = regdomain.Violations
)

// Record is what every asset record carries besides its data: provenance,
// the registry cross-check, and the persistence version.
type Record struct {
	// Source is the agency system that reported the record, e.g. "bps".
	Source string
	// ObservationDate is when the data was observed (UTC midnight).
	ObservationDate time.Time
	Match           MatchStatus
	MatchReason     string // MatchNIKNotRegistered, MatchKKNotRegistered or ""
	Flags           []string
	Version         int64
	CreateTime      time.Time
	UpdateTime      time.Time
}

// Meta returns the record itself; every entity embeds Record, so generic
// code reaches provenance and cross-check state through it.
func (r *Record) Meta() *Record { return r }

// SameCheck reports whether two records carry the same cross-check result.
func (r *Record) SameCheck(o *Record) bool {
	if r.Match != o.Match || r.MatchReason != o.MatchReason || len(r.Flags) != len(o.Flags) {
		return false
	}
	for i := range r.Flags {
		if r.Flags[i] != o.Flags[i] {
			return false
		}
	}
	return true
}

// sourcePattern is the importer's: the agency system names the batch and
// the record alike.
var sourcePattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)

// ValidSource reports whether s is a well-formed source name.
func ValidSource(s string) bool { return sourcePattern.MatchString(s) }

// earliestObservation bounds observation dates from below: DTSEN's sources
// (DTKS onwards) hold nothing older, so an older date is a keying error.
var earliestObservation = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)

// wit is Waktu Indonesia Timur (UTC+9), Indonesia's easternmost zone: an
// observation made anywhere in Indonesia today is never "in the future".
var wit = time.FixedZone("WIT", 9*60*60)

// Today returns today's date in WIT as UTC midnight.
func Today(now time.Time) time.Time {
	y, m, d := now.In(wit).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// validateRecord checks provenance: a well-formed source and an observation
// date between 1990 and today.
func (r *Record) validateRecord(now time.Time) Violations {
	var vs Violations
	if !ValidSource(r.Source) {
		vs = append(vs, Violation{Field: "source", Reason: ReasonSourceInvalid,
			Description: "source must be 1-64 lowercase letters, digits, '-' or '_', starting with a letter"})
	}
	switch {
	case r.ObservationDate.IsZero():
		vs = append(vs, Violation{Field: "observation_date", Reason: ReasonObservationDateRequired,
			Description: "every record needs the date its data was observed"})
	case r.ObservationDate.Before(earliestObservation) || r.ObservationDate.After(Today(now)):
		vs = append(vs, Violation{Field: "observation_date", Reason: ReasonObservationDateOutOfRange,
			Description: "the observation date must lie between 1990-01-01 and today"})
	}
	return vs
}

// ParseObservationDate parses a wire date; "" is left zero for Validate to
// report as required.
func ParseObservationDate(s string) (time.Time, *Violation) {
	if s == "" {
		return time.Time{}, nil
	}
	return regdomain.ParseDate("observation_date", s)
}

// finite reports whether f is a real number (no NaN or infinity).
func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// nikViolation checks an owner NIK with the registry's rules.
func nikViolation(field, nik string, now time.Time) *Violation {
	if _, v := regdomain.ParseNIK(nik, now); v != nil {
		v.Field = field
		return v
	}
	return nil
}

// kkViolation checks a KK number with the registry's rules.
func kkViolation(kk string) *Violation {
	if v := regdomain.ValidateKK(kk); v != nil {
		v.Field = "kk_number"
		return v
	}
	return nil
}
