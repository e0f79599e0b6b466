// Package redisx opens the optional Redis client shared by the gateway's
// abuse controls (rate limits, idempotency keys) and tracks whether it is
// answering.
//
// Redis is optional (DESIGN.md §3): with no URL every user of this package
// falls back to in-process state, and a Redis that is configured but down
// degrades the same way instead of failing requests. Hence Open never fails
// on an unreachable server, the client's timeouts are short so a dead Redis
// costs little per request, and Health lets callers skip Redis entirely for a
// moment after it failed.
package redisx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	neturl "net/url"
	"sync"
	"time"

	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"

	"github.com/dtsen-id/dtsen/services/platform/config"
)

// EnvURL names the variable that configures Redis.
const EnvURL = "DTSEN_REDIS_URL"

// Timeouts applied when the URL does not set its own (dial_timeout,
// read_timeout, ... query parameters). Every Redis call sits on a request's
// critical path, and the fallback is always an in-process decision, so
// waiting longer than a few hundred milliseconds for Redis is never worth it.
const (
	DefaultDialTimeout = 300 * time.Millisecond
	DefaultIOTimeout   = 300 * time.Millisecond
)

// RegisterConfig declares DTSEN_REDIS_URL on s. The returned string is filled
// in by s.Parse; "" means no Redis.
func RegisterConfig(s *config.Set) *string {
	return s.String(EnvURL, "",
		`Redis for shared rate limits and idempotency keys, e.g. redis://127.0.0.1:6379/0 ("" = in-process only)`)
}

// Open returns a client for url, or nil when url is "" (no Redis). A malformed
// URL is an error; an unreachable server is not: it is logged and the client
// is returned, since Redis may come back and callers fall back meanwhile.
// The client is traced with OpenTelemetry, without command arguments: those
// carry idempotency keys and stored response bodies, which may hold personal
// data that must not reach traces (DESIGN.md §6).
func Open(ctx context.Context, url string, logger *slog.Logger) (*redis.Client, error) {
	if url == "" {
		return nil, nil
	}
	if logger == nil {
		logger = slog.Default()
	}
	routeDriverLogs(logger)
	opts, err := redis.ParseURL(url)
	if err != nil {
		// The URL may hold a password, and net/url's errors quote it whole.
		var uerr *neturl.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("redisx: %s is not a valid Redis URL: %w", EnvURL, err)
	}
	applyDefaults(opts)
	rdb := redis.NewClient(opts)
	if err := redisotel.InstrumentTracing(rdb,
		redisotel.WithDBStatement(false), redisotel.WithCallerEnabled(false)); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("redisx: tracing: %w", err)
	}
	if err := redisotel.InstrumentMetrics(rdb); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("redisx: metrics: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, opts.DialTimeout+opts.ReadTimeout)
	defer cancel()
	if err := rdb.Ping(pingCtx).Err(); err != nil {
		logger.WarnContext(ctx, "redis is not reachable; using in-process rate limits and idempotency keys until it answers",
			slog.String("addr", opts.Addr), slog.Any("error", err))
	}
	return rdb, nil
}

func applyDefaults(o *redis.Options) {
	if o.DialTimeout == 0 {
		o.DialTimeout = DefaultDialTimeout
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = DefaultIOTimeout
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = DefaultIOTimeout
	}
	if o.PoolTimeout == 0 {
		// go-redis defaults to ReadTimeout+1s; a request queueing a second
		// for a pooled connection is worse than deciding in-process.
		o.PoolTimeout = o.ReadTimeout
	}
	if o.DialerRetries == 0 {
		// The default (5 attempts, 100 ms apart) would make every call to a
		// dead server cost half a second before the caller can fall back.
		o.DialerRetries = 1
	}
	if o.MaxRetries == 0 {
		// One retry absorbs pooled connections that went stale when Redis
		// restarted; more only delays the fallback.
		o.MaxRetries = 1
	}
	o.ContextTimeoutEnabled = true
}

// go-redis prints its own connection-pool complaints with the standard
// logger, as plain text on stderr: they would break the JSON log stream and
// repeat every dial failure. They go to slog at debug level instead; outages
// are reported once by Health.
var setLoggerOnce sync.Once

type slogPrintf struct{ logger *slog.Logger }

func (s slogPrintf) Printf(ctx context.Context, format string, v ...any) {
	s.logger.DebugContext(ctx, "go-redis: "+fmt.Sprintf(format, v...))
}

func routeDriverLogs(logger *slog.Logger) {
	setLoggerOnce.Do(func() { redis.SetLogger(slogPrintf{logger}) })
}
