package telemetry

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/dtsen-id/dtsen/services/platform/config"
)

func TestMetricsAddrEnv(t *testing.T) {
	for process, want := range map[string]string{"registry": "DTSEN_REGISTRY_METRICS_ADDR",
		"gateway": "DTSEN_GATEWAY_METRICS_ADDR", "service-usage": "DTSEN_SERVICE_USAGE_METRICS_ADDR"} {
		if got := MetricsAddrEnv(process); got != want {
			t.Errorf("MetricsAddrEnv(%q) = %q, want %q", process, got, want)
		}
	}
	cfg := config.New("registry")
	cfg.Lookup = func(name string) (string, bool) {
		if name == "DTSEN_REGISTRY_METRICS_ADDR" {
			return "127.0.0.1:9464", true
		}
		return "", false
	}
	addr := RegisterMetricsConfig(cfg, "registry")
	if err := cfg.Parse(nil); err != nil || *addr != "127.0.0.1:9464" {
		t.Fatalf("addr %q, err %v", *addr, err)
	}
}

func TestListenMetricsOff(t *testing.T) {
	m, err := ListenMetrics("", nil)
	if m != nil || err != nil {
		t.Fatalf("ListenMetrics(\"\") = %v, %v; want nil, nil", m, err)
	}
	if m.Addr() != "" || m.Close(context.Background()) != nil {
		t.Fatal("a nil Metrics must be inert")
	}
}

var testInstruments = Instruments[metric.Int64Counter]{New: func(m metric.Meter) metric.Int64Counter {
	return Must(m.Int64Counter("dtsen_test_things", metric.WithDescription("things")))
}}

// TestMetricsEndpoint: what the process's instruments record is served in
// the Prometheus text format on the listener, with the names the dashboards
// use: counters gain _total, and a unit already in the name is not repeated.
func TestMetricsEndpoint(t *testing.T) {
	ctx := context.Background()
	m, err := ListenMetrics("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(ctx)
	shutdown, err := Setup(ctx, "dtsen-demo", "1.0", WithMetrics(m), WithLookupEnv(noEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(ctx)
	if Process() != "demo" {
		t.Errorf("Process() = %q, want demo", Process())
	}

	testInstruments.Get().Add(ctx, 3, metric.WithAttributes(attribute.String("kind", "x")))
	gauge := Must(Meter().Float64ObservableGauge("dtsen_test_lag_seconds", metric.WithUnit("s")))
	reg, err := Meter().RegisterCallback(func(_ context.Context, o metric.Observer) error {
		o.ObserveFloat64(gauge, 1.5)
		return nil
	}, gauge)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()

	body := scrape(t, "http://"+m.Addr()+MetricsPath)
	for _, want := range []string{
		`dtsen_test_things_total{kind="x",otel_scope_name="github.com/dtsen-id/dtsen"`,
		`dtsen_test_lag_seconds{otel_scope_name="github.com/dtsen-id/dtsen"`,
		`target_info{service_name="dtsen-demo",service_version="1.0"`,
		"go_goroutines ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s:\n%s", want, body)
		}
	}
	if strings.Contains(body, "seconds_seconds") {
		t.Errorf("unit repeated in a name:\n%s", body)
	}
}

// TestInstrumentsFollowTheGlobalProvider: instruments move to a provider
// installed after their first use, so a test's provider sees them.
func TestInstrumentsFollowTheGlobalProvider(t *testing.T) {
	ctx := context.Background()
	first, second := sdkmetric.NewManualReader(), sdkmetric.NewManualReader()
	prev := otel.GetMeterProvider()
	defer otel.SetMeterProvider(prev)
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(first)))
	testInstruments.Get().Add(ctx, 1)
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(second)))
	testInstruments.Get().Add(ctx, 2)
	for i, r := range []*sdkmetric.ManualReader{first, second} {
		var rm metricdata.ResourceMetrics
		if err := r.Collect(ctx, &rm); err != nil {
			t.Fatal(err)
		}
		if got := sum(rm, "dtsen_test_things"); got != int64(i+1) {
			t.Errorf("provider %d counted %d, want %d", i+1, got, i+1)
		}
	}
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	res, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, res.StatusCode, err)
	}
	return string(b)
}

func sum(rm metricdata.ResourceMetrics, name string) int64 {
	var n int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if s, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == name {
				for _, p := range s.DataPoints {
					n += p.Value
				}
			}
		}
	}
	return n
}
