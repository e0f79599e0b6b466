package app

import (
	"context"

	"github.com/dtsen-id/dtsen/services/serviceusage/domain"
)

// Get returns one record of kind by resource name.
func (a *Application) Get(ctx context.Context, kind domain.Kind, name string) (domain.Record, error) {
	return a.repo.Get(ctx, kind, name)
}

// List returns one page and whether more follow.
func (a *Application) List(ctx context.Context, q domain.Query) ([]domain.Record, bool, error) {
	limit := q.Limit
	q.Limit = limit + 1 // one extra row tells whether a next page exists
	recs, err := a.repo.List(ctx, q)
	if err != nil {
		return nil, false, err
	}
	if len(recs) > limit {
		return recs[:limit], true, nil
	}
	return recs, false, nil
}
