package app

import (
	"context"

	"github.com/dtsen-id/dtsen/services/registry/domain"
)

// FamilyPatch carries the fields an UpdateFamily call may change. Only the
// fields named in Fields are applied (AIP-134 update_mask).
type FamilyPatch struct {
	Fields     map[string]bool // head_nik, address, region_code, settlement
	HeadNIK    string
	Address    domain.Address
	RegionCode string
	Settlement domain.Settlement
}

// UpdateFamily applies a patch to a family if etag (when given) is current.
//
// Changing head_nik makes the named member the head. The previous head stays
// in the family: as spouse when the new head was the spouse (a husband and
// wife swapping roles, the common case after a death or divorce), otherwise as
// another relative, until Dukcapil records a more precise relation.
func (a *Application) UpdateFamily(ctx context.Context, kk, etag string, p FamilyPatch) (*domain.Family, error) {
	var result *domain.Family
	err := a.repo.UpdateFamilies(ctx, []string{kk}, func(set domain.FamilySet) error {
		f := set.Family(kk)
		if f == nil {
			return domain.ErrNotFound
		}
		if err := checkEtag(etag, f.Version); err != nil {
			return err
		}
		if p.Fields["address"] {
			f.Address = p.Address
		}
		if p.Fields["region_code"] {
			f.RegionCode = p.RegionCode
		}
		if p.Fields["settlement"] {
			f.Settlement = p.Settlement
		}
		if p.Fields["head_nik"] && p.HeadNIK != f.HeadNIK {
			newHead := f.Member(p.HeadNIK)
			if newHead == nil {
				return domain.Violations{{Field: "head_nik", Reason: "FAMILY_HEAD_NOT_MEMBER",
					Description: "the new head must be a member of the family"}}
			}
			if newHead.Vital == domain.VitalDeceased {
				return &domain.Precondition{Reason: domain.ReasonPersonDeceased,
					Description: "a deceased person cannot become the head of a family"}
			}
			if old := f.Member(f.HeadNIK); old != nil {
				old.Relation = domain.RelationOtherRelative
				if newHead.Relation == domain.RelationSpouse {
					old.Relation = domain.RelationSpouse
				}
			}
			newHead.Relation = domain.RelationHead
			f.HeadNIK = p.HeadNIK
		}
		f.Normalize() // trims the street as an import does
		if vs := f.Validate(a.now()); len(vs) > 0 {
			return vs
		}
		result = f
		return nil
	})
	return result, err
}
