package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

func decode(t *testing.T, buf *bytes.Buffer) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatalf("not JSON: %v: %s", err, buf.String())
	}
	return m
}

func spanContext(t *testing.T) (context.Context, trace.SpanContext) {
	t.Helper()
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})
	return trace.ContextWithSpanContext(context.Background(), sc), sc
}

func TestJSONWithServiceAndTraceIDs(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, "registry", slog.LevelInfo)
	ctx, sc := spanContext(t)
	log.InfoContext(ctx, "hello", "k", "v")
	m := decode(t, &buf)
	if m["service"] != "registry" || m["msg"] != "hello" || m["k"] != "v" {
		t.Fatalf("unexpected record: %v", m)
	}
	if m["trace_id"] != sc.TraceID().String() || m["span_id"] != sc.SpanID().String() {
		t.Fatalf("trace ids missing: %v", m)
	}
}

func TestTraceIDsSurviveWith(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, "registry", slog.LevelInfo).With("request_id", "r1")
	ctx, sc := spanContext(t)
	log.InfoContext(ctx, "x")
	m := decode(t, &buf)
	if m["trace_id"] != sc.TraceID().String() || m["request_id"] != "r1" {
		t.Fatalf("unexpected record: %v", m)
	}
}

func TestNoTraceIDsWithoutSpan(t *testing.T) {
	var buf bytes.Buffer
	New(&buf, "registry", slog.LevelInfo).InfoContext(context.Background(), "x")
	m := decode(t, &buf)
	if _, ok := m["trace_id"]; ok {
		t.Fatalf("trace_id present without span: %v", m)
	}
}

func TestLevelFilters(t *testing.T) {
	var buf bytes.Buffer
	New(&buf, "registry", slog.LevelWarn).InfoContext(context.Background(), "quiet")
	if buf.Len() != 0 {
		t.Fatalf("info logged at warn level: %s", buf.String())
	}
}

func TestContextLogger(t *testing.T) {
	if FromContext(context.Background()) != slog.Default() {
		t.Fatal("FromContext without logger should return slog.Default()")
	}
	var buf bytes.Buffer
	l := New(&buf, "registry", slog.LevelInfo).With("request_id", "abc")
	ctx := WithContext(context.Background(), l)
	FromContext(ctx).InfoContext(ctx, "x")
	if decode(t, &buf)["request_id"] != "abc" {
		t.Fatalf("request-scoped logger not returned: %s", buf.String())
	}
}

// TestLogInsideSpanCarriesItsIDs: a line written inside a span the
// OpenTelemetry SDK started (as otelgrpc and otelhttp start them) carries
// that span's trace_id and span_id, and a line in a child span the child's.
func TestLogInsideSpanCarriesItsIDs(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	ctx, parent := tp.Tracer("test").Start(context.Background(), "request")
	defer parent.End()
	cctx, child := tp.Tracer("test").Start(ctx, "query")
	defer child.End()

	for _, c := range []struct {
		ctx  context.Context
		span trace.Span
	}{{ctx, parent}, {cctx, child}} {
		var buf bytes.Buffer
		New(&buf, "registry", slog.LevelInfo).InfoContext(c.ctx, "inside a span")
		m := decode(t, &buf)
		sc := c.span.SpanContext()
		if !sc.IsValid() || m["trace_id"] != sc.TraceID().String() || m["span_id"] != sc.SpanID().String() {
			t.Errorf("line %v, want trace_id %s span_id %s", m, sc.TraceID(), sc.SpanID())
		}
	}
	if parent.SpanContext().TraceID() != child.SpanContext().TraceID() {
		t.Fatal("the child span is not in its parent's trace")
	}
}
