package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/dtsen-id/dtsen/services/platform/config"
)

// MetricsPath is where the Prometheus listener serves.
const MetricsPath = "/metrics"

// MetricsAddrEnv names a process's metrics listen address variable:
// DTSEN_REGISTRY_METRICS_ADDR, DTSEN_GATEWAY_METRICS_ADDR, ...
func MetricsAddrEnv(process string) string {
	return "DTSEN_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(process)) + "_METRICS_ADDR"
}

// RegisterMetricsConfig declares DTSEN_<PROCESS>_METRICS_ADDR on s; the
// returned string is filled in by s.Parse. Empty (the default) serves no
// metrics.
func RegisterMetricsConfig(s *config.Set, process string) *string {
	return s.String(MetricsAddrEnv(process), "",
		`Prometheus listen address (host:port) serving `+MetricsPath+`, e.g. ":9090"; "" serves no metrics`)
}

// Metrics is a process's Prometheus endpoint: an OpenTelemetry reader (pass
// it to Setup with WithMetrics) and the HTTP listener Prometheus scrapes.
// Every instrument of the process's MeterProvider appears there: otelgrpc's
// and otelhttp's request metrics, the database and Redis client metrics, and
// DTSEN's own dtsen_* metrics (docs/operations.md).
type Metrics struct {
	exporter *otelprom.Exporter
	handler  http.Handler
	srv      *http.Server
	lis      net.Listener
	closed   sync.Once
}

// NewMetrics builds the exporter and its /metrics handler without listening
// (tests mount the handler themselves). The registry is the process's own,
// with the Go runtime and process collectors beside OpenTelemetry's.
func NewMetrics() (*Metrics, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, fmt.Errorf("telemetry: prometheus exporter: %w", err)
	}
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
	return &Metrics{exporter: exp, handler: h}, nil
}

// ListenMetrics serves NewMetrics' handler on addr at MetricsPath, at once,
// so a port already taken fails the start. An empty addr returns nil: no
// metrics, and WithMetrics(nil) and (*Metrics)(nil).Close are no-ops.
func ListenMetrics(addr string, logger *slog.Logger) (*Metrics, error) {
	if addr == "" {
		return nil, nil
	}
	if logger == nil {
		logger = slog.Default()
	}
	m, err := NewMetrics()
	if err != nil {
		return nil, err
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("telemetry: metrics listener %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+MetricsPath, m.handler)
	m.lis = lis
	m.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go func() {
		if err := m.srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics listener stopped", slog.String("error", err.Error()))
		}
	}()
	logger.Info("metrics listening", slog.String("addr", lis.Addr().String()), slog.String("path", MetricsPath))
	return m, nil
}

// Reader is the OpenTelemetry reader behind the endpoint.
func (m *Metrics) Reader() sdkmetric.Reader { return m.exporter }

// Handler serves the Prometheus text format.
func (m *Metrics) Handler() http.Handler { return m.handler }

// Addr is the bound listen address ("" without a listener).
func (m *Metrics) Addr() string {
	if m == nil || m.lis == nil {
		return ""
	}
	return m.lis.Addr().String()
}

// Close stops the listener. It is safe on nil and more than once.
func (m *Metrics) Close(ctx context.Context) error {
	if m == nil || m.srv == nil {
		return nil
	}
	var err error
	m.closed.Do(func() { err = m.srv.Shutdown(ctx) })
	return err
}

// WithMetrics exports the process's metrics to m (nil: none).
func WithMetrics(m *Metrics) Option {
	return func(o *options) {
		if m != nil {
			o.metricReaders = append(o.metricReaders, m.Reader())
		}
	}
}

// ScopeName is the instrumentation scope of DTSEN's own instruments.
const ScopeName = "github.com/dtsen-id/dtsen"

// Meter is the meter DTSEN's own instruments come from, on the current
// global MeterProvider.
func Meter() metric.Meter { return otel.GetMeterProvider().Meter(ScopeName) }

// Instruments holds instruments built by New from the global MeterProvider,
// and builds them again when that provider changes. Instruments made once,
// at start-up, would stay bound to whichever provider was global then
// (nothing, in a test that installs its own later); this keeps hot paths to
// one atomic load. Providers are compared with ==, which every OpenTelemetry
// provider supports (pointers, or the no-op's empty struct). The zero value
// is not usable: set New.
type Instruments[T any] struct {
	New func(m metric.Meter) T
	cur atomic.Pointer[bound[T]]
	mu  sync.Mutex
}

type bound[T any] struct {
	mp metric.MeterProvider
	v  T
}

// Get returns the instruments of the current global MeterProvider.
func (in *Instruments[T]) Get() T {
	mp := otel.GetMeterProvider()
	if b := in.cur.Load(); b != nil && b.mp == mp {
		return b.v
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if b := in.cur.Load(); b != nil && b.mp == mp {
		return b.v
	}
	b := &bound[T]{mp: mp, v: in.New(mp.Meter(ScopeName))}
	in.cur.Store(b)
	return b.v
}

// Must reports an instrument-creation error to OpenTelemetry's error
// handler and returns the instrument anyway: the SDK hands back a working
// no-op one, and a metric must never stop a service.
func Must[I any](i I, err error) I {
	if err != nil {
		otel.Handle(err)
	}
	return i
}

var process atomic.Value // string

// Process is the name of this process as DTSEN's own metric labels carry it
// (the consumer of a change feed, say): the service name Setup was given,
// without the "dtsen-" prefix, e.g. "scoring"; "" before Setup.
func Process() string {
	s, _ := process.Load().(string)
	return s
}

func setProcess(service string) { process.Store(strings.TrimPrefix(service, "dtsen-")) }
