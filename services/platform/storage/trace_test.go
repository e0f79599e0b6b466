package storage_test

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
)

// TestPostgresSpans: on PostgreSQL a statement run inside a span is its
// child span, with the SQL text but not the values, and an error's text
// has a NIK masked; a statement outside any span makes none.
func TestPostgresSpans(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() {
		if _, sdk := prev.(*sdktrace.TracerProvider); sdk {
			otel.SetTracerProvider(prev)
		} else {
			otel.SetTracerProvider(noop.NewTracerProvider())
		}
		_ = tp.Shutdown(context.Background())
	})
	ctx := context.Background()
	db, err := storage.Open(ctx, storagetest.PostgresURL(t)) // the tracer binds to the provider now
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const nik = "3204121505900001"
	if _, err := db.SQL().ExecContext(ctx, "CREATE TABLE people (nik TEXT PRIMARY KEY, n BIGINT)"); err != nil {
		t.Fatal(err)
	}
	exp.Reset()

	rctx, request := tp.Tracer("test").Start(ctx, "request")
	err = db.InTx(rctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(rctx, "INSERT INTO people (nik, n) VALUES ($1, $2)", nik, 1)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	err = db.QueryRowContext(rctx, "SELECT n FROM people WHERE $1::date IS NOT NULL", nik).Scan(&n)
	if err == nil {
		t.Fatal("a malformed date was accepted")
	}
	request.End()
	if _, err := db.QueryContext(ctx, "SELECT nik FROM people"); err != nil { // no span around it
		t.Fatal(err)
	}

	var statements []string
	failed := false
	byID := map[trace.SpanID]tracetest.SpanStub{}
	for _, s := range exp.GetSpans() {
		byID[s.SpanContext.SpanID()] = s
	}
	for _, s := range exp.GetSpans() {
		if s.Name == "request" {
			continue
		}
		// A statement's span is the request's child; pgx's implicit
		// prepare of a new statement is the statement's.
		parent := request.SpanContext().SpanID()
		if strings.HasPrefix(s.Name, "prepare ") {
			parent = byID[s.Parent.SpanID()].SpanContext.SpanID()
			if !strings.HasPrefix(byID[s.Parent.SpanID()].Name, "query ") {
				t.Errorf("span %q is not a statement's child", s.Name)
			}
		}
		if s.Parent.SpanID() != parent || s.SpanKind != trace.SpanKindClient || s.SpanContext.TraceID() != request.SpanContext().TraceID() {
			t.Errorf("span %q: parent %s kind %s, want a client child of the request", s.Name, s.Parent.SpanID(), s.SpanKind)
		}
		for _, a := range s.Attributes {
			if strings.Contains(a.Value.String(), nik) {
				t.Errorf("span %q attribute %s holds the NIK: %s", s.Name, a.Key, a.Value.String())
			}
			if a.Key == "db.query.text" {
				statements = append(statements, a.Value.AsString())
			}
		}
		if strings.Contains(s.Status.Description, nik) {
			t.Errorf("span %q status holds the NIK: %s", s.Name, s.Status.Description)
		}
		for _, ev := range s.Events {
			for _, a := range ev.Attributes {
				if strings.Contains(a.Value.String(), nik) {
					t.Errorf("span %q event %s holds the NIK: %s", s.Name, ev.Name, a.Value.String())
				}
			}
		}
		failed = failed || s.Status.Description != ""
	}
	joined := strings.Join(statements, "\n")
	for _, want := range []string{"BEGIN", "INSERT INTO people (nik, n) VALUES ($1, $2)", "COMMIT", "SELECT n FROM people WHERE $1::date IS NOT NULL"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no span for %q; statements:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "SELECT nik FROM people") {
		t.Error("a statement outside any span was traced")
	}
	if !failed {
		t.Error("the failed statement's span has no error status")
	}
}
