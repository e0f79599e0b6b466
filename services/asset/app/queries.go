package app

import (
	"context"

	"github.com/dtsen-id/dtsen/services/asset/domain"
)

// GetHousing returns one housing record.
func (a *Application) GetHousing(ctx context.Context, kk, source string) (*domain.Housing, error) {
	return a.repo.GetHousing(ctx, kk, source)
}

// GetHoldings returns one holdings record.
func (a *Application) GetHoldings(ctx context.Context, kk, source string) (*domain.Holdings, error) {
	return a.repo.GetHoldings(ctx, kk, source)
}

// GetLandParcel returns one land parcel.
func (a *Application) GetLandParcel(ctx context.Context, id string) (*domain.LandParcel, error) {
	return a.repo.GetLandParcel(ctx, id)
}

// GetVehicle returns one vehicle.
func (a *Application) GetVehicle(ctx context.Context, frame string) (*domain.Vehicle, error) {
	return a.repo.GetVehicle(ctx, frame)
}

// ListHousing returns one page of housing records and whether more follow.
func (a *Application) ListHousing(ctx context.Context, q domain.Query) ([]*domain.Housing, bool, error) {
	return page(ctx, q, a.repo.ListHousing)
}

// ListHoldings returns one page of holdings records and whether more follow.
func (a *Application) ListHoldings(ctx context.Context, q domain.Query) ([]*domain.Holdings, bool, error) {
	return page(ctx, q, a.repo.ListHoldings)
}

// ListLandParcels returns one page of land parcels and whether more follow.
func (a *Application) ListLandParcels(ctx context.Context, q domain.Query) ([]*domain.LandParcel, bool, error) {
	return page(ctx, q, a.repo.ListLandParcels)
}

// ListVehicles returns one page of vehicles and whether more follow.
func (a *Application) ListVehicles(ctx context.Context, q domain.Query) ([]*domain.Vehicle, bool, error) {
	return page(ctx, q, a.repo.ListVehicles)
}

// page reads one row more than asked: its presence says a next page exists.
func page[T any](ctx context.Context, q domain.Query, list func(context.Context, domain.Query) ([]T, error)) ([]T, bool, error) {
	limit := q.Limit
	q.Limit = limit + 1
	recs, err := list(ctx, q)
	if err != nil {
		return nil, false, err
	}
	if len(recs) > limit {
		return recs[:limit], true, nil
	}
	return recs, false, nil
}
