// Package telemetry installs the process-wide OpenTelemetry providers.
//
// Tracing is always on with the SDK, even when nothing exports: the SDK still
// mints real trace and span ids, and the logging package copies them into
// every log line, so logs correlate across services in every deployment,
// collector or not (DESIGN.md §3, Observability).
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"os"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// EndpointEnv is the standard OTel variable; when set, spans and metrics are
// exported over OTLP/gRPC. The exporters read the other standard
// OTEL_EXPORTER_OTLP_* variables (insecure, headers, timeouts) themselves.
const EndpointEnv = "OTEL_EXPORTER_OTLP_ENDPOINT"

// Option adjusts Setup; used by tests to observe spans and metrics.
type Option func(*options)

type options struct {
	spanProcessors []sdktrace.SpanProcessor
	metricReaders  []sdkmetric.Reader
	lookupEnv      func(string) (string, bool)
}

// WithSpanProcessor adds a span processor (e.g. tracetest.NewSpanRecorder()).
func WithSpanProcessor(p sdktrace.SpanProcessor) Option {
	return func(o *options) { o.spanProcessors = append(o.spanProcessors, p) }
}

// WithMetricReader adds a metric reader (e.g. sdkmetric.NewManualReader()).
func WithMetricReader(r sdkmetric.Reader) Option {
	return func(o *options) { o.metricReaders = append(o.metricReaders, r) }
}

// WithLookupEnv replaces os.LookupEnv for deciding whether to export.
func WithLookupEnv(fn func(string) (string, bool)) Option {
	return func(o *options) { o.lookupEnv = fn }
}

// Setup sets the global TracerProvider, MeterProvider and the W3C
// TraceContext+Baggage propagator. Metrics go to the readers given
// (WithMetrics: the Prometheus endpoint) and, with OTEL_EXPORTER_OTLP_ENDPOINT
// set, to the collector. The returned shutdown flushes and stops
// both providers; call it with a bounded context on the way out.
func Setup(ctx context.Context, service, version string, opts ...Option) (shutdown func(context.Context) error, err error) {
	o := options{lookupEnv: os.LookupEnv}
	for _, opt := range opts {
		opt(&o)
	}
	setProcess(service)

	// Service attributes first, then the environment, so an operator's
	// OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES wins.
	res, err := resource.New(ctx,
		resource.WithAttributes(
			attribute.String("service.name", service),
			attribute.String("service.version", version),
		),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(),
	)
	if err != nil && res == nil {
		return nil, fmt.Errorf("telemetry: resource: %w", err)
	}

	tpOpts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	mpOpts := []sdkmetric.Option{sdkmetric.WithResource(res)}
	for _, p := range o.spanProcessors {
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(p))
	}
	for _, r := range o.metricReaders {
		mpOpts = append(mpOpts, sdkmetric.WithReader(r))
	}

	if endpoint, ok := o.lookupEnv(EndpointEnv); ok && endpoint != "" {
		// Exporters dial lazily, so an absent collector does not stop the
		// service from starting; spans are dropped until it appears.
		traceExp, err := otlptracegrpc.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("telemetry: OTLP trace exporter: %w", err)
		}
		metricExp, err := otlpmetricgrpc.New(ctx)
		if err != nil {
			_ = traceExp.Shutdown(ctx)
			return nil, fmt.Errorf("telemetry: OTLP metric exporter: %w", err)
		}
		tpOpts = append(tpOpts, sdktrace.WithBatcher(traceExp))
		mpOpts = append(mpOpts, sdkmetric.WithReader(sdkmetric.NewPeriodicReader(metricExp)))
	}

	tp := sdktrace.NewTracerProvider(tpOpts...)
	mp := sdkmetric.NewMeterProvider(mpOpts...)
	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(
		propagation.TraceContext{}, propagation.Baggage{},
	))

	return func(ctx context.Context) error {
		return errors.Join(tp.Shutdown(ctx), mp.Shutdown(ctx))
	}, nil
}
