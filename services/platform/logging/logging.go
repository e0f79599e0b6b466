// Package logging builds the structured JSON logger every service uses.
//
// Log lines carry the OpenTelemetry trace and span ids of the context they are
// written with, so a log line can be found from a trace and vice versa
// (DESIGN.md §3, Observability). That only works through the *Context
// methods (InfoContext, ErrorContext, ...), which is why request code should
// always use them.
package logging

import (
	"context"
	"io"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// New returns a JSON logger tagged with the service name whose records gain
// trace_id and span_id when the context holds a valid span.
func New(w io.Writer, service string, level slog.Level) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})
	return slog.New(WithTraceIDs(h)).With(slog.String("service", service))
}

// WithTraceIDs wraps h so each record written with a span-bearing context
// gets trace_id and span_id attributes. Exposed for callers that need a
// different base handler (e.g. text output in a CLI).
func WithTraceIDs(h slog.Handler) slog.Handler {
	return traceHandler{next: h}
}

type traceHandler struct{ next slog.Handler }

func (h traceHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r = r.Clone()
		r.AddAttrs(
			slog.String("trace_id", sc.TraceID().String()),
			slog.String("span_id", sc.SpanID().String()),
		)
	}
	return h.next.Handle(ctx, r)
}

func (h traceHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return traceHandler{next: h.next.WithAttrs(as)}
}

// Note: after WithGroup the trace ids land inside that group, because slog
// adds record attributes to the innermost open group. Services should not
// open groups on request loggers for that reason.
func (h traceHandler) WithGroup(name string) slog.Handler {
	return traceHandler{next: h.next.WithGroup(name)}
}

type ctxKey struct{}

// WithContext returns ctx carrying logger, so request-scoped fields such as
// request_id travel with the call into application code.
func WithContext(ctx context.Context, logger *slog.Logger) context.Context {
	return context.WithValue(ctx, ctxKey{}, logger)
}

// FromContext returns the logger stored by WithContext, or slog.Default()
// so callers never need a nil check.
func FromContext(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(ctxKey{}).(*slog.Logger); ok && l != nil {
		return l
	}
	return slog.Default()
}
