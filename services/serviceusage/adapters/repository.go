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

// Migrations creates the service-usage tables. Person records live on their
// NIK's shard, family records on their KK number's (docs/scale-out.md §4.5).
// A person's own programme participation is a family record stored under
// the KK number its agency sent; participation_keys, on the person's shard,
// says which one.
var Migrations = storage.EmbeddedMigrations("serviceusage", migrationFS, storage.Tables{
	"health_coverages":         storage.Distributed("nik"),
	"enrolments":               storage.Distributed("nik"),
	"utility_usages":           storage.Distributed("kk"),
	"programme_participations": storage.Distributed("kk"),
	"participation_keys":       storage.Distributed("nik"),
})

// fanout marks a statement that deliberately reads every shard
// (storage.FanoutMarker), saying why.
func fanout(why string) string { return "/* " + storage.FanoutMarker + " " + why + " */ " }

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
	// afterRead, set by tests only, runs in an import chunk between the
	// read of its stored rows and its writes: where a concurrent writer
	// strikes.
	afterRead func(ctx context.Context, tx *storage.Tx) error
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
	t := tables[kind]
	home, err := r.home(ctx, t, name)
	if err != nil {
		return nil, err
	}
	recs, err := r.query(ctx, r.db, t, selection{where: t.dist + " = $1 AND name = $2"}, home, name)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, domain.ErrNotFound
	}
	return recs[0], nil
}

// home is the distribution value of the row named name: the NIK or KK
// number in the name, or for a person's own participation the KK number its
// key row names (ErrNotFound without one).
func (r *Repository) home(ctx context.Context, t *table, name string) (string, error) {
	parent, rest, _ := strings.Cut(name, "/")
	id, _, _ := strings.Cut(rest, "/")
	switch {
	case parent == "persons" && t.dist == "nik", parent == "families" && t.dist == "kk":
		return id, nil
	case parent == "persons" && t.keyed:
		homes, err := r.keyedHomes(ctx, r.db, []string{id}, []string{name})
		if err != nil {
			return "", err
		}
		if kk, ok := homes[name]; ok {
			return kk, nil
		}
	}
	return "", domain.ErrNotFound
}

// selection is the rest of a SELECT of a table's full rows.
type selection struct {
	where string
	order string
	limit int
	// fanout says why a WHERE that does not fix the distribution column
	// reads every shard.
	fanout string
}

func (r *Repository) query(ctx context.Context, q querier, t *table, s selection, args ...any) ([]domain.Record, error) {
	sqlText := "SELECT "
	if s.fanout != "" {
		sqlText += fanout(s.fanout)
	}
	sqlText += t.selectList() + " FROM " + t.name
	if s.where != "" {
		sqlText += " WHERE " + s.where
	}
	if s.order != "" {
		sqlText += " ORDER BY " + s.order
	}
	if s.limit > 0 {
		args = append(args, s.limit)
		sqlText += fmt.Sprintf(" LIMIT $%d", len(args))
	}
	rows, err := q.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", t.name, err)
	}
	return t.scanRecords(rows)
}

// keyedHomes reads, for the person-level participations named names of
// the persons niks, the KK number each is stored under.
//
// It reads every key of those persons and keeps the asked names here (see
// stored in import.go for why there is no second `= ANY`).
func (r *Repository) keyedHomes(ctx context.Context, q querier, niks, names []string) (map[string]string, error) {
	asked := make(map[string]bool, len(names))
	for _, n := range names {
		asked[n] = true
	}
	cond, arg := r.anyOf("nik", niks, 1)
	rows, err := q.QueryContext(ctx, "SELECT name, kk FROM participation_keys WHERE "+cond+" ORDER BY name", arg)
	if err != nil {
		return nil, fmt.Errorf("participation keys: %w", err)
	}
	defer rows.Close()
	homes := map[string]string{}
	for rows.Next() {
		var name, kk string
		if err := rows.Scan(&name, &kk); err != nil {
			return nil, fmt.Errorf("participation keys: %w", err)
		}
		if asked[name] {
			homes[name] = kk
		}
	}
	return homes, rows.Err()
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
	s := selection{where: strings.Join(where, " AND "), order: "name", limit: q.Limit}
	fixed := q.NIK
	if t.dist == "kk" {
		fixed = q.FamilyKK
	}
	if fixed == "" {
		s.fanout = "officer list"
	}
	return r.query(ctx, r.db, t, s, args...)
}

// FamilyRecords implements domain.Repository. Every read names its table's
// distribution column: the members' NIKs (their shards), or the family's KK.
func (r *Repository) FamilyRecords(ctx context.Context, kk string, niks []string, utilityMonths int) (*domain.FamilyRecords, error) {
	out := &domain.FamilyRecords{}
	cond, arg := r.anyOf("nik", niks, 1)
	for _, kind := range []domain.Kind{domain.KindHealthCoverage, domain.KindEnrolment} {
		t := tables[kind]
		recs, err := r.query(ctx, r.db, t, selection{where: cond, order: t.order}, arg)
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
	recs, err := r.query(ctx, r.db, t, selection{where: "kk = $1", order: t.order, limit: utilityMonths}, kk)
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		out.Utilities = append(out.Utilities, rec.(*domain.UtilityUsage))
	}
	recs, err = r.participations(ctx, []string{kk}, niks, true, tables[domain.KindProgrammeParticipation].order)
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		out.Programmes = append(out.Programmes, rec.(*domain.ProgrammeParticipation))
	}
	return out, nil
}

// participations reads the programme participations of the families kks
// (only their family-level ones when familyLevel) and the person-level ones
// of niks. A person's own participation is stored under the KK number its
// agency sent, which for a member who moved in is another family's:
// participation_keys, on the persons' shards, names those families, so the
// read fixes kk. For most families that is their own KK alone: one shard.
func (r *Repository) participations(ctx context.Context, kks, niks []string, familyLevel bool, order string) ([]domain.Record, error) {
	homes, err := r.personHomes(ctx, niks)
	if err != nil {
		return nil, err
	}
	homes = append(homes, kks...)
	if len(homes) == 0 {
		return nil, nil
	}
	hcond, harg := r.anyOf("kk", homes, 1)
	fcond, farg := r.anyOf("kk", kks, 2)
	if familyLevel {
		fcond = "(" + fcond + " AND nik = '')"
	}
	ncond, narg := r.anyOf("nik", niks, 3)
	return r.query(ctx, r.db, tables[domain.KindProgrammeParticipation],
		selection{where: hcond + " AND (" + fcond + " OR " + ncond + ")", order: order}, harg, farg, narg)
}

// personHomes returns the KK numbers the person-level participations of
// niks are stored under, each once.
func (r *Repository) personHomes(ctx context.Context, niks []string) ([]string, error) {
	if len(niks) == 0 {
		return nil, nil
	}
	cond, arg := r.anyOf("nik", niks, 1)
	rows, err := r.db.QueryContext(ctx, "SELECT DISTINCT kk FROM participation_keys WHERE "+cond, arg)
	if err != nil {
		return nil, fmt.Errorf("participation keys: %w", err)
	}
	defer rows.Close()
	var kks []string
	for rows.Next() {
		var kk string
		if err := rows.Scan(&kk); err != nil {
			return nil, fmt.Errorf("participation keys: %w", err)
		}
		kks = append(kks, kk)
	}
	return kks, rows.Err()
}

// RecordsFor implements domain.Repository.
func (r *Repository) RecordsFor(ctx context.Context, niks, kks []string) ([]domain.Record, error) {
	var out []domain.Record
	for _, kind := range domain.Kinds {
		t := tables[kind]
		keys := kks
		if t.dist == "nik" {
			keys = niks
		}
		var recs []domain.Record
		var err error
		switch {
		case t.keyed && len(niks)+len(kks) > 0:
			recs, err = r.participations(ctx, kks, niks, false, "name")
		case !t.keyed && len(keys) > 0:
			cond, arg := r.anyOf(t.dist, keys, 1)
			recs, err = r.query(ctx, r.db, t, selection{where: cond, order: "name"}, arg)
		}
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
			t := tables[rec.Kind()]
			res, err := tx.ExecContext(ctx, "UPDATE "+t.name+` SET match_status = $1, unmatched_reason = $2,
				flags = $3, family_kk = $4, version = version + 1, update_time = $5
				WHERE `+t.dist+` = $6 AND name = $7 AND version = $8`,
				int64(m.Match), m.UnmatchedReason, int64(m.Flags), m.FamilyKK, now.UnixMicro(), t.distValue(rec), rec.Name(), m.Version)
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
		rows, err := r.db.QueryContext(ctx, "SELECT "+fanout("reconciliation sweep, a random sample")+
			strings.Join(cols, ", ")+" FROM "+t.name+" WHERE match_status = $1 ORDER BY random() LIMIT $2",
			int64(domain.Unmatched), limit)
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
