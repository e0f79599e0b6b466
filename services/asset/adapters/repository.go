// Package adapters holds the asset context's storage (one SQL repository that
// runs on SQLite and PostgreSQL alike, with the bulk import path) and its
// client of the registry (identity.go).
package adapters

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/dtsen-id/dtsen/services/asset/domain"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations creates the asset context's tables.
var Migrations = storage.EmbeddedMigrations("asset", migrationFS, storage.Tables{
	"housing":  storage.Distributed("kk"),
	"holdings": storage.Distributed("kk"),
	// Land and vehicles live on their owner's shard, so a family's read by
	// member NIKs touches only the members' shards; their key tables map a
	// certificate or frame number to its owner (docs/scale-out.md §4.3).
	"land_parcels":     storage.Distributed("owner_nik"),
	"vehicles":         storage.Distributed("owner_nik"),
	"land_parcel_keys": storage.Distributed("certificate_id"),
	"vehicle_keys":     storage.Distributed("frame_number"),
})

// Repository is the SQL implementation of domain.Repository.
type Repository struct {
	db     *storage.DB
	outbox *outbox.Outbox
	now    func() time.Time

	// sweep is where UnmatchedOwners resumes, per kind.
	sweepMu sync.Mutex
	sweep   [4][2]string

	// afterRead, set by tests only, runs in an import chunk or a
	// reconciliation between the read of a table's stored rows and their
	// writes: where a concurrent writer strikes.
	afterRead func(ctx context.Context, tx *storage.Tx, table string) error
}

// NewRepository returns a repository writing its events to ob.
func NewRepository(db *storage.DB, ob *outbox.Outbox) *Repository {
	return &Repository{db: db, outbox: ob, now: time.Now}
}

var _ domain.Repository = (*Repository)(nil)

// querier is what both a pool and a transaction offer for reads.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (r *Repository) GetHousing(ctx context.Context, kk, source string) (*domain.Housing, error) {
	return get(ctx, r.db, housingKind, kk, source)
}

func (r *Repository) ListHousing(ctx context.Context, q domain.Query) ([]*domain.Housing, error) {
	return list(ctx, r, housingKind, q, officerList)
}

func (r *Repository) GetHoldings(ctx context.Context, kk, source string) (*domain.Holdings, error) {
	return get(ctx, r.db, holdingsKind, kk, source)
}

func (r *Repository) ListHoldings(ctx context.Context, q domain.Query) ([]*domain.Holdings, error) {
	return list(ctx, r, holdingsKind, q, officerList)
}

func (r *Repository) GetLandParcel(ctx context.Context, id string) (*domain.LandParcel, error) {
	return get(ctx, r.db, landKind, id)
}

func (r *Repository) ListLandParcels(ctx context.Context, q domain.Query) ([]*domain.LandParcel, error) {
	return list(ctx, r, landKind, q, officerList)
}

func (r *Repository) GetVehicle(ctx context.Context, frame string) (*domain.Vehicle, error) {
	return get(ctx, r.db, vehicleKind, frame)
}

func (r *Repository) ListVehicles(ctx context.Context, q domain.Query) ([]*domain.Vehicle, error) {
	return list(ctx, r, vehicleKind, q, officerList)
}

// get reads one record by its key. A kind with a key table takes two
// router reads: the key table names the owner, whose shard holds the row.
func get[T any](ctx context.Context, q querier, k kind[T], key ...any) (T, error) {
	if k.keys == "" {
		return getRow(ctx, q, k, key...)
	}
	var zero T
	// A transfer between the two reads moves the row to its new owner, whom
	// the key table then names: look again, a few times at most.
	for range 3 {
		owner, err := ownerOf(ctx, q, k, key[0])
		if err != nil {
			return zero, err
		}
		rec, err := getRow(ctx, q, k, key[0], owner)
		if !errors.Is(err, domain.ErrNotFound) {
			return rec, err
		}
	}
	return zero, domain.ErrNotFound
}

// getRow reads one row by its primary key, given in pkCols order.
func getRow[T any](ctx context.Context, q querier, k kind[T], pk ...any) (T, error) {
	var zero T
	rows, err := q.QueryContext(ctx, "SELECT "+strings.Join(k.cols, ", ")+" FROM "+k.table+" WHERE "+keyMatch(k.pkCols()), pk...)
	if err != nil {
		return zero, fmt.Errorf("get %s: %w", k.table, err)
	}
	recs, err := scanAll(rows, k)
	if err != nil {
		return zero, err
	}
	if len(recs) == 0 {
		return zero, domain.ErrNotFound
	}
	return recs[0], nil
}

// ownerOf reads the current owner of a certificate or frame number from the
// kind's key table.
func ownerOf[T any](ctx context.Context, q querier, k kind[T], id any) (string, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+k.holder+" FROM "+k.keys+" WHERE "+k.keyCols[0]+" = $1", id)
	if err != nil {
		return "", fmt.Errorf("get %s: %w", k.keys, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return "", fmt.Errorf("get %s: %w", k.keys, err)
		}
		return "", domain.ErrNotFound
	}
	var owner string
	if err := rows.Scan(&owner); err != nil {
		return "", fmt.Errorf("get %s: %w", k.keys, err)
	}
	return owner, rows.Err()
}

// officerList says why an officer's list that names no holder reads every
// shard (docs/scale-out.md §6).
const officerList = "officer list by match status or key range"

// list reads one page of records in key order. Naming the holder keeps it on
// the holder's shard; otherwise it reads every shard, marked as a deliberate
// fan-out with the reason why.
func list[T any](ctx context.Context, r *Repository, k kind[T], q domain.Query, why string) ([]T, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if q.Holder != "" {
		where = append(where, k.holder+" = "+arg(q.Holder))
	}
	if q.Match != domain.MatchUnspecified {
		where = append(where, "match_status = "+arg(int64(q.Match)))
	}
	if q.After != ([2]string{}) {
		if len(k.keyCols) == 1 {
			where = append(where, k.keyCols[0]+" > "+arg(q.After[0]))
		} else {
			a, b := arg(q.After[0]), arg(q.After[1])
			where = append(where, fmt.Sprintf("(%s > %s OR (%s = %s AND %s > %s))", k.keyCols[0], a, k.keyCols[0], a, k.keyCols[1], b))
		}
	}
	query := "SELECT " + strings.Join(k.cols, ", ") + " FROM " + k.table
	if q.Holder == "" {
		query = "/* " + storage.FanoutMarker + " " + why + " */ " + query
	}
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY " + strings.Join(k.keyCols, ", ") + " LIMIT " + arg(q.Limit)
	rows, err := r.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", k.table, err)
	}
	return scanAll(rows, k)
}

// byHolders reads the records of the given holders (KK numbers or owner
// NIKs) in key order, at most limit (0: all).
func byHolders[T any](ctx context.Context, r *Repository, q querier, k kind[T], holders []string, limit int) ([]T, error) {
	if len(holders) == 0 {
		return nil, nil
	}
	cond, arg := r.anyOf(k.holder, holders, 1)
	query := "SELECT " + strings.Join(k.cols, ", ") + " FROM " + k.table + " WHERE " + cond +
		" ORDER BY " + strings.Join(k.keyCols, ", ")
	if limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := q.QueryContext(ctx, query, arg)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", k.table, err)
	}
	return scanAll(rows, k)
}

func scanAll[T any](rows *sql.Rows, k kind[T]) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := k.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", k.table, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// FamilyRecords implements domain.Repository.
func (r *Repository) FamilyRecords(ctx context.Context, kk string, niks []string, limit int) (*domain.FamilyRecords, error) {
	out := &domain.FamilyRecords{Totals: domain.OwnedTotals{VehiclesByType: map[domain.VehicleType]domain.TypeTotal{}}}
	var err error
	if out.Housing, err = byHolders(ctx, r, r.db, housingKind, []string{kk}, 0); err != nil {
		return nil, err
	}
	if out.Holdings, err = byHolders(ctx, r, r.db, holdingsKind, []string{kk}, 0); err != nil {
		return nil, err
	}
	if len(niks) == 0 {
		return out, nil
	}
	// One more than the limit tells the summary that the list was cut.
	if out.Land, err = byHolders(ctx, r, r.db, landKind, niks, limit+1); err != nil {
		return nil, err
	}
	if out.Vehicles, err = byHolders(ctx, r, r.db, vehicleKind, niks, limit+1); err != nil {
		return nil, err
	}
	cond, arg := r.anyOf("owner_nik", niks, 1)
	t := &out.Totals
	var elsewhere int64
	if err := r.db.QueryRowContext(ctx, `SELECT count(*), COALESCE(SUM(area_sqm), 0), CAST(COALESCE(SUM(njop_value), 0) AS BIGINT),
		COALESCE(MAX(CASE WHEN house_elsewhere THEN 1 ELSE 0 END), 0) FROM land_parcels WHERE `+cond, arg).
		Scan(&t.LandCount, &t.LandAreaSqm, &t.LandNJOP, &elsewhere); err != nil {
		return nil, fmt.Errorf("land totals: %w", err)
	}
	t.HouseElsewhere = elsewhere == 1
	rows, err := r.db.QueryContext(ctx, `SELECT vehicle_type, count(*), CAST(COALESCE(SUM(estimated_value), 0) AS BIGINT)
		FROM vehicles WHERE `+cond+` GROUP BY vehicle_type`, arg)
	if err != nil {
		return nil, fmt.Errorf("vehicle totals: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var typ domain.VehicleType
		var tt domain.TypeTotal
		if err := rows.Scan(&typ, &tt.Count, &tt.Value); err != nil {
			return nil, fmt.Errorf("vehicle totals: %w", err)
		}
		t.VehiclesByType[typ] = tt
	}
	return out, rows.Err()
}

// anyOf renders "column is one of values" as one bind parameter: an array on
// PostgreSQL, a JSON array on SQLite, so a chunk of thousands of keys costs
// one parameter, far below SQLite's bind-variable limit.
func (r *Repository) anyOf(column string, values []string, param int) (string, any) {
	if r.db.Engine() == storage.Postgres {
		return fmt.Sprintf("%s = ANY($%d)", column, param), values
	}
	b, _ := json.Marshal(values)
	return fmt.Sprintf("%s IN (SELECT value FROM json_each($%d))", column, param), string(b)
}

// ErrConcurrentChange: another writer inserted, changed or moved one of the
// records of a chunk (or of a reconciliation) after it read them; its
// transaction rolled back whole and may be retried.
var ErrConcurrentChange = errors.New("records changed concurrently")
