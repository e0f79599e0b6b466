// Package cache is the read-through cache in front of the data citizens check
// on announcement days, when the real cekbansos site buckles. It is shared
// through Redis when configured, in-process otherwise, and it is invalidated
// by the owning service's change feed.
//
// Correctness never depends on it: every value lives under a generation that
// an invalidation replaces, so a value loaded before a change can never be
// served after the change's invalidation, even when the load finishes last;
// and an epoch shared by all replicas is bumped whenever a replica starts or
// finds Redis again after an outage, because invalidations it could not send
// meanwhile would otherwise leave stale values reachable.
package cache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dtsen-id/dtsen/services/platform/redisx"
)

// genMargin outlives any load: a value loaded under an old generation and
// written after an invalidation expires before the generation key can, so a
// vanished generation key never resurrects it.
const genMargin = time.Minute

// Cache is a read-through cache of byte values.
type Cache struct {
	rdb    *redis.Client
	prefix string
	ttl    time.Duration
	logger *slog.Logger

	local *local
	// following is set while FollowOutbox invalidates; until then nothing
	// is cached, since nothing would be invalidated.
	following atomic.Bool
	// health logs an outage once and lets one request per second probe
	// Redis meanwhile; while it is down the next success bumps the epoch.
	health   *redisx.Health
	hookOnce sync.Once
	epochMu  sync.Mutex
	hits     atomic.Int64
	misses   atomic.Int64
	// name labels dtsen_cache_requests_total (Named; default the prefix).
	name string
}

// New returns a cache whose entries live for ttl. A nil rdb caches
// in-process only (one instance, as in `make run`). prefix separates the
// services sharing one Redis.
func New(rdb *redis.Client, prefix string, ttl time.Duration, logger *slog.Logger) *Cache {
	if logger == nil {
		logger = slog.Default()
	}
	return &Cache{rdb: rdb, prefix: prefix + ":cache:", ttl: ttl, logger: logger, local: newLocal(100_000),
		health: redisx.NewHealth("cache", logger), name: prefix}
}

// Named sets the cache label of its dtsen_cache_requests_total series (e.g.
// "registry_family"); without it the label is the prefix given to New. Call
// it before the cache is used.
func (c *Cache) Named(name string) *Cache {
	c.name = name
	return c
}

// Stats are the hits and misses so far (dtsen_cache_requests_total counts
// the same lookups).
func (c *Cache) Stats() (hits, misses int64) { return c.hits.Load(), c.misses.Load() }

func (c *Cache) hit(ctx context.Context) {
	c.hits.Add(1)
	Count(ctx, c.name, true)
}

func (c *Cache) miss(ctx context.Context) {
	c.misses.Add(1)
	Count(ctx, c.name, false)
}

// Get returns key's value, loading and storing it on a miss. A load error is
// returned as is and nothing is stored.
func (c *Cache) Get(ctx context.Context, key string, load func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	if !c.following.Load() {
		c.miss(ctx)
		return load(ctx)
	}
	if c.rdb == nil || !c.recover(ctx) {
		return c.getLocal(ctx, key, load)
	}
	vals, err := c.rdb.MGet(ctx, c.prefix+"epoch", c.prefix+"gen:"+key).Result()
	if err != nil {
		c.fail(ctx, err)
		return c.getLocal(ctx, key, load)
	}
	valKey := c.prefix + "val:" + str(vals[0]) + ":" + key + ":" + str(vals[1])
	b, err := c.rdb.Get(ctx, valKey).Bytes()
	switch {
	case err == nil:
		c.hit(ctx)
		return b, nil
	case !errors.Is(err, redis.Nil):
		c.fail(ctx, err)
		return c.getLocal(ctx, key, load)
	}
	c.miss(ctx)
	b, err = load(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.rdb.Set(ctx, valKey, b, c.ttl).Err(); err != nil {
		c.fail(ctx, err)
	}
	return b, nil
}

// Flush makes every cached value unreachable, in this replica and (through
// the shared epoch) in all of them.
func (c *Cache) Flush(ctx context.Context) {
	c.local.flush()
	if c.rdb == nil {
		return
	}
	if err := c.rdb.Incr(ctx, c.prefix+"epoch").Err(); err != nil {
		c.fail(ctx, err) // recover bumps it before Redis serves again
	}
}

// Invalidate makes the current values of keys unreachable, everywhere.
func (c *Cache) Invalidate(ctx context.Context, keys ...string) {
	c.local.invalidate(keys)
	if c.rdb == nil || len(keys) == 0 {
		return
	}
	pipe := c.rdb.Pipeline()
	for _, k := range keys {
		pipe.Set(ctx, c.prefix+"gen:"+k, newToken(), c.ttl+genMargin)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		// Redis may still hold the old values; the epoch bump on recovery
		// makes them unreachable before Redis serves anything again.
		c.fail(ctx, err)
	}
}

func (c *Cache) getLocal(ctx context.Context, key string, load func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	if b, gen, ok := c.local.get(key); ok {
		c.hit(ctx)
		return b, nil
	} else {
		c.miss(ctx)
		b, err := load(ctx)
		if err != nil {
			return nil, err
		}
		c.local.put(key, gen, b, c.ttl)
		return b, nil
	}
}

// fail notes a Redis failure on behalf of ctx.
func (c *Cache) fail(ctx context.Context, err error) { c.health.Failed(ctx, err) }

// recover reports whether Redis may be used now. After an outage it first
// advances the shared epoch, so nothing cached before (values this replica
// could not invalidate meanwhile) can be served again.
func (c *Cache) recover(ctx context.Context) bool {
	if !c.health.Available() {
		return false
	}
	if !c.health.Down() {
		return true
	}
	c.epochMu.Lock()
	defer c.epochMu.Unlock()
	if !c.health.Down() {
		return true
	}
	if err := c.rdb.Incr(ctx, c.prefix+"epoch").Err(); err != nil {
		c.fail(ctx, err)
		return false
	}
	c.health.Succeeded(ctx)
	return true
}

func str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return "0"
}

func newToken() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// local is the in-process cache: the same generation rule, bounded size.
type local struct {
	mu      sync.Mutex
	max     int
	values  map[string]localEntry
	gens    map[string]uint64
	nextGen uint64
	// base is the generation of keys not in gens; it moves past every
	// generation handed out when gens is cleared, so a load begun before the
	// clear can never store.
	base uint64
}

type localEntry struct {
	b       []byte
	gen     uint64
	expires time.Time
}

func newLocal(max int) *local {
	return &local{max: max, values: map[string]localEntry{}, gens: map[string]uint64{}}
}

// get returns the value, or the generation a load must store under.
func (l *local) get(key string) ([]byte, uint64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	gen := l.gen(key)
	if e, ok := l.values[key]; ok && e.gen == gen && time.Now().Before(e.expires) {
		return e.b, gen, true
	}
	return nil, gen, false
}

func (l *local) put(key string, gen uint64, b []byte, ttl time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.gen(key) != gen {
		return // invalidated while loading
	}
	if len(l.values) >= l.max {
		l.values = map[string]localEntry{} // crude but bounded; a cold cache only costs loads
	}
	l.values[key] = localEntry{b: b, gen: gen, expires: time.Now().Add(ttl)}
}

func (l *local) invalidate(keys []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		l.nextGen++
		l.gens[k] = l.nextGen
		delete(l.values, k)
	}
	if len(l.gens) > 4*l.max {
		// Generations only guard loads in flight; moving the base past them
		// drops them, with the values, without serving anything stale.
		l.nextGen++
		l.base = l.nextGen
		l.gens = map[string]uint64{}
		l.values = map[string]localEntry{}
	}
}

func (l *local) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.nextGen++
	l.base = l.nextGen
	l.gens = map[string]uint64{}
	l.values = map[string]localEntry{}
}

func (l *local) gen(key string) uint64 {
	if g, ok := l.gens[key]; ok {
		return g
	}
	return l.base
}
