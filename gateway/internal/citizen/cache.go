package citizen

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dtsen-id/dtsen/services/platform/cache"
	"github.com/dtsen-id/dtsen/services/platform/redisx"
)

// DefaultCacheTTL is how long an assembled status is served from the cache.
const DefaultCacheTTL = time.Minute

// maxLocalEntries bounds the in-process cache (a status is a few kilobytes).
const maxLocalEntries = 10_000

// statusCache keeps assembled statuses per pseudonym for a short time, in
// Redis shared by the replicas when there is one and it answers, in process
// otherwise (ADR 0009: peak days read Redis, not five services). It holds
// data, never a decision: the factor is checked against the entry's digests
// on every request, and a wrong factor is not answered from it.
type statusCache struct {
	rdb    *redis.Client
	prefix string
	ttl    time.Duration
	health *redisx.Health

	mu    sync.Mutex
	local map[string]localEntry
}

type localEntry struct {
	value   []byte
	expires time.Time
}

func newStatusCache(rdb *redis.Client, prefix string, ttl time.Duration, logger *slog.Logger) *statusCache {
	if ttl <= 0 {
		ttl = DefaultCacheTTL
	}
	return &statusCache{rdb: rdb, prefix: prefix + "citizen:status:", ttl: ttl,
		health: redisx.NewHealth("citizen-status-cache", logger), local: map[string]localEntry{}}
}

// CacheMetricName labels the status cache's dtsen_cache_requests_total.
const CacheMetricName = "gateway_citizen_status"

func (c *statusCache) get(ctx context.Context, subject string) ([]byte, bool) {
	b, ok := c.lookup(ctx, subject)
	cache.Count(ctx, CacheMetricName, ok)
	return b, ok
}

func (c *statusCache) lookup(ctx context.Context, subject string) ([]byte, bool) {
	if c.rdb != nil && c.health.Available() {
		b, err := c.rdb.Get(ctx, c.prefix+subject).Bytes()
		switch {
		case err == nil:
			c.health.Succeeded(ctx)
			return b, true
		case errors.Is(err, redis.Nil):
			c.health.Succeeded(ctx)
			return nil, false
		}
		c.health.Failed(ctx, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.local[subject]
	if !ok || !time.Now().Before(e.expires) {
		return nil, false
	}
	return e.value, true
}

func (c *statusCache) put(ctx context.Context, subject string, value []byte) {
	if c.rdb != nil && c.health.Available() {
		err := c.rdb.Set(ctx, c.prefix+subject, value, c.ttl).Err()
		if err == nil {
			c.health.Succeeded(ctx)
			return
		}
		c.health.Failed(ctx, err)
	}
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.local) >= maxLocalEntries {
		for k, e := range c.local {
			if !now.Before(e.expires) {
				delete(c.local, k)
			}
		}
		// Still full: drop an eighth, which only costs those citizens a
		// trip to the services.
		for k := range c.local {
			if len(c.local) < maxLocalEntries*7/8 {
				break
			}
			delete(c.local, k)
		}
	}
	c.local[subject] = localEntry{value: value, expires: now.Add(c.ttl)}
}
