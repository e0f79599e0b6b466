package ports_test

import (
	"testing"

	suv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	"github.com/dtsen-id/dtsen/services/serviceusage/domain"
)

// The domain enums mirror the proto numbers (ports converts with a cast):
// each proto value has the domain constant of the same name and number, and
// Valid accepts exactly the specified values.
func TestEnumsMirrorProto(t *testing.T) {
	cases := map[string]struct {
		proto  map[int32]string
		domain map[string]int32
		valid  func(int32) bool
	}{
		"HealthMembershipClass": {suv1.HealthMembershipClass_name, map[string]int32{
			"HEALTH_MEMBERSHIP_CLASS_UNSPECIFIED": int32(domain.MembershipUnspecified), "HEALTH_MEMBERSHIP_CLASS_PBI_APBN": int32(domain.MembershipPBIAPBN),
			"HEALTH_MEMBERSHIP_CLASS_PBI_APBD": int32(domain.MembershipPBIAPBD), "HEALTH_MEMBERSHIP_CLASS_CLASS_1": int32(domain.MembershipClass1),
			"HEALTH_MEMBERSHIP_CLASS_CLASS_2": int32(domain.MembershipClass2), "HEALTH_MEMBERSHIP_CLASS_CLASS_3": int32(domain.MembershipClass3),
			"HEALTH_MEMBERSHIP_CLASS_NONE": int32(domain.MembershipNone),
		}, func(v int32) bool { return domain.MembershipClass(v).Valid() }},
		"SchoolLevel": {suv1.SchoolLevel_name, map[string]int32{
			"SCHOOL_LEVEL_UNSPECIFIED": int32(domain.LevelUnspecified), "SCHOOL_LEVEL_EARLY_CHILDHOOD": int32(domain.LevelEarlyChildhood),
			"SCHOOL_LEVEL_PRIMARY": int32(domain.LevelPrimary), "SCHOOL_LEVEL_JUNIOR_SECONDARY": int32(domain.LevelJuniorSecondary),
			"SCHOOL_LEVEL_SENIOR_SECONDARY": int32(domain.LevelSeniorSecondary), "SCHOOL_LEVEL_HIGHER": int32(domain.LevelHigher),
		}, func(v int32) bool { return domain.SchoolLevel(v).Valid() }},
		"SchoolOwnership": {suv1.SchoolOwnership_name, map[string]int32{
			"SCHOOL_OWNERSHIP_UNSPECIFIED": int32(domain.OwnershipUnspecified), "SCHOOL_OWNERSHIP_PUBLIC": int32(domain.OwnershipPublic),
			"SCHOOL_OWNERSHIP_PRIVATE": int32(domain.OwnershipPrivate),
		}, func(v int32) bool { return domain.SchoolOwnership(v).Valid() }},
		"SchoolFeeBand": {suv1.SchoolFeeBand_name, map[string]int32{
			"SCHOOL_FEE_BAND_UNSPECIFIED": int32(domain.FeeUnspecified), "SCHOOL_FEE_BAND_FREE": int32(domain.FeeFree),
			"SCHOOL_FEE_BAND_LOW": int32(domain.FeeLow), "SCHOOL_FEE_BAND_MEDIUM": int32(domain.FeeMedium),
			"SCHOOL_FEE_BAND_HIGH": int32(domain.FeeHigh), "SCHOOL_FEE_BAND_VERY_HIGH": int32(domain.FeeVeryHigh),
		}, func(v int32) bool { return domain.FeeBand(v).Valid() }},
		"SocialProgramme": {suv1.SocialProgramme_name, map[string]int32{
			"SOCIAL_PROGRAMME_UNSPECIFIED": int32(domain.ProgrammeUnspecified), "SOCIAL_PROGRAMME_PKH": int32(domain.ProgrammePKH),
			"SOCIAL_PROGRAMME_SEMBAKO_BPNT": int32(domain.ProgrammeSembakoBPNT), "SOCIAL_PROGRAMME_PBI_JK": int32(domain.ProgrammePBIJK),
			"SOCIAL_PROGRAMME_BLT": int32(domain.ProgrammeBLT),
		}, func(v int32) bool { return domain.Programme(v).Valid() }},
		"MatchStatus": {suv1.MatchStatus_name, map[string]int32{
			"MATCH_STATUS_UNSPECIFIED": int32(domain.MatchUnspecified), "MATCH_STATUS_MATCHED": int32(domain.Matched),
			"MATCH_STATUS_UNMATCHED": int32(domain.Unmatched),
		}, func(v int32) bool { return v == int32(domain.Matched) || v == int32(domain.Unmatched) }},
		"RecordFlag": {suv1.RecordFlag_name, map[string]int32{
			"RECORD_FLAG_UNSPECIFIED": int32(domain.FlagUnspecified), "RECORD_FLAG_PERSON_DECEASED": int32(domain.FlagPersonDeceased),
			"RECORD_FLAG_PERSON_NOT_IN_FAMILY": int32(domain.FlagPersonNotInFamily),
		}, func(v int32) bool { return v > 0 && len(domain.Flags(0).With(domain.Flag(v)).List()) == 1 }},
	}
	for name, c := range cases {
		if len(c.proto) != len(c.domain) {
			t.Errorf("%s: proto has %d values, domain mirrors %d", name, len(c.proto), len(c.domain))
		}
		var max int32
		for num, pname := range c.proto {
			if d, ok := c.domain[pname]; !ok || d != num {
				t.Errorf("%s: %s = %d in proto, %d in domain", name, pname, num, d)
			}
			if c.valid(num) != (num != 0) {
				t.Errorf("%s: Valid(%d) = %v", name, num, c.valid(num))
			}
			max = maxOf(max, num)
		}
		if c.valid(max+1) || c.valid(-1) {
			t.Errorf("%s: Valid accepts an undefined number", name)
		}
	}
	for p, slug := range map[domain.Programme]string{domain.ProgrammePKH: "pkh", domain.ProgrammeSembakoBPNT: "sembako-bpnt",
		domain.ProgrammePBIJK: "pbi-jk", domain.ProgrammeBLT: "blt"} {
		if p.Slug() != slug {
			t.Errorf("%d slug %q", p, p.Slug())
		}
		if code, _ := domain.ProgrammeFromCode(suv1.SocialProgramme(p).String()[len("SOCIAL_PROGRAMME_"):]); code != p {
			t.Errorf("filter code of %v does not parse", suv1.SocialProgramme(p))
		}
	}
}

func maxOf(a, b int32) int32 {
	if a > b {
		return a
	}
	return b
}
