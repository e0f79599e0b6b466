package e2e_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/dtsen-id/dtsen/gateway/internal/citizen"
	"github.com/dtsen-id/dtsen/gateway/internal/server"
	"github.com/dtsen-id/dtsen/services/platform/grpcserver"
	"github.com/dtsen-id/dtsen/services/platform/redisx/redistest"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/platform/telemetry"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
)

// installTelemetry makes an in-memory span exporter and a Prometheus
// endpoint the process's global providers, as telemetry.Setup does in
// production, with the W3C propagator. Everything built afterwards (the
// gRPC stats handlers, the pgx tracer, the Redis hooks, the gateway's
// otelhttp) reports to them. The test must not run in parallel: the
// globals are shared; they are reset when it ends.
func installTelemetry(t *testing.T) (*tracetest.InMemoryExporter, *telemetry.Metrics) {
	t.Helper()
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	metrics, err := telemetry.NewMetrics()
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(metrics.Reader()))
	prop := otel.GetTextMapPropagator()
	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	t.Cleanup(func() {
		otel.SetTracerProvider(tracenoop.NewTracerProvider())
		otel.SetMeterProvider(noop.NewMeterProvider())
		otel.SetTextMapPropagator(prop)
		_ = tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	return spans, metrics
}

// TestCitizenCheckTrace is the one-trace-per-request guarantee (issue 9,
// Observability): a citizen status check through the gateway is one trace,
// from the gateway's HTTP span through its gRPC client span into the
// registry's gRPC server span and on to the registry's PostgreSQL
// statements, with the status cache's Redis call beside them, and no span
// holds the citizen's NIK. The same request shows in the Prometheus
// metrics under the names docs/operations.md lists.
func TestCitizenCheckTrace(t *testing.T) {
	spans, metrics := installTelemetry(t)
	rdb, prefix := redistest.Real(t)
	reg := registrytest.Start(t, storagetest.PostgresURL(t), registrytest.Options{Redis: rdb, RedisPrefix: prefix})
	fams := registrytest.Seed(t, reg.Client, 3)

	// As cmd/gateway dials: grpcserver.Dial carries the otelgrpc client
	// stats handler.
	conn, err := grpcserver.Dial(context.Background(), reg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	h, err := server.New(server.Options{
		Registry: conn, Verifier: reg.Auth.Verifier, Logger: slog.New(slog.DiscardHandler), RateLimits: noRateLimits,
		Citizen: server.CitizenOptions{SessionKey: testSessionKey, Tokens: reg.Auth.ServiceTokens("gateway"),
			Actor: "dtsen-gateway", Redis: rdb, RedisPrefix: prefix + "gateway", FailureFloor: -1},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	fam := fams[1]
	nik := fam.GetHeadNik()
	spans.Reset()
	body, _ := json.Marshal(map[string]string{"nik": nik, "kkNumber": fam.GetKkNumber()})
	res, err := srv.Client().Post(srv.URL+citizen.CheckPath, "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("check: HTTP %d %s", res.StatusCode, b)
	}

	// Servers end their spans just after answering: wait for the chain.
	var chain traceChain
	deadline := time.Now().Add(10 * time.Second)
	for {
		chain = findChain(spans.GetSpans())
		if chain.complete() || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !chain.complete() {
		for _, s := range spans.GetSpans() {
			t.Logf("span %s %q kind %s trace %s parent %s", s.SpanContext.SpanID(), s.Name, s.SpanKind,
				s.SpanContext.TraceID(), s.Parent.SpanID())
		}
		t.Fatalf("incomplete chain: http %v, grpc client %v, grpc server %v, database %v, redis %v",
			chain.http != nil, chain.client != nil, chain.server != nil, chain.db != nil, chain.redis != nil)
	}
	t.Logf("trace %s: %q -> %q -> %q (%s) -> %q; redis %q", chain.http.SpanContext.TraceID(), chain.http.Name,
		chain.client.Name, chain.server.Name, chain.server.InstrumentationScope.Name, chain.db.Name, chain.redis.Name)

	for _, s := range spans.GetSpans() {
		if s.SpanContext.TraceID() != chain.http.SpanContext.TraceID() {
			continue
		}
		for _, text := range spanTexts(s) {
			if strings.Contains(text, nik) {
				t.Errorf("span %q holds the citizen's NIK: %s", s.Name, text)
			}
		}
	}

	t.Run("metrics", func(t *testing.T) {
		scrape := httptest.NewRecorder()
		metrics.Handler().ServeHTTP(scrape, httptest.NewRequest(http.MethodGet, telemetry.MetricsPath, nil))
		text := scrape.Body.String()
		for _, want := range []string{
			// otelhttp: per route and status code.
			`http_server_request_duration_seconds_count{`, `http_route="/v1/citizen:check"`, `http_response_status_code="200"`,
			// otelgrpc, client and server: per method and status code.
			`rpc_client_call_duration_seconds_count{`, `rpc_server_call_duration_seconds_count{`,
			`rpc_method="dtsen.registry.v1.RegistryService/GetPerson"`, `rpc_response_status_code="OK"`,
			// the pgx tracer and the Redis hooks.
			`db_client_operation_duration_seconds_count{`, `db_system_name="postgresql"`, `db_client_connections_use_time_milliseconds_count{db_system="redis"`,
			// DTSEN's own.
			`dtsen_cache_requests_total{cache="gateway_citizen_status"`,
			`dtsen_import_records_total{context="registry",`,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		if !strings.Contains(text, `db_operation_name="SELECT"`) {
			t.Error("/metrics lacks the statements by operation (db_operation_name)")
		}
		if strings.Contains(text, nik) || strings.Contains(text, fam.GetKkNumber()) {
			t.Error("a metric label holds the NIK or the KK number")
		}
		var names []string
		for _, line := range strings.Split(text, "\n") {
			if name, ok := strings.CutPrefix(line, "# TYPE "); ok && !strings.HasPrefix(name, "go_") && !strings.HasPrefix(name, "process_") {
				names = append(names, name)
			}
		}
		slices.Sort(names)
		t.Logf("metric families:\n%s", strings.Join(names, "\n"))
	})
}

// traceChain is the citizen check's expected spans.
type traceChain struct {
	http, client, server, db, redis *tracetest.SpanStub
}

func (c traceChain) complete() bool {
	return c.http != nil && c.client != nil && c.server != nil && c.db != nil && c.redis != nil
}

// findChain walks the recorded spans from the gateway's HTTP server span:
// its gRPC client span of GetPerson, the registry's server span under
// that, a PostgreSQL statement under the server span (at any depth), and
// a Redis command under the HTTP span.
func findChain(all tracetest.SpanStubs) traceChain {
	var c traceChain
	byID := map[trace.SpanID]*tracetest.SpanStub{}
	for i := range all {
		byID[all[i].SpanContext.SpanID()] = &all[i]
	}
	parentOf := func(s *tracetest.SpanStub) *tracetest.SpanStub {
		if !s.Parent.IsValid() {
			return nil
		}
		return byID[s.Parent.SpanID()]
	}
	under := func(s, ancestor *tracetest.SpanStub) bool {
		for p := parentOf(s); p != nil; p = parentOf(p) {
			if p == ancestor {
				return true
			}
		}
		return false
	}
	for i := range all {
		if s := &all[i]; s.SpanKind == trace.SpanKindServer && strings.HasPrefix(s.InstrumentationScope.Name, "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp") {
			c.http = s
		}
	}
	if c.http == nil {
		return c
	}
	const getPerson = "dtsen.registry.v1.RegistryService/GetPerson"
	for i := range all {
		s := &all[i]
		if s.SpanContext.TraceID() != c.http.SpanContext.TraceID() {
			continue
		}
		switch {
		case s.Name == getPerson && s.SpanKind == trace.SpanKindClient && parentOf(s) == c.http:
			c.client = s
		case strings.HasPrefix(s.InstrumentationScope.Name, "github.com/redis/go-redis/extra/redisotel") &&
			s.SpanKind == trace.SpanKindClient && parentOf(s) == c.http:
			c.redis = s
		}
	}
	if c.client == nil {
		return c
	}
	for i := range all {
		if s := &all[i]; s.Name == getPerson && s.SpanKind == trace.SpanKindServer && parentOf(s) == c.client {
			c.server = s
		}
	}
	if c.server == nil {
		return c
	}
	for i := range all {
		if s := &all[i]; strings.HasPrefix(s.Name, "query ") && strings.HasPrefix(s.InstrumentationScope.Name, "github.com/exaring/otelpgx") &&
			under(s, c.server) {
			c.db = s
			break
		}
	}
	return c
}

// spanTexts is everything a span says: its name, status, attributes and
// events.
func spanTexts(s tracetest.SpanStub) []string {
	out := []string{s.Name, s.Status.Description}
	for _, a := range s.Attributes {
		out = append(out, string(a.Key)+"="+a.Value.String())
	}
	for _, ev := range s.Events {
		out = append(out, ev.Name)
		for _, a := range ev.Attributes {
			out = append(out, string(a.Key)+"="+a.Value.String())
		}
	}
	return out
}
