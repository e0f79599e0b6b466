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
	"sync"
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
var Migrations = storage.EmbeddedMigrations("audit", migrationFS, storage.Tables{
	// "Who read my data" names the record: one shard. The officer view by
	// subject is a marked fan-out (docs/scale-out.md §4.1).
	"audit_events": storage.Distributed("record"),
})

// ReasonUnavailable: the event could not be written, so the read is refused.
const ReasonUnavailable = "AUDIT_UNAVAILABLE"

// Log writes and reads one service's audit events.
type Log struct {
	db      *storage.DB
	service string

	start sync.Once
	queue chan pending
}

// New returns the log of service in db (migrated with Migrations).
func New(db *storage.DB, service string) *Log {
	return &Log{db: db, service: service, queue: make(chan pending, 1024)}
}

// Event is one read of one record.
type Event struct {
	ID      int64
	Time    time.Time
	Subject string
	// Actor is the workload that acted for Subject on a delegated call
	// (auth.Principal.Actor); empty for a direct caller.
	Actor     string
	Role      string
	Region    string
	Purpose   string
	Method    string
	Record    string
	RequestID string
	TraceID   string
}

// Read records that the caller in ctx read each of records (resource names
// such as "families/3204..." or "persons/3204..."). Call it after
// authorisation and before returning the data; return its error. It returns
// once the events are committed.
//
// Concurrent reads share commits: one writer takes every event queued while
// the previous commit was running and commits them together, so under load a
// commit (a WAL flush on PostgreSQL, the single writer on SQLite) is paid per
// batch rather than per read, while a lone read waits for nothing but its own
// commit.
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
	recs := dedupe(records)
	rows := make([][]any, len(recs))
	for i, rec := range recs {
		rows[i] = []any{now, p.Subject, p.Actor, string(p.Role), p.Region, p.Purpose, method, rec, requestID, traceID}
	}
	req := pending{rows: rows, done: make(chan error, 1)}
	l.start.Do(func() { go l.writer() })
	select {
	case l.queue <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err = <-req.done:
	case <-ctx.Done():
		// The events may still be committed: an audit entry for a read that
		// was then abandoned is harmless; a read without one is not.
		return ctx.Err()
	}
	if err != nil {
		return apierror.New(codes.Unavailable, auth.Domain, ReasonUnavailable).
			Message("the read cannot be recorded in the audit log, so it is refused; try again",
				"akses tidak dapat dicatat di log audit sehingga ditolak; coba lagi").Err()
	}
	return nil
}

// pending is one Read waiting for its events to commit.
type pending struct {
	rows [][]any
	done chan error
}

// maxBatchRows bounds one commit; insertRows bounds one statement (10
// parameters a row, well under PostgreSQL's and SQLite's parameter limits).
const (
	maxBatchRows = 2000
	insertRows   = 500
	writeTimeout = 10 * time.Second
)

// writer commits queued events, batching whatever queued up meanwhile.
func (l *Log) writer() {
	for first := range l.queue {
		batch := []pending{first}
		n := len(first.rows)
	drain:
		for n < maxBatchRows {
			select {
			case p := <-l.queue:
				batch = append(batch, p)
				n += len(p.rows)
			default:
				break drain
			}
		}
		rows := make([][]any, 0, n)
		for _, p := range batch {
			rows = append(rows, p.rows...)
		}
		err := l.insert(rows)
		for _, p := range batch {
			p.done <- err
		}
	}
}

func (l *Log) insert(rows [][]any) error {
	// Not any one request's context: the batch holds many requests' events.
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	return l.db.InTx(ctx, func(tx *storage.Tx) error {
		for len(rows) > 0 {
			chunk := rows[:min(len(rows), insertRows)]
			rows = rows[len(chunk):]
			var sb strings.Builder
			sb.WriteString(`INSERT INTO audit_events
				(event_time, subject, actor, role, region, purpose, method, record, request_id, trace_id) VALUES `)
			args := make([]any, 0, len(chunk)*10)
			for i, r := range chunk {
				if i > 0 {
					sb.WriteString(", ")
				}
				n := len(args)
				fmt.Fprintf(&sb, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9, n+10)
				args = append(args, r...)
			}
			if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
				return err
			}
		}
		return nil
	})
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
	sql := `SELECT id, event_time, subject, actor, role, region, purpose, method, record, request_id, trace_id FROM audit_events`
	if q.Record == "" {
		// Without a record the search reads every shard under Citus; it
		// serves investigations ("what did this officer read"), which are rare.
		sql += ` /* dtsen:fanout audit search by subject, not record */`
	}
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
		if err := rows.Scan(&e.ID, &at, &e.Subject, &e.Actor, &e.Role, &e.Region, &e.Purpose, &e.Method, &e.Record, &e.RequestID, &e.TraceID); err != nil {
			return nil, err
		}
		e.Time = time.UnixMicro(at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
