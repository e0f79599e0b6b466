// Package adapters holds the service-usage context's storage (one SQL
// repository for SQLite and PostgreSQL, with the bulk import path) and its
// clients of the registry (identity cross-checks and family members).
package adapters

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/serviceusage/domain"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations creates the service-usage tables.
var Migrations = storage.EmbeddedMigrations("serviceusage", migrationFS, storage.Tables{
	"health_coverages":         storage.Distributed("nik"),
	"enrolments":               storage.Distributed("nik"),
	"utility_usages":           storage.Distributed("kk"),
	"programme_participations": storage.Distributed("kk"),
})

// EventType is `serviceusage.<kind>.<verb>`; verbs are created, updated
// (by an import) and reconciled (the registry cross-check outcome changed).
func EventType(kind domain.Kind, verb string) string {
	return "serviceusage." + string(kind) + "." + verb
}

// Repository is the SQL implementation of domain.Repository.
type Repository struct {
	db     *storage.DB
	outbox *outbox.Outbox
	now    func() time.Time
}

// NewRepository returns a repository writing its events to ob.
func NewRepository(db *storage.DB, ob *outbox.Outbox) *Repository {
	return &Repository{db: db, outbox: ob, now: time.Now}
}

var _ domain.Repository = (*Repository)(nil)

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func event(r domain.Record, verb string) outbox.Event {
	ev := outbox.Event{Type: EventType(r.Kind(), verb), Resource: r.Name()}
	if kk := r.Meta().FamilyKK; kk != "" {
		ev.Family = "families/" + kk
	}
	return ev
}

// Get returns one record by resource name.
func (r *Repository) Get(ctx context.Context, kind domain.Kind, name string) (domain.Record, error) {
	recs, err := r.query(ctx, r.db, tables[kind], "name = $1", "", 0, name)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, domain.ErrNotFound
	}
	return recs[0], nil
}

func (r *Repository) query(ctx context.Context, q querier, t *table, where, order string, limit int, args ...any) ([]domain.Record, error) {
	sqlText := "SELECT " + t.selectList() + " FROM " + t.name
	if where != "" {
		sqlText += " WHERE " + where
	}
	if order != "" {
		sqlText += " ORDER BY " + order
	}
	if limit > 0 {
		args = append(args, limit)
		sqlText += fmt.Sprintf(" LIMIT $%d", len(args))
	}
	rows, err := q.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", t.name, err)
	}
	return t.scanRecords(rows)
}

// List returns a page of one kind in name order.
func (r *Repository) List(ctx context.Context, q domain.Query) ([]domain.Record, error) {
	t := tables[q.Kind]
	var where []string
	var args []any
	eq := func(col string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	if q.NIK != "" {
		eq("nik", q.NIK)
	}
	if q.FamilyKK != "" {
		if t.kk != "" {
			eq(t.kk, q.FamilyKK)
		} else {
			eq("family_kk", q.FamilyKK)
		}
	}
	if q.SourceAgency != "" {
		eq("source_agency", q.SourceAgency)
	}
	if q.SchoolYear != "" {
		eq("school_year", q.SchoolYear)
	}
	if q.Month != "" {
		eq("month", q.Month)
	}
	if q.Programme != domain.ProgrammeUnspecified {
		eq("programme", int64(q.Programme))
	}
	if q.Match != domain.MatchUnspecified {
		eq("match_status", int64(q.Match))
	}
	if q.AfterName != "" {
		args = append(args, q.AfterName)
		where = append(where, fmt.Sprintf("name > $%d", len(args)))
	}
	return r.query(ctx, r.db, t, strings.Join(where, " AND "), "name", q.Limit, args...)
}

// FamilyRecords implements domain.Repository.
func (r *Repository) FamilyRecords(ctx context.Context, kk string, niks []string, utilityMonths int) (*domain.FamilyRecords, error) {
	out := &domain.FamilyRecords{}
	cond, arg := r.anyOf("nik", niks, 1)
	for _, kind := range []domain.Kind{domain.KindHealthCoverage, domain.KindEnrolment} {
		t := tables[kind]
		recs, err := r.query(ctx, r.db, t, cond, t.order, 0, arg)
		if err != nil {
			return nil, err
		}
		for _, rec := range recs {
			switch v := rec.(type) {
			case *domain.HealthCoverage:
				out.HealthCoverages = append(out.HealthCoverages, v)
			case *domain.Enrolment:
				out.Enrolments = append(out.Enrolments, v)
			}
		}
	}
	t := tables[domain.KindUtilityUsage]
	recs, err := r.query(ctx, r.db, t, "kk = $1", t.order, utilityMonths, kk)
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		out.Utilities = append(out.Utilities, rec.(*domain.UtilityUsage))
	}
	t = tables[domain.KindProgrammeParticipation]
	pcond, parg := r.anyOf("nik", niks, 2)
	// "nik <> ''" repeats the partial index's condition: without it SQLite
	// cannot use that index for the OR and scans the whole table per family
	// (250 ms a family at 170k records, which made ranking runs crawl).
	recs, err = r.query(ctx, r.db, t, "(kk = $1 AND nik = '') OR (nik <> '' AND "+pcond+")", t.order, 0, kk, parg)
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		out.Programmes = append(out.Programmes, rec.(*domain.ProgrammeParticipation))
	}
	return out, nil
}

// RecordsFor implements domain.Repository.
func (r *Repository) RecordsFor(ctx context.Context, niks, kks []string) ([]domain.Record, error) {
	var out []domain.Record
	for _, kind := range domain.Kinds {
		t := tables[kind]
		var conds []string
		var args []any
		if t.nik != "" && len(niks) > 0 {
			c, a := r.anyOf(t.nik, niks, len(args)+1)
			conds, args = append(conds, c), append(args, a)
		}
		if t.kk != "" && len(kks) > 0 {
			c, a := r.anyOf(t.kk, kks, len(args)+1)
			conds, args = append(conds, c), append(args, a)
		}
		if len(conds) == 0 {
			continue
		}
		recs, err := r.query(ctx, r.db, t, strings.Join(conds, " OR "), "name", 0, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
	}
	return out, nil
}

// SaveAssessments implements domain.Repository. A record whose version moved
// since it was loaded is skipped: the import that moved it ran its own
// cross-check.
func (r *Repository) SaveAssessments(ctx context.Context, recs []domain.Record) (int, error) {
	if len(recs) == 0 {
		return 0, nil
	}
	written := 0
	err := r.db.InTx(ctx, func(tx *storage.Tx) error {
		written = 0
		now := r.now().UTC().Truncate(time.Microsecond)
		var events []outbox.Event
		for _, rec := range recs {
			m := rec.Meta()
			res, err := tx.ExecContext(ctx, "UPDATE "+tables[rec.Kind()].name+` SET match_status = $1, unmatched_reason = $2,
				flags = $3, family_kk = $4, version = version + 1, update_time = $5 WHERE name = $6 AND version = $7`,
				int64(m.Match), m.UnmatchedReason, int64(m.Flags), m.FamilyKK, now.UnixMicro(), rec.Name(), m.Version)
			if err != nil {
				return fmt.Errorf("save assessment: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				written++
				events = append(events, event(rec, "reconciled"))
			}
		}
		return r.outbox.Append(ctx, tx, events...)
	})
	return written, err
}

// UnmatchedOwners implements domain.Repository, for the reconciliation sweep.
// The sample is random: re-checking a record that stays unknown changes
// nothing, so an "oldest first" order would let a thousand permanently
// unknown owners hide every other one from the sweep.
// It reads through the partial unmatched indexes, so its cost follows the
// number of UNMATCHED records, not the table size.
func (r *Repository) UnmatchedOwners(ctx context.Context, limit int) (niks, kks []string, err error) {
	seenN, seenK := map[string]bool{}, map[string]bool{}
	for _, kind := range domain.Kinds {
		t := tables[kind]
		var cols []string
		for _, c := range []string{t.nik, t.kk} {
			if c != "" {
				cols = append(cols, c)
			}
		}
		rows, err := r.db.QueryContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+t.name+
			" WHERE match_status = $1 ORDER BY random() LIMIT $2", int64(domain.Unmatched), limit)
		if err != nil {
			return nil, nil, fmt.Errorf("unmatched %s: %w", t.name, err)
		}
		for rows.Next() {
			vals := make([]string, len(cols))
			dest := make([]any, len(cols))
			for i := range vals {
				dest[i] = &vals[i]
			}
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("unmatched %s: %w", t.name, err)
			}
			for i, c := range cols {
				v := vals[i]
				switch {
				case v == "":
				case c == t.nik && !seenN[v]:
					seenN[v] = true
					niks = append(niks, v)
				case c == t.kk && !seenK[v]:
					seenK[v] = true
					kks = append(kks, v)
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, fmt.Errorf("unmatched %s: %w", t.name, err)
		}
	}
	return niks, kks, nil
}

// anyOf renders "column is one of values" as one bind parameter: an array on
// PostgreSQL, a JSON array on SQLite (as in the registry's repository).
func (r *Repository) anyOf(column string, values []string, param int) (string, any) {
	if values == nil {
		values = []string{}
	}
	if r.db.Engine() == storage.Postgres {
		return fmt.Sprintf("%s = ANY($%d)", column, param), values
	}
	b, _ := json.Marshal(values)
	return fmt.Sprintf("%s IN (SELECT value FROM json_each($%d))", column, param), string(b)
}
