// Package domain is the service-usage context's model: health coverage,
// school enrolment, household utilities and social programmes received, each
// keyed on a NIK or KK number that is cross-checked against the registry.
//
// Structural rules for NIKs, KK numbers and dates are the registry's
// (services/registry/domain), imported rather than re-implemented, so every
// context rejects the same identity for the same reason.
package domain

// The enums mirror proto/dtsen/serviceusage/v1/serviceusage.proto value for
// value (0 = unspecified), so the ports layer converts with a plain cast.
// Valid rejects 0 and numbers this build does not define.

// MembershipClass is a BPJS Kesehatan (JKN) membership class.
type MembershipClass int32

const (
	MembershipUnspecified MembershipClass = iota
	MembershipPBIAPBN
	MembershipPBIAPBD
	MembershipClass1
	MembershipClass2
	MembershipClass3
	MembershipNone
)

func (x MembershipClass) Valid() bool { return x > MembershipUnspecified && x <= MembershipNone }

// Insured reports whether the class is an actual JKN membership.
func (x MembershipClass) Insured() bool { return x.Valid() && x != MembershipNone }

// SchoolLevel is the level a child is enrolled in.
type SchoolLevel int32

const (
	LevelUnspecified SchoolLevel = iota
	LevelEarlyChildhood
	LevelPrimary
	LevelJuniorSecondary
	LevelSeniorSecondary
	LevelHigher
)

func (x SchoolLevel) Valid() bool { return x > LevelUnspecified && x <= LevelHigher }

// SchoolOwnership is negeri (public) or swasta (private).
type SchoolOwnership int32

const (
	OwnershipUnspecified SchoolOwnership = iota
	OwnershipPublic
	OwnershipPrivate
)

func (x SchoolOwnership) Valid() bool { return x > OwnershipUnspecified && x <= OwnershipPrivate }

// FeeBand is the monthly school-fee band.
type FeeBand int32

const (
	FeeUnspecified FeeBand = iota
	FeeFree
	FeeLow
	FeeMedium
	FeeHigh
	FeeVeryHigh
)

func (x FeeBand) Valid() bool { return x > FeeUnspecified && x <= FeeVeryHigh }

// Programme is a social assistance programme (DESIGN.md §1.4).
type Programme int32

const (
	ProgrammeUnspecified Programme = iota
	ProgrammePKH
	ProgrammeSembakoBPNT
	ProgrammePBIJK
	ProgrammeBLT
)

func (x Programme) Valid() bool { return x > ProgrammeUnspecified && x <= ProgrammeBLT }

var programmeSlugs = map[Programme]string{
	ProgrammePKH: "pkh", ProgrammeSembakoBPNT: "sembako-bpnt", ProgrammePBIJK: "pbi-jk", ProgrammeBLT: "blt",
}

var programmeCodes = map[Programme]string{
	ProgrammePKH: "PKH", ProgrammeSembakoBPNT: "SEMBAKO_BPNT", ProgrammePBIJK: "PBI_JK", ProgrammeBLT: "BLT",
}

// Slug is the programme's id segment in resource names, e.g. "sembako-bpnt".
func (x Programme) Slug() string { return programmeSlugs[x] }

// ProgrammeFromSlug is the inverse of Slug.
func ProgrammeFromSlug(s string) (Programme, bool) {
	for p, slug := range programmeSlugs {
		if slug == s {
			return p, true
		}
	}
	return ProgrammeUnspecified, false
}

// ProgrammeFromCode parses the filter spelling, e.g. "SEMBAKO_BPNT".
func ProgrammeFromCode(s string) (Programme, bool) {
	for p, code := range programmeCodes {
		if code == s {
			return p, true
		}
	}
	return ProgrammeUnspecified, false
}

// MatchStatus says whether a record's identities are registered.
type MatchStatus int32

const (
	MatchUnspecified MatchStatus = iota
	Matched
	Unmatched
)

// Flag is a cross-check finding on an accepted record.
type Flag int32

const (
	FlagUnspecified Flag = iota
	// FlagPersonDeceased: the person is deceased per the registry. The record
	// is kept (the agency's data is evidence) but must not make a dead person
	// look like an eligible member (DESIGN.md §1.4 exclusions).
	FlagPersonDeceased
	// FlagPersonNotInFamily: a programme record names a person and a family,
	// and the registry has the person in another family.
	FlagPersonNotInFamily
)

// Flags is a set of Flag, one bit per value.
type Flags uint32

// With returns f plus x.
func (f Flags) With(x Flag) Flags { return f | 1<<uint(x) }

// Has reports whether x is in f.
func (f Flags) Has(x Flag) bool { return f&(1<<uint(x)) != 0 }

// List returns the flags in value order.
func (f Flags) List() []Flag {
	var out []Flag
	for x := FlagPersonDeceased; x <= FlagPersonNotInFamily; x++ {
		if f.Has(x) {
			out = append(out, x)
		}
	}
	return out
}
