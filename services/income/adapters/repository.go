// Package adapters holds the income context's storage (one SQL repository
// for SQLite and PostgreSQL, with the bulk import path) and its clients of
// the registry (the identity cross-check and the change-feed consumer).
package adapters

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/dtsen-id/dtsen/services/income/domain"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations creates the income context's tables. Every primary key starts
// with its table's distribution column and every distribution column is
// TEXT COLLATE "C" already, so the tables are Citus-ready as 0001 made them;
// 0002 adds the version that writers check instead of locking rows.
var Migrations = storage.EmbeddedMigrations("income", migrationFS, storage.Tables{
	// Person records stay on their NIK's shard: a move between families
	// rewrites nothing (docs/scale-out.md §4.4).
	"incomes":          storage.Distributed("nik"),
	"employments":      storage.Distributed("nik"),
	"consumptions":     storage.Distributed("kk"),
	"banking_patterns": storage.Distributed("nik"),
})

// VerbReconciled is the verb of a reconciliation's per-record change event,
// `income.<kind>.reconciled`. Imports append per-family events instead
// (EventEconomicsImported, EventPersonImported).
const VerbReconciled = "reconciled"

// Repository is the SQL implementation of domain.Repository.
type Repository struct {
	db     *storage.DB
	outbox *outbox.Outbox
	now    func() time.Time

	incomes     *store[*domain.Income]
	employments *store[*domain.Employment]
	consumption *store[*domain.Consumption]
	banking     *store[*domain.BankingPattern]
}

var _ domain.Repository = (*Repository)(nil)

// NewRepository returns a repository writing its events to ob.
func NewRepository(db *storage.DB, ob *outbox.Outbox) *Repository {
	return &Repository{db: db, outbox: ob, now: time.Now,
		incomes:     &store[*domain.Income]{db: db, k: incomeKind},
		employments: &store[*domain.Employment]{db: db, k: employmentKind},
		consumption: &store[*domain.Consumption]{db: db, k: consumptionKind},
		banking:     &store[*domain.BankingPattern]{db: db, k: bankingKind},
	}
}

func (r *Repository) Incomes() domain.Store[*domain.Income]                 { return r.incomes }
func (r *Repository) Employments() domain.Store[*domain.Employment]         { return r.employments }
func (r *Repository) Consumptions() domain.Store[*domain.Consumption]       { return r.consumption }
func (r *Repository) BankingPatterns() domain.Store[*domain.BankingPattern] { return r.banking }

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// store reads and writes one kind's table.
type store[T domain.Record] struct {
	db *storage.DB
	k  kind[T]
	// afterRead, when set, runs between a write path's read of the stored
	// rows and its writes. It is a test hook (export_test.go) for changing
	// the rows in between; nil in production.
	afterRead func(ctx context.Context, tx *storage.Tx, table string) error
}

func (s *store[T]) selectFrom() string {
	return "SELECT " + strings.Join(s.k.cols, ", ") + " FROM " + s.k.table
}

func (s *store[T]) orderBy() string { return " ORDER BY " + strings.Join(s.k.keyCols, ", ") }

func (s *store[T]) query(ctx context.Context, q querier, query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.k.table, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		x, err := s.k.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", s.k.table, err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// keyValues are a record's natural-key values.
func (s *store[T]) keyValues(x T) []any { return s.k.values(x)[:len(s.k.keyCols)] }

// Get implements domain.Store.
func (s *store[T]) Get(ctx context.Context, key T) (T, error) {
	var zero T
	conds := make([]string, len(s.k.keyCols))
	for i, c := range s.k.keyCols {
		conds[i] = fmt.Sprintf("%s = $%d", c, i+1)
	}
	out, err := s.query(ctx, s.db, s.selectFrom()+" WHERE "+strings.Join(conds, " AND "), s.keyValues(key)...)
	if err != nil {
		return zero, err
	}
	if len(out) == 0 {
		return zero, domain.ErrNotFound
	}
	return out[0], nil
}

// List implements domain.Store: keyset pagination in natural-key order. The
// row-value comparison (a, b, c) > ($1, $2, $3) is supported by both engines
// and walks the primary key.
func (s *store[T]) List(ctx context.Context, q domain.Query[T]) ([]T, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if q.Owner != "" {
		where = append(where, s.k.keyCols[0]+" = "+arg(q.Owner))
	}
	for _, c := range q.Filter {
		col, ok := s.k.filters[c.Field]
		if !ok {
			return nil, fmt.Errorf("%s: no filter on %q", s.k.table, c.Field)
		}
		where = append(where, col+" = "+arg(c.Value))
	}
	if !isNil(q.After) {
		ph := make([]string, len(s.k.keyCols))
		for i, v := range s.keyValues(q.After) {
			ph[i] = arg(v)
		}
		where = append(where, "("+strings.Join(s.k.keyCols, ", ")+") > ("+strings.Join(ph, ", ")+")")
	}
	query := s.selectFrom()
	if q.Owner == "" {
		query = "SELECT " + fanout(listReason(q.Filter)) + strings.Join(s.k.cols, ", ") + " FROM " + s.k.table
	}
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += s.orderBy() + " LIMIT " + arg(q.Limit)
	return s.query(ctx, s.db, query, args...)
}

// fanout marks a statement that deliberately reads every shard
// (storage.FanoutMarker), saying why.
func fanout(why string) string { return "/* " + storage.FanoutMarker + " " + why + " */ " }

// listReason says why a list across owners reads every shard: scoring's
// training labels (consumptions by measurement, about 1 % of families,
// read when a model is trained), or an officer's list.
func listReason(filter []domain.Condition) string {
	for _, c := range filter {
		if c.Field == "measurement" {
			return "training labels, by measurement"
		}
	}
	return "officer list across owners"
}

// isNil reports whether a record (a pointer) is absent.
func isNil(x any) bool {
	v := reflect.ValueOf(x)
	return !v.IsValid() || (v.Kind() == reflect.Pointer && v.IsNil())
}

// ByOwners implements domain.Store.
func (s *store[T]) ByOwners(ctx context.Context, owners []string) ([]T, error) {
	return s.byOwners(ctx, s.db, owners)
}

func (s *store[T]) byOwners(ctx context.Context, q querier, owners []string) ([]T, error) {
	if len(owners) == 0 {
		return nil, nil
	}
	cond, arg := anyOf(s.db.Engine(), s.k.keyCols[0], owners, 1)
	return s.query(ctx, q, s.selectFrom()+" WHERE "+cond+s.orderBy(), arg)
}

// stored reads the stored records of owners for a write in tx. It takes no
// row locks: Citus runs FOR UPDATE on one shard only, and owners span many.
// Each update checks the version read here instead (update).
func (s *store[T]) stored(ctx context.Context, tx *storage.Tx, owners []string) ([]T, error) {
	recs, err := s.byOwners(ctx, tx, owners)
	if err != nil || s.afterRead == nil {
		return recs, err
	}
	return recs, s.afterRead(ctx, tx, s.k.table)
}

// anyOf renders "column is one of values" as one bind parameter: an array on
// PostgreSQL, a JSON array on SQLite (thousands of keys, one parameter).
func anyOf(engine storage.Engine, column string, values []string, param int) (string, any) {
	if engine == storage.Postgres {
		return fmt.Sprintf("%s = ANY($%d)", column, param), values
	}
	b, _ := json.Marshal(values)
	return fmt.Sprintf("%s IN (SELECT value FROM json_each($%d))", column, param), string(b)
}

// keyString joins key values (strings and int64s) into a map key.
func keyString(vals []any) string {
	b := make([]byte, 0, 48)
	for _, v := range vals {
		switch v := v.(type) {
		case string:
			b = append(b, v...)
		case int64:
			b = strconv.AppendInt(b, v, 10)
		default:
			b = fmt.Append(b, v)
		}
		b = append(b, 0)
	}
	return string(b)
}

// update writes every non-key column of x, as the next version of the
// stored row read at version read. When the row no longer has that version,
// another writer changed it since the read: nothing is written and the error
// is domain.ErrConcurrentChange, so the whole transaction rolls back.
func (s *store[T]) update(ctx context.Context, tx *storage.Tx, x T, read int64) error {
	x.Times().Version = read + 1
	vals := s.k.values(x)
	nk := len(s.k.keyCols)
	sets := make([]string, 0, len(s.k.cols)-nk)
	for i, c := range s.k.cols[nk:] {
		sets = append(sets, fmt.Sprintf("%s = $%d", c, i+1))
	}
	conds := make([]string, nk, nk+1)
	for i, c := range s.k.keyCols {
		conds[i] = fmt.Sprintf("%s = $%d", c, len(sets)+i+1)
	}
	conds = append(conds, fmt.Sprintf("version = $%d", len(vals)+1))
	args := append(append(append([]any{}, vals[nk:]...), vals[:nk]...), read)
	err := tx.ExecOne(ctx, "UPDATE "+s.k.table+" SET "+strings.Join(sets, ", ")+" WHERE "+strings.Join(conds, " AND "), args...)
	if errors.Is(err, storage.ErrStaleWrite) {
		// The name's NIK is masked: the error may be logged (DESIGN.md §6).
		return fmt.Errorf("update %s: %s is no longer at version %d: %w: %w", s.k.table, domain.RejectionKey(x), read,
			domain.ErrConcurrentChange, err)
	}
	if err != nil {
		return fmt.Errorf("update %s: %w", s.k.table, err)
	}
	return nil
}

// sameContent compares two records' stored values, ignoring the stamps.
func (s *store[T]) sameContent(a, b T) bool {
	va, vb := s.k.values(a), s.k.values(b)
	n := len(va) - stampCols
	for i := 0; i < n; i++ {
		if va[i] != vb[i] {
			return false
		}
	}
	return true
}

func event(k string, verb string, rec domain.Record) outbox.Event {
	ev := outbox.Event{Type: k + "." + verb, Resource: rec.Name()}
	if kk := rec.MatchInfo().FamilyKK; kk != "" {
		ev.Family = "families/" + kk
	}
	return ev
}

// reconcile re-checks the stored records of owners and saves those whose
// outcome changed.
func (s *store[T]) reconcile(ctx context.Context, tx *storage.Tx, owners []string, persons map[string]domain.PersonIdentity,
	families map[string]bool, now time.Time) ([]outbox.Event, error) {
	recs, err := s.stored(ctx, tx, owners)
	if err != nil {
		return nil, err
	}
	var events []outbox.Event
	for _, x := range recs {
		if !domain.ApplyMatch(x, persons, families) {
			continue
		}
		x.Times().UpdateTime = now
		if err := s.update(ctx, tx, x, x.Times().Version); err != nil {
			return nil, err
		}
		events = append(events, event(s.k.event, VerbReconciled, x))
	}
	return events, nil
}

// reconcileAttempts bounds how often Reconcile re-reads after another writer
// (an import of the same owner) changed a record between its read and write.
const reconcileAttempts = 3

// Reconcile implements domain.Repository. It takes no row locks (see
// store.stored): a record changed concurrently fails the attempt with
// domain.ErrConcurrentChange, and since reconciliation is idempotent it simply
// runs again on the new rows, so the feed consumer rarely sees the conflict.
func (r *Repository) Reconcile(ctx context.Context, persons map[string]domain.PersonIdentity, families map[string]bool) (int, error) {
	niks := make([]string, 0, len(persons))
	for n := range persons {
		niks = append(niks, n)
	}
	kks := make([]string, 0, len(families))
	for k := range families {
		kks = append(kks, k)
	}
	for attempt := 1; ; attempt++ {
		n, err := r.reconcileOnce(ctx, niks, kks, persons, families)
		if attempt == reconcileAttempts || !errors.Is(err, domain.ErrConcurrentChange) {
			return n, err
		}
	}
}

func (r *Repository) reconcileOnce(ctx context.Context, niks, kks []string, persons map[string]domain.PersonIdentity,
	families map[string]bool) (int, error) {
	var n int
	err := r.db.InTx(ctx, func(tx *storage.Tx) error {
		now := r.now().UTC().Truncate(time.Microsecond)
		var all []outbox.Event
		for _, step := range []func() ([]outbox.Event, error){
			func() ([]outbox.Event, error) { return r.incomes.reconcile(ctx, tx, niks, persons, families, now) },
			func() ([]outbox.Event, error) { return r.employments.reconcile(ctx, tx, niks, persons, families, now) },
			func() ([]outbox.Event, error) { return r.banking.reconcile(ctx, tx, niks, persons, families, now) },
			func() ([]outbox.Event, error) { return r.consumption.reconcile(ctx, tx, kks, persons, families, now) },
		} {
			evs, err := step()
			if err != nil {
				return err
			}
			all = append(all, evs...)
		}
		n = len(all)
		return r.outbox.Append(ctx, tx, all...)
	})
	return n, err
}

// UnmatchedOwners returns up to limit distinct NIKs and KK numbers of
// UNMATCHED records, for the periodic reconciliation sweep. The sample is
// random, so owners that stay unknown for good cannot hide the others from
// the sweep: every unmatched owner is drawn sooner or later.
func (r *Repository) UnmatchedOwners(ctx context.Context, limit int) (niks, kks []string, err error) {
	for _, t := range []struct {
		table, col string
		out        *[]string
	}{{"incomes", "nik", &niks}, {"employments", "nik", &niks}, {"banking_patterns", "nik", &niks}, {"consumptions", "kk", &kks}} {
		rows, err := r.db.QueryContext(ctx, "SELECT "+fanout("reconciliation sweep, a random sample")+t.col+
			" FROM (SELECT DISTINCT "+t.col+" FROM "+t.table+" WHERE match_status = 2) u ORDER BY random() LIMIT $1", limit)
		if err != nil {
			return nil, nil, fmt.Errorf("unmatched %s: %w", t.table, err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return nil, nil, err
			}
			*t.out = append(*t.out, s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
	}
	return niks, kks, nil
}
