// Package audit is the append-only log of every read of personal data, kept
// in each service's own database (it survives restarts and never lives in
// Redis alone) and queried by central administrators through the
// dtsen.audit.v1.AuditService every service serves.
//
// A read is recorded before its data is returned: if the event cannot be
// written the read fails (UNAVAILABLE), because an unaudited read of
// personal data is worse than no read.
package audit

import (
	"context"
	"embed"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/grpcserver"
	"github.com/dtsen-id/dtsen/services/platform/storage"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations create the audit_events table.
var Migrations = storage.EmbeddedMigrations("audit", migrationFS)

// ReasonUnavailable: the event could not be written, so the read is refused.
const ReasonUnavailable = "AUDIT_UNAVAILABLE"

// Log writes and reads one service's audit events.
type Log struct {
	db      *storage.DB
	service string
}

// New returns the log of service in db (migrated with Migrations).
func New(db *storage.DB, service string) *Log { return &Log{db: db, service: service} }

// Event is one read of one record.
type Event struct {
	ID        int64
	Time      time.Time
	Subject   string
	Role      string
	Region    string
	Purpose   string
	Method    string
	Record    string
	RequestID string
	TraceID   string
}

// Read records that the caller in ctx read each of records (resource names
// such as "families/3204..." or "persons/3204..."), in one transaction. Call
// it after authorisation and before returning the data; return its error.
func (l *Log) Read(ctx context.Context, records ...string) error {
	if len(records) == 0 {
		return nil
	}
	p, err := auth.Caller(ctx)
	if err != nil {
		return err
	}
	method, _ := grpc.Method(ctx)
	var traceID string
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
		traceID = sc.TraceID().String()
	}
	now := time.Now().UnixMicro()
	requestID := grpcserver.RequestID(ctx)
	err = l.db.InTx(ctx, func(tx *storage.Tx) error {
		for _, rec := range dedupe(records) {
			_, err := tx.ExecContext(ctx, `INSERT INTO audit_events
				(event_time, subject, role, region, purpose, method, record, request_id, trace_id)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
				now, p.Subject, string(p.Role), p.Region, p.Purpose, method, rec, requestID, traceID)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return apierror.New(codes.Unavailable, auth.Domain, ReasonUnavailable).
			Message("the read cannot be recorded in the audit log, so it is refused; try again",
				"akses tidak dapat dicatat di log audit sehingga ditolak; coba lagi").Err()
	}
	return nil
}

func dedupe(records []string) []string {
	seen := make(map[string]bool, len(records))
	out := records[:0:0]
	for _, r := range records {
		if r != "" && !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

// Query selects events; zero fields do not constrain.
type Query struct {
	Subject, Role, Purpose, Method, Record string
	From, Until                            time.Time // From inclusive, Until exclusive
	BeforeID                               int64     // resume after this id (newest first)
	Limit                                  int
}

// List returns events matching q, newest first.
func (l *Log) List(ctx context.Context, q Query) ([]Event, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	for col, v := range map[string]string{"subject": q.Subject, "role": q.Role, "purpose": q.Purpose, "method": q.Method, "record": q.Record} {
		if v != "" {
			add(col+" = $%d", v)
		}
	}
	if !q.From.IsZero() {
		add("event_time >= $%d", q.From.UnixMicro())
	}
	if !q.Until.IsZero() {
		add("event_time < $%d", q.Until.UnixMicro())
	}
	if q.BeforeID > 0 {
		add("id < $%d", q.BeforeID)
	}
	sql := `SELECT id, event_time, subject, role, region, purpose, method, record, request_id, trace_id FROM audit_events`
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, q.Limit)
	sql += fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(args))
	rows, err := l.db.QueryContext(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Subject, &e.Role, &e.Region, &e.Purpose, &e.Method, &e.Record, &e.RequestID, &e.TraceID); err != nil {
			return nil, err
		}
		e.Time = time.UnixMicro(at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
