package redisx_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/config"
	"github.com/dtsen-id/dtsen/services/platform/redisx"
	"github.com/dtsen-id/dtsen/services/platform/redisx/redistest"
)

func TestRegisterConfig(t *testing.T) {
	s := config.New("test")
	s.Lookup = func(name string) (string, bool) {
		if name == redisx.EnvURL {
			return "redis://127.0.0.1:6379/2", true
		}
		return "", false
	}
	url := redisx.RegisterConfig(s)
	if *url != "" {
		t.Fatalf("default %q, want no Redis", *url)
	}
	if err := s.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if *url != "redis://127.0.0.1:6379/2" {
		t.Fatalf("parsed %q", *url)
	}
}

func TestOpenEmptyURLIsNoRedis(t *testing.T) {
	rdb, err := redisx.Open(context.Background(), "", nil)
	if rdb != nil || err != nil {
		t.Fatalf("Open(\"\") = %v, %v; want nil, nil", rdb, err)
	}
}

func TestOpenMalformedURL(t *testing.T) {
	for _, url := range []string{"http://127.0.0.1:6379", "redis://:secretpw@127.0.0.1:6379/notadb", "redis://:secretpw@127.0.0.1:port/0"} {
		rdb, err := redisx.Open(context.Background(), url, nil)
		if err == nil || rdb != nil {
			t.Fatalf("Open(%q) = %v, %v; want an error", url, rdb, err)
		}
		if strings.Contains(err.Error(), "secretpw") {
			t.Fatalf("error leaks the password: %v", err)
		}
	}
}

// An unreachable server is an outage to ride out, not a startup failure,
// and finding it out costs a dial timeout at most.
func TestOpenUnreachableIsNotAnError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	logs, logger := redistest.NewLogs()
	start := time.Now()
	rdb, err := redisx.Open(context.Background(), "redis://"+addr+"/0", logger)
	if err != nil || rdb == nil {
		t.Fatalf("Open = %v, %v; want a client and no error", rdb, err)
	}
	defer rdb.Close()
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("Open took %v against a dead server", took)
	}
	if n := logs.Count(slog.LevelWarn); n != 1 {
		t.Fatalf("want one warning, got %d:\n%s", n, logs.Text())
	}
	opts := rdb.Options()
	if opts.DialTimeout != redisx.DefaultDialTimeout || opts.ReadTimeout != redisx.DefaultIOTimeout ||
		opts.WriteTimeout != redisx.DefaultIOTimeout || opts.DialerRetries != 1 {
		t.Fatalf("timeouts not shortened: %+v", opts)
	}
}

func TestOpenKeepsURLTimeouts(t *testing.T) {
	rdb, err := redisx.Open(context.Background(), "redis://127.0.0.1:1/0?dial_timeout=50ms&read_timeout=2s", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if o := rdb.Options(); o.DialTimeout != 50*time.Millisecond || o.ReadTimeout != 2*time.Second {
		t.Fatalf("URL timeouts overridden: dial %v read %v", o.DialTimeout, o.ReadTimeout)
	}
}

func TestOpenReal(t *testing.T) {
	srv := redistest.Private(t)
	logs, logger := redistest.NewLogs()
	rdb, err := redisx.Open(context.Background(), srv.URL(), logger)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if err := rdb.Set(context.Background(), "k", "v", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if n := logs.Count(slog.LevelWarn); n != 0 {
		t.Fatalf("warned about a healthy server:\n%s", logs.Text())
	}
}

func TestHealthLogsOncePerOutage(t *testing.T) {
	logs, logger := redistest.NewLogs()
	h := redisx.NewHealth("test", logger)
	h.ProbeInterval = 20 * time.Millisecond
	ctx := context.Background()
	boom := errors.New("connection refused")

	if !h.Available() {
		t.Fatal("a fresh tracker must let callers try Redis")
	}
	for range 10 {
		h.Failed(ctx, boom)
	}
	if n := logs.Count(slog.LevelWarn); n != 1 {
		t.Fatalf("10 failures logged %d warnings, want 1", n)
	}
	if h.Available() {
		t.Fatal("Redis tried again right after failing")
	}
	time.Sleep(25 * time.Millisecond)
	if !h.Available() {
		t.Fatal("no probe after the interval")
	}
	if h.Available() {
		t.Fatal("a second caller probed in the same interval")
	}
	h.Succeeded(ctx)
	h.Succeeded(ctx)
	if n := logs.Count(slog.LevelInfo); n != 1 || h.Down() || !h.Available() {
		t.Fatalf("recovery: %d infos, down=%v", n, h.Down())
	}
	h.Failed(ctx, boom)
	if n := logs.Count(slog.LevelWarn); n != 2 {
		t.Fatalf("second outage: %d warnings, want 2", n)
	}
}

// A caller that gave up says nothing about Redis.
func TestHealthIgnoresCallerCancellation(t *testing.T) {
	logs, logger := redistest.NewLogs()
	h := redisx.NewHealth("test", logger)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if h.Failed(ctx, context.Canceled) || h.Down() || logs.Count(slog.LevelWarn) != 0 {
		t.Fatal("a cancelled caller was taken for an outage")
	}
}
