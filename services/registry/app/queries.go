package app

import (
	"context"
	"errors"

	"github.com/dtsen-id/dtsen/services/registry/domain"
)

// GetPersonWithFamily returns one person by NIK together with their family,
// which the caller's access to the person depends on. The person is taken
// from the same read as the family, so the decision and the data agree even
// when the person moves to another family meanwhile.
func (a *Application) GetPersonWithFamily(ctx context.Context, nik string) (*domain.Person, *domain.Family, error) {
	for range 3 {
		p, err := a.repo.GetPerson(ctx, nik)
		if err != nil {
			return nil, nil, err
		}
		f, err := a.repo.GetFamily(ctx, p.FamilyKK)
		if errors.Is(err, domain.ErrNotFound) {
			continue // the family was split away between the two reads
		}
		if err != nil {
			return nil, nil, err
		}
		if m := f.Member(nik); m != nil {
			return m, f, nil
		}
	}
	return nil, nil, ErrConcurrentChange
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
