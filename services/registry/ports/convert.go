package ports

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/registry/domain"
)

// The domain enums mirror the proto numbering, so conversion is a cast; a
// test pins every value so the two cannot drift apart.

func personToProto(p *domain.Person) *registryv1.Person {
	return &registryv1.Person{
		Name:             "persons/" + p.NIK,
		Nik:              p.NIK,
		FullName:         p.FullName,
		BirthPlace:       p.BirthPlace,
		BirthDate:        domain.DateString(p.BirthDate),
		Sex:              registryv1.Sex(p.Sex),
		MaritalStatus:    registryv1.MaritalStatus(p.MaritalStatus),
		RelationToHead:   registryv1.FamilyRelation(p.Relation),
		Education:        registryv1.EducationLevel(p.Education),
		Occupation:       registryv1.Occupation(p.Occupation),
		Disability:       registryv1.Disability(p.Disability),
		SevereDisability: p.SevereDisability,
		VitalStatus:      registryv1.VitalStatus(p.Vital),
		DeathDate:        domain.DateString(p.DeathDate),
		Family:           "families/" + p.FamilyKK,
		Etag:             domain.Etag(p.Version),
		CreateTime:       timestamp(p.CreateTime),
		UpdateTime:       timestamp(p.UpdateTime),
	}
}

func familyToProto(f *domain.Family) *registryv1.Family {
	out := &registryv1.Family{
		Name:     "families/" + f.KK,
		KkNumber: f.KK,
		HeadNik:  f.HeadNIK,
		Address: &registryv1.Address{
			Street: f.Address.Street, Rt: f.Address.RT, Rw: f.Address.RW, PostalCode: f.Address.PostalCode,
		},
		RegionCode: f.RegionCode,
		Settlement: registryv1.Settlement(f.Settlement),
		Etag:       domain.Etag(f.Version),
		CreateTime: timestamp(f.CreateTime),
		UpdateTime: timestamp(f.UpdateTime),
	}
	for _, m := range f.Members {
		out.Members = append(out.Members, personToProto(m))
	}
	return out
}

func timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// personFromProto reads a person as sent in an import. Dates that do not
// parse are left zero; validation then reports them with their field.
func personFromProto(p *registryv1.Person) (*domain.Person, domain.Violations) {
	var vs domain.Violations
	birth, v := parseOptionalDate("birth_date", p.GetBirthDate())
	if v != nil {
		vs = append(vs, *v)
	}
	death, v := parseOptionalDate("death_date", p.GetDeathDate())
	if v != nil {
		vs = append(vs, *v)
	}
	return &domain.Person{
		NIK:              p.GetNik(),
		FullName:         p.GetFullName(),
		BirthPlace:       p.GetBirthPlace(),
		BirthDate:        birth,
		Sex:              domain.Sex(p.GetSex()),
		MaritalStatus:    domain.MaritalStatus(p.GetMaritalStatus()),
		Relation:         domain.FamilyRelation(p.GetRelationToHead()),
		Education:        domain.EducationLevel(p.GetEducation()),
		Occupation:       domain.Occupation(p.GetOccupation()),
		Disability:       domain.Disability(p.GetDisability()),
		SevereDisability: p.GetSevereDisability(),
		Vital:            domain.VitalStatus(p.GetVitalStatus()),
		DeathDate:        death,
	}, vs
}

// familyFromProto reads a family record of an import.
func familyFromProto(f *registryv1.Family) (*domain.Family, domain.Violations) {
	out := &domain.Family{
		KK:         f.GetKkNumber(),
		HeadNIK:    f.GetHeadNik(),
		Address:    addressFromProto(f.GetAddress()),
		RegionCode: f.GetRegionCode(),
		Settlement: domain.Settlement(f.GetSettlement()),
	}
	var vs domain.Violations
	for i, m := range f.GetMembers() {
		p, pvs := personFromProto(m)
		out.Members = append(out.Members, p)
		vs = append(vs, pvs.Prefix("members["+itoa(i)+"]")...)
	}
	return out, vs
}

func addressFromProto(a *registryv1.Address) domain.Address {
	return domain.Address{Street: a.GetStreet(), RT: a.GetRt(), RW: a.GetRw(), PostalCode: a.GetPostalCode()}
}

func parseOptionalDate(field, s string) (time.Time, *domain.Violation) {
	if s == "" {
		return time.Time{}, nil
	}
	return domain.ParseDate(field, s)
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
