package domain

import (
	"context"
	"errors"
)

// ErrNotFound is returned by a Store when a record does not exist.
var ErrNotFound = errors.New("not found")

// ErrConcurrentChange is returned by a Repository when another writer stored
// or changed one of the records between this writer's read and its write.
// The write is not applied; the caller may retry (a re-sent batch resumes).
var ErrConcurrentChange = errors.New("record changed concurrently")

// Condition is one `field = value` term of a List filter. Field is the
// record's field name as on the wire (snake_case); Value is an int64 for
// enums and a string otherwise.
type Condition struct {
	Field string
	Value any
}

// Query selects a page of one kind in natural-key order.
type Query[T Record] struct {
	// Owner is the NIK or KK number; "" lists every owner.
	Owner  string
	Filter []Condition
	// After is the last record of the previous page (only its key is used);
	// nil for the first page.
	After T
	Limit int
}

// Store reads one record kind.
type Store[T Record] interface {
	// Get returns the record with key's natural key.
	Get(ctx context.Context, key T) (T, error)
	List(ctx context.Context, q Query[T]) ([]T, error)
	// ByOwners returns every record of the given NIKs (or KK numbers).
	ByOwners(ctx context.Context, owners []string) ([]T, error)
}

// Repository stores the income context's records. Bulk writes go through the
// import path (app.Importer); reconciliation through Reconcile.
type Repository interface {
	Incomes() Store[*Income]
	Employments() Store[*Employment]
	Consumptions() Store[*Consumption]
	BankingPatterns() Store[*BankingPattern]
	// Reconcile re-checks every stored record of the given NIKs and KK
	// numbers against the registry's answers, saves the records whose
	// outcome changed, with one change event each, and returns their count.
	Reconcile(ctx context.Context, persons map[string]PersonIdentity, families map[string]bool) (int, error)
}
