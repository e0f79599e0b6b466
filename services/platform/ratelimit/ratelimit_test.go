package ratelimit

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/redisx"
	"github.com/dtsen-id/dtsen/services/platform/redisx/redistest"
)

// Synthetic NIKs (valid structure, no real person).
const (
	nikX = "3204124507900001"
	nikY = "3204120101850002"
	nikZ = "3273014412000003"
)

var perMinute3 = Limit{Requests: 3, Per: time.Minute}

// backends runs fn on an in-process Limiter and on one backed by the real
// Redis. The Redis half also proves that Redis was really used: no outage
// was logged and buckets exist under the test's prefix.
func backends(t *testing.T, fn func(t *testing.T, l *Limiter)) {
	t.Helper()
	t.Run("memory", func(t *testing.T) { fn(t, New(nil, "", slog.New(slog.DiscardHandler))) })
	t.Run("redis", func(t *testing.T) {
		rdb, prefix := redistest.Real(t)
		logs, logger := redistest.NewLogs()
		fn(t, New(rdb, prefix, logger))
		if n := logs.Count(slog.LevelWarn); n != 0 {
			t.Fatalf("redis outage logged against a healthy server:\n%s", logs.Text())
		}
		keys, err := redistest.Keys(context.Background(), rdb, prefix)
		if err != nil || len(keys) == 0 {
			t.Fatalf("no buckets in redis (keys=%v, err=%v): the limiter did not use it", keys, err)
		}
	})
}

func TestAllowBurstThenRefuse(t *testing.T) {
	backends(t, func(t *testing.T, l *Limiter) {
		ctx := context.Background()
		for i, want := range []int{2, 1, 0} {
			d := l.Allow(ctx, "k", perMinute3)
			if !d.Allowed || d.Remaining != want || d.RetryAfter != 0 {
				t.Fatalf("request %d: %+v, want allowed with %d remaining", i+1, d, want)
			}
		}
		d := l.Allow(ctx, "k", perMinute3)
		// 3 per minute refills one every 20 s.
		if d.Allowed || d.RetryAfter <= 19*time.Second || d.RetryAfter > 20*time.Second {
			t.Fatalf("4th request: %+v, want refused for ~20s", d)
		}
		if d := l.Allow(ctx, "other", perMinute3); !d.Allowed {
			t.Fatalf("another key shares the budget: %+v", d)
		}
		if d := l.Allow(ctx, "k", Limit{}); !d.Allowed || d.Remaining != -1 {
			t.Fatalf("zero Limit must be unlimited: %+v", d)
		}
	})
}

func TestRefillsAfterInterval(t *testing.T) {
	backends(t, func(t *testing.T, l *Limiter) {
		ctx := context.Background()
		lim := Limit{Requests: 2, Per: 100 * time.Millisecond}
		l.Allow(ctx, "k", lim)
		l.Allow(ctx, "k", lim)
		d := l.Allow(ctx, "k", lim)
		if d.Allowed {
			t.Fatal("3rd request within the window was allowed")
		}
		time.Sleep(d.RetryAfter + 5*time.Millisecond)
		if d := l.Allow(ctx, "k", lim); !d.Allowed {
			t.Fatalf("not allowed after RetryAfter: %+v", d)
		}
		// Outlives the short buckets, for backends' check that Redis was used.
		l.Allow(ctx, "long", perMinute3)
	})
}

func TestMiddlewareScopes(t *testing.T) {
	cases := []struct {
		name   string
		policy Policy
		// first is sent 3 times (the budget), then probe must be refused
		// for scope while other is still served.
		first, probe, other req
		scope               string
	}{
		{"client", Policy{PerClient: perMinute3},
			req{"alice", "10.0.0.1", nikX}, req{"alice", "10.0.0.2", nikY}, req{"bob", "10.0.0.1", nikX}, ScopeClient},
		{"ip", Policy{PerIP: perMinute3},
			req{"alice", "10.0.0.1", nikX}, req{"bob", "10.0.0.1", nikY}, req{"alice", "10.0.0.2", nikX}, ScopeIP},
		{"ip without token", Policy{PerIP: perMinute3},
			req{"", "10.0.0.1", nikX}, req{"", "10.0.0.1", nikY}, req{"", "10.0.0.2", nikX}, ScopeIP},
		{"nik", Policy{PerNIK: perMinute3},
			req{"alice", "10.0.0.1", nikX}, req{"bob", "10.0.0.2", nikX}, req{"alice", "10.0.0.1", nikY}, ScopeNIK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			backends(t, func(t *testing.T, l *Limiter) {
				h := handler(l, tc.policy)
				for i := range 3 {
					if rec := tc.first.do(h); rec.Code != http.StatusOK {
						t.Fatalf("request %d within budget: %d", i+1, rec.Code)
					}
				}
				rec := tc.probe.do(h)
				assertLimited(t, rec, tc.scope, "20")
				if rec := tc.other.do(h); rec.Code != http.StatusOK {
					t.Fatalf("a different %s shares the budget: %d", tc.scope, rec.Code)
				}
			})
		})
	}
}

// TestScopesAreIndependent spends each scope's budget through different
// requests and checks that each counter refuses only its own.
func TestScopesAreIndependent(t *testing.T) {
	backends(t, func(t *testing.T, l *Limiter) {
		h := handler(l, Policy{PerClient: perMinute3, PerIP: perMinute3, PerNIK: perMinute3})
		ok := func(r req) {
			t.Helper()
			if rec := r.do(h); rec.Code != http.StatusOK {
				t.Fatalf("%+v: %d %s, want 200", r, rec.Code, rec.Header().Get("X-Reason"))
			}
		}
		// alice spends her client budget from three IPs on three NIKs.
		ok(req{"alice", "10.0.0.1", nikX})
		ok(req{"alice", "10.0.0.2", nikY})
		ok(req{"alice", "10.0.0.3", nikZ})
		assertLimited(t, req{"alice", "10.0.0.4", "3204124507900099"}.do(h), ScopeClient, "20")
		// Every IP and NIK she used has budget left: only her own counter ran out.
		ok(req{"bob", "10.0.0.1", nikX})
		ok(req{"bob", "10.0.0.1", nikY})
		// 10.0.0.1 has now served 3 requests.
		assertLimited(t, req{"carol", "10.0.0.1", nikZ}.do(h), ScopeIP, "20")
		// nikX has now been checked twice; one more by someone else, then it is spent.
		ok(req{"carol", "10.0.0.5", nikX})
		assertLimited(t, req{"dave", "10.0.0.6", nikX}.do(h), ScopeNIK, "20")
		ok(req{"dave", "10.0.0.6", "3204124507900077"})
	})
}

// TestReplicasShareBudget is two gateway replicas (two Limiters, two
// connection pools) on one Redis: the budget is global, not per replica.
func TestReplicasShareBudget(t *testing.T) {
	rdb, prefix := redistest.Real(t)
	other := redis.NewClient(rdb.Options())
	t.Cleanup(func() { _ = other.Close() })
	a, b := New(rdb, prefix, nil), New(other, prefix, nil)
	ctx := context.Background()
	lim := Limit{Requests: 4, Per: time.Minute}
	for i := range 4 {
		l := a
		if i%2 == 1 {
			l = b
		}
		if d := l.Allow(ctx, "client:alice", lim); !d.Allowed || d.Remaining != 3-i {
			t.Fatalf("request %d: %+v", i+1, d)
		}
	}
	if d := a.Allow(ctx, "client:alice", lim); d.Allowed {
		t.Fatal("replica a allowed a 5th request")
	}
	if d := b.Allow(ctx, "client:alice", lim); d.Allowed {
		t.Fatal("replica b allowed a 5th request")
	}
}

func TestNIKNeverInRedisKeysOrLogs(t *testing.T) {
	rdb, prefix := redistest.Real(t)
	logs, logger := redistest.NewLogs()
	l := New(rdb, prefix, logger)
	h := handler(l, Policy{PerClient: perMinute3, PerIP: perMinute3, PerNIK: perMinute3})
	for range 4 {
		req{"alice", "10.0.0.1", nikX}.do(h)
	}
	keys, err := redistest.Keys(context.Background(), rdb, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 {
		t.Fatalf("want one bucket per scope, got %q", keys)
	}
	for _, k := range keys {
		for _, secret := range []string{nikX, nikX[:12], "alice", "10.0.0.1"} {
			if strings.Contains(k, secret) {
				t.Fatalf("redis key %q reveals %q", k, secret)
			}
		}
	}
	// A secret changes every bucket name, so a table of hashed NIKs built
	// without it matches nothing.
	withSecret := New(rdb, prefix, logger).WithKeySecret([]byte("s3cret"))
	if withSecret.bucket("nik:"+nikX) == l.bucket("nik:"+nikX) {
		t.Fatal("WithKeySecret did not change the bucket name")
	}
	if strings.Contains(logs.Text(), nikX) {
		t.Fatalf("a NIK was logged:\n%s", logs.Text())
	}
}

// TestRedisOutage kills Redis mid-test: requests keep being served, limits
// are still enforced (in process), the outage is logged once, its end once,
// and the next outage once more.
func TestRedisOutage(t *testing.T) {
	srv := redistest.Private(t)
	logs, logger := redistest.NewLogs()
	rdb, err := redisx.Open(context.Background(), srv.URL(), logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	l := New(rdb, "t:", logger)
	l.health.ProbeInterval = 20 * time.Millisecond
	h := handler(l, Policy{PerClient: perMinute3, PerNIK: perMinute3})
	alice := req{"alice", "10.0.0.1", nikX}

	for range 2 {
		if rec := alice.do(h); rec.Code != http.StatusOK {
			t.Fatalf("before outage: %d", rec.Code)
		}
	}
	if n, _ := rdb.DBSize(context.Background()).Result(); n != 2 {
		t.Fatalf("want 2 buckets in redis before the outage, got %d", n)
	}

	srv.Stop()
	// This replica now decides alone, from a fresh in-process budget: 3 more
	// requests, then refusals, and never an error.
	for i := range 3 {
		if rec := alice.do(h); rec.Code != http.StatusOK {
			t.Fatalf("request %d during outage: %d", i+1, rec.Code)
		}
	}
	for range 5 {
		assertLimited(t, alice.do(h), ScopeClient, "20")
	}
	// Later probes of the dead server belong to the same outage.
	time.Sleep(2 * l.health.ProbeInterval)
	assertLimited(t, alice.do(h), ScopeClient, "20")
	if n := logs.Count(slog.LevelWarn); n != 1 {
		t.Fatalf("want 1 warning for the outage, got %d:\n%s", n, logs.Text())
	}

	srv.Restart()
	time.Sleep(2 * l.health.ProbeInterval)
	// The restarted Redis is empty, so bob's requests are counted there.
	bob := req{"bob", "10.0.0.2", nikY}
	if rec := bob.do(h); rec.Code != http.StatusOK {
		t.Fatalf("after recovery: %d", rec.Code)
	}
	if n := logs.Count(slog.LevelInfo); n != 1 {
		t.Fatalf("want 1 info for the recovery, got %d:\n%s", n, logs.Text())
	}
	if n, _ := rdb.DBSize(context.Background()).Result(); n == 0 {
		t.Fatal("requests after recovery did not reach redis")
	}

	srv.Stop()
	for range 3 {
		bob.do(h)
	}
	if n := logs.Count(slog.LevelWarn); n != 2 {
		t.Fatalf("want 2 warnings for 2 outages, got %d:\n%s", n, logs.Text())
	}
	if strings.Contains(logs.Text(), nikX) || strings.Contains(logs.Text(), nikY) {
		t.Fatalf("a NIK was logged:\n%s", logs.Text())
	}
}

func TestMemoryIsBounded(t *testing.T) {
	m := newMemory(10)
	now := time.Now()
	for i := range 100 {
		if d := m.decide(string(rune('a'+i)), perMinute3, now, true); !d.Allowed {
			t.Fatalf("fresh key %d refused", i)
		}
	}
	if len(m.tat) > 10 {
		t.Fatalf("table grew to %d buckets, bound is 10", len(m.tat))
	}
	// Full buckets (TAT in the past) are dropped before anyone is evicted.
	m = newMemory(2)
	m.decide("a", perMinute3, now, true)
	m.decide("b", perMinute3, now, true)
	m.decide("c", perMinute3, now.Add(time.Minute), true)
	if m.evicted != 0 || len(m.tat) != 1 {
		t.Fatalf("evicted %d live buckets, %d left; want expired ones dropped first", m.evicted, len(m.tat))
	}
}

func TestRemoteIP(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16"), netip.MustParsePrefix("fd00::/8")}
	cases := []struct {
		name, remote string
		xff          []string
		trusted      []netip.Prefix
		want         string
	}{
		{"direct peer", "203.0.113.7:5555", nil, nil, "203.0.113.7"},
		{"untrusted peer's XFF is ignored", "203.0.113.7:5555", []string{"198.51.100.1"}, proxies, "203.0.113.7"},
		{"trusted proxy", "10.1.2.3:443", []string{"198.51.100.1"}, proxies, "198.51.100.1"},
		{"forged left entries are skipped", "10.1.2.3:443", []string{"1.2.3.4, 198.51.100.1"}, proxies, "198.51.100.1"},
		{"chain of proxies", "10.1.2.3:443", []string{"198.51.100.1, 10.1.9.9"}, proxies, "198.51.100.1"},
		{"several headers", "10.1.2.3:443", []string{"198.51.100.1", "10.1.9.9"}, proxies, "198.51.100.1"},
		{"hop with port", "10.1.2.3:443", []string{"198.51.100.1:1234"}, proxies, "198.51.100.1"},
		{"garbage stops at last trusted hop", "10.1.2.3:443", []string{"not-an-ip"}, proxies, "10.1.2.3"},
		{"no XFF from proxy", "10.1.2.3:443", nil, proxies, "10.1.2.3"},
		{"ipv6 counts per /64", "[2001:db8:1:2:aaaa::1]:443", nil, nil, "2001:db8:1:2::/64"},
		{"ipv4-mapped", "[::ffff:203.0.113.7]:443", nil, nil, "203.0.113.7"},
		{"v6 proxy", "[fd00::1]:443", []string{"2001:db8:1:2::9"}, proxies, "2001:db8:1:2::/64"},
		{"unparseable peer", "pipe", nil, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := RemoteIP(tc.trusted)(r); got != tc.want {
				t.Fatalf("RemoteIP = %q, want %q", got, tc.want)
			}
		})
	}
}

// req is one request: subject "" is unauthenticated.
type req struct{ subject, ip, nik string }

func (q req) do(h http.Handler) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "/v1/persons/"+q.nik, nil)
	r.RemoteAddr = q.ip + ":40000"
	if q.subject != "" {
		r = r.WithContext(auth.WithPrincipal(r.Context(), &auth.Principal{Subject: q.subject, Role: auth.RoleCitizen}))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func handler(l *Limiter, p Policy) http.Handler {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	return Middleware(l, p, Options{
		NIKs: func(r *http.Request) []string {
			if nik, found := strings.CutPrefix(r.URL.Path, "/v1/persons/"); found {
				return []string{nik}
			}
			return nil
		},
		WriteError: writeError,
	})(ok)
}

// writeError stands in for the gateway's renderer: the HTTP status of the
// code, and the reason and scope as headers to assert on.
func writeError(w http.ResponseWriter, _ *http.Request, err error) {
	code := http.StatusInternalServerError
	switch status.Code(err) {
	case codes.ResourceExhausted:
		code = http.StatusTooManyRequests
	case codes.InvalidArgument:
		code = http.StatusBadRequest
	}
	if info := apierror.ErrorInfoOf(err); info != nil {
		w.Header().Set("X-Reason", info.GetReason())
		w.Header().Set("X-Domain", info.GetDomain())
		w.Header().Set("X-Scope", info.GetMetadata()["scope"])
	}
	w.WriteHeader(code)
}

func assertLimited(t *testing.T, rec *httptest.ResponseRecorder, scope, retryAfter string) {
	t.Helper()
	h := rec.Header()
	if rec.Code != http.StatusTooManyRequests || h.Get("X-Reason") != ReasonRateLimited ||
		h.Get("X-Domain") != auth.Domain || h.Get("X-Scope") != scope || h.Get("Retry-After") != retryAfter {
		t.Fatalf("got %d reason=%q scope=%q Retry-After=%q; want 429 %s scope=%s Retry-After=%s",
			rec.Code, h.Get("X-Reason"), h.Get("X-Scope"), h.Get("Retry-After"), ReasonRateLimited, scope, retryAfter)
	}
}

func TestPeekDoesNotCount(t *testing.T) {
	backends(t, func(t *testing.T, l *Limiter) {
		ctx := context.Background()
		for range 5 {
			if d := l.Peek(ctx, "k", perMinute3); !d.Allowed || d.Remaining != 2 {
				t.Fatalf("peek on a fresh bucket: %+v", d)
			}
		}
		for range 3 {
			l.Allow(ctx, "k", perMinute3)
		}
		d := l.Peek(ctx, "k", perMinute3)
		if d.Allowed || d.RetryAfter <= 19*time.Second || d.RetryAfter > 20*time.Second {
			t.Fatalf("peek on a spent bucket: %+v", d)
		}
		if d := l.Peek(ctx, "k", Limit{}); !d.Allowed {
			t.Fatalf("zero Limit must be unlimited: %+v", d)
		}
	})
}

// AllowAll spends the counted budgets only when every budget passes, and
// names the first one that does not.
func TestAllowAllIsAllOrNothing(t *testing.T) {
	backends(t, func(t *testing.T, l *Limiter) {
		ctx := context.Background()
		perMinute1 := Limit{Requests: 1, Per: time.Minute}
		steps := func() []Step {
			return []Step{
				{Key: "failures", Limit: perMinute3},            // looked at only
				{Key: "checks", Limit: perMinute3, Count: true}, // spent
				{Key: "unlimited", Count: true},
				{Key: "per-nik", Limit: perMinute1, Count: true},
			}
		}
		if i, d := l.AllowAll(ctx, steps()...); i != -1 || !d.Allowed {
			t.Fatalf("first request refused by step %d: %+v", i, d)
		}
		// per-nik is spent: the next request is refused there, and spends
		// nothing of "checks".
		i, d := l.AllowAll(ctx, steps()...)
		if i != 3 || d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > time.Minute {
			t.Fatalf("second request: step %d, %+v; want step 3 refusing", i, d)
		}
		if d := l.Peek(ctx, "checks", perMinute3); !d.Allowed || d.Remaining != 1 {
			t.Fatalf("checks after one allowed and one refused request: %+v, want one spent", d)
		}
		if d := l.Peek(ctx, "failures", perMinute3); d.Remaining != 2 {
			t.Fatalf("a looked-at budget was spent: %+v", d)
		}
		// A spent looked-at budget refuses first.
		for range 3 {
			l.Allow(ctx, "failures", perMinute3)
		}
		if i, _ := l.AllowAll(ctx, steps()...); i != 0 {
			t.Fatalf("refused by step %d, want 0 (failures)", i)
		}
	})
}
