package ports_test

import (
	"testing"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/registry/domain"
)

// enumCase pins one proto enum to its domain mirror: every proto value must
// have a domain constant of the same number (ports converts with a cast),
// named after it, and Valid must accept exactly the specified values.
type enumCase struct {
	proto  map[int32]string
	domain map[string]int32
	valid  func(int32) bool
}

func TestEnumsMirrorProto(t *testing.T) {
	cases := map[string]enumCase{
		"Sex": {registryv1.Sex_name, map[string]int32{
			"SEX_UNSPECIFIED": int32(domain.SexUnspecified), "SEX_MALE": int32(domain.SexMale), "SEX_FEMALE": int32(domain.SexFemale),
		}, func(v int32) bool { return domain.Sex(v).Valid() }},
		"MaritalStatus": {registryv1.MaritalStatus_name, map[string]int32{
			"MARITAL_STATUS_UNSPECIFIED": int32(domain.MaritalUnspecified), "MARITAL_STATUS_SINGLE": int32(domain.MaritalSingle),
			"MARITAL_STATUS_MARRIED": int32(domain.MaritalMarried), "MARITAL_STATUS_DIVORCED": int32(domain.MaritalDivorced),
			"MARITAL_STATUS_WIDOWED": int32(domain.MaritalWidowed),
		}, func(v int32) bool { return domain.MaritalStatus(v).Valid() }},
		"FamilyRelation": {registryv1.FamilyRelation_name, map[string]int32{
			"FAMILY_RELATION_UNSPECIFIED": int32(domain.RelationUnspecified), "FAMILY_RELATION_HEAD": int32(domain.RelationHead),
			"FAMILY_RELATION_SPOUSE": int32(domain.RelationSpouse), "FAMILY_RELATION_CHILD": int32(domain.RelationChild),
			"FAMILY_RELATION_CHILD_IN_LAW": int32(domain.RelationChildInLaw), "FAMILY_RELATION_GRANDCHILD": int32(domain.RelationGrandchild),
			"FAMILY_RELATION_PARENT": int32(domain.RelationParent), "FAMILY_RELATION_PARENT_IN_LAW": int32(domain.RelationParentInLaw),
			"FAMILY_RELATION_OTHER_RELATIVE":   int32(domain.RelationOtherRelative),
			"FAMILY_RELATION_HOUSEHOLD_HELPER": int32(domain.RelationHouseholdHelper), "FAMILY_RELATION_OTHER": int32(domain.RelationOther),
		}, func(v int32) bool { return domain.FamilyRelation(v).Valid() }},
		"EducationLevel": {registryv1.EducationLevel_name, map[string]int32{
			"EDUCATION_LEVEL_UNSPECIFIED": int32(domain.EducationUnspecified), "EDUCATION_LEVEL_NONE": int32(domain.EducationNone),
			"EDUCATION_LEVEL_PRIMARY_INCOMPLETE": int32(domain.EducationPrimaryIncomplete),
			"EDUCATION_LEVEL_PRIMARY":            int32(domain.EducationPrimary),
			"EDUCATION_LEVEL_JUNIOR_SECONDARY":   int32(domain.EducationJuniorSecondary),
			"EDUCATION_LEVEL_SENIOR_SECONDARY":   int32(domain.EducationSeniorSecondary),
			"EDUCATION_LEVEL_DIPLOMA_I_II":       int32(domain.EducationDiplomaIOrII), "EDUCATION_LEVEL_DIPLOMA_III": int32(domain.EducationDiplomaIII),
			"EDUCATION_LEVEL_BACHELOR": int32(domain.EducationBachelor), "EDUCATION_LEVEL_MASTER": int32(domain.EducationMaster),
			"EDUCATION_LEVEL_DOCTORATE": int32(domain.EducationDoctorate),
		}, func(v int32) bool { return domain.EducationLevel(v).Valid() }},
		"Occupation": {registryv1.Occupation_name, map[string]int32{
			"OCCUPATION_UNSPECIFIED": int32(domain.OccupationUnspecified), "OCCUPATION_NOT_WORKING": int32(domain.OccupationNotWorking),
			"OCCUPATION_STUDENT": int32(domain.OccupationStudent), "OCCUPATION_HOMEMAKER": int32(domain.OccupationHomemaker),
			"OCCUPATION_FARMER": int32(domain.OccupationFarmer), "OCCUPATION_FISHER": int32(domain.OccupationFisher),
			"OCCUPATION_LABORER": int32(domain.OccupationLaborer), "OCCUPATION_TRADER": int32(domain.OccupationTrader),
			"OCCUPATION_PRIVATE_EMPLOYEE": int32(domain.OccupationPrivateEmployee),
			"OCCUPATION_SELF_EMPLOYED":    int32(domain.OccupationSelfEmployed), "OCCUPATION_CIVIL_SERVANT": int32(domain.OccupationCivilServant),
			"OCCUPATION_MILITARY": int32(domain.OccupationMilitary), "OCCUPATION_POLICE": int32(domain.OccupationPolice),
			"OCCUPATION_STATE_ENTERPRISE_EMPLOYEE": int32(domain.OccupationStateEnterpriseEmployee),
			"OCCUPATION_RETIRED":                   int32(domain.OccupationRetired), "OCCUPATION_OTHER": int32(domain.OccupationOther),
		}, func(v int32) bool { return domain.Occupation(v).Valid() }},
		"Disability": {registryv1.Disability_name, map[string]int32{
			"DISABILITY_UNSPECIFIED": int32(domain.DisabilityUnspecified), "DISABILITY_NONE": int32(domain.DisabilityNone),
			"DISABILITY_PHYSICAL": int32(domain.DisabilityPhysical), "DISABILITY_INTELLECTUAL": int32(domain.DisabilityIntellectual),
			"DISABILITY_MENTAL": int32(domain.DisabilityMental), "DISABILITY_SENSORY": int32(domain.DisabilitySensory),
			"DISABILITY_MULTIPLE": int32(domain.DisabilityMultiple),
		}, func(v int32) bool { return domain.Disability(v).Valid() }},
		"VitalStatus": {registryv1.VitalStatus_name, map[string]int32{
			"VITAL_STATUS_UNSPECIFIED": int32(domain.VitalUnspecified), "VITAL_STATUS_ALIVE": int32(domain.VitalAlive),
			"VITAL_STATUS_DECEASED": int32(domain.VitalDeceased),
		}, func(v int32) bool { return domain.VitalStatus(v).Valid() }},
		"Settlement": {registryv1.Settlement_name, map[string]int32{
			"SETTLEMENT_UNSPECIFIED": int32(domain.SettlementUnspecified), "SETTLEMENT_URBAN": int32(domain.SettlementUrban),
			"SETTLEMENT_RURAL": int32(domain.SettlementRural),
		}, func(v int32) bool { return domain.Settlement(v).Valid() }},
	}
	for name, c := range cases {
		if len(c.proto) != len(c.domain) {
			t.Errorf("%s: proto has %d values, domain %d", name, len(c.proto), len(c.domain))
		}
		var max int32
		for num, pname := range c.proto {
			d, ok := c.domain[pname]
			switch {
			case !ok:
				t.Errorf("%s: proto value %s (%d) has no domain constant", name, pname, num)
			case d != num:
				t.Errorf("%s: %s is %d in the proto but %d in the domain", name, pname, num, d)
			}
			if c.valid(num) != (num != 0) {
				t.Errorf("%s: Valid(%s) = %v", name, pname, c.valid(num))
			}
			max = maxInt32(max, num)
		}
		// A value a newer proto might add is not valid in this build.
		if c.valid(max+1) || c.valid(-1) {
			t.Errorf("%s: Valid accepts a value the proto does not define", name)
		}
	}
}

func maxInt32(a, b int32) int32 {
	if a > b {
		return a
	}
	return b
}
