// Package adapters stores grievance cases in SQL: the same statements on
// SQLite and PostgreSQL.
package adapters

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/dtsen-id/dtsen/services/grievance/domain"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations creates the grievance tables.
var Migrations = storage.EmbeddedMigrations("grievance", migrationFS, storage.Tables{
	// Grievance stays on one PostgreSQL primary: ≤ 30 GB a year, and its
	// busiest read is by reporter, not by family (docs/scale-out.md §4.7).
	"cases":            storage.Local,
	"case_transitions": storage.Local,
})

// Repository implements domain.Cases.
type Repository struct {
	db *storage.DB
	ob *outbox.Outbox
}

// NewRepository returns the repository over db, migrated with Migrations
// and outbox.Migrations. Every submission and step is published to ob in
// the transaction that stores it, so the feed never misses nor invents one.
func NewRepository(db *storage.DB, ob *outbox.Outbox) *Repository { return &Repository{db: db, ob: ob} }

// publish appends one event per transition.
func (r *Repository) publish(ctx context.Context, tx *storage.Tx, c domain.Case, ts []domain.Transition) error {
	events := make([]outbox.Event, len(ts))
	for i, t := range ts {
		events[i] = outbox.Event{Type: "grievance.case." + strings.ToLower(string(t.Action)), Resource: "cases/" + c.ID}
		if c.KK != "" {
			events[i].Family = "families/" + c.KK
		}
	}
	return r.ob.Append(ctx, tx, events...)
}

var _ domain.Cases = (*Repository)(nil)

// body is the part of a case stored as JSON: what no query filters on.
type body struct {
	ReporterNIK  string               `json:"reporter_nik,omitempty"`
	Programme    string               `json:"programme,omitempty"`
	Description  string               `json:"description,omitempty"`
	Correction   *domain.Correction   `json:"correction,omitempty"`
	Registration *domain.Registration `json:"registration,omitempty"`
	Deliberation *domain.Deliberation `json:"deliberation,omitempty"`
	Assignee     string               `json:"assignee,omitempty"`
	Verification *domain.Verification `json:"verification,omitempty"`
	Decision     *domain.Decision     `json:"decision,omitempty"`
	StateSince   time.Time            `json:"state_since"`
	LevelSince   time.Time            `json:"level_since"`
	Escalations  int                  `json:"escalations,omitempty"`
	ApplyError   string               `json:"apply_error,omitempty"`
}

// closedDue sorts closed cases after every open one.
const closedDue = math.MaxInt64

func dueMicros(due time.Time) int64 {
	if due.IsZero() {
		return closedDue
	}
	return due.UnixMicro()
}

func encode(c domain.Case) (string, error) {
	b, err := json.Marshal(body{ReporterNIK: c.ReporterNIK, Programme: c.Programme, Description: c.Description,
		Correction: c.Correction, Registration: c.Registration, Deliberation: c.Deliberation, Assignee: c.Assignee,
		Verification: c.Verification, Decision: c.Decision, StateSince: c.StateSince, LevelSince: c.LevelSince,
		Escalations: c.Escalations, ApplyError: c.ApplyError})
	return string(b), err
}

// Create stores a new case unless the same request or an open case of the
// same type for the family exists.
func (r *Repository) Create(ctx context.Context, c domain.Case, due time.Time) (domain.Case, error) {
	b, err := encode(c)
	if err != nil {
		return domain.Case{}, err
	}
	var existing domain.Case
	var found error
	err = r.db.InTx(ctx, func(tx *storage.Tx) error {
		if existing, found = r.existing(ctx, tx, c); found != nil {
			return nil
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO cases (id, type, state, kk, region, reporter, request_id, body, "+
			"submitted_at, due_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
			c.ID, string(c.Type), string(c.State), c.KK, c.Region, c.Reporter, c.RequestID, b,
			c.SubmittedAt.UnixMicro(), dueMicros(due), len(c.History)); err != nil {
			return err
		}
		if err := appendTransitions(ctx, tx, c.ID, c.History); err != nil {
			return err
		}
		return r.publish(ctx, tx, c, c.History)
	})
	if err != nil {
		// A concurrent twin won the unique index: answer with its case.
		if twin, found := r.existing(ctx, r.db, c); found != nil {
			return twin, found
		}
		return domain.Case{}, fmt.Errorf("create case %s: %w", c.ID, err)
	}
	if found != nil {
		return existing, found
	}
	return c, nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// existing finds the case a submission duplicates: ErrSameRequest or
// ErrOpenCase with it, or nil.
func (r *Repository) existing(ctx context.Context, q querier, c domain.Case) (domain.Case, error) {
	var id string
	if c.RequestID != "" {
		err := q.QueryRowContext(ctx, "SELECT id FROM cases WHERE reporter = $1 AND request_id = $2", c.Reporter, c.RequestID).Scan(&id)
		if err == nil {
			got, err := r.get(ctx, q, id)
			if err != nil {
				return domain.Case{}, err
			}
			return got, domain.ErrSameRequest
		}
	}
	if c.KK != "" {
		err := q.QueryRowContext(ctx, "SELECT id FROM cases WHERE kk = $1 AND type = $2 AND state NOT IN ('APPLIED', 'REJECTED')",
			c.KK, string(c.Type)).Scan(&id)
		if err == nil {
			got, err := r.get(ctx, q, id)
			if err != nil {
				return domain.Case{}, err
			}
			return got, domain.ErrOpenCase
		}
	}
	return domain.Case{}, nil
}

func appendTransitions(ctx context.Context, tx *storage.Tx, id string, ts []domain.Transition) error {
	for _, t := range ts {
		if _, err := tx.ExecContext(ctx, "INSERT INTO case_transitions (case_id, seq, at, by_subject, role, from_state, "+
			"to_state, action, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", id, t.Seq, t.At.UnixMicro(), t.By,
			string(t.Role), string(t.From), string(t.To), string(t.Action), t.Reason); err != nil {
			return fmt.Errorf("append transition %d of %s: %w", t.Seq, id, err)
		}
	}
	return nil
}

// Get returns a case with its history.
func (r *Repository) Get(ctx context.Context, id string) (domain.Case, error) {
	return r.get(ctx, r.db, id)
}

const caseColumns = "id, type, state, kk, region, reporter, request_id, body, submitted_at, due_at, version"

func (r *Repository) get(ctx context.Context, q querier, id string) (domain.Case, error) {
	c, _, err := scanCase(q.QueryRowContext(ctx, "SELECT "+caseColumns+" FROM cases WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Case{}, fmt.Errorf("%w: %s", domain.ErrNotFound, id)
	}
	if err != nil {
		return domain.Case{}, err
	}
	rows, err := q.QueryContext(ctx, "SELECT seq, at, by_subject, role, from_state, to_state, action, reason "+
		"FROM case_transitions WHERE case_id = $1 ORDER BY seq", id)
	if err != nil {
		return domain.Case{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var t domain.Transition
		var at int64
		var role, from, to, action string
		if err := rows.Scan(&t.Seq, &at, &t.By, &role, &from, &to, &action, &t.Reason); err != nil {
			return domain.Case{}, err
		}
		t.At, t.Role, t.From, t.To, t.Action = time.UnixMicro(at).UTC(), auth.Role(role), domain.State(from),
			domain.State(to), domain.Action(action)
		c.History = append(c.History, t)
	}
	return c, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

func scanCase(s scanner) (domain.Case, int64, error) {
	var c domain.Case
	var typ, state, b string
	var submitted, due int64
	var version int
	if err := s.Scan(&c.ID, &typ, &state, &c.KK, &c.Region, &c.Reporter, &c.RequestID, &b, &submitted, &due, &version); err != nil {
		return c, 0, err
	}
	var bd body
	if err := json.Unmarshal([]byte(b), &bd); err != nil {
		return c, 0, fmt.Errorf("case %s: %w", c.ID, err)
	}
	c.Type, c.State, c.SubmittedAt = domain.Type(typ), domain.State(state), time.UnixMicro(submitted).UTC()
	c.ReporterNIK, c.Programme, c.Description = bd.ReporterNIK, bd.Programme, bd.Description
	c.Correction, c.Registration, c.Deliberation = bd.Correction, bd.Registration, bd.Deliberation
	c.Assignee, c.Verification, c.Decision = bd.Assignee, bd.Verification, bd.Decision
	c.StateSince, c.LevelSince, c.Escalations, c.ApplyError = bd.StateSince, bd.LevelSince, bd.Escalations, bd.ApplyError
	return c, due, nil
}

// Save stores a case's steps since readVersion, or nothing on a conflict.
func (r *Repository) Save(ctx context.Context, c domain.Case, readVersion int, due time.Time) error {
	if readVersion < 0 || readVersion > len(c.History) {
		return fmt.Errorf("save case %s: read version %d of %d transitions", c.ID, readVersion, len(c.History))
	}
	b, err := encode(c)
	if err != nil {
		return err
	}
	return r.db.InTx(ctx, func(tx *storage.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE cases SET state = $1, body = $2, due_at = $3, version = $4 "+
			"WHERE id = $5 AND version = $6", string(c.State), b, dueMicros(due), len(c.History), c.ID, readVersion)
		if err != nil {
			return fmt.Errorf("save case %s: %w", c.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("%w: case %s is no longer at version %d", domain.ErrConflict, c.ID, readVersion)
		}
		if err := appendTransitions(ctx, tx, c.ID, c.History[readVersion:]); err != nil {
			return err
		}
		return r.publish(ctx, tx, c, c.History[readVersion:])
	})
}

// List returns a page of cases, the most overdue first, and each one's
// cursor. Listed cases come without their history (Get has it).
func (r *Repository) List(ctx context.Context, q domain.Query) ([]domain.Case, []string, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if q.After != "" {
		dueS, id, ok := strings.Cut(q.After, "/")
		due, err := strconv.ParseInt(dueS, 10, 64)
		if !ok || err != nil {
			return nil, nil, fmt.Errorf("%w: malformed cursor", domain.ErrInvalid)
		}
		d := arg(due)
		where = append(where, "(due_at > "+d+" OR (due_at = "+d+" AND id > "+arg(id)+"))")
	}
	if q.RegionPrefix != "" {
		where = append(where, "(region = "+arg(q.RegionPrefix)+" OR region LIKE "+arg(q.RegionPrefix+".%")+")")
	}
	if q.Reporter != "" {
		where = append(where, "reporter = "+arg(q.Reporter))
	}
	if q.State != "" {
		where = append(where, "state = "+arg(string(q.State)))
	}
	if q.Type != "" {
		where = append(where, "type = "+arg(string(q.Type)))
	}
	if !q.OverdueAt.IsZero() {
		where = append(where, "due_at <= "+arg(q.OverdueAt.UnixMicro()))
	}
	limit := q.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	query := "SELECT " + caseColumns + " FROM cases"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := r.db.QueryContext(ctx, query+" ORDER BY due_at, id LIMIT "+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, nil, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	var out []domain.Case
	var cursors []string
	for rows.Next() {
		c, due, err := scanCase(rows)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, c)
		cursors = append(cursors, strconv.FormatInt(due, 10)+"/"+c.ID)
	}
	return out, cursors, rows.Err()
}

// CountReported counts a reporter's cases of a type since a time.
func (r *Repository) CountReported(ctx context.Context, reporter string, typ domain.Type, since time.Time) (int, error) {
	var n int
	err := r.db.QueryRowContext(ctx, "SELECT count(*) FROM cases WHERE reporter = $1 AND type = $2 AND submitted_at >= $3",
		reporter, string(typ), since.UnixMicro()).Scan(&n)
	return n, err
}

// OpenCases counts the open cases of one province in one state, and how many
// of them are overdue.
type OpenCases struct {
	Province string // the first two digits of the region, e.g. "35"
	State    domain.State
	Open     int64
	Overdue  int64
}

// CountOpen counts open cases per province and state for the metrics. It
// reads the cases_due index range of open cases only (a closed case's due_at
// is the largest BIGINT), so its cost follows the open cases, not the
// history; a state without an SLA deadline would not be counted.
func (r *Repository) CountOpen(ctx context.Context, now time.Time) ([]OpenCases, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT substr(region, 1, 2), state, count(*),
			sum(CASE WHEN due_at <= $1 THEN 1 ELSE 0 END)
		FROM cases WHERE due_at < $2 AND state NOT IN ('APPLIED', 'REJECTED')
		GROUP BY substr(region, 1, 2), state`, now.UnixMicro(), int64(closedDue))
	if err != nil {
		return nil, fmt.Errorf("count open cases: %w", err)
	}
	defer rows.Close()
	var out []OpenCases
	for rows.Next() {
		var c OpenCases
		var state string
		if err := rows.Scan(&c.Province, &state, &c.Open, &c.Overdue); err != nil {
			return nil, fmt.Errorf("count open cases: %w", err)
		}
		c.State = domain.State(state)
		out = append(out, c)
	}
	return out, rows.Err()
}
