package features

import (
	"strings"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
)

// Sex of a member as the registry records it.
type Sex string

// The sexes; SexUnknown when the registry leaves it unspecified.
const (
	SexUnknown Sex = ""
	SexMale    Sex = "MALE"
	SexFemale  Sex = "FEMALE"
)

// OccupationCategory sorts a member's registry occupation into the groups
// the programme exclusions name (DESIGN.md §1.4: civil servants, TNI/Polri,
// BUMN/BUMD staff and their families).
type OccupationCategory string

// The categories.
const (
	OccupationUnknown OccupationCategory = ""
	// OccupationASN: civil servant (Aparatur Sipil Negara).
	OccupationASN OccupationCategory = "ASN"
	// OccupationTNI: armed forces.
	OccupationTNI OccupationCategory = "TNI"
	// OccupationPolri: national police.
	OccupationPolri OccupationCategory = "POLRI"
	// OccupationBUMNBUMD: staff of a state- or region-owned enterprise. The
	// registry records both as one occupation (STATE_ENTERPRISE_EMPLOYEE),
	// so they cannot be told apart here.
	OccupationBUMNBUMD OccupationCategory = "BUMN_BUMD"
	// OccupationOther: any other stated occupation, including not working.
	OccupationOther OccupationCategory = "OTHER"
)

// SchoolLevel is the level a member is enrolled at this school year.
type SchoolLevel string

// The levels; SchoolNone when the member has no enrolment for the school
// year running on the reference date.
const (
	SchoolNone            SchoolLevel = ""
	SchoolEarlyChildhood  SchoolLevel = "EARLY_CHILDHOOD"
	SchoolPrimary         SchoolLevel = "PRIMARY"
	SchoolJuniorSecondary SchoolLevel = "JUNIOR_SECONDARY"
	SchoolSeniorSecondary SchoolLevel = "SENIOR_SECONDARY"
	SchoolHigher          SchoolLevel = "HIGHER"
	SchoolUnknownLevel    SchoolLevel = "UNKNOWN"
)

// MemberFacts are the facts about one KK member that programme rules test
// (DESIGN.md §1.4: PKH's qualifying members, the exclusions).
//
// Pregnancy, a PKH qualifying condition, is not in any source context's API
// yet (the registry's Person has no such field), so it is not a fact here;
// a rule needing it must get it from elsewhere until the registry records
// it.
type MemberFacts struct {
	NIK  string
	Head bool
	// Age is completed years on the reference date, valid only when
	// AgeKnown (false for a missing or malformed birth date).
	Age      int
	AgeKnown bool
	Sex      Sex
	// InSchool is true when the service-usage context holds an enrolment
	// for the school year running on the reference date; SchoolLevel says
	// at which level. Both are false/empty when FamilyFacts.SchoolKnown is
	// false, which means "not known", not "not enrolled".
	InSchool    bool
	SchoolLevel SchoolLevel
	// Disabled is any recorded disability; SevereDisability the registry's
	// severe flag (the PKH condition).
	Disabled         bool
	SevereDisability bool
	Deceased         bool
	Occupation       OccupationCategory
}

// FamilyFacts are a family's facts for the eligibility rules.
type FamilyFacts struct {
	KK         string
	RegionCode string
	// AddressFound is true when the registry holds an address a field
	// officer can go to: a village region code and a street or an RT/RW.
	// A field visit that fails to find the family is recorded by the
	// grievance context, which these inputs do not include; the
	// eligibility engine must combine the two.
	AddressFound bool
	// SchoolKnown is true when the service-usage context returned the
	// family's members, so that InSchool is meaningful.
	SchoolKnown bool
	// Members in the registry's order, deceased ones included (marked).
	Members []MemberFacts
	// Receiving are the social programmes the service-usage context shows
	// the family receiving on the reference date: the old DTKS-based
	// recipient lists that DTSEN's first ranking transitions from.
	Receiving []serviceusagev1.SocialProgramme
}

// LivingMembers counts the members not recorded as deceased.
func (f FamilyFacts) LivingMembers() int {
	n := 0
	for _, m := range f.Members {
		if !m.Deceased {
			n++
		}
	}
	return n
}

// BuildFacts derives the eligibility facts from the same inputs as Build.
// The registry's family is required: the facts are about its members.
func BuildFacts(in Input) (FamilyFacts, error) {
	kk, err := in.validate()
	if err != nil {
		return FamilyFacts{}, err
	}
	if in.Family == nil {
		return FamilyFacts{}, ErrNoRegistry
	}
	v := newView(&in)
	f := FamilyFacts{
		KK:           kk,
		RegionCode:   in.Family.GetRegionCode(),
		AddressFound: addressFound(in.Family),
		SchoolKnown:  v.usage && v.usageMembers,
		Members:      make([]MemberFacts, len(v.persons)),
	}
	for i := range v.persons {
		p := &v.persons[i]
		m := MemberFacts{
			NIK:              p.nik,
			Head:             p == v.head,
			Age:              p.age,
			AgeKnown:         p.ageKnown,
			Sex:              sexOf(p.sex),
			Disabled:         p.disability != registryv1.Disability_DISABILITY_NONE && p.disability != registryv1.Disability_DISABILITY_UNSPECIFIED,
			SevereDisability: p.severe,
			Deceased:         p.deceased,
			Occupation:       occupationOf(p.occupation),
		}
		if p.enrolment != nil {
			m.InSchool, m.SchoolLevel = true, schoolLevelOf(p.enrolment.GetLevel())
		}
		f.Members[i] = m
	}
	for k, on := range v.programmes {
		if on {
			f.Receiving = append(f.Receiving, serviceusagev1.SocialProgramme(k))
		}
	}
	return f, nil
}

func addressFound(f *registryv1.Family) bool {
	if strings.Count(f.GetRegionCode(), ".") != 3 {
		return false
	}
	a := f.GetAddress()
	return strings.TrimSpace(a.GetStreet()) != "" || (strings.TrimSpace(a.GetRt()) != "" && strings.TrimSpace(a.GetRw()) != "")
}

func sexOf(s registryv1.Sex) Sex {
	switch s {
	case registryv1.Sex_SEX_MALE:
		return SexMale
	case registryv1.Sex_SEX_FEMALE:
		return SexFemale
	}
	return SexUnknown
}

func occupationOf(o registryv1.Occupation) OccupationCategory {
	switch o {
	case registryv1.Occupation_OCCUPATION_UNSPECIFIED:
		return OccupationUnknown
	case registryv1.Occupation_OCCUPATION_CIVIL_SERVANT:
		return OccupationASN
	case registryv1.Occupation_OCCUPATION_MILITARY:
		return OccupationTNI
	case registryv1.Occupation_OCCUPATION_POLICE:
		return OccupationPolri
	case registryv1.Occupation_OCCUPATION_STATE_ENTERPRISE_EMPLOYEE:
		return OccupationBUMNBUMD
	}
	return OccupationOther
}

func schoolLevelOf(l serviceusagev1.SchoolLevel) SchoolLevel {
	switch l {
	case serviceusagev1.SchoolLevel_SCHOOL_LEVEL_EARLY_CHILDHOOD:
		return SchoolEarlyChildhood
	case serviceusagev1.SchoolLevel_SCHOOL_LEVEL_PRIMARY:
		return SchoolPrimary
	case serviceusagev1.SchoolLevel_SCHOOL_LEVEL_JUNIOR_SECONDARY:
		return SchoolJuniorSecondary
	case serviceusagev1.SchoolLevel_SCHOOL_LEVEL_SENIOR_SECONDARY:
		return SchoolSeniorSecondary
	case serviceusagev1.SchoolLevel_SCHOOL_LEVEL_HIGHER:
		return SchoolHigher
	}
	return SchoolUnknownLevel
}
