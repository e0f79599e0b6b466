package domain

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Family is a Kartu Keluarga (KK) with its members.
type Family struct {
	KK, HeadNIK            string
	Members                []*Person
	Address                Address
	RegionCode             string // village level
	Settlement             Settlement
	Version                int64
	CreateTime, UpdateTime time.Time
}

// MaxMembers bounds a family. Real KKs rarely exceed 15 people; 50 leaves
// room for extended households while keeping one record's validation and
// scoring bounded against hostile input.
const MaxMembers = 50

// Normalize trims names and ties every member to this KK. Call it before
// Validate: Dukcapil exports pad fields with spaces, and a member's FamilyKK
// is derived from the record it arrived in, not trusted from the sender.
func (f *Family) Normalize() {
	f.Address.Street = strings.TrimSpace(f.Address.Street)
	for _, m := range f.Members {
		if m == nil {
			continue
		}
		m.FullName = strings.TrimSpace(m.FullName)
		m.BirthPlace = strings.TrimSpace(m.BirthPlace)
		m.FamilyKK = f.KK
	}
}

// Member returns the member with the NIK, or nil.
func (f *Family) Member(nik string) *Person {
	if i := f.index(nik); i >= 0 {
		return f.Members[i]
	}
	return nil
}

func (f *Family) index(nik string) int {
	if nik == "" {
		return -1
	}
	for i, m := range f.Members {
		if m != nil && m.NIK == nik {
			return i
		}
	}
	return -1
}

func memberField(i int) string { return "members[" + strconv.Itoa(i) + "]" }

// Validate checks a whole family record as Dukcapil sends it and returns
// every violation. Member problems are prefixed "members[i].".
func (f *Family) Validate(now time.Time) Violations {
	var vs Violations
	add := func(field, reason, description string) {
		vs = append(vs, Violation{Field: field, Reason: reason, Description: description})
	}
	if v := ValidateKK(f.KK); v != nil {
		vs = append(vs, *v)
	}
	if v := ValidateVillageCode(f.RegionCode); v != nil {
		vs = append(vs, *v)
	}
	if !f.Settlement.Valid() {
		add("settlement", ReasonFamilySettlementInvalid, "settlement must be URBAN or RURAL")
	}
	vs = append(vs, f.Address.Validate()...)

	switch {
	case len(f.Members) == 0:
		add("members", ReasonFamilyNoMembers, "a family has at least one member")
	case len(f.Members) > MaxMembers:
		// Member checks are skipped: an oversized record is rejected anyway,
		// and validating thousands of members would only amplify the input.
		add("members", ReasonFamilyTooManyMembers, "a family has at most 50 members")
		return vs
	}

	seen := make(map[string]int, len(f.Members))
	for i, m := range f.Members {
		if m == nil {
			add(memberField(i), ReasonFamilyMemberMissing, "member is empty")
			continue
		}
		vs = append(vs, m.Validate(now).Prefix(memberField(i))...)
		if m.NIK == "" {
			continue
		}
		if first, dup := seen[m.NIK]; dup {
			// One NIK is one person; the same person twice would be counted
			// twice in per-capita consumption.
			add(memberField(i)+".nik", ReasonPersonDuplicateInFamily,
				"the same NIK is already "+memberField(first))
			continue
		}
		seen[m.NIK] = i
	}

	headIdx := -1
	if _, v := ParseNIK(f.HeadNIK, now); v != nil {
		v.Field = "head_nik"
		vs = append(vs, *v)
	} else if headIdx = f.index(f.HeadNIK); headIdx < 0 {
		add("head_nik", ReasonFamilyHeadNotMember, "the head of the family must be one of its members")
	}
	vs = append(vs, f.headRelationViolations(headIdx)...)
	return vs
}

// headRelationViolations enforces that exactly one member has relation HEAD
// and that it is head_nik: the relation column and head_nik are two copies of
// one fact on the KK, and scoring relies on both.
func (f *Family) headRelationViolations(headIdx int) Violations {
	var vs Violations
	mismatch := func(field, description string) {
		vs = append(vs, Violation{Field: field, Reason: ReasonFamilyHeadRelationMismatch, Description: description})
	}
	if headIdx < 0 {
		// head_nik is already reported; still say when the relations alone
		// cannot name one head.
		heads := 0
		for _, m := range f.Members {
			if m != nil && m.Relation == RelationHead {
				heads++
			}
		}
		if heads != 1 && len(f.Members) > 0 {
			mismatch("members", "exactly one member must have relation HEAD")
		}
		return vs
	}
	for i, m := range f.Members {
		switch {
		case m == nil:
		case i == headIdx && m.Relation != RelationHead:
			mismatch(memberField(i)+".relation_to_head", "the member named by head_nik must have relation HEAD")
		case i != headIdx && m.Relation == RelationHead:
			mismatch(memberField(i)+".relation_to_head", "only the member named by head_nik may have relation HEAD")
		}
	}
	return vs
}

// RecordDeath marks the member deceased on date (calendar date, UTC).
//
// It is idempotent because change feeds deliver at least once (DESIGN.md §3):
// the same death again returns changed=false. Another date for someone
// already deceased is *Precondition PERSON_ALREADY_DECEASED, since silently
// moving a death date would move the cut-off of their assistance. A date that
// is missing, after today or before birth is Violations PERSON_DEATH_DATE_INVALID
// on field "death_date". An unknown NIK is *Precondition PERSON_NOT_MEMBER.
//
// If the deceased is the head, the family keeps its head_nik and the head
// keeps relation HEAD: Dukcapil reissues the KK with a new head later, and
// until then the KK on paper still names the deceased.
func (f *Family) RecordDeath(nik string, date, now time.Time) (changed bool, err error) {
	p := f.Member(nik)
	if p == nil {
		return false, precondition(ReasonPersonNotMember, "the person is not a member of this family")
	}
	if p.Vital == VitalDeceased && !date.IsZero() && !p.DeathDate.IsZero() && dateOnly(p.DeathDate).Equal(dateOnly(date)) {
		return false, nil
	}
	if d := deathDateProblem(date, p.BirthDate, todayDate(now)); d != "" {
		return false, Violations{{Field: "death_date", Reason: ReasonPersonDeathDateInvalid, Description: d}}
	}
	if p.Vital == VitalDeceased {
		return false, precondition(ReasonPersonAlreadyDeceased,
			"the person is already recorded deceased on "+DateString(p.DeathDate))
	}
	p.Vital = VitalDeceased
	p.DeathDate = dateOnly(date)
	return true, nil
}

// RemoveMember removes a member who leaves (move or split) and returns them
// with FamilyKK cleared. Removing the head while others remain needs newHead,
// a remaining member who becomes HEAD; otherwise *Precondition
// FAMILY_HEAD_MUST_BE_REPLACED, because a KK without a head cannot be
// scored or reissued. newHead is ignored when nik is not the head. A newHead
// who is not a remaining member is Violations FAMILY_HEAD_NOT_MEMBER on field
// "remaining_head_nik" (the SplitFamily request field). Removing the last
// member is *Precondition FAMILY_WOULD_BE_EMPTY: an empty KK is closed by
// Dukcapil, not emptied here. Nothing changes when an error is returned.
func (f *Family) RemoveMember(nik, newHead string) (*Person, error) {
	idx := f.index(nik)
	if idx < 0 {
		return nil, precondition(ReasonPersonNotMember, "the person is not a member of this family")
	}
	if len(f.Members) == 1 {
		return nil, precondition(ReasonFamilyWouldBeEmpty, "the family would have no members left")
	}
	p := f.Members[idx]
	var nh *Person
	if nik == f.HeadNIK || p.Relation == RelationHead {
		if newHead == "" {
			return nil, precondition(ReasonFamilyHeadMustBeReplaced,
				"the head leaves while members remain; name the remaining family's new head")
		}
		if newHead == nik || f.Member(newHead) == nil {
			return nil, Violations{{Field: "remaining_head_nik", Reason: ReasonFamilyHeadNotMember,
				Description: "the new head must be one of the members who remain"}}
		}
		nh = f.Member(newHead)
		if nh.Vital == VitalDeceased {
			return nil, precondition(ReasonPersonDeceased, "a deceased person cannot become the head")
		}
	}
	if nh != nil {
		nh.Relation = RelationHead
		f.HeadNIK = nh.NIK
	}
	f.Members = slices.Delete(slices.Clone(f.Members), idx, idx+1)
	p.FamilyKK = ""
	return p, nil
}

// AddMember adds p with relation rel and ties p to this KK. It checks the
// family's invariants only; validate p itself with Person.Validate first.
// A nil p or an undefined rel is Violations; state conflicts are
// *Precondition: PERSON_ALREADY_MEMBER, PERSON_DECEASED (a dead person does
// not join a household), FAMILY_ALREADY_HAS_HEAD (rel HEAD while another
// member is head, or head_nik names someone else), FAMILY_HEAD_RELATION_MISMATCH
// (p is the family's head_nik but rel is not HEAD), FAMILY_TOO_MANY_MEMBERS.
// Nothing changes when an error is returned.
func (f *Family) AddMember(p *Person, rel FamilyRelation) error {
	if p == nil {
		return Violations{{Field: "person", Reason: ReasonPersonRequired, Description: "the person is missing"}}
	}
	if !rel.Valid() {
		return Violations{{Field: "relation_to_head", Reason: ReasonPersonRelationInvalid,
			Description: "relation to the head must be a defined value"}}
	}
	if f.Member(p.NIK) != nil {
		return precondition(ReasonPersonAlreadyMember, "the person is already a member of this family")
	}
	if p.Vital == VitalDeceased {
		return precondition(ReasonPersonDeceased, "a deceased person cannot join a family")
	}
	if rel == RelationHead {
		hasHead := f.HeadNIK != "" && f.HeadNIK != p.NIK
		for _, m := range f.Members {
			hasHead = hasHead || (m != nil && m.Relation == RelationHead)
		}
		if hasHead {
			return precondition(ReasonFamilyAlreadyHasHead, "the family already has a head")
		}
	} else if p.NIK != "" && p.NIK == f.HeadNIK {
		return precondition(ReasonFamilyHeadRelationMismatch, "the family's head must join with relation HEAD")
	}
	if len(f.Members) >= MaxMembers {
		return precondition(ReasonFamilyTooManyMembers, "the family already has 50 members")
	}
	p.Relation = rel
	p.FamilyKK = f.KK
	if rel == RelationHead {
		f.HeadNIK = p.NIK
	}
	f.Members = append(f.Members, p)
	return nil
}
