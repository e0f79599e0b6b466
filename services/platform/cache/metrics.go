package cache

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/dtsen-id/dtsen/services/platform/telemetry"
)

// Result label values of dtsen_cache_requests_total.
const (
	ResultHit  = "hit"
	ResultMiss = "miss"
)

var requests = telemetry.Instruments[metric.Int64Counter]{New: func(m metric.Meter) metric.Int64Counter {
	return telemetry.Must(m.Int64Counter("dtsen_cache_requests",
		metric.WithDescription("Cache lookups by cache and result (hit, miss); the hit ratio is hit / (hit + miss)")))
}}

var (
	hitAttr  = attribute.String("result", ResultHit)
	missAttr = attribute.String("result", ResultMiss)
)

// Count records one lookup of the named cache in dtsen_cache_requests_total.
// Every DTSEN cache counts through it, this package's and the gateway's
// citizen status cache, so the hit ratio of all of them is one query.
func Count(ctx context.Context, cache string, hit bool) {
	result := missAttr
	if hit {
		result = hitAttr
	}
	requests.Get().Add(ctx, 1, metric.WithAttributes(attribute.String("cache", cache), result))
}
