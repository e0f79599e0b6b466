package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/exaring/otelpgx"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/dtsen-id/dtsen/services/platform/privacy"
)

// openPostgres opens PostgreSQL through pgx's database/sql driver with an
// OpenTelemetry tracer (otelpgx) on every connection. Each statement, prepare,
// COPY and connect made with a context inside a recording span becomes a
// client child span: "query SELECT", "prepare SELECT", "copy_from
// \"outbox_events\"", with db.query.text the SQL and its $n placeholders,
// never the values. Work outside any request (no span in its context) makes
// none. The tracer also records db.client.operation.duration. SQLite has no
// such hook and makes no database spans (doc.go).
//
// The tracer takes the global TracerProvider and MeterProvider as they are
// when the database is opened, so telemetry.Setup must run first (as
// service.Run does).
func openPostgres(url string, placements *atomic.Pointer[Tables]) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("storage: open postgres: %w", err)
	}
	cfg.Tracer = maskingTracer{t: otelpgx.NewTracer(otelpgx.WithQuerySpanNamePrefix(),
		otelpgx.WithMetricOperationName(otelpgx.SQLOperationName)), placements: placements}
	return stdlib.OpenDB(*cfg), nil
}

// StatementObserver sees the SQL of a statement sent to PostgreSQL, with the
// placement map of the database that ran it (nil before Migrate). A COPY is
// rendered as "COPY table (col, ...) FROM STDIN".
type StatementObserver func(tables *Tables, sql string)

var statementObserver atomic.Pointer[StatementObserver]

// ObserveStatements makes fn see every PostgreSQL statement of every
// database in the process until stop is called. Only tests call it: the
// Citus query lint (storage/citustest) collects the statements each
// service's tests run. Production never sets it, so the cost there is one
// atomic load per statement.
func ObserveStatements(fn StatementObserver) (stop func()) {
	statementObserver.Store(&fn)
	return func() { statementObserver.Store(nil) }
}

func (m maskingTracer) observe(sql string) {
	if fn := statementObserver.Load(); fn != nil {
		(*fn)(m.placements.Load(), sql)
	}
}

// maskingTracer hands otelpgx errors whose text has every NIK-like run of
// digits masked: span status and exception events carry the error text, and
// a PostgreSQL message may quote a value ("invalid input syntax for type
// bigint: ..."). errors.As still finds the *pgconn.PgError for the SQLSTATE.
type maskingTracer struct {
	t          *otelpgx.Tracer
	placements *atomic.Pointer[Tables]
}

type maskedError struct{ err error }

func (e maskedError) Error() string { return privacy.MaskText(e.err.Error()) }
func (e maskedError) Unwrap() error { return e.err }

func mask(err error) error {
	if err == nil {
		return nil
	}
	return maskedError{err}
}

var (
	_ pgx.QueryTracer    = maskingTracer{}
	_ pgx.BatchTracer    = maskingTracer{}
	_ pgx.CopyFromTracer = maskingTracer{}
	_ pgx.PrepareTracer  = maskingTracer{}
	_ pgx.ConnectTracer  = maskingTracer{}
)

func (m maskingTracer) TraceQueryStart(ctx context.Context, c *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	m.observe(d.SQL)
	return m.t.TraceQueryStart(ctx, c, d)
}

func (m maskingTracer) TraceQueryEnd(ctx context.Context, c *pgx.Conn, d pgx.TraceQueryEndData) {
	d.Err = mask(d.Err)
	m.t.TraceQueryEnd(ctx, c, d)
}

func (m maskingTracer) TraceBatchStart(ctx context.Context, c *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	return m.t.TraceBatchStart(ctx, c, d)
}

func (m maskingTracer) TraceBatchQuery(ctx context.Context, c *pgx.Conn, d pgx.TraceBatchQueryData) {
	m.observe(d.SQL)
	d.Err = mask(d.Err)
	m.t.TraceBatchQuery(ctx, c, d)
}

func (m maskingTracer) TraceBatchEnd(ctx context.Context, c *pgx.Conn, d pgx.TraceBatchEndData) {
	d.Err = mask(d.Err)
	m.t.TraceBatchEnd(ctx, c, d)
}

func (m maskingTracer) TraceCopyFromStart(ctx context.Context, c *pgx.Conn, d pgx.TraceCopyFromStartData) context.Context {
	if statementObserver.Load() != nil {
		m.observe("COPY " + d.TableName.Sanitize() + " (" + strings.Join(d.ColumnNames, ", ") + ") FROM STDIN")
	}
	return m.t.TraceCopyFromStart(ctx, c, d)
}

func (m maskingTracer) TraceCopyFromEnd(ctx context.Context, c *pgx.Conn, d pgx.TraceCopyFromEndData) {
	d.Err = mask(d.Err)
	m.t.TraceCopyFromEnd(ctx, c, d)
}

func (m maskingTracer) TracePrepareStart(ctx context.Context, c *pgx.Conn, d pgx.TracePrepareStartData) context.Context {
	return m.t.TracePrepareStart(ctx, c, d)
}

func (m maskingTracer) TracePrepareEnd(ctx context.Context, c *pgx.Conn, d pgx.TracePrepareEndData) {
	d.Err = mask(d.Err)
	m.t.TracePrepareEnd(ctx, c, d)
}

func (m maskingTracer) TraceConnectStart(ctx context.Context, d pgx.TraceConnectStartData) context.Context {
	return m.t.TraceConnectStart(ctx, d)
}

func (m maskingTracer) TraceConnectEnd(ctx context.Context, d pgx.TraceConnectEndData) {
	d.Err = mask(d.Err)
	m.t.TraceConnectEnd(ctx, d)
}
