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
	degraded  atomic.Bool // Redis failed; the next success bumps the epoch first
	epochMu   sync.Mutex
	lastTry   time.Time // of recover: an outage costs one Redis attempt per second, not one per request
	hits      atomic.Int64
	misses    atomic.Int64
}

// New returns a cache whose entries live for ttl. A nil rdb caches
// in-process only (one instance, as in `make run`). prefix separates the
// services sharing one Redis.
func New(rdb *redis.Client, prefix string, ttl time.Duration, logger *slog.Logger) *Cache {
	if logger == nil {
		logger = slog.Default()
	}
	return &Cache{rdb: rdb, prefix: prefix + ":cache:", ttl: ttl, logger: logger, local: newLocal(100_000)}
}

// Stats are the hits and misses so far, for the cache hit-ratio metric.
func (c *Cache) Stats() (hits, misses int64) { return c.hits.Load(), c.misses.Load() }

// Get returns key's value, loading and storing it on a miss. A load error is
// returned as is and nothing is stored.
func (c *Cache) Get(ctx context.Context, key string, load func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	if !c.following.Load() {
		c.misses.Add(1)
		return load(ctx)
	}
	if c.rdb == nil || !c.recover(ctx) {
		return c.getLocal(ctx, key, load)
	}
	vals, err := c.rdb.MGet(ctx, c.prefix+"epoch", c.prefix+"gen:"+key).Result()
	if err != nil {
		c.fail(err)
		return c.getLocal(ctx, key, load)
	}
	valKey := c.prefix + "val:" + str(vals[0]) + ":" + key + ":" + str(vals[1])
	b, err := c.rdb.Get(ctx, valKey).Bytes()
	switch {
	case err == nil:
		c.hits.Add(1)
		return b, nil
	case !errors.Is(err, redis.Nil):
		c.fail(err)
		return c.getLocal(ctx, key, load)
	}
	c.misses.Add(1)
	b, err = load(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.rdb.Set(ctx, valKey, b, c.ttl).Err(); err != nil {
		c.fail(err)
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
		c.fail(err) // recover bumps it before Redis serves again
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
		c.fail(err)
	}
}

func (c *Cache) getLocal(ctx context.Context, key string, load func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	if b, gen, ok := c.local.get(key); ok {
		c.hits.Add(1)
		return b, nil
	} else {
		c.misses.Add(1)
		b, err := load(ctx)
		if err != nil {
			return nil, err
		}
		c.local.put(key, gen, b, c.ttl)
		return b, nil
	}
}

// fail notes a Redis failure; one warning per outage, not per request.
func (c *Cache) fail(err error) {
	if c.degraded.CompareAndSwap(false, true) {
		c.logger.Warn("cache: Redis unavailable; serving from the in-process cache until it is back",
			slog.String("error", err.Error()))
	}
}

// recover reports whether Redis may be used: after a failure (or at start)
// it first bumps the shared epoch, so nothing cached before can be served.
func (c *Cache) recover(ctx context.Context) bool {
	if !c.degraded.Load() {
		return true
	}
	c.epochMu.Lock()
	defer c.epochMu.Unlock()
	if !c.degraded.Load() {
		return true
	}
	if time.Since(c.lastTry) < time.Second {
		return false
	}
	c.lastTry = time.Now()
	if err := c.rdb.Incr(ctx, c.prefix+"epoch").Err(); err != nil {
		return false
	}
	c.degraded.Store(false)
	c.logger.Info("cache: Redis reachable; shared cache epoch advanced")
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
