package app

import (
	"context"

	"github.com/dtsen-id/dtsen/services/registry/domain"
)

// PersonPatch carries the fields an UpdatePerson call may change. Identity
// (NIK, birth date, sex) is not among them: those are fixed by the NIK, and a
// wrong NIK is corrected by Dukcapil re-issuing it, not by an edit.
type PersonPatch struct {
	Fields           map[string]bool
	FullName         string
	BirthPlace       string
	MaritalStatus    domain.MaritalStatus
	Relation         domain.FamilyRelation
	Education        domain.EducationLevel
	Occupation       domain.Occupation
	Disability       domain.Disability
	SevereDisability bool
}

// UpdatePerson applies a patch to a person if etag (when given) is current.
func (a *Application) UpdatePerson(ctx context.Context, nik, etag string, p PersonPatch) (*domain.Person, error) {
	current, err := a.repo.GetPerson(ctx, nik)
	if err != nil {
		return nil, err
	}
	var result *domain.Person
	err = a.repo.UpdateFamilies(ctx, []string{current.FamilyKK}, func(set domain.FamilySet) error {
		f := set.Family(current.FamilyKK)
		var m *domain.Person
		if f != nil {
			m = f.Member(nik)
		}
		if m == nil {
			return ErrConcurrentChange // moved to another family since we looked
		}
		if err := checkEtag(etag, m.Version); err != nil {
			return err
		}
		if p.Fields["relation_to_head"] && (p.Relation == domain.RelationHead) != (m.Relation == domain.RelationHead) {
			return &domain.Precondition{Reason: "PERSON_HEAD_CHANGE_VIA_FAMILY",
				Description: "the head of a family is changed with UpdateFamily (head_nik), not on the person"}
		}
		apply(p, m)
		f.Normalize() // trims names as an import does, so both paths store one spelling
		if vs := m.Validate(a.now()); len(vs) > 0 {
			return vs
		}
		result = m
		return nil
	})
	return result, err
}

func apply(p PersonPatch, m *domain.Person) {
	if p.Fields["full_name"] {
		m.FullName = p.FullName
	}
	if p.Fields["birth_place"] {
		m.BirthPlace = p.BirthPlace
	}
	if p.Fields["marital_status"] {
		m.MaritalStatus = p.MaritalStatus
	}
	if p.Fields["relation_to_head"] {
		m.Relation = p.Relation
	}
	if p.Fields["education"] {
		m.Education = p.Education
	}
	if p.Fields["occupation"] {
		m.Occupation = p.Occupation
	}
	if p.Fields["disability"] {
		m.Disability = p.Disability
	}
	if p.Fields["severe_disability"] {
		m.SevereDisability = p.SevereDisability
	}
}
