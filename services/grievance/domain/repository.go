package domain

import (
	"context"
	"errors"
	"time"
)

// Repository errors.
var (
	// ErrNotFound: no case has the id.
	ErrNotFound = errors.New("grievance: case not found")
	// ErrConflict: the case changed since it was read; reload and retry.
	ErrConflict = errors.New("grievance: case changed concurrently")
	// ErrSameRequest: the reporter already submitted this request_id; the
	// stored case is returned with it.
	ErrSameRequest = errors.New("grievance: request already submitted")
	// ErrOpenCase: the family already has an open case of this type; that
	// case is returned with it.
	ErrOpenCase = errors.New("grievance: an open case of this type exists for the family")
)

// Query selects cases for a list, in deadline order (the most overdue
// first, closed cases last), a page at a time.
type Query struct {
	// RegionPrefix: a province, regency, district or village code; "" is
	// the nation.
	RegionPrefix string
	// Reporter, when set, keeps only the cases that subject reported (a
	// citizen's own cases).
	Reporter string
	State    State // "" any
	Type     Type  // "" any
	// OverdueAt, when set, keeps only cases whose deadline passed by then.
	OverdueAt time.Time
	// After is the cursor of the last case seen; Limit bounds the page
	// (default 100, at most 1000).
	After string
	Limit int
}

// Cases stores cases and their append-only history. Every method that
// stores a case takes its deadline under the SLA in force (Case.Deadline),
// so lists can order and filter by it.
type Cases interface {
	// Create stores a new case. A case with the same reporter and
	// request_id, or an open case of the same type for the same family,
	// is returned instead, with ErrSameRequest or ErrOpenCase, and nothing
	// is stored.
	Create(ctx context.Context, c Case, due time.Time) (Case, error)
	// Get returns a case with its history.
	Get(ctx context.Context, id string) (Case, error)
	// Save stores a case that was read with readVersion transitions and has
	// taken steps since: its new transitions are appended and its fields
	// replaced, in one transaction; ErrConflict if another writer got there
	// first (nothing is stored).
	Save(ctx context.Context, c Case, readVersion int, due time.Time) error
	// List returns a page of cases without their history, and each case's
	// cursor (Query.After resumes after it).
	List(ctx context.Context, q Query) ([]Case, []string, error)
	// CountReported counts the cases of a type a reporter filed since a
	// time, for per-reporter limits on inclusion reports.
	CountReported(ctx context.Context, reporter string, typ Type, since time.Time) (int, error)
}
