// Package redistest gives tests a real Redis: the shared development/CI
// server (Real) or a throwaway process a test may kill to prove that Redis
// going down degrades instead of breaking (Private).
//
// As with storagetest, a missing server skips the test on a developer's
// machine but fails it under CI=true: CI must never go green by skipping.
package redistest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dtsen-id/dtsen/services/platform/redisx"
)

// DefaultURL is the development and CI server.
const DefaultURL = "redis://127.0.0.1:6379/0"

// Real returns a client of the shared server (DTSEN_TEST_REDIS_URL, or
// DefaultURL) and a key prefix unique to this test. Every key under the
// prefix is deleted when the test ends, so tests and packages may share the
// server concurrently as long as they keep to their prefix.
func Real(t testing.TB) (*redis.Client, string) {
	t.Helper()
	url := os.Getenv("DTSEN_TEST_REDIS_URL")
	if url == "" {
		url = DefaultURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rdb, err := redisx.Open(ctx, url, discardLogger())
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		unavailable(t, fmt.Sprintf("Redis not reachable at %s (%v); set DTSEN_TEST_REDIS_URL or start it", url, err))
	}
	prefix := "dtsentest:" + randomHex(6) + ":"
	t.Cleanup(func() {
		defer rdb.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := DeletePrefix(ctx, rdb, prefix); err != nil {
			t.Logf("redistest: cleaning %s*: %v", prefix, err)
		}
	})
	return rdb, prefix
}

// Keys returns every key under prefix.
func Keys(ctx context.Context, rdb *redis.Client, prefix string) ([]string, error) {
	var keys []string
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	return keys, iter.Err()
}

// DeletePrefix deletes every key under prefix.
func DeletePrefix(ctx context.Context, rdb *redis.Client, prefix string) error {
	keys, err := Keys(ctx, rdb, prefix)
	if err != nil || len(keys) == 0 {
		return err
	}
	return rdb.Del(ctx, keys...).Err()
}

// Server is a redis-server process owned by one test.
type Server struct {
	// Addr is host:port of the server; it stays the same across Restart.
	Addr string

	t       testing.TB
	dir     string
	mu      sync.Mutex
	cmd     *exec.Cmd
	stopped chan struct{}
}

// URL is the redis:// URL of the server, for redisx.Open.
func (s *Server) URL() string { return "redis://" + s.Addr + "/0" }

// Private starts a throwaway redis-server (from PATH) on a free loopback
// port, with persistence off, and stops it when the test ends. It skips the
// test when redis-server is not installed (fails under CI=true).
func Private(t testing.TB) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		unavailable(t, "redis-server is not on PATH (apt-get install redis-server)")
	}
	s := &Server{t: t, dir: t.TempDir()}
	// A free port can be taken by someone else between choosing and binding
	// it, so a failed start is retried on a new port.
	var err error
	for range 3 {
		var port int
		if port, err = freePort(); err != nil {
			continue
		}
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if err = s.start(); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("redistest: start redis-server: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Stop kills the server, as an outage would: clients see refused connections
// from then on. It is idempotent.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.stopped
	s.cmd = nil
}

// Restart starts a stopped server again on the same address, empty (it never
// persisted anything), as Redis coming back after an outage would.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: restart redis-server on %s: %v", s.Addr, err)
	}
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, port, _ := net.SplitHostPort(s.Addr)
	cmd := exec.Command("redis-server",
		"--port", port, "--bind", "127.0.0.1", "--dir", s.dir,
		"--save", "", "--appendonly", "no")
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return err
	}
	stopped := make(chan struct{})
	go func() { _ = cmd.Wait(); close(stopped) }()

	rdb := redis.NewClient(&redis.Options{Addr: s.Addr, DialTimeout: 100 * time.Millisecond,
		DialerRetries: 1, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		select {
		case <-stopped:
			return fmt.Errorf("redis-server exited: %s", out.String())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			s.cmd, s.stopped = cmd, stopped
			return nil
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-stopped
			return fmt.Errorf("redis-server did not answer within 5s: %v; output: %s", err, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func unavailable(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("Redis is required under CI=true: %s", msg)
	}
	t.Skip(msg)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
