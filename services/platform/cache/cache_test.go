package cache_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/attribute"

	"github.com/dtsen-id/dtsen/services/platform/cache"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/redisx/redistest"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/platform/telemetry/telemetrytest"
)

// source is the data behind the cache: a value and a count of loads.
type source struct {
	mu    sync.Mutex
	value string
	loads atomic.Int64
}

func (s *source) set(v string) { s.mu.Lock(); s.value = v; s.mu.Unlock() }

func (s *source) load(context.Context) ([]byte, error) {
	s.loads.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	return []byte(s.value), nil
}

func get(t *testing.T, c *cache.Cache, key string, s *source) string {
	t.Helper()
	b, err := c.Get(context.Background(), key, s.load)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// following starts the outbox follower the cache needs before it serves,
// and waits until it does.
func following(t *testing.T, caches ...*cache.Cache) (*outbox.Outbox, *storage.DB) {
	t.Helper()
	db := storagetest.Open(t, storagetest.SQLiteURL(t), outbox.Migrations)
	ob := outbox.New(db, 20*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, c := range caches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = cache.FollowOutbox(ctx, ob, c, func(e outbox.Event) []string {
				return []string{strings.TrimPrefix(e.Family, "families/")}
			})
		}()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	// The follower flips the cache on after reading the head; a probe key
	// shows when values are kept.
	for _, c := range caches {
		probe := &source{value: "p"}
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, _ = c.Get(ctx, "probe", probe.load)
			_, _ = c.Get(ctx, "probe", probe.load)
			if h, _ := c.Stats(); h > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("cache never started serving")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return ob, db
}

func commit(t *testing.T, ob *outbox.Outbox, db *storage.DB, kk string) {
	t.Helper()
	err := db.InTx(context.Background(), func(tx *storage.Tx) error {
		return ob.Append(context.Background(), tx, outbox.Event{Type: "registry.family.updated", Resource: "families/" + kk, Family: "families/" + kk})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func behaviour(t *testing.T, newCache func(t *testing.T) *cache.Cache) {
	t.Run("nothing is cached before the change feed is followed", func(t *testing.T) {
		c := newCache(t)
		s := &source{value: "v1"}
		get(t, c, "k", s)
		get(t, c, "k", s)
		if s.loads.Load() != 2 {
			t.Fatalf("%d loads, want 2", s.loads.Load())
		}
	})

	t.Run("read-through, then invalidated", func(t *testing.T) {
		c := newCache(t)
		following(t, c)
		s := &source{value: "v1"}
		first := get(t, c, "3204120101100001", s)
		second := get(t, c, "3204120101100001", s) // served from the cache
		if first != "v1" || second != "v1" || s.loads.Load() != 1 {
			t.Fatalf("got %q then %q with %d loads, want v1 twice and 1 load", first, second, s.loads.Load())
		}
		s.set("v2")
		c.Invalidate(context.Background(), "3204120101100001")
		if got := get(t, c, "3204120101100001", s); got != "v2" {
			t.Fatalf("after invalidation got %q", got)
		}
	})

	t.Run("a load that straddles an invalidation is not kept", func(t *testing.T) {
		c := newCache(t)
		following(t, c)
		s := &source{value: "new"}
		_, err := c.Get(context.Background(), "k", func(ctx context.Context) ([]byte, error) {
			c.Invalidate(ctx, "k") // the change commits while the old value is in flight
			return []byte("old"), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := get(t, c, "k", s); got != "new" {
			t.Fatalf("served %q after the invalidation", got)
		}
	})

	t.Run("the change feed invalidates", func(t *testing.T) {
		c := newCache(t)
		ob, db := following(t, c)
		s := &source{value: "v1"}
		get(t, c, "3204120101100009", s)
		s.set("v2")
		commit(t, ob, db, "3204120101100009")
		deadline := time.Now().Add(5 * time.Second)
		for get(t, c, "3204120101100009", s) != "v2" {
			if time.Now().After(deadline) {
				t.Fatal("the committed change never invalidated the cache")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func TestInProcess(t *testing.T) {
	behaviour(t, func(t *testing.T) *cache.Cache { return cache.New(nil, "test", time.Minute, nil) })
}

func TestRedis(t *testing.T) {
	addr := redisAddr(t)
	prefix := "cachetest-" + strings.ReplaceAll(t.Name(), "/", "-") + "-" + time.Now().Format("150405.000000")
	client := func(t *testing.T) *redis.Client {
		rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond, MaxRetries: -1})
		t.Cleanup(func() { _ = rdb.Close() })
		return rdb
	}
	behaviour(t, func(t *testing.T) *cache.Cache {
		return cache.New(client(t), prefix+"-"+t.Name(), time.Minute, nil)
	})

	t.Run("replicas share values and invalidations", func(t *testing.T) {
		a := cache.New(client(t), prefix+"-shared", time.Minute, nil)
		b := cache.New(client(t), prefix+"-shared", time.Minute, nil)
		following(t, a, b)
		s := &source{value: "v1"}
		get(t, a, "k", s)
		if get(t, b, "k", s) != "v1" || s.loads.Load() != 1 {
			t.Fatalf("replica b loaded again: %d loads", s.loads.Load())
		}
		s.set("v2")
		a.Invalidate(context.Background(), "k")
		if get(t, b, "k", s) != "v2" {
			t.Fatal("replica b served a value replica a invalidated")
		}
	})

	t.Run("Redis down degrades to in-process and stale values never return", func(t *testing.T) {
		proxy := newProxy(t, addr)
		var logs bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&logs, nil))
		cut := cache.New(redis.NewClient(&redis.Options{Addr: proxy.addr, DialTimeout: 200 * time.Millisecond,
			ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond, MaxRetries: -1}), prefix+"-outage", time.Minute, logger)
		following(t, cut)
		s := &source{value: "v1"}
		get(t, cut, "k", s) // v1 is now in Redis

		proxy.stop() // the only replica loses Redis while the family changes
		s.set("v2")
		cut.Invalidate(context.Background(), "k") // cannot reach Redis, which keeps v1
		for range 3 {
			if got := get(t, cut, "k", s); got != "v2" {
				t.Fatalf("during the outage served %q", got)
			}
		}
		if n := strings.Count(logs.String(), "redis is failing"); n != 1 {
			t.Fatalf("%d outage warnings, want 1:\n%s", n, logs.String())
		}

		proxy.start()
		time.Sleep(1100 * time.Millisecond) // past the one-attempt-per-second backoff
		loads := s.loads.Load()
		if got := get(t, cut, "k", s); got != "v2" {
			t.Fatalf("after Redis came back served %q, the value invalidated during the outage", got)
		}
		if s.loads.Load() != loads+1 {
			t.Fatal("the first read after the recovery did not reload through the new epoch")
		}
		if !strings.Contains(logs.String(), "redis is answering again") {
			t.Fatalf("no recovery log:\n%s", logs.String())
		}
		fresh := cache.New(client(t), prefix+"-outage", time.Minute, nil)
		following(t, fresh)
		if got := get(t, fresh, "k", s); got != "v2" {
			t.Fatalf("another replica served %q after the recovery", got)
		}
	})
}

// redisAddr is the development Redis; CI must have it.
func redisAddr(t *testing.T) string {
	rdb, _ := redistest.Real(t)
	return rdb.Options().Addr
}

// proxy is a TCP forwarder to Redis that can be cut and restored on the
// same port: a network partition between one replica and Redis.
type proxy struct {
	t      *testing.T
	target string
	addr   string
	mu     sync.Mutex
	lis    net.Listener
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = lis.Addr().String()
	p.serve(lis)
	t.Cleanup(p.stop)
	return p
}

func (p *proxy) serve(lis net.Listener) {
	p.mu.Lock()
	p.lis = lis
	p.mu.Unlock()
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
}

func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lis != nil {
		p.lis.Close()
		p.lis = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) start() {
	lis, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.serve(lis)
}

// TestRequestMetric: every lookup counts in dtsen_cache_requests_total under
// the cache's name, as a hit or a miss, the same lookups Stats counts.
func TestRequestMetric(t *testing.T) {
	metrics := telemetrytest.Metrics(t)
	c := cache.New(nil, "test", time.Minute, slog.New(slog.DiscardHandler)).Named("test_things")
	s := &source{value: "v"}
	get(t, c, "k", s) // not following yet: a miss, loaded
	following(t, c)
	get(t, c, "k", s)
	get(t, c, "k", s)
	hits, misses := c.Stats()
	name := attribute.String("cache", "test_things")
	gotHits, _ := metrics.Value(t, "dtsen_cache_requests", name, attribute.String("result", "hit"))
	gotMisses, _ := metrics.Value(t, "dtsen_cache_requests", name, attribute.String("result", "miss"))
	if gotHits != float64(hits) || gotMisses != float64(misses) || hits == 0 || misses == 0 {
		t.Fatalf("metric hits %v misses %v; Stats hits %d misses %d", gotHits, gotMisses, hits, misses)
	}
	cache.Count(context.Background(), "other", true)
	if v, ok := metrics.Value(t, "dtsen_cache_requests", attribute.String("cache", "other"), attribute.String("result", "hit")); !ok || v != 1 {
		t.Fatalf("Count: %v %v", v, ok)
	}
}
