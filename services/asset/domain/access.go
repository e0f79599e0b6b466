package domain

import (
	"context"
	"errors"
)

// ReadPolicy decides whether the caller in ctx may read the records of
// family kk or, when kk is "", of the person nik (a parcel's or vehicle's
// owner). The family's region and members are the registry's, so an adapter
// implements it over the registry's API. It is asked before a family record
// is read, so a refusal never tells the caller whether the record exists;
// its refusals are PERMISSION_DENIED statuses to return as they are.
type ReadPolicy interface {
	AuthorizeRead(ctx context.Context, kk, nik string) error
}

// AuditLog records that the caller in ctx read records (by resource name).
// A read whose event cannot be written must fail with the log's error:
// personal data is never returned unaudited.
type AuditLog interface {
	Read(ctx context.Context, records ...string) error
}

// ErrNationwideOnly: asset records carry no region, so a list cannot be
// confined to a caller's region and only nationwide roles may list them.
var ErrNationwideOnly = errors.New("only nationwide roles may list asset records")
