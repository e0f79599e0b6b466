package domain

import (
	"strings"
	"testing"
	"time"
)

// validPerson is a married man born 1990-05-15 in Kab. Bandung (32.04.12).
func validPerson() *Person {
	return &Person{
		NIK: "3204121505900001", FullName: "Budi Santoso", BirthPlace: "Bandung",
		BirthDate: date(1990, 5, 15), Sex: SexMale,
		MaritalStatus: MaritalMarried, Relation: RelationHead, Education: EducationSeniorSecondary,
		Occupation: OccupationFarmer, Disability: DisabilityNone, Vital: VitalAlive,
	}
}

// wantOnly fails unless vs is exactly one violation with reason on field.
func wantOnly(t *testing.T, vs Violations, field, reason string) {
	t.Helper()
	if len(vs) != 1 || vs[0].Reason != reason || vs[0].Field != field {
		t.Fatalf("got %v\nwant exactly %s on %q", vs, reason, field)
	}
	if vs[0].Description == "" {
		t.Errorf("%s has no description", reason)
	}
}

func TestPersonValidate(t *testing.T) {
	if vs := validPerson().Validate(now); len(vs) != 0 {
		t.Fatalf("valid person rejected: %v", vs)
	}
	tests := []struct {
		name          string
		mutate        func(p *Person)
		field, reason string // "" reason means valid
	}{
		{"bad NIK", func(p *Person) { p.NIK = "9904121505900001" }, "nik", ReasonNIKInvalidProvince},
		{"empty NIK", func(p *Person) { p.NIK = "" }, "nik", ReasonNIKInvalidLength},
		{"sex unspecified", func(p *Person) { p.Sex = SexUnspecified }, "sex", ReasonPersonSexInvalid},
		{"sex undefined", func(p *Person) { p.Sex = 7 }, "sex", ReasonPersonSexInvalid},
		{"female with male NIK", func(p *Person) { p.Sex = SexFemale }, "sex", ReasonNIKSexMismatch},
		{"male with female NIK", func(p *Person) { p.NIK = "3204125505900002" }, "sex", ReasonNIKSexMismatch},
		{"female with female NIK", func(p *Person) { p.NIK = "3204125505900002"; p.Sex = SexFemale }, "", ""},
		{"birth date missing", func(p *Person) { p.BirthDate = time.Time{} }, "birth_date", ReasonPersonBirthDateRequired},
		{"birth date another day", func(p *Person) { p.BirthDate = date(1990, 5, 16) }, "birth_date", ReasonNIKBirthDateMismatch},
		{"birth date another month", func(p *Person) { p.BirthDate = date(1990, 6, 15) }, "birth_date", ReasonNIKBirthDateMismatch},
		{"birth date another year", func(p *Person) { p.BirthDate = date(1991, 5, 15) }, "birth_date", ReasonNIKBirthDateMismatch},
		{"centenarian: 1920 with YY 20", func(p *Person) {
			p.NIK, p.BirthDate = "3204120505200001", date(1920, 5, 5)
		}, "", ""},
		{"birth date in the future", func(p *Person) {
			p.NIK, p.BirthDate = "3204121603260001", date(2026, 3, 16)
		}, "birth_date", ReasonPersonBirthDateInvalid},
		{"birth date before 1900", func(p *Person) { p.BirthDate = date(1890, 5, 15) }, "birth_date", ReasonPersonBirthDateInvalid},
		{"birth date with a clock time on the same day", func(p *Person) {
			p.BirthDate = time.Date(1990, 5, 15, 13, 0, 0, 0, time.UTC)
		}, "", ""},
		{"name empty", func(p *Person) { p.FullName = "" }, "full_name", ReasonPersonNameInvalid},
		{"name blank", func(p *Person) { p.FullName = "   " }, "full_name", ReasonPersonNameInvalid},
		{"name 150", func(p *Person) { p.FullName = strings.Repeat("é", 150) }, "", ""},
		{"name 151", func(p *Person) { p.FullName = strings.Repeat("a", 151) }, "full_name", ReasonPersonNameInvalid},
		{"name with newline", func(p *Person) { p.FullName = "Budi\nSantoso" }, "full_name", ReasonPersonNameInvalid},
		{"name with NUL", func(p *Person) { p.FullName = "Budi\x00" }, "full_name", ReasonPersonNameInvalid},
		{"name with bidi override", func(p *Person) { p.FullName = "Budi\u202eSantoso" }, "full_name", ReasonPersonNameInvalid},
		{"name invalid UTF-8", func(p *Person) { p.FullName = "Budi\xff" }, "full_name", ReasonPersonNameInvalid},
		{"name with apostrophe and dot", func(p *Person) { p.FullName = "Ni Made Sari' S.Pd." }, "", ""},
		{"birth place empty is allowed", func(p *Person) { p.BirthPlace = "" }, "", ""},
		{"birth place 101", func(p *Person) { p.BirthPlace = strings.Repeat("a", 101) }, "birth_place", ReasonPersonBirthPlaceInvalid},
		{"birth place tab", func(p *Person) { p.BirthPlace = "Band\tung" }, "birth_place", ReasonPersonBirthPlaceInvalid},
		{"marital unspecified", func(p *Person) { p.MaritalStatus = 0 }, "marital_status", ReasonPersonMaritalInvalid},
		{"marital undefined", func(p *Person) { p.MaritalStatus = 5 }, "marital_status", ReasonPersonMaritalInvalid},
		{"relation unspecified", func(p *Person) { p.Relation = 0 }, "relation_to_head", ReasonPersonRelationInvalid},
		{"relation undefined", func(p *Person) { p.Relation = 11 }, "relation_to_head", ReasonPersonRelationInvalid},
		{"education unspecified", func(p *Person) { p.Education = 0 }, "education", ReasonPersonEducationInvalid},
		{"education undefined", func(p *Person) { p.Education = 11 }, "education", ReasonPersonEducationInvalid},
		{"occupation unspecified", func(p *Person) { p.Occupation = 0 }, "occupation", ReasonPersonOccupationInvalid},
		{"occupation undefined", func(p *Person) { p.Occupation = 16 }, "occupation", ReasonPersonOccupationInvalid},
		{"disability unspecified", func(p *Person) { p.Disability = 0 }, "disability", ReasonPersonDisabilityInvalid},
		{"disability undefined", func(p *Person) { p.Disability = -1 }, "disability", ReasonPersonDisabilityInvalid},
		{"severe without disability", func(p *Person) { p.SevereDisability = true }, "severe_disability", ReasonPersonSevereWithoutDisability},
		{"severe physical", func(p *Person) { p.Disability, p.SevereDisability = DisabilityPhysical, true }, "", ""},
		{"vital unspecified", func(p *Person) { p.Vital = 0 }, "vital_status", ReasonPersonVitalStatusInvalid},
		{"vital undefined", func(p *Person) { p.Vital = 3 }, "vital_status", ReasonPersonVitalStatusInvalid},
		{"alive with death date", func(p *Person) { p.DeathDate = date(2020, 1, 1) }, "death_date", ReasonPersonDeathDateInvalid},
		{"deceased", func(p *Person) { p.Vital, p.DeathDate = VitalDeceased, date(2020, 1, 1) }, "", ""},
		{"deceased on birth day", func(p *Person) { p.Vital, p.DeathDate = VitalDeceased, date(1990, 5, 15) }, "", ""},
		{"deceased today", func(p *Person) { p.Vital, p.DeathDate = VitalDeceased, date(2026, 3, 15) }, "", ""},
		{"deceased without date", func(p *Person) { p.Vital = VitalDeceased }, "death_date", ReasonPersonDeathDateInvalid},
		{"death before birth", func(p *Person) { p.Vital, p.DeathDate = VitalDeceased, date(1990, 5, 14) }, "death_date", ReasonPersonDeathDateInvalid},
		{"death tomorrow", func(p *Person) { p.Vital, p.DeathDate = VitalDeceased, date(2026, 3, 16) }, "death_date", ReasonPersonDeathDateInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validPerson()
			tt.mutate(p)
			vs := p.Validate(now)
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

func TestPersonValidateReportsEverything(t *testing.T) {
	p := &Person{NIK: "3204121505900001", SevereDisability: true}
	got := map[string]string{}
	for _, v := range p.Validate(now) {
		got[v.Field] = v.Reason
	}
	want := map[string]string{
		"sex":              ReasonPersonSexInvalid,
		"birth_date":       ReasonPersonBirthDateRequired,
		"full_name":        ReasonPersonNameInvalid,
		"marital_status":   ReasonPersonMaritalInvalid,
		"relation_to_head": ReasonPersonRelationInvalid,
		"education":        ReasonPersonEducationInvalid,
		"occupation":       ReasonPersonOccupationInvalid,
		"disability":       ReasonPersonDisabilityInvalid,
		"vital_status":     ReasonPersonVitalStatusInvalid,
	}
	if len(got) != len(want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	for f, r := range want {
		if got[f] != r {
			t.Errorf("%s: got %q, want %q", f, got[f], r)
		}
	}
	var nilPerson *Person
	if vs := nilPerson.Validate(now); len(vs) != 1 || vs[0].Reason != ReasonPersonRequired {
		t.Errorf("nil person: %v", vs)
	}
}

func TestAddressValidate(t *testing.T) {
	tests := []struct {
		name          string
		a             Address
		field, reason string
	}{
		{"empty is fine", Address{}, "", ""},
		{"full", Address{Street: "Jl. Merdeka No. 5", RT: "003", RW: "011", PostalCode: "40911"}, "", ""},
		{"short RT", Address{RT: "3", RW: "11"}, "", ""},
		{"RT 4 digits", Address{RT: "0003"}, "address.rt", ReasonAddressRTInvalid},
		{"RT letters", Address{RT: "3a"}, "address.rt", ReasonAddressRTInvalid},
		{"RT zero", Address{RT: "000"}, "address.rt", ReasonAddressRTInvalid},
		{"RT arabic-indic", Address{RT: "٣"}, "address.rt", ReasonAddressRTInvalid},
		{"RW 4 digits", Address{RW: "1234"}, "address.rw", ReasonAddressRWInvalid},
		{"RW negative", Address{RW: "-1"}, "address.rw", ReasonAddressRWInvalid},
		{"postal 4 digits", Address{PostalCode: "4091"}, "address.postal_code", ReasonAddressPostalCodeInvalid},
		{"postal 6 digits", Address{PostalCode: "409111"}, "address.postal_code", ReasonAddressPostalCodeInvalid},
		{"postal leading zero", Address{PostalCode: "04091"}, "address.postal_code", ReasonAddressPostalCodeInvalid},
		{"postal letters", Address{PostalCode: "4O911"}, "address.postal_code", ReasonAddressPostalCodeInvalid},
		{"street 200", Address{Street: strings.Repeat("é", 200)}, "", ""},
		{"street 201", Address{Street: strings.Repeat("a", 201)}, "address.street", ReasonAddressStreetTooLong},
		{"street control", Address{Street: "Jl.\x07Merdeka"}, "address.street", ReasonAddressStreetInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs := tt.a.Validate()
			if tt.reason == "" {
				if len(vs) != 0 {
					t.Fatalf("rejected: %v", vs)
				}
				return
			}
			wantOnly(t, vs, tt.field, tt.reason)
		})
	}
	all := Address{Street: strings.Repeat("a", 201), RT: "x", RW: "y", PostalCode: "z"}.Validate()
	if len(all) != 4 {
		t.Fatalf("want all four address violations, got %v", all)
	}
}

func TestEnumsMirrorProtoNumbering(t *testing.T) {
	// Values copied from proto/dtsen/registry/v1/registry.proto; the ports
	// layer casts, so a shifted constant would silently swap meanings.
	checks := []struct {
		name      string
		got, want int32
	}{
		{"SEX_FEMALE", int32(SexFemale), 2},
		{"MARITAL_STATUS_WIDOWED", int32(MaritalWidowed), 4},
		{"FAMILY_RELATION_HEAD", int32(RelationHead), 1},
		{"FAMILY_RELATION_GRANDCHILD", int32(RelationGrandchild), 5},
		{"FAMILY_RELATION_HOUSEHOLD_HELPER", int32(RelationHouseholdHelper), 9},
		{"FAMILY_RELATION_OTHER", int32(RelationOther), 10},
		{"EDUCATION_LEVEL_DIPLOMA_I_II", int32(EducationDiplomaIOrII), 6},
		{"EDUCATION_LEVEL_DIPLOMA_III", int32(EducationDiplomaIII), 7},
		{"EDUCATION_LEVEL_DOCTORATE", int32(EducationDoctorate), 10},
		{"OCCUPATION_CIVIL_SERVANT", int32(OccupationCivilServant), 10},
		{"OCCUPATION_STATE_ENTERPRISE_EMPLOYEE", int32(OccupationStateEnterpriseEmployee), 13},
		{"OCCUPATION_OTHER", int32(OccupationOther), 15},
		{"DISABILITY_NONE", int32(DisabilityNone), 1},
		{"DISABILITY_MULTIPLE", int32(DisabilityMultiple), 6},
		{"VITAL_STATUS_DECEASED", int32(VitalDeceased), 2},
		{"SETTLEMENT_RURAL", int32(SettlementRural), 2},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, proto says %d", c.name, c.got, c.want)
		}
	}
	valid := []struct {
		name  string
		valid func(int32) bool
		max   int32
	}{
		{"Sex", func(x int32) bool { return Sex(x).Valid() }, 2},
		{"MaritalStatus", func(x int32) bool { return MaritalStatus(x).Valid() }, 4},
		{"FamilyRelation", func(x int32) bool { return FamilyRelation(x).Valid() }, 10},
		{"EducationLevel", func(x int32) bool { return EducationLevel(x).Valid() }, 10},
		{"Occupation", func(x int32) bool { return Occupation(x).Valid() }, 15},
		{"Disability", func(x int32) bool { return Disability(x).Valid() }, 6},
		{"VitalStatus", func(x int32) bool { return VitalStatus(x).Valid() }, 2},
		{"Settlement", func(x int32) bool { return Settlement(x).Valid() }, 2},
	}
	for _, e := range valid {
		for x := int32(-2); x <= e.max+2; x++ {
			if want := x >= 1 && x <= e.max; e.valid(x) != want {
				t.Errorf("%s(%d).Valid() = %v", e.name, x, !want)
			}
		}
	}
}
