package app

import (
	"context"
	"strings"
	"time"

	"github.com/dtsen-id/dtsen/services/registry/domain"
)

// RecordDeath marks a person deceased. Recording the same death twice is a
// no-op, so a retried call from Dukcapil's death registration is safe.
func (a *Application) RecordDeath(ctx context.Context, nik string, date time.Time) (*domain.Person, error) {
	current, err := a.repo.GetPerson(ctx, nik)
	if err != nil {
		return nil, err
	}
	var result *domain.Person
	err = a.repo.UpdateFamilies(ctx, []string{current.FamilyKK}, func(set domain.FamilySet) error {
		f := set.Family(current.FamilyKK)
		if f == nil || f.Member(nik) == nil {
			return ErrConcurrentChange
		}
		if _, err := f.RecordDeath(nik, date, a.now()); err != nil {
			return err
		}
		result = f.Member(nik)
		return nil
	})
	return result, err
}

// MovePerson moves a person into another existing family. A head who leaves
// a family with other members must be replaced first (UpdateFamily head_nik).
// familyEtag, when given, must match the receiving family.
func (a *Application) MovePerson(ctx context.Context, nik, targetKK string, rel domain.FamilyRelation, familyEtag string) (*domain.Person, error) {
	current, err := a.repo.GetPerson(ctx, nik)
	if err != nil {
		return nil, err
	}
	if current.FamilyKK == targetKK {
		return nil, &domain.Precondition{Reason: "PERSON_ALREADY_MEMBER", Description: "the person is already a member of that family"}
	}
	if current.Vital == domain.VitalDeceased {
		return nil, &domain.Precondition{Reason: "PERSON_DECEASED", Description: "a deceased person cannot move to another family"}
	}
	var result *domain.Person
	err = a.repo.UpdateFamilies(ctx, []string{current.FamilyKK, targetKK}, func(set domain.FamilySet) error {
		src, dst := set.Family(current.FamilyKK), set.Family(targetKK)
		if dst == nil {
			return ErrFamilyNotFound
		}
		if src == nil || src.Member(nik) == nil {
			return ErrConcurrentChange
		}
		if err := checkEtag(familyEtag, dst.Version); err != nil {
			return err
		}
		p, err := src.RemoveMember(nik, "")
		if err != nil {
			return err
		}
		if err := dst.AddMember(p, rel); err != nil {
			return err
		}
		now := a.now()
		if vs := dst.Validate(now); len(vs) > 0 {
			return vs
		}
		result = p
		return nil
	})
	return result, err
}

// Split describes a family split: members leaving to form a new family.
type Split struct {
	KK            string
	NewKK         string
	MemberNIKs    []string
	NewHeadNIK    string
	RemainingHead string // required when the current head leaves
	Address       domain.Address
	RegionCode    string
	Settlement    domain.Settlement
}

// SplitFamily moves members out of a family into a new one with its own KK
// number, as when a grown child marries and Dukcapil issues a new KK.
func (a *Application) SplitFamily(ctx context.Context, s Split) (orig, created *domain.Family, err error) {
	err = a.repo.UpdateFamilies(ctx, []string{s.KK, s.NewKK}, func(set domain.FamilySet) error {
		src := set.Family(s.KK)
		if src == nil {
			return domain.ErrNotFound
		}
		if set.Family(s.NewKK) != nil {
			return &domain.Precondition{Reason: "FAMILY_ALREADY_EXISTS", Description: "a family with the new KK number already exists"}
		}
		// The new family starts without a head; AddMember makes the new head
		// HEAD and applies the family rules to everyone who joins (no
		// deceased members, at most one head, a member limit).
		nf := &domain.Family{KK: s.NewKK, Address: s.Address, RegionCode: s.RegionCode, Settlement: s.Settlement}
		// As in UpdateFamily, a head who leaves with their spouse, the spouse
		// becoming the new head, becomes the spouse.
		oldHeadRel := domain.RelationOtherRelative
		if nh := src.Member(s.NewHeadNIK); nh != nil && nh.Relation == domain.RelationSpouse {
			oldHeadRel = domain.RelationSpouse
		}
		leavingHead := false
		for _, nik := range s.MemberNIKs {
			if nik == src.HeadNIK {
				leavingHead = true
			}
		}
		for i, nik := range s.MemberNIKs {
			if src.Member(nik) == nil {
				return domain.Violations{{Field: "member_niks[" + itoa(i) + "]", Reason: "PERSON_NOT_MEMBER",
					Description: "this person is not a member of the family being split"}}
			}
			newHead := ""
			if leavingHead && nik == src.HeadNIK {
				newHead = s.RemainingHead
			}
			p, err := src.RemoveMember(nik, newHead)
			if err != nil {
				return err
			}
			rel := p.Relation
			if nik == s.NewHeadNIK {
				rel = domain.RelationHead
			} else if rel == domain.RelationHead {
				rel = oldHeadRel
			}
			if err := nf.AddMember(p, rel); err != nil {
				return err
			}
		}
		nf.Normalize()
		now := a.now()
		if vs := nf.Validate(now); len(vs) > 0 {
			return splitFields(vs)
		}
		if vs := src.Validate(now); len(vs) > 0 {
			return vs
		}
		set.Create(nf)
		orig, created = src, nf
		return nil
	})
	return orig, created, err
}

// splitFields renames the new family's fields to the SplitFamily request
// fields they came from, so a field violation names what the caller sent.
func splitFields(vs domain.Violations) domain.Violations {
	out := make(domain.Violations, len(vs))
	for i, v := range vs {
		switch {
		case v.Field == "kk_number", v.Field == "region_code", v.Field == "settlement", v.Field == "head_nik":
			v.Field = "new_" + v.Field
		case v.Field == "address" || strings.HasPrefix(v.Field, "address."):
			v.Field = "new_" + v.Field
		}
		out[i] = v
	}
	return out
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
