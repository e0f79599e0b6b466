// Package telemetrytest lets a test read the metrics DTSEN's instruments
// record. It installs a fresh global MeterProvider, which the instruments
// (telemetry.Instruments) move to at their next use, so a test calling it
// must not run in parallel with another that does.
package telemetrytest

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Reader collects the global MeterProvider installed by Metrics.
type Reader struct {
	reader *sdkmetric.ManualReader
}

// Metrics installs a MeterProvider for the rest of the test and returns its
// reader. The previous provider is restored (a no-op one in its place if it
// was OpenTelemetry's default) when the test ends.
func Metrics(t testing.TB) *Reader {
	t.Helper()
	prev := otel.GetMeterProvider()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	otel.SetMeterProvider(mp)
	t.Cleanup(func() {
		if _, sdk := prev.(*sdkmetric.MeterProvider); sdk {
			otel.SetMeterProvider(prev)
		} else {
			otel.SetMeterProvider(noop.NewMeterProvider())
		}
		_ = mp.Shutdown(context.Background())
	})
	return &Reader{reader: reader}
}

// Collect reads every metric now, running the observable gauges' callbacks.
func (r *Reader) Collect(t testing.TB) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("telemetrytest: collect: %v", err)
	}
	return rm
}

// Point is one data point of a metric.
type Point struct {
	Attrs attribute.Set
	Value float64
}

// Points returns the data points of the named counter or gauge.
func (r *Reader) Points(t testing.TB, name string) []Point {
	t.Helper()
	var out []Point
	for _, sm := range r.Collect(t).ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					out = append(out, Point{p.Attributes, float64(p.Value)})
				}
			case metricdata.Sum[float64]:
				for _, p := range d.DataPoints {
					out = append(out, Point{p.Attributes, p.Value})
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					out = append(out, Point{p.Attributes, float64(p.Value)})
				}
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					out = append(out, Point{p.Attributes, p.Value})
				}
			default:
				t.Fatalf("telemetrytest: %s is a %T", name, m.Data)
			}
		}
	}
	return out
}

// Value returns the value of the named metric's point whose attributes
// include every one of attrs, and whether there is one.
func (r *Reader) Value(t testing.TB, name string, attrs ...attribute.KeyValue) (float64, bool) {
	t.Helper()
	for _, p := range r.Points(t, name) {
		if has(p.Attrs, attrs) {
			return p.Value, true
		}
	}
	return 0, false
}

func has(set attribute.Set, attrs []attribute.KeyValue) bool {
	for _, a := range attrs {
		if v, ok := set.Value(a.Key); !ok || v != a.Value {
			return false
		}
	}
	return true
}
