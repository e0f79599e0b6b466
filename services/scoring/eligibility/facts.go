package eligibility

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	regdomain "github.com/dtsen-id/dtsen/services/registry/domain"
)

// Facts is what the rules need to know about one family after a ranking
// run. The features package builds it from the source contexts (registry for
// members and address, scoring for decile and score); it is deliberately
// plain Go so that the rules can be tested and replayed without the APIs.
type Facts struct {
	// KK is the family's 16-digit Kartu Keluarga number (DESIGN.md §2). It is
	// also the quota tie-break, so it must be the canonical digits.
	KK string
	// Decile is the national welfare decile, 1 (poorest 10%) to 10
	// (DESIGN.md §2). 0 means the family has not been ranked yet; such a
	// family qualifies for nothing until it is.
	Decile int
	// Score is the welfare score the decile was cut from: the predicted
	// per-capita consumption, so lower is poorer. Quotas are filled from the
	// lowest score up.
	Score float64
	// Region is the Kemendagri code of the family's village, dotted
	// ("32.04.12.2001"); the transition report groups by its province and
	// regency prefixes.
	Region string
	// AddressNotFound is set when field verification could not find the
	// family at its registered address. It is the inverse of an
	// "address found" flag on purpose: the zero value must be the common
	// case, so that a facts builder that forgets the field cannot exclude a
	// whole run.
	AddressNotFound bool
	// ReferenceDate is the date the members' ages were computed at. It is
	// copied into the decision for the audit; the rules do not read it.
	ReferenceDate time.Time
	// Members are everyone on the KK, the deceased included: the rules
	// decide what a deceased member counts for (nothing), not the builder.
	Members []Member
}

// Member is one person on the family's KK.
type Member struct {
	NIK string
	// Age is in completed years at the facts' reference date.
	Age int
	// AgeUnknown: the registry holds no valid birth date. No age range
	// matches such a member, so an unknown age never qualifies a family
	// (Age 0 would make everyone a young child); the flag the missing date
	// raises sends the family to field verification instead.
	AgeUnknown bool
	Sex        Sex
	// Pregnant, InSchool and SevereDisability are the person variables of
	// the PMT forms (DESIGN.md §2) that PKH's components are defined on.
	Pregnant         bool
	InSchool         bool
	SevereDisability bool
	// Deceased members stay on the facts so that a family whose members have
	// all died is recognised as such, but they never qualify a family nor
	// exclude it.
	Deceased   bool
	Occupation Occupation
}

// Sex of a member, as recorded by Dukcapil.
type Sex string

const (
	SexFemale Sex = "F"
	SexMale   Sex = "M"
)

// Occupation is the category the exclusion rules need, not a full
// occupation: the state employers whose staff and families are excluded
// from social assistance (DESIGN.md §1.4), and everything else.
type Occupation string

const (
	// OccupationOther is any occupation that is none of the below, including
	// not working. The empty string means the same.
	OccupationOther Occupation = "OTHER"
	// OccupationASN is a civil servant (Aparatur Sipil Negara: PNS and PPPK).
	OccupationASN Occupation = "ASN"
	// OccupationTNI is a member of the armed forces.
	OccupationTNI Occupation = "TNI"
	// OccupationPolri is a member of the national police.
	OccupationPolri Occupation = "POLRI"
	// OccupationBUMN is an employee of a state-owned enterprise.
	OccupationBUMN Occupation = "BUMN"
	// OccupationBUMD is an employee of a regionally owned enterprise.
	OccupationBUMD Occupation = "BUMD"
)

var occupations = map[Occupation]bool{
	"": true, OccupationOther: true, OccupationASN: true, OccupationTNI: true,
	OccupationPolri: true, OccupationBUMN: true, OccupationBUMD: true,
}

// maxAge bounds ages in facts and in the table's age ranges; the oldest
// verified person lived to 122.
const maxAge = 150

// Validate checks the facts' structure so that the service can reject a bad
// record with a reason (DESIGN.md §7) before it reaches [Evaluate].
// Evaluate itself never fails: it treats an out-of-range decile as not
// ranked and unknown categories as "other", so a bad record cannot make a
// family eligible.
func (f *Facts) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !regdomain.IsDigits(f.KK, 16) {
		bad("kk: must be 16 digits")
	}
	if f.Decile < 0 || f.Decile > 10 {
		bad("decile: %d is outside 0-10 (0 = not ranked)", f.Decile)
	}
	if math.IsNaN(f.Score) || math.IsInf(f.Score, 0) {
		bad("score: must be a finite number")
	}
	if !regionShape(f.Region) {
		bad("region: %q is not a dotted Kemendagri code such as 32.04.12.2001", f.Region)
	}
	if len(f.Members) == 0 {
		bad("members: a family has at least one member")
	}
	seen := make(map[string]bool, len(f.Members))
	for i, m := range f.Members {
		if !regdomain.IsDigits(m.NIK, 16) {
			bad("members[%d].nik: must be 16 digits", i)
		} else if seen[m.NIK] {
			bad("members[%d].nik: appears twice in the family", i)
		}
		seen[m.NIK] = true
		if m.Age < 0 || m.Age > maxAge {
			bad("members[%d].age: %d is outside 0-%d", i, m.Age, maxAge)
		}
		if m.Sex != SexFemale && m.Sex != SexMale {
			bad("members[%d].sex: %q is neither F nor M", i, m.Sex)
		}
		if !occupations[m.Occupation] {
			bad("members[%d].occupation: %q is not one of ASN, TNI, POLRI, BUMN, BUMD, OTHER", i, m.Occupation)
		}
	}
	return errors.Join(errs...)
}

// regionShape checks the dotted form of a region code (DESIGN.md §2): two
// digits for the province, then dot-separated parts of 2, 2 and 4 digits.
// The list of valid provinces lives in the registry, which owns it.
func regionShape(code string) bool {
	parts := strings.Split(code, ".")
	widths := []int{2, 2, 2, 4}
	if len(parts) > len(widths) {
		return false
	}
	for i, p := range parts {
		if !regdomain.IsDigits(p, widths[i]) {
			return false
		}
	}
	return true
}

// living returns the members who count for the rules.
func (f *Facts) living() []Member {
	out := make([]Member, 0, len(f.Members))
	for _, m := range f.Members {
		if !m.Deceased {
			out = append(out, m)
		}
	}
	return out
}
