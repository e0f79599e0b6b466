package app

import (
	"context"
	"errors"

	"github.com/dtsen-id/dtsen/services/asset/domain"
	"github.com/dtsen-id/dtsen/services/platform/auth"
)

// GetHousing returns one housing record. The caller is authorised for the
// family named in the request before anything is read, so a refusal says
// nothing about whether the record exists.
func (a *Application) GetHousing(ctx context.Context, kk, source string) (*domain.Housing, error) {
	if err := a.registry.AuthorizeRead(ctx, kk, ""); err != nil {
		return nil, err
	}
	h, err := a.repo.GetHousing(ctx, kk, source)
	if err != nil {
		return nil, err
	}
	return audited(ctx, a.audit, h)
}

// GetHoldings returns one holdings record, authorised like GetHousing.
func (a *Application) GetHoldings(ctx context.Context, kk, source string) (*domain.Holdings, error) {
	if err := a.registry.AuthorizeRead(ctx, kk, ""); err != nil {
		return nil, err
	}
	h, err := a.repo.GetHoldings(ctx, kk, source)
	if err != nil {
		return nil, err
	}
	return audited(ctx, a.audit, h)
}

// GetLandParcel returns one land parcel, if the caller may read its owner's
// family.
func (a *Application) GetLandParcel(ctx context.Context, id string) (*domain.LandParcel, error) {
	return ownedRecord(ctx, a, id, a.repo.GetLandParcel, func(l *domain.LandParcel) string { return l.OwnerNIK })
}

// GetVehicle returns one vehicle, if the caller may read its owner's family.
func (a *Application) GetVehicle(ctx context.Context, frame string) (*domain.Vehicle, error) {
	return ownedRecord(ctx, a, frame, a.repo.GetVehicle, func(v *domain.Vehicle) string { return v.OwnerNIK })
}

// ownedRecord reads a record keyed by its own id (a certificate or frame
// number), whose name does not say whose it is: the owner is known only
// once it is read. A record that does not exist is therefore decided as one
// without a known owner (only nationwide roles may see it), so an officer
// or citizen gets the same refusal whether or not the id exists. The owner's
// family and region are the registry's today, not those stored at import.
func ownedRecord[T interface{ Name() string }](ctx context.Context, a *Application, key string,
	get func(context.Context, string) (T, error), owner func(T) string,
) (T, error) {
	var zero T
	// An analyst is refused before storage is touched.
	if _, err := auth.RequirePersonalData(ctx); err != nil {
		return zero, err
	}
	rec, err := get(ctx, key)
	found := err == nil
	if !found && !errors.Is(err, domain.ErrNotFound) {
		return zero, err
	}
	ownerNIK := ""
	if found {
		ownerNIK = owner(rec)
	}
	if err := a.registry.AuthorizeRead(ctx, "", ownerNIK); err != nil {
		return zero, err
	}
	if !found {
		return zero, domain.ErrNotFound
	}
	return audited(ctx, a.audit, rec)
}

// ListHousing returns one page of housing records and whether more follow.
func (a *Application) ListHousing(ctx context.Context, q domain.Query) ([]*domain.Housing, bool, error) {
	return listed(ctx, a.audit, q, a.repo.ListHousing)
}

// ListHoldings returns one page of holdings records and whether more follow.
func (a *Application) ListHoldings(ctx context.Context, q domain.Query) ([]*domain.Holdings, bool, error) {
	return listed(ctx, a.audit, q, a.repo.ListHoldings)
}

// ListLandParcels returns one page of land parcels and whether more follow.
func (a *Application) ListLandParcels(ctx context.Context, q domain.Query) ([]*domain.LandParcel, bool, error) {
	return listed(ctx, a.audit, q, a.repo.ListLandParcels)
}

// ListVehicles returns one page of vehicles and whether more follow.
func (a *Application) ListVehicles(ctx context.Context, q domain.Query) ([]*domain.Vehicle, bool, error) {
	return listed(ctx, a.audit, q, a.repo.ListVehicles)
}

// listed serves a list to a nationwide caller only and audits every record
// on the page. Asset records carry no region a list could be confined to,
// so a region scope cannot be honoured and is refused, whatever the method
// table allows.
func listed[T interface{ Name() string }](ctx context.Context, log domain.AuditLog, q domain.Query,
	list func(context.Context, domain.Query) ([]T, error),
) ([]T, bool, error) {
	scope, err := auth.RegionScope(ctx)
	if err != nil {
		return nil, false, err
	}
	if scope != "" {
		return nil, false, domain.ErrNationwideOnly
	}
	recs, more, err := page(ctx, q, list)
	if err != nil {
		return nil, false, err
	}
	names := make([]string, len(recs))
	for i, r := range recs {
		names[i] = r.Name()
	}
	if err := log.Read(ctx, names...); err != nil {
		return nil, false, err
	}
	return recs, more, nil
}

// audited records the read of rec and returns it, or the log's error and no
// data when the read cannot be recorded.
func audited[T interface{ Name() string }](ctx context.Context, log domain.AuditLog, rec T) (T, error) {
	if err := log.Read(ctx, rec.Name()); err != nil {
		var zero T
		return zero, err
	}
	return rec, nil
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
