package redisx

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultProbeInterval is how long a component leaves Redis alone after a
// failure before letting one request try it again.
const DefaultProbeInterval = time.Second

// Health tracks whether Redis answers one component (the rate limiter, the
// idempotency store). It exists so that an outage is logged once, not once
// per request, and so that while Redis is down only one request per
// ProbeInterval pays a Redis timeout; the others go straight to the
// in-process fallback.
type Health struct {
	// ProbeInterval overrides DefaultProbeInterval; set it before first use.
	ProbeInterval time.Duration

	component string
	logger    *slog.Logger

	down      atomic.Bool // fast path: read on every request
	mu        sync.Mutex
	since     time.Time // start of the current outage
	nextProbe time.Time
}

// NewHealth returns a tracker that logs under the given component name.
func NewHealth(component string, logger *slog.Logger) *Health {
	if logger == nil {
		logger = slog.Default()
	}
	return &Health{component: component, logger: logger}
}

// Available reports whether the caller should try Redis now: always while it
// is up, and for one caller per ProbeInterval while it is down.
func (h *Health) Available() bool {
	if !h.down.Load() {
		return true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.down.Load() {
		return true
	}
	now := time.Now()
	if now.Before(h.nextProbe) {
		return false
	}
	h.nextProbe = now.Add(h.interval())
	return true
}

// Down reports whether the last Redis call failed.
func (h *Health) Down() bool { return h.down.Load() }

// Failed records a failed Redis call made on behalf of ctx and reports
// whether it counts as an outage. A call that failed because the caller gave
// up (client hung up, deadline passed) says nothing about Redis, nor does
// redis.Nil. The first failure of an outage is logged as a warning.
func (h *Health) Failed(ctx context.Context, err error) bool {
	if err == nil || errors.Is(err, redis.Nil) || ctx.Err() != nil {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	h.nextProbe = now.Add(h.interval())
	if h.down.Load() {
		return true
	}
	h.down.Store(true)
	h.since = now
	h.logger.WarnContext(ctx, "redis is failing; deciding in-process until it answers again",
		slog.String("component", h.component), slog.Any("error", err))
	return true
}

// Succeeded records a Redis call that answered; the first after an outage is
// logged at info level with the outage's length.
func (h *Health) Succeeded(ctx context.Context) {
	if !h.down.Load() {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.down.Load() {
		return
	}
	h.down.Store(false)
	h.logger.InfoContext(ctx, "redis is answering again",
		slog.String("component", h.component), slog.Duration("outage", time.Since(h.since)))
}

func (h *Health) interval() time.Duration {
	if h.ProbeInterval > 0 {
		return h.ProbeInterval
	}
	return DefaultProbeInterval
}
