// Package demo generates valid demo families for `make run`, tests and
// benchmarks. It is a fixed, deterministic stand-in until the synthetic
// national population generator lands; no real person is described.
package demo

import (
	"fmt"
	"time"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
)

// districts spread fixture families over a few real regencies in three
// provinces, so region filters have something to select.
var districts = []struct{ code6, village string }{
	{"320412", "32.04.12.2001"}, // Kab. Bandung, West Java
	{"320412", "32.04.12.2002"},
	{"327301", "32.73.01.1001"}, // Kota Bandung (a city: regency code 73)
	{"330101", "33.01.01.2003"}, // Kab. Cilacap, Central Java
	{"110101", "11.01.01.2001"}, // Kab. Simeulue, Aceh
}

// NIK builds a structurally valid NIK (DESIGN.md §2): district code, birth
// date as DDMMYY with 40 added to the day for women, and a serial 0001-9999.
func NIK(code6 string, birth time.Time, female bool, serial int) string {
	day := birth.Day()
	if female {
		day += 40
	}
	return fmt.Sprintf("%s%02d%02d%02d%04d", code6, day, int(birth.Month()), birth.Year()%100, serial%9999+1)
}

// Family returns the i-th fixture family: a married couple and two school-age
// children, all valid, with NIKs and a KK number unique for i < 9,999 * 3,650.
func Family(i int) *registryv1.Family {
	d := districts[i%len(districts)]
	kk := fmt.Sprintf("%s%06d%04d", d.code6, i/9999, i%9999+1)
	offset := (i / len(districts)) % 3650 // ten years of birthdays
	serial := i/(len(districts)*3650)*len(districts) + i%len(districts)
	headBirth := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, offset)
	spouseBirth := headBirth.AddDate(0, 0, 730) // days, not years: AddDate(2,0,0) maps 29 Feb and 1 Mar to one date
	child1Birth := time.Date(2008, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, offset)
	child2Birth := child1Birth.AddDate(0, 0, 1095)
	person := func(birth time.Time, female bool, name string, rel registryv1.FamilyRelation,
		marital registryv1.MaritalStatus, edu registryv1.EducationLevel, occ registryv1.Occupation) *registryv1.Person {
		sex := registryv1.Sex_SEX_MALE
		if female {
			sex = registryv1.Sex_SEX_FEMALE
		}
		return &registryv1.Person{
			Nik:            NIK(d.code6, birth, female, serial),
			FullName:       name,
			BirthPlace:     "Bandung",
			BirthDate:      birth.Format(time.DateOnly),
			Sex:            sex,
			MaritalStatus:  marital,
			RelationToHead: rel,
			Education:      edu,
			Occupation:     occ,
			Disability:     registryv1.Disability_DISABILITY_NONE,
			VitalStatus:    registryv1.VitalStatus_VITAL_STATUS_ALIVE,
		}
	}
	head := person(headBirth, false, fmt.Sprintf("Budi Santoso %d", i), registryv1.FamilyRelation_FAMILY_RELATION_HEAD,
		registryv1.MaritalStatus_MARITAL_STATUS_MARRIED, registryv1.EducationLevel_EDUCATION_LEVEL_SENIOR_SECONDARY,
		registryv1.Occupation_OCCUPATION_FARMER)
	return &registryv1.Family{
		KkNumber: kk,
		HeadNik:  head.Nik,
		Members: []*registryv1.Person{
			head,
			person(spouseBirth, true, fmt.Sprintf("Siti Aminah %d", i), registryv1.FamilyRelation_FAMILY_RELATION_SPOUSE,
				registryv1.MaritalStatus_MARITAL_STATUS_MARRIED, registryv1.EducationLevel_EDUCATION_LEVEL_JUNIOR_SECONDARY,
				registryv1.Occupation_OCCUPATION_HOMEMAKER),
			person(child1Birth, true, fmt.Sprintf("Dewi Lestari %d", i), registryv1.FamilyRelation_FAMILY_RELATION_CHILD,
				registryv1.MaritalStatus_MARITAL_STATUS_SINGLE, registryv1.EducationLevel_EDUCATION_LEVEL_JUNIOR_SECONDARY,
				registryv1.Occupation_OCCUPATION_STUDENT),
			person(child2Birth, false, fmt.Sprintf("Agus Pratama %d", i), registryv1.FamilyRelation_FAMILY_RELATION_CHILD,
				registryv1.MaritalStatus_MARITAL_STATUS_SINGLE, registryv1.EducationLevel_EDUCATION_LEVEL_PRIMARY,
				registryv1.Occupation_OCCUPATION_STUDENT),
		},
		Address:    &registryv1.Address{Street: "Jl. Raya Soreang No. 12", Rt: "003", Rw: "011", PostalCode: "40911"},
		RegionCode: d.village,
		Settlement: registryv1.Settlement_SETTLEMENT_RURAL,
	}
}
