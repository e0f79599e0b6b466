package domain

import (
	"context"
	"errors"
)

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("not found")

// Query selects one page of records of a kind, in key order.
type Query struct {
	// Holder is the KK number (housing, holdings) or owner NIK (land,
	// vehicles) to select; empty means all.
	Holder string
	// Match selects one cross-check status; MatchUnspecified means all.
	Match MatchStatus
	// After is the key of the last record of the previous page: for land and
	// vehicles its id in After[0]; for family records (KK, source).
	After [2]string
	Limit int
}

// OwnedTotals are the totals of the land or vehicles of a set of owners.
type OwnedTotals struct {
	LandCount      int
	LandAreaSqm    float64
	LandNJOP       int64
	HouseElsewhere bool
	VehiclesByType map[VehicleType]TypeTotal
}

// TypeTotal is the count and value of one vehicle type.
type TypeTotal struct {
	Count int
	Value int64
}

// Repository stores asset records. Implementations live in adapters/.
type Repository interface {
	GetHousing(ctx context.Context, kk, source string) (*Housing, error)
	ListHousing(ctx context.Context, q Query) ([]*Housing, error)
	GetHoldings(ctx context.Context, kk, source string) (*Holdings, error)
	ListHoldings(ctx context.Context, q Query) ([]*Holdings, error)
	GetLandParcel(ctx context.Context, id string) (*LandParcel, error)
	ListLandParcels(ctx context.Context, q Query) ([]*LandParcel, error)
	GetVehicle(ctx context.Context, frame string) (*Vehicle, error)
	ListVehicles(ctx context.Context, q Query) ([]*Vehicle, error)

	// FamilyRecords returns every housing and holdings record of kk, and up
	// to limit land parcels and vehicles owned by niks, with the totals over
	// all of them.
	FamilyRecords(ctx context.Context, kk string, niks []string, limit int) (*FamilyRecords, error)

	// Reconcile re-checks every record naming one of niks or kks against
	// the registry through ids, saving (with a change event) those whose
	// cross-check result changed. It returns how many changed; running it
	// again changes nothing.
	Reconcile(ctx context.Context, niks, kks []string, ids Identities) (int, error)
}

// FamilyRecords is what the repository holds about one family.
type FamilyRecords struct {
	Housing  []*Housing
	Holdings []*Holdings
	Land     []*LandParcel
	Vehicles []*Vehicle
	Totals   OwnedTotals
}

// Indexed is a record with its zero-based position in an import stream.
type Indexed[T any] struct {
	Index int64
	Value T
}

// Chunk is one chunk of an import, split by kind. Every record passed
// validation on its own and carries its registry cross-check result.
type Chunk struct {
	Housing  []Indexed[*Housing]
	Holdings []Indexed[*Holdings]
	Land     []Indexed[*LandParcel]
	Vehicles []Indexed[*Vehicle]
}
