package telemetry

import (
	"context"
	"net"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
)

func noEnv(string) (string, bool) { return "", false }

func TestSetupInstallsProvidersWithResource(t *testing.T) {
	ctx := context.Background()
	rec := tracetest.NewSpanRecorder()
	reader := sdkmetric.NewManualReader()
	shutdown, err := Setup(ctx, "registry", "1.2.3",
		WithSpanProcessor(rec), WithMetricReader(reader), WithLookupEnv(noEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(ctx)

	_, span := otel.Tracer("test").Start(ctx, "op")
	if !span.SpanContext().IsValid() {
		t.Fatal("span has no real ids: log correlation would break")
	}
	span.End()
	ended := rec.Ended()
	if len(ended) != 1 {
		t.Fatalf("recorded %d spans", len(ended))
	}
	attrs := ended[0].Resource().Attributes()
	if !slices.Contains(attrs, attribute.String("service.name", "registry")) ||
		!slices.Contains(attrs, attribute.String("service.version", "1.2.3")) {
		t.Fatalf("resource lacks service attributes: %v", attrs)
	}

	counter, _ := otel.Meter("test").Int64Counter("requests")
	counter.Add(ctx, 3)
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	if len(rm.ScopeMetrics) == 0 || rm.ScopeMetrics[0].Metrics[0].Name != "requests" {
		t.Fatalf("metric not collected through global MeterProvider: %+v", rm)
	}
}

func TestSpansHaveIDsWithoutAnyExporter(t *testing.T) {
	ctx := context.Background()
	shutdown, err := Setup(ctx, "registry", "dev", WithLookupEnv(noEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(ctx)
	_, span := otel.Tracer("test").Start(ctx, "op")
	defer span.End()
	if !span.SpanContext().IsValid() {
		t.Fatal("no-exporter mode must still produce valid span ids")
	}
}

func TestPropagatorIsTraceContextAndBaggage(t *testing.T) {
	ctx := context.Background()
	shutdown, err := Setup(ctx, "registry", "dev", WithLookupEnv(noEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(ctx)
	fields := otel.GetTextMapPropagator().Fields()
	for _, want := range []string{"traceparent", "baggage"} {
		if !slices.Contains(fields, want) {
			t.Fatalf("propagator fields %v lack %q", fields, want)
		}
	}
	// Round trip: an outgoing carrier must hold the span's trace id.
	ctx, span := otel.Tracer("test").Start(ctx, "op")
	defer span.End()
	carrier := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(ctx, carrier)
	if carrier["traceparent"] == "" {
		t.Fatal("traceparent not injected")
	}
}

func TestShutdownFlushesSpans(t *testing.T) {
	ctx := context.Background()
	exp := &countingExporter{}
	// A batching processor holds spans until flushed; shutdown must flush.
	shutdown, err := Setup(ctx, "registry", "dev",
		WithSpanProcessor(sdktrace.NewBatchSpanProcessor(exp)), WithLookupEnv(noEnv))
	if err != nil {
		t.Fatal(err)
	}
	_, span := otel.Tracer("test").Start(ctx, "op")
	span.End()
	if err := shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if n := exp.count.Load(); n != 1 {
		t.Fatalf("shutdown flushed %d spans, want 1", n)
	}
}

// countingExporter keeps its count after Shutdown (tracetest's in-memory
// exporter clears itself on Shutdown, hiding what was flushed).
type countingExporter struct{ count atomic.Int64 }

func (e *countingExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.count.Add(int64(len(spans)))
	return nil
}
func (e *countingExporter) Shutdown(context.Context) error { return nil }

type fakeCollector struct {
	collectortrace.UnimplementedTraceServiceServer
	services chan string
}

func (c *fakeCollector) Export(_ context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	for _, rs := range req.GetResourceSpans() {
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.GetKey() == "service.name" {
				c.services <- kv.GetValue().GetStringValue()
			}
		}
	}
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

func TestOTLPEndpointExportsToCollector(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	collector := &fakeCollector{services: make(chan string, 16)}
	gs := grpc.NewServer()
	collectortrace.RegisterTraceServiceServer(gs, collector)
	go gs.Serve(lis)
	defer gs.Stop()

	t.Setenv(EndpointEnv, "http://"+lis.Addr().String())
	t.Setenv("OTEL_EXPORTER_OTLP_INSECURE", "true")
	ctx := context.Background()
	shutdown, err := Setup(ctx, "registry", "dev")
	if err != nil {
		t.Fatal(err)
	}
	_, span := otel.Tracer("test").Start(ctx, "op")
	span.End()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// Metrics have no collector service registered, so the metric export
	// error is expected; the trace flush is what is asserted.
	_ = shutdown(sctx)
	select {
	case got := <-collector.services:
		if got != "registry" {
			t.Fatalf("exported service.name = %q", got)
		}
	default:
		t.Fatal("shutdown did not flush spans to the OTLP endpoint")
	}
}
