package app

import (
	"context"

	"github.com/dtsen-id/dtsen/services/registry/domain"
)

// GetPerson returns one person by NIK.
func (a *Application) GetPerson(ctx context.Context, nik string) (*domain.Person, error) {
	return a.repo.GetPerson(ctx, nik)
}

// GetFamily returns one family, with its members, by KK number.
func (a *Application) GetFamily(ctx context.Context, kk string) (*domain.Family, error) {
	return a.repo.GetFamily(ctx, kk)
}

// ListFamilies returns one page of families and whether more follow.
func (a *Application) ListFamilies(ctx context.Context, q domain.FamilyQuery) ([]*domain.Family, bool, error) {
	limit := q.Limit
	q.Limit = limit + 1 // one extra row tells whether a next page exists
	fams, err := a.repo.ListFamilies(ctx, q)
	if err != nil {
		return nil, false, err
	}
	if len(fams) > limit {
		return fams[:limit], true, nil
	}
	return fams, false, nil
}
