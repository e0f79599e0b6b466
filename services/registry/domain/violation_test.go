package domain

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestViolationsPrefix(t *testing.T) {
	vs := Violations{
		{Field: "nik", Reason: "A"},
		{Field: "[2].nik", Reason: "B"},
		{Field: "", Reason: "C"},
	}
	got := vs.Prefix("members[1]")
	want := []string{"members[1].nik", "members[1][2].nik", "members[1]"}
	for i, w := range want {
		if got[i].Field != w || got[i].Reason != vs[i].Reason {
			t.Errorf("Prefix[%d] = %+v, want field %q", i, got[i], w)
		}
	}
	if vs[0].Field != "nik" {
		t.Fatal("Prefix modified its receiver")
	}
	if nested := got.Prefix("family"); nested[0].Field != "family.members[1].nik" {
		t.Errorf("nested prefix %q", nested[0].Field)
	}
	if Violations(nil).Prefix("x") != nil {
		t.Error("empty Prefix is not nil")
	}
}

func TestViolationsError(t *testing.T) {
	vs := Violations{
		{Field: "nik", Reason: ReasonNIKInvalidLength, Description: "a NIK has exactly 16 digits"},
		{Field: "sex", Reason: ReasonPersonSexInvalid, Description: "sex is required"},
	}
	msg := vs.Error()
	for _, part := range []string{"nik", "NIK_INVALID_LENGTH", "16 digits", "sex", "PERSON_SEX_INVALID"} {
		if !strings.Contains(msg, part) {
			t.Errorf("Error() = %q lacks %q", msg, part)
		}
	}
	if Violations(nil).Err() != nil {
		t.Error("empty Err() is not nil")
	}
	var target Violations
	if err := vs.Err(); !errors.As(err, &target) || len(target) != 2 {
		t.Errorf("Err() = %v", err)
	}
	p := &Precondition{Reason: ReasonPersonAlreadyDeceased, Description: "already"}
	var err error = p
	if !strings.Contains(err.Error(), "PERSON_ALREADY_DECEASED") {
		t.Errorf("Precondition.Error() = %q", err.Error())
	}
}

func TestReasonsAreUpperSnake(t *testing.T) {
	reasons := []string{
		ReasonNIKInvalidLength, ReasonNIKNotNumeric, ReasonNIKInvalidProvince, ReasonNIKInvalidRegency,
		ReasonNIKInvalidDistrict, ReasonNIKInvalidBirthDate, ReasonNIKInvalidSerial, ReasonNIKSexMismatch,
		ReasonNIKBirthDateMismatch, ReasonKKInvalidLength, ReasonKKNotNumeric, ReasonKKInvalidRegion,
		ReasonKKInvalidSerial, ReasonRegionCodeInvalid, ReasonRegionProvinceUnknown, ReasonRegionCodeNotVillage,
		ReasonAddressRTInvalid, ReasonAddressRWInvalid, ReasonAddressPostalCodeInvalid, ReasonAddressStreetTooLong,
		ReasonAddressStreetInvalid, ReasonPersonBirthDateRequired, ReasonPersonBirthDateInvalid,
		ReasonPersonNameInvalid, ReasonPersonBirthPlaceInvalid, ReasonPersonSexInvalid, ReasonPersonMaritalInvalid,
		ReasonPersonRelationInvalid, ReasonPersonEducationInvalid, ReasonPersonOccupationInvalid,
		ReasonPersonDisabilityInvalid, ReasonPersonVitalStatusInvalid, ReasonPersonSevereWithoutDisability,
		ReasonPersonDeathDateInvalid, ReasonPersonRequired, ReasonFamilySettlementInvalid, ReasonFamilyNoMembers,
		ReasonFamilyTooManyMembers, ReasonFamilyMemberMissing, ReasonPersonDuplicateInFamily,
		ReasonFamilyHeadNotMember, ReasonFamilyHeadRelationMismatch, ReasonPersonAlreadyDeceased,
		ReasonPersonNotMember, ReasonPersonAlreadyMember, ReasonPersonDeceased, ReasonFamilyHeadMustBeReplaced,
		ReasonFamilyWouldBeEmpty, ReasonFamilyAlreadyHasHead, ReasonDateInvalid,
	}
	seen := map[string]bool{}
	for _, r := range reasons {
		if seen[r] {
			t.Errorf("duplicate reason %s", r)
		}
		seen[r] = true
		// AIP-193: UPPER_SNAKE, at most 63 characters.
		ok := len(r) > 0 && len(r) <= 63 && r[0] >= 'A' && r[0] <= 'Z' && !strings.HasSuffix(r, "_") && !strings.Contains(r, "__")
		for _, c := range r {
			ok = ok && (c == '_' || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		}
		if !ok {
			t.Errorf("reason %q is not UPPER_SNAKE", r)
		}
	}
}

func TestParseDate(t *testing.T) {
	d, v := ParseDate("birth_date", "2000-02-29")
	if v != nil || !d.Equal(date(2000, 2, 29)) || d.Location() != time.UTC {
		t.Fatalf("ParseDate = %v, %v", d, v)
	}
	for _, s := range []string{
		"", "2001-02-29", "2024-02-30", "2024-13-01", "2024-00-10", "2024-01-00", "2024-2-03", "2024-02-3",
		" 2024-02-03", "2024-02-03 ", "2024-02-03T00:00:00Z", "24-02-03", "2024/02/03", "03-02-2024",
		"+024-02-03", "0000-01-01", "２０２４-02-03", "2024-0٢-03",
	} {
		_, v := ParseDate("death_date", s)
		if v == nil || v.Reason != ReasonDateInvalid || v.Field != "death_date" {
			t.Errorf("ParseDate(%q) = %v", s, v)
		}
	}
}

func TestDateStringAndEtag(t *testing.T) {
	if got := DateString(date(1990, 5, 15)); got != "1990-05-15" {
		t.Errorf("DateString = %q", got)
	}
	if got := DateString(time.Time{}); got != "" {
		t.Errorf("DateString(zero) = %q", got)
	}
	for _, s := range []string{"1900-01-01", "2026-03-15", "2000-02-29"} {
		d, v := ParseDate("d", s)
		if v != nil || DateString(d) != s {
			t.Errorf("round trip %s: %q %v", s, DateString(d), v)
		}
	}
	if Etag(3) != "v3" || Etag(0) != "v0" || Etag(1234567890123) != "v1234567890123" {
		t.Errorf("Etag = %q", Etag(3))
	}
}
