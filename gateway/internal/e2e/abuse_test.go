package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/ratelimit"
	"github.com/dtsen-id/dtsen/services/platform/redisx/redistest"
)

// redisModes are the ways Redis can be: absent, the real one, and one that
// was there and is killed before the requests (DESIGN.md: Redis down
// degrades, it does not break).
func redisModes(t *testing.T, run func(t *testing.T, rdb *redis.Client, prefix string)) {
	t.Run("in-process", func(t *testing.T) { run(t, nil, "") })
	t.Run("redis", func(t *testing.T) {
		rdb, prefix := redistest.Real(t)
		run(t, rdb, prefix)
	})
	t.Run("redis stopped", func(t *testing.T) {
		srv := redistest.Private(t)
		rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, DialTimeout: 200 * time.Millisecond,
			ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond, MaxRetries: -1})
		t.Cleanup(func() { _ = rdb.Close() })
		srv.Stop()
		run(t, rdb, "stopped")
	})
}

func TestRateLimitsThroughTheGateway(t *testing.T) {
	redisModes(t, func(t *testing.T, rdb *redis.Client, prefix string) {
		limit := func(n int) ratelimit.Limit { return ratelimit.Limit{Requests: n, Per: time.Minute} }
		e := newEnv(t, envOptions{redis: rdb, redisPrefix: prefix,
			rateLimits: ratelimit.Policy{PerClient: limit(1000), PerIP: limit(1000), PerNIK: limit(3)}}).sub(t)
		nik, other := e.fams[0].GetHeadNik(), e.fams[1].GetHeadNik()
		for i := range 3 {
			if r := e.get("/v1/persons/" + nik); r.status != http.StatusOK {
				t.Fatalf("request %d: %v", i+1, r)
			}
		}
		// A different caller asking about the same NIK shares its budget.
		r := e.as(authtest.Officer(auth.RoleDistrictOfficer, e.fams[0].GetRegionCode()[:5])).get("/v1/persons/" + nik)
		if r.status != http.StatusTooManyRequests || errorReason(r) != ratelimit.ReasonRateLimited || r.header.Get("Retry-After") == "" {
			t.Fatalf("4th request naming the NIK: %v (Retry-After %q)", r, r.header.Get("Retry-After"))
		}
		if r := e.get("/v1/persons/" + other); r.status != http.StatusOK {
			t.Fatalf("another NIK was limited too: %v", r)
		}
	})

	t.Run("per client", func(t *testing.T) {
		limit := func(n int) ratelimit.Limit { return ratelimit.Limit{Requests: n, Per: time.Minute} }
		e := newEnv(t, envOptions{rateLimits: ratelimit.Policy{PerClient: limit(2), PerIP: limit(1000), PerNIK: limit(1000)}}).sub(t)
		for range 2 {
			e.get("/v1/provinces")
		}
		if r := e.get("/v1/provinces"); r.status != http.StatusTooManyRequests {
			t.Fatalf("3rd request of one client: %v", r)
		}
		if r := e.as(authtest.Analyst()).get("/v1/provinces"); r.status != http.StatusOK {
			t.Fatalf("another client was limited: %v", r)
		}
	})
}

func TestIdempotentWritesThroughTheGateway(t *testing.T) {
	redisModes(t, func(t *testing.T, rdb *redis.Client, prefix string) {
		e := newEnv(t, envOptions{redis: rdb, redisPrefix: prefix}).sub(t)
		path := "/v1/families/" + e.fams[2].GetKkNumber()
		etag := e.ok(e.get(path))["etag"].(string)
		body, _ := json.Marshal(map[string]any{"address": map[string]any{"street": "Jl. Idempoten 1", "rt": "001", "rw": "002"}, "etag": etag})
		patch := func(key string) response {
			return e.do(http.MethodPatch, path+"?updateMask=address", bytes.NewReader(body), "Idempotency-Key", key)
		}
		first := patch("change-1")
		if first.status != http.StatusOK {
			t.Fatalf("first PATCH: %v", first)
		}
		// Without the key the same PATCH now fails: its etag is stale. With
		// it, the client that lost the first answer gets that answer.
		again := patch("change-1")
		if again.status != http.StatusOK || !bytes.Equal(again.body, first.body) || again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retried PATCH: %v replayed=%q", again, again.header.Get("Idempotent-Replayed"))
		}
		if r := patch("change-2"); r.status != http.StatusConflict {
			t.Fatalf("a new key runs the stale PATCH and must fail on its etag: %v", r)
		}
		other := e.do(http.MethodPatch, path+"?updateMask=address", bytes.NewReader([]byte(`{"address":{"street":"x"}}`)), "Idempotency-Key", "change-1")
		if other.status != http.StatusBadRequest || errorReason(other) != "REQUEST_ID_REUSED" {
			t.Fatalf("the key reused for another request: %v", other)
		}
	})
}

func TestFamilyCacheThroughTheGateway(t *testing.T) {
	redisModes(t, func(t *testing.T, rdb *redis.Client, prefix string) {
		e := newEnv(t, envOptions{redis: rdb, redisPrefix: prefix}).sub(t)
		path := "/v1/families/" + e.fams[3].GetKkNumber()
		for range 3 {
			e.ok(e.get(path))
		}
		etag := e.ok(e.get(path))["etag"].(string)
		street := fmt.Sprintf("Jl. Cache %d", time.Now().UnixNano()%1000)
		e.ok(e.send(http.MethodPatch, path+"?updateMask=address",
			map[string]any{"address": map[string]any{"street": street, "rt": "001", "rw": "001"}, "etag": etag}))
		got := e.ok(e.get(path))
		if addr, _ := got["address"].(map[string]any); addr["street"] != street {
			t.Fatalf("GET after PATCH served %v", got["address"])
		}
	})
}
