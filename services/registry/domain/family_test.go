package domain

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

const (
	headNIK   = "3204121505900001" // Budi, male, 1990-05-15
	spouseNIK = "3204126208920002" // Siti, female, 1992-08-22
	childNIK  = "3204120103150003" // Andi, male, 2015-03-01
	otherNIK  = "3204124107180004" // Rina, female, 2018-07-01
)

func member(nik, name string, birth time.Time, sex Sex, rel FamilyRelation) *Person {
	return &Person{
		NIK: nik, FullName: name, BirthPlace: "Bandung", BirthDate: birth, Sex: sex,
		MaritalStatus: MaritalMarried, Relation: rel, Education: EducationPrimary,
		Occupation: OccupationLaborer, Disability: DisabilityNone, Vital: VitalAlive,
	}
}

func validFamily() *Family {
	child := member(childNIK, "Andi", date(2015, 3, 1), SexMale, RelationChild)
	child.MaritalStatus, child.Occupation = MaritalSingle, OccupationStudent
	f := &Family{
		KK: "3204120101150001", HeadNIK: headNIK,
		Members: []*Person{
			member(headNIK, " Budi Santoso ", date(1990, 5, 15), SexMale, RelationHead),
			member(spouseNIK, "Siti Aminah", date(1992, 8, 22), SexFemale, RelationSpouse),
			child,
		},
		Address:    Address{Street: "Jl. Raya Soreang No. 12", RT: "003", RW: "011", PostalCode: "40911"},
		RegionCode: "32.04.12.2001", Settlement: SettlementRural,
	}
	f.Normalize()
	return f
}

func TestNormalize(t *testing.T) {
	f := validFamily()
	f.Members[1].FamilyKK = "9999999999999999"
	f.Members[1].BirthPlace = "  Garut\t"
	f.Members = append(f.Members, nil) // must not panic
	f.Normalize()
	if f.Members[0].FullName != "Budi Santoso" || f.Members[1].BirthPlace != "Garut" {
		t.Errorf("not trimmed: %q %q", f.Members[0].FullName, f.Members[1].BirthPlace)
	}
	for _, m := range f.Members[:3] {
		if m.FamilyKK != f.KK {
			t.Errorf("%s FamilyKK = %q", m.FullName, m.FamilyKK)
		}
	}
}

func TestFamilyValidate(t *testing.T) {
	if vs := validFamily().Validate(now); len(vs) != 0 {
		t.Fatalf("valid family rejected: %v", vs)
	}
	tests := []struct {
		name          string
		mutate        func(f *Family)
		field, reason string
	}{
		{"KK length", func(f *Family) { f.KK = "320412" }, "kk_number", ReasonKKInvalidLength},
		{"KK region", func(f *Family) { f.KK = "3270120101150001" }, "kk_number", ReasonKKInvalidRegion},
		{"KK serial", func(f *Family) { f.KK = "3204120101150000" }, "kk_number", ReasonKKInvalidSerial},
		{"region malformed", func(f *Family) { f.RegionCode = "32.04.12.0000" }, "region_code", ReasonRegionCodeInvalid},
		{"region unknown province", func(f *Family) { f.RegionCode = "99.04.12.2001" }, "region_code", ReasonRegionProvinceUnknown},
		{"region not village", func(f *Family) { f.RegionCode = "32.04.12" }, "region_code", ReasonRegionCodeNotVillage},
		{"region missing", func(f *Family) { f.RegionCode = "" }, "region_code", ReasonRegionCodeInvalid},
		{"settlement unspecified", func(f *Family) { f.Settlement = 0 }, "settlement", ReasonFamilySettlementInvalid},
		{"settlement undefined", func(f *Family) { f.Settlement = 3 }, "settlement", ReasonFamilySettlementInvalid},
		{"address RT", func(f *Family) { f.Address.RT = "1234" }, "address.rt", ReasonAddressRTInvalid},
		{"address postal", func(f *Family) { f.Address.PostalCode = "123" }, "address.postal_code", ReasonAddressPostalCodeInvalid},
		{"member invalid", func(f *Family) { f.Members[2].Education = 0 }, "members[2].education", ReasonPersonEducationInvalid},
		{"member NIK invalid", func(f *Family) { f.Members[1].Sex = SexMale }, "members[1].sex", ReasonNIKSexMismatch},
		{"member nil", func(f *Family) { f.Members = append(f.Members, nil) }, "members[3]", ReasonFamilyMemberMissing},
		{"duplicate NIK", func(f *Family) {
			dup := *f.Members[2]
			dup.FullName = "Andi again"
			f.Members = append(f.Members, &dup)
		}, "members[3].nik", ReasonPersonDuplicateInFamily},
		{"head_nik malformed", func(f *Family) { f.HeadNIK = "32041215059000x1" }, "head_nik", ReasonNIKNotNumeric},
		{"head_nik not a member", func(f *Family) {
			f.HeadNIK = otherNIK
			f.Members[0].Relation = RelationOther
			f.Members = append(f.Members, member(childNIK[:12]+"0009", "X", date(2015, 3, 1), SexMale, RelationHead))
			f.Members[3].MaritalStatus = MaritalSingle
		}, "head_nik", ReasonFamilyHeadNotMember},
		{"head_nik person is not HEAD", func(f *Family) {
			f.HeadNIK = spouseNIK
			f.Members[0].Relation = RelationSpouse
			f.Members[1].Relation = RelationSpouse
		}, "members[1].relation_to_head", ReasonFamilyHeadRelationMismatch},
		{"relations name no head", func(f *Family) {
			f.HeadNIK = "32041215059000x1"
			f.Members[0].Relation = RelationSpouse
		}, "", ""}, // checked below
		{"second HEAD", func(f *Family) { f.Members[2].Relation = RelationHead }, "members[2].relation_to_head", ReasonFamilyHeadRelationMismatch},
		{"head is SPOUSE by relation", func(f *Family) { f.Members[0].Relation = RelationSpouse }, "members[0].relation_to_head", ReasonFamilyHeadRelationMismatch},
		{"deceased head stays head", func(f *Family) {
			f.Members[0].Vital, f.Members[0].DeathDate = VitalDeceased, date(2025, 1, 1)
		}, "", ""},
		{"no members", func(f *Family) { f.Members = nil }, "members", ReasonFamilyNoMembers},
		{"single member", func(f *Family) { f.Members = f.Members[:1] }, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := validFamily()
			tt.mutate(f)
			vs := f.Validate(now)
			if tt.name == "relations name no head" {
				if len(vs) != 2 || !hasViolation(vs, "head_nik", ReasonNIKNotNumeric) || !hasViolation(vs, "members", ReasonFamilyHeadRelationMismatch) {
					t.Fatalf("got %v", vs)
				}
				return
			}
			if tt.name == "no members" {
				// An empty family also has no head member to match head_nik.
				if !hasViolation(vs, "members", ReasonFamilyNoMembers) || !hasViolation(vs, "head_nik", ReasonFamilyHeadNotMember) {
					t.Fatalf("got %v", vs)
				}
				return
			}
			if tt.reason == "" {
				if len(vs) != 0 {
					t.Fatalf("rejected: %v", vs)
				}
				return
			}
			wantOnly(t, vs, tt.field, tt.reason)
		})
	}
}

func hasViolation(vs Violations, field, reason string) bool {
	for _, v := range vs {
		if v.Field == field && v.Reason == reason {
			return true
		}
	}
	return false
}

func TestFamilyValidateMemberLimit(t *testing.T) {
	f := validFamily()
	for len(f.Members) < MaxMembers {
		i := len(f.Members)
		// Children born on distinct days of 2010, serials distinct.
		nik := fmt.Sprintf("320412%02d0110%04d", i%28+1, i+10)
		c := member(nik, fmt.Sprintf("Anak %d", i), date(2010, 1, i%28+1), SexMale, RelationChild)
		c.MaritalStatus = MaritalSingle
		f.Members = append(f.Members, c)
	}
	if vs := f.Validate(now); len(vs) != 0 {
		t.Fatalf("50 members rejected: %v", vs)
	}
	f.Members = append(f.Members, &Person{})
	wantOnly(t, f.Validate(now), "members", ReasonFamilyTooManyMembers)
}

func TestFamilyValidateReportsEverything(t *testing.T) {
	f := validFamily()
	f.KK = "x"
	f.Settlement = 0
	f.Address.RW = "abcd"
	f.Members[1].FullName = ""
	f.Members[2].Occupation = 99
	vs := f.Validate(now)
	for _, w := range []struct{ field, reason string }{
		{"kk_number", ReasonKKInvalidLength},
		{"settlement", ReasonFamilySettlementInvalid},
		{"address.rw", ReasonAddressRWInvalid},
		{"members[1].full_name", ReasonPersonNameInvalid},
		{"members[2].occupation", ReasonPersonOccupationInvalid},
	} {
		if !hasViolation(vs, w.field, w.reason) {
			t.Errorf("missing %s on %s in %v", w.reason, w.field, vs)
		}
	}
	if len(vs) != 5 {
		t.Errorf("want 5 violations, got %v", vs)
	}
}

func TestMember(t *testing.T) {
	f := validFamily()
	if m := f.Member(spouseNIK); m == nil || m.FullName != "Siti Aminah" {
		t.Fatalf("Member(spouse) = %v", m)
	}
	if f.Member(otherNIK) != nil || f.Member("") != nil {
		t.Fatal("found a non-member")
	}
	f.Members = append(f.Members, nil)
	if f.Member(otherNIK) != nil {
		t.Fatal("nil member matched")
	}
}

func precondReason(err error) string {
	var p *Precondition
	if errors.As(err, &p) {
		return p.Reason
	}
	return ""
}

func violationReason(err error) (field, reason string) {
	var vs Violations
	if errors.As(err, &vs) && len(vs) == 1 {
		return vs[0].Field, vs[0].Reason
	}
	return "", ""
}

func TestRecordDeath(t *testing.T) {
	f := validFamily()
	changed, err := f.RecordDeath(spouseNIK, date(2025, 12, 1), now)
	if err != nil || !changed {
		t.Fatalf("RecordDeath = %v, %v", changed, err)
	}
	p := f.Member(spouseNIK)
	if p.Vital != VitalDeceased || !p.DeathDate.Equal(date(2025, 12, 1)) {
		t.Fatalf("not recorded: %+v", p)
	}
	if vs := f.Validate(now); len(vs) != 0 {
		t.Fatalf("family invalid after a death: %v", vs)
	}

	// At-least-once delivery: the same event again is a no-op, even with a
	// clock time or zone on the date.
	changed, err = f.RecordDeath(spouseNIK, time.Date(2025, 12, 1, 9, 0, 0, 0, time.UTC), now)
	if err != nil || changed {
		t.Fatalf("replay: %v, %v", changed, err)
	}

	_, err = f.RecordDeath(spouseNIK, date(2025, 12, 2), now)
	if r := precondReason(err); r != ReasonPersonAlreadyDeceased {
		t.Fatalf("other date: %v", err)
	}
	if !p.DeathDate.Equal(date(2025, 12, 1)) {
		t.Fatal("death date moved")
	}

	for name, d := range map[string]time.Time{
		"zero":         {},
		"tomorrow":     date(2026, 3, 16),
		"before birth": date(2015, 2, 28),
	} {
		changed, err := f.RecordDeath(childNIK, d, now)
		if field, reason := violationReason(err); changed || field != "death_date" || reason != ReasonPersonDeathDateInvalid {
			t.Errorf("%s: %v, %v", name, changed, err)
		}
	}
	if c := f.Member(childNIK); c.Vital != VitalAlive || !c.DeathDate.IsZero() {
		t.Fatalf("rejected death changed the child: %+v", c)
	}
	if changed, err := f.RecordDeath(childNIK, date(2015, 3, 1), now); err != nil || !changed {
		t.Errorf("death on the day of birth: %v, %v", changed, err)
	}
	if changed, err := f.RecordDeath(headNIK, date(2026, 3, 15), now); err != nil || !changed {
		t.Errorf("death today: %v, %v", changed, err)
	}
	// DESIGN: the head stays head until Dukcapil reissues the KK.
	if f.HeadNIK != headNIK || f.Member(headNIK).Relation != RelationHead {
		t.Error("head changed on death")
	}
	if vs := f.Validate(now); len(vs) != 0 {
		t.Fatalf("family invalid after the head's death: %v", vs)
	}
	if _, err := f.RecordDeath(otherNIK, date(2025, 1, 1), now); precondReason(err) != ReasonPersonNotMember {
		t.Errorf("non-member: %v", err)
	}
}

func TestRemoveMember(t *testing.T) {
	t.Run("non-head", func(t *testing.T) {
		f := validFamily()
		before := f.Members
		p, err := f.RemoveMember(childNIK, "")
		if err != nil || p == nil || p.NIK != childNIK {
			t.Fatalf("RemoveMember = %v, %v", p, err)
		}
		if p.FamilyKK != "" || len(f.Members) != 2 || f.Member(childNIK) != nil {
			t.Fatalf("not removed: %+v", f.Members)
		}
		if before[2] == nil || before[2].NIK != childNIK {
			t.Fatal("RemoveMember mutated the caller's slice")
		}
		if vs := f.Validate(now); len(vs) != 0 {
			t.Fatal(vs)
		}
	})
	t.Run("non-head ignores newHead", func(t *testing.T) {
		f := validFamily()
		if _, err := f.RemoveMember(childNIK, spouseNIK); err != nil {
			t.Fatal(err)
		}
		if f.HeadNIK != headNIK || f.Member(spouseNIK).Relation != RelationSpouse {
			t.Fatal("head changed")
		}
	})
	t.Run("head without replacement", func(t *testing.T) {
		f := validFamily()
		_, err := f.RemoveMember(headNIK, "")
		if precondReason(err) != ReasonFamilyHeadMustBeReplaced || len(f.Members) != 3 {
			t.Fatalf("%v, %d members", err, len(f.Members))
		}
	})
	t.Run("head replaced", func(t *testing.T) {
		f := validFamily()
		p, err := f.RemoveMember(headNIK, spouseNIK)
		if err != nil || p.NIK != headNIK {
			t.Fatal(err)
		}
		if f.HeadNIK != spouseNIK || f.Member(spouseNIK).Relation != RelationHead {
			t.Fatalf("new head not set: %q", f.HeadNIK)
		}
		if vs := f.Validate(now); len(vs) != 0 {
			t.Fatal(vs)
		}
	})
	t.Run("new head not remaining", func(t *testing.T) {
		for _, nh := range []string{headNIK, otherNIK} {
			f := validFamily()
			_, err := f.RemoveMember(headNIK, nh)
			if field, reason := violationReason(err); field != "remaining_head_nik" || reason != ReasonFamilyHeadNotMember {
				t.Fatalf("newHead %s: %v", nh, err)
			}
			if f.HeadNIK != headNIK || len(f.Members) != 3 {
				t.Fatal("family changed on error")
			}
		}
	})
	t.Run("new head deceased", func(t *testing.T) {
		f := validFamily()
		if _, err := f.RecordDeath(spouseNIK, date(2025, 1, 1), now); err != nil {
			t.Fatal(err)
		}
		if _, err := f.RemoveMember(headNIK, spouseNIK); precondReason(err) != ReasonPersonDeceased {
			t.Fatal(err)
		}
	})
	t.Run("last member", func(t *testing.T) {
		f := validFamily()
		f.Members = f.Members[:1]
		if _, err := f.RemoveMember(headNIK, ""); precondReason(err) != ReasonFamilyWouldBeEmpty || len(f.Members) != 1 {
			t.Fatal(err)
		}
	})
	t.Run("not a member", func(t *testing.T) {
		f := validFamily()
		if _, err := f.RemoveMember(otherNIK, ""); precondReason(err) != ReasonPersonNotMember {
			t.Fatal(err)
		}
	})
}

func TestAddMember(t *testing.T) {
	rina := func() *Person {
		p := member(otherNIK, "Rina", date(2018, 7, 1), SexFemale, RelationUnspecified)
		p.MaritalStatus = MaritalSingle
		return p
	}
	t.Run("child", func(t *testing.T) {
		f := validFamily()
		p := rina()
		if err := f.AddMember(p, RelationGrandchild); err != nil {
			t.Fatal(err)
		}
		if f.Member(otherNIK) != p || p.Relation != RelationGrandchild || p.FamilyKK != f.KK {
			t.Fatalf("not added: %+v", p)
		}
		if vs := f.Validate(now); len(vs) != 0 {
			t.Fatal(vs)
		}
	})
	t.Run("already member", func(t *testing.T) {
		f := validFamily()
		dup := *f.Members[2]
		if err := f.AddMember(&dup, RelationChild); precondReason(err) != ReasonPersonAlreadyMember || len(f.Members) != 3 {
			t.Fatal(err)
		}
	})
	t.Run("second head", func(t *testing.T) {
		f := validFamily()
		if err := f.AddMember(rina(), RelationHead); precondReason(err) != ReasonFamilyAlreadyHasHead || len(f.Members) != 3 {
			t.Fatal(err)
		}
		if f.HeadNIK != headNIK {
			t.Fatal("head changed")
		}
	})
	t.Run("head of a new family", func(t *testing.T) {
		f := &Family{KK: "3204120101260002"}
		if err := f.AddMember(rina(), RelationHead); err != nil {
			t.Fatal(err)
		}
		if f.HeadNIK != otherNIK {
			t.Fatalf("HeadNIK = %q", f.HeadNIK)
		}
	})
	t.Run("designated head joins as HEAD", func(t *testing.T) {
		f := &Family{KK: "3204120101260002", HeadNIK: otherNIK}
		if err := f.AddMember(rina(), RelationHead); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("designated head joins as child", func(t *testing.T) {
		f := &Family{KK: "3204120101260002", HeadNIK: otherNIK}
		if err := f.AddMember(rina(), RelationChild); precondReason(err) != ReasonFamilyHeadRelationMismatch {
			t.Fatal(err)
		}
	})
	t.Run("someone else designated", func(t *testing.T) {
		f := &Family{KK: "3204120101260002", HeadNIK: headNIK}
		if err := f.AddMember(rina(), RelationHead); precondReason(err) != ReasonFamilyAlreadyHasHead {
			t.Fatal(err)
		}
	})
	t.Run("deceased", func(t *testing.T) {
		f := validFamily()
		p := rina()
		p.Vital, p.DeathDate = VitalDeceased, date(2020, 1, 1)
		if err := f.AddMember(p, RelationChild); precondReason(err) != ReasonPersonDeceased {
			t.Fatal(err)
		}
	})
	t.Run("invalid relation", func(t *testing.T) {
		f := validFamily()
		err := f.AddMember(rina(), RelationUnspecified)
		if field, reason := violationReason(err); field != "relation_to_head" || reason != ReasonPersonRelationInvalid {
			t.Fatal(err)
		}
	})
	t.Run("nil", func(t *testing.T) {
		f := validFamily()
		if _, reason := violationReason(f.AddMember(nil, RelationChild)); reason != ReasonPersonRequired {
			t.Fatal("nil person accepted")
		}
	})
	t.Run("full", func(t *testing.T) {
		f := validFamily()
		for len(f.Members) < MaxMembers {
			f.Members = append(f.Members, &Person{NIK: fmt.Sprint(len(f.Members))})
		}
		if err := f.AddMember(rina(), RelationChild); precondReason(err) != ReasonFamilyTooManyMembers {
			t.Fatal(err)
		}
	})
}
