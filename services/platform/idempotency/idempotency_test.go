package idempotency

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/redisx"
	"github.com/dtsen-id/dtsen/services/platform/redisx/redistest"
)

// backends runs fn on an in-process Store and on one backed by the real
// Redis. newStore takes the window. The Redis half also proves Redis was
// really used: no outage was logged.
func backends(t *testing.T, fn func(t *testing.T, newStore func(window time.Duration) *Store)) {
	t.Helper()
	t.Run("memory", func(t *testing.T) {
		fn(t, func(w time.Duration) *Store { return New(nil, "", w, slog.New(slog.DiscardHandler)) })
	})
	t.Run("redis", func(t *testing.T) {
		rdb, prefix := redistest.Real(t)
		logs, logger := redistest.NewLogs()
		var stores []*Store
		fn(t, func(w time.Duration) *Store {
			s := New(rdb, prefix, w, logger)
			stores = append(stores, s)
			return s
		})
		if n := logs.Count(slog.LevelWarn); n != 0 {
			t.Fatalf("redis outage logged against a healthy server:\n%s", logs.Text())
		}
		for _, s := range stores {
			if len(s.local.entries) != 0 {
				t.Fatalf("%d keys kept in process while redis was up", len(s.local.entries))
			}
		}
	})
}

func TestReplayReturnsStoredResponse(t *testing.T) {
	backends(t, func(t *testing.T, newStore func(time.Duration) *Store) {
		app := newApp(newStore(0))
		first := app.post("alice", "/v1/cases", "k1", `{"family":"1"}`)
		if first.Code != http.StatusCreated || first.Header().Get(HeaderReplayed) != "" {
			t.Fatalf("first: %d replayed=%q", first.Code, first.Header().Get(HeaderReplayed))
		}
		for range 3 {
			again := app.post("alice", "/v1/cases", "k1", `{"family":"1"}`)
			if again.Code != first.Code || again.Body.String() != first.Body.String() {
				t.Fatalf("replay: %d %q, want %d %q", again.Code, again.Body, first.Code, first.Body)
			}
			if again.Header().Get(HeaderReplayed) != "true" || again.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("replay headers: %v", again.Header())
			}
		}
		if n := app.calls.Load(); n != 1 {
			t.Fatalf("handler ran %d times, want 1", n)
		}
	})
}

func TestRequestIDInBody(t *testing.T) {
	backends(t, func(t *testing.T, newStore func(time.Duration) *Store) {
		app := newApp(newStore(0))
		for _, body := range []string{
			`{"requestId":"r-1","family":"1"}`,
			`{"request_id":"r-2","family":"1"}`,
		} {
			first := app.post("alice", "/v1/cases", "", body)
			again := app.post("alice", "/v1/cases", "", body)
			if again.Header().Get(HeaderReplayed) != "true" || again.Body.String() != first.Body.String() {
				t.Fatalf("%s: not replayed: %d %q", body, again.Code, again.Body)
			}
		}
		if n := app.calls.Load(); n != 2 {
			t.Fatalf("handler ran %d times, want 2", n)
		}
	})
}

func TestPassThrough(t *testing.T) {
	backends(t, func(t *testing.T, newStore func(time.Duration) *Store) {
		app := newApp(newStore(0))
		run := func(name string, send func() *httptest.ResponseRecorder) {
			t.Helper()
			before := app.calls.Load()
			for range 2 {
				if rec := send(); rec.Header().Get(HeaderReplayed) != "" {
					t.Fatalf("%s was replayed", name)
				}
			}
			if n := app.calls.Load() - before; n != 2 {
				t.Fatalf("%s: handler ran %d times, want 2", name, n)
			}
		}
		run("no key", func() *httptest.ResponseRecorder { return app.post("alice", "/v1/cases", "", `{"family":"1"}`) })
		run("non-string requestId", func() *httptest.ResponseRecorder {
			return app.post("alice", "/v1/cases", "", `{"requestId":7}`)
		})
		run("GET", func() *httptest.ResponseRecorder { return app.do("alice", http.MethodGet, "/v1/cases/1", "k-get", "") })
		run("no subject", func() *httptest.ResponseRecorder { return app.post("", "/v1/cases", "k-anon", `{}`) })
	})
}

func TestWriteMethodsAreIdempotent(t *testing.T) {
	backends(t, func(t *testing.T, newStore func(time.Duration) *Store) {
		app := newApp(newStore(0))
		for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			app.do("alice", m, "/v1/cases/1", "k-"+m, `{"x":1}`)
			if rec := app.do("alice", m, "/v1/cases/1", "k-"+m, `{"x":1}`); rec.Header().Get(HeaderReplayed) != "true" {
				t.Fatalf("%s not replayed", m)
			}
		}
		if n := app.calls.Load(); n != 4 {
			t.Fatalf("handler ran %d times, want 4", n)
		}
	})
}

func TestKeyReusedForDifferentRequest(t *testing.T) {
	backends(t, func(t *testing.T, newStore func(time.Duration) *Store) {
		app := newApp(newStore(0))
		app.post("alice", "/v1/cases", "k1", `{"family":"1"}`)
		for _, rec := range []*httptest.ResponseRecorder{
			app.post("alice", "/v1/cases", "k1", `{"family":"2"}`),
			app.post("alice", "/v1/proposals", "k1", `{"family":"1"}`),
			app.post("alice", "/v1/cases?validateOnly=true", "k1", `{"family":"1"}`),
			app.do("alice", http.MethodPut, "/v1/cases", "k1", `{"family":"1"}`),
		} {
			assertError(t, rec, http.StatusBadRequest, ReasonRequestIDReused)
		}
		if n := app.calls.Load(); n != 1 {
			t.Fatalf("handler ran %d times, want 1", n)
		}
	})
}

// TestConcurrentDuplicates sends the same request 8 times at once: exactly
// one runs, and the others are told it is in progress while it runs.
func TestConcurrentDuplicates(t *testing.T) {
	backends(t, func(t *testing.T, newStore func(time.Duration) *Store) {
		app := newApp(newStore(0))
		release := make(chan struct{})
		app.block = release
		const n = 8
		results := make(chan *httptest.ResponseRecorder, n)
		var start sync.WaitGroup
		start.Add(1)
		for range n {
			go func() {
				start.Wait()
				results <- app.post("alice", "/v1/cases", "k1", `{"family":"1"}`)
			}()
		}
		start.Done()
		for range n - 1 {
			select {
			case rec := <-results:
				assertError(t, rec, http.StatusConflict, ReasonRequestInProgress)
				if rec.Header().Get("Retry-After") == "" {
					t.Fatal("REQUEST_IN_PROGRESS without Retry-After")
				}
			case <-time.After(10 * time.Second):
				close(release)
				t.Fatalf("duplicates were not refused while the first ran (handler runs: %d)", app.calls.Load())
			}
		}
		close(release)
		if rec := <-results; rec.Code != http.StatusCreated {
			t.Fatalf("the one that ran: %d", rec.Code)
		}
		if rec := app.post("alice", "/v1/cases", "k1", `{"family":"1"}`); rec.Header().Get(HeaderReplayed) != "true" {
			t.Fatal("not replayed after the first finished")
		}
		if got := app.calls.Load(); got != 1 {
			t.Fatalf("handler ran %d times, want 1", got)
		}
	})
}

func TestRetryableResultsAreNotStored(t *testing.T) {
	backends(t, func(t *testing.T, newStore func(time.Duration) *Store) {
		app := newApp(newStore(0))
		for _, code := range []int{http.StatusServiceUnavailable, http.StatusInternalServerError, http.StatusTooManyRequests, 499} {
			app.status.Store(int32(code))
			if rec := app.post("alice", "/v1/cases", "k-"+fmt.Sprint(code), `{}`); rec.Code != code {
				t.Fatalf("first: %d", rec.Code)
			}
			app.status.Store(http.StatusCreated)
			if rec := app.post("alice", "/v1/cases", "k-"+fmt.Sprint(code), `{}`); rec.Code != http.StatusCreated || rec.Header().Get(HeaderReplayed) != "" {
				t.Fatalf("retry after %d: %d replayed=%q, want the handler to run", code, rec.Code, rec.Header().Get(HeaderReplayed))
			}
		}
		// A final client error is the answer, and is replayed.
		app.status.Store(http.StatusConflict)
		app.post("alice", "/v1/cases", "k-409", `{}`)
		app.status.Store(http.StatusCreated)
		if rec := app.post("alice", "/v1/cases", "k-409", `{}`); rec.Code != http.StatusConflict || rec.Header().Get(HeaderReplayed) != "true" {
			t.Fatalf("4xx not replayed: %d", rec.Code)
		}
		if n := app.calls.Load(); n != 9 {
			t.Fatalf("handler ran %d times, want 9", n)
		}
	})
}

func TestPanicReleasesKey(t *testing.T) {
	backends(t, func(t *testing.T, newStore func(time.Duration) *Store) {
		app := newApp(newStore(0))
		app.panics.Store(true)
		func() {
			defer func() { _ = recover() }()
			app.post("alice", "/v1/cases", "k1", `{}`)
		}()
		app.panics.Store(false)
		if rec := app.post("alice", "/v1/cases", "k1", `{}`); rec.Code != http.StatusCreated || rec.Header().Get(HeaderReplayed) != "" {
			t.Fatalf("retry after a panic: %d, want the handler to run", rec.Code)
		}
	})
}

func TestKeysAreScopedPerSubject(t *testing.T) {
	backends(t, func(t *testing.T, newStore func(time.Duration) *Store) {
		app := newApp(newStore(0))
		a := app.post("alice", "/v1/cases", "shared", `{"family":"1"}`)
		b := app.post("bob", "/v1/cases", "shared", `{"family":"1"}`)
		if b.Header().Get(HeaderReplayed) != "" || a.Body.String() == b.Body.String() {
			t.Fatal("bob got alice's response")
		}
		if rec := app.post("alice", "/v1/cases", "shared", `{"family":"1"}`); rec.Body.String() != a.Body.String() {
			t.Fatal("alice's replay changed")
		}
		if rec := app.post("bob", "/v1/cases", "shared", `{"family":"1"}`); rec.Body.String() != b.Body.String() {
			t.Fatal("bob's replay changed")
		}
		if n := app.calls.Load(); n != 2 {
			t.Fatalf("handler ran %d times, want 2", n)
		}
	})
}

func TestWindowExpiry(t *testing.T) {
	backends(t, func(t *testing.T, newStore func(time.Duration) *Store) {
		const window = 100 * time.Millisecond
		app := newApp(newStore(window))
		app.post("alice", "/v1/cases", "k1", `{}`)
		if rec := app.post("alice", "/v1/cases", "k1", `{}`); rec.Header().Get(HeaderReplayed) != "true" {
			t.Fatal("not replayed within the window")
		}
		time.Sleep(window + 20*time.Millisecond)
		if rec := app.post("alice", "/v1/cases", "k1", `{}`); rec.Header().Get(HeaderReplayed) != "" {
			t.Fatal("replayed after the window")
		}
		if n := app.calls.Load(); n != 2 {
			t.Fatalf("handler ran %d times, want 2", n)
		}
	})
}

// A body over MaxBody cannot be fingerprinted; it reaches the handler whole
// (the gateway's own limit answers it).
func TestLargeBodyPassesThroughIntact(t *testing.T) {
	s := New(nil, "", 0, nil)
	var got int
	h := Middleware(s, Options{WriteError: writeError, MaxBody: 10})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = len(b)
	}))
	body := `{"requestId":"r-1","padding":"0123456789"}`
	for range 2 {
		r := httptest.NewRequest(http.MethodPost, "/v1/cases", strings.NewReader(body))
		r = r.WithContext(auth.WithPrincipal(r.Context(), &auth.Principal{Subject: "alice"}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if got != len(body) || rec.Header().Get(HeaderReplayed) != "" {
			t.Fatalf("handler read %d of %d bytes; replayed=%q", got, len(body), rec.Header().Get(HeaderReplayed))
		}
	}
}

func TestDefaultWindow(t *testing.T) {
	if s := New(nil, "", 0, nil); s.Window() != DefaultWindow || DefaultWindow != 24*time.Hour {
		t.Fatalf("window %v, want the documented 24h", s.Window())
	}
}

func TestMemStoreIsBounded(t *testing.T) {
	m := newMemStore(3, 1<<20)
	now := time.Now()
	for i := range 10 {
		m.put(fmt.Sprint(i), record{Fingerprint: "f"}, time.Hour, now)
	}
	if len(m.entries) != 3 || m.get("9", now) == nil || m.get("0", now) != nil {
		t.Fatalf("kept %d entries; want the 3 newest", len(m.entries))
	}
	m = newMemStore(100, 1000)
	for i := range 10 {
		m.put(fmt.Sprint(i), record{Body: make([]byte, 300)}, time.Hour, now)
	}
	if m.bytes > 1000 || m.get("9", now) == nil {
		t.Fatalf("%d bytes kept, bound 1000", m.bytes)
	}
}

// TestRedisOutage kills Redis mid-test: writes keep being served and keys
// stored during the outage still replay; each outage logs one warning.
func TestRedisOutage(t *testing.T) {
	srv := redistest.Private(t)
	logs, logger := redistest.NewLogs()
	rdb, err := redisx.Open(context.Background(), srv.URL(), logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	s := New(rdb, "t:", 0, logger)
	s.health.ProbeInterval = 20 * time.Millisecond
	app := newApp(s)
	replayed := func(key string) {
		t.Helper()
		if rec := app.post("alice", "/v1/cases", key, `{}`); rec.Code != http.StatusCreated || rec.Header().Get(HeaderReplayed) != "true" {
			t.Fatalf("%s: %d replayed=%q, want a replay", key, rec.Code, rec.Header().Get(HeaderReplayed))
		}
	}
	ran := func(key string) {
		t.Helper()
		before := app.calls.Load()
		if rec := app.post("alice", "/v1/cases", key, `{}`); rec.Code != http.StatusCreated || app.calls.Load() != before+1 {
			t.Fatalf("%s: %d, want the handler to run", key, rec.Code)
		}
	}

	ran("before")
	replayed("before")
	if n, _ := rdb.DBSize(context.Background()).Result(); n != 1 {
		t.Fatalf("want the key in redis, DBSIZE=%d", n)
	}

	srv.Stop()
	for _, k := range []string{"during-1", "during-2"} {
		ran(k)
		replayed(k)
	}
	// Later probes of the dead server belong to the same outage.
	time.Sleep(2 * s.health.ProbeInterval)
	ran("during-3")
	replayed("during-3")
	if n := logs.Count(slog.LevelWarn); n != 1 {
		t.Fatalf("want 1 warning for the outage, got %d:\n%s", n, logs.Text())
	}

	srv.Restart()
	time.Sleep(2 * s.health.ProbeInterval)
	// Redis came back empty; keys stored in process meanwhile still replay.
	replayed("during-1")
	ran("after")
	replayed("after")
	if n := logs.Count(slog.LevelInfo); n != 1 {
		t.Fatalf("want 1 info for the recovery, got %d:\n%s", n, logs.Text())
	}
	if n, _ := rdb.DBSize(context.Background()).Result(); n != 1 {
		t.Fatalf("want the new key in redis, DBSIZE=%d", n)
	}

	// Redis dies while the handler runs: the response is kept in process.
	app.during = srv.Stop
	ran("mid-request")
	app.during = nil
	replayed("mid-request")
	ran("second-outage")
	replayed("second-outage")
	if n := logs.Count(slog.LevelWarn); n != 2 {
		t.Fatalf("want 2 warnings for 2 outages, got %d:\n%s", n, logs.Text())
	}
	if app.calls.Load() != 7 {
		t.Fatalf("handler ran %d times, want 7", app.calls.Load())
	}
}

// app is the handler behind the middleware: it counts its runs and answers
// a body unique to each run, so a replay is recognisable.
type app struct {
	h      http.Handler
	calls  atomic.Int32
	status atomic.Int32
	panics atomic.Bool
	block  chan struct{} // when set, each run waits for it
	during func()        // when set, runs inside the handler
}

func newApp(s *Store) *app {
	a := &app{}
	a.status.Store(http.StatusCreated)
	a.h = Middleware(s, Options{WriteError: writeError})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := a.calls.Add(1)
		if a.panics.Load() {
			panic("handler bug")
		}
		if a.block != nil {
			<-a.block
		}
		if a.during != nil {
			a.during()
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(int(a.status.Load()))
		fmt.Fprintf(w, `{"name":"cases/%d"}`, n)
	}))
	return a
}

func (a *app) post(subject, path, key, body string) *httptest.ResponseRecorder {
	return a.do(subject, http.MethodPost, path, key, body)
}

func (a *app) do(subject, method, path, key, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if key != "" {
		r.Header.Set(HeaderKey, key)
	}
	if subject != "" {
		r = r.WithContext(auth.WithPrincipal(r.Context(), &auth.Principal{Subject: subject, Role: auth.RoleCitizen}))
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, r)
	return rec
}

// writeError stands in for the gateway's renderer: the HTTP status of the
// code and the reason as a header to assert on.
func writeError(w http.ResponseWriter, _ *http.Request, err error) {
	code := http.StatusInternalServerError
	switch status.Code(err) {
	case codes.InvalidArgument:
		code = http.StatusBadRequest
	case codes.Aborted:
		code = http.StatusConflict
	}
	if info := apierror.ErrorInfoOf(err); info != nil {
		w.Header().Set("X-Reason", info.GetReason())
		w.Header().Set("X-Domain", info.GetDomain())
	}
	w.WriteHeader(code)
}

func assertError(t *testing.T, rec *httptest.ResponseRecorder, code int, reason string) {
	t.Helper()
	if rec.Code != code || rec.Header().Get("X-Reason") != reason || rec.Header().Get("X-Domain") != auth.Domain {
		t.Fatalf("got %d %q (%s), want %d %q", rec.Code, rec.Header().Get("X-Reason"), rec.Header().Get("X-Domain"), code, reason)
	}
}
