package domain

import (
	"context"
	"errors"
)

// ErrNotFound is returned by a Repository when a person or family does not
// exist.
var ErrNotFound = errors.New("not found")

// ErrConcurrentChange is returned by a Repository when a record kept moving
// while it was being read: a person who changed family between the lookup of
// their family and the read of their row, more times than a read retries.
// The caller may retry.
var ErrConcurrentChange = errors.New("resource changed concurrently")

// FamilyQuery selects a page of families in (region code, KK) order.
type FamilyQuery struct {
	// RegionPrefix is a dotted region code at any level; empty means all.
	RegionPrefix string
	// After is the last family of the previous page; zero for the first page.
	After FamilyCursor
	Limit int
}

// FamilyCursor is a position in (region code, KK) order.
type FamilyCursor struct {
	RegionCode, KK string
}

// FamilySet is the unit of work of a write: the families a command loaded,
// which it may change in place, plus the ones it creates. The repository
// persists every difference, and the matching change events, in one
// transaction.
type FamilySet interface {
	// Family returns a loaded family, or nil when it does not exist.
	Family(kk string) *Family
	// Create adds a new family; its members may be new persons or persons
	// moved out of a loaded family.
	Create(f *Family)
}

// Repository stores persons and families. Implementations live in adapters/.
type Repository interface {
	GetPerson(ctx context.Context, nik string) (*Person, error)
	GetFamily(ctx context.Context, kk string) (*Family, error)
	ListFamilies(ctx context.Context, q FamilyQuery) ([]*Family, error)
	// UpdateFamilies loads the named families with their members, locked for
	// the transaction, runs fn, and saves what fn changed. If fn returns an
	// error nothing is saved.
	UpdateFamilies(ctx context.Context, kks []string, fn func(set FamilySet) error) error
	IdentityLookup
}

// Identity is what other contexts may learn about a registered NIK when they
// cross-check their records: that it exists, its family, whether it is alive,
// and the family's village code, which the source contexts' region checks use.
type Identity struct {
	NIK          string
	FamilyKK     string
	FamilyRegion string
	Vital        VitalStatus
}

// IdentityLookup answers cross-checks in bulk: persons by NIK, and the village
// code of each family by KK number. Absent keys are unregistered.
type IdentityLookup interface {
	LookupIdentities(ctx context.Context, niks, kks []string) (map[string]Identity, map[string]string, error)
}
