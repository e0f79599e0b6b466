package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"testing"

	"github.com/dtsen-id/dtsen/gateway/internal/citizen"
	"github.com/dtsen-id/dtsen/gateway/internal/server"
	"github.com/dtsen-id/dtsen/services/platform/ratelimit"
	"github.com/dtsen-id/dtsen/services/platform/redisx/redistest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
)

// BenchmarkCitizenCheck measures "Cek DTSEN" as announcement day sees it:
// one complete check (NIK + KK number) through the gateway, served from the
// Redis status cache, against the raw baseline of the same check assembled
// from the registry, scoring and grievance (the cache entry deleted before
// each call, outside the timer). Everything is real and on loopback.
//
//	go -C gateway test -run '^$' -bench CitizenCheck -benchtime 2s ./internal/e2e/
func BenchmarkCitizenCheck(b *testing.B) {
	p := startRanked(b, 0)
	rdb, prefix := redistest.Real(b)
	opts := p.options(b)
	opts.RateLimiter = ratelimit.New(rdb, prefix+"gateway", slog.New(slog.DiscardHandler))
	opts.Citizen = server.CitizenOptions{SessionKey: testSessionKey, Tokens: p.src.Registry.Auth.ServiceTokens("gateway"),
		Actor: "dtsen-gateway", Redis: rdb, RedisPrefix: prefix + "gateway", FailureFloor: -1,
		Limits: citizen.Limits{FailuresPerNIK: unlimited, FailuresPerIP: unlimited, ChecksPerIP: unlimited}}
	base, client := serve(b, opts)
	sessions, err := citizen.NewSessions(testSessionKey)
	if err != nil {
		b.Fatal(err)
	}
	fam := registrytest.Family(3)
	nik := fam.GetHeadNik()
	body, _ := json.Marshal(map[string]string{"nik": nik, "kkNumber": fam.GetKkNumber()})
	cacheKey := prefix + "gateway" + "citizen:status:" + sessions.Pseudonym(nik)
	check := func() error {
		resp, err := client.Post(base+citizen.CheckPath, "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		var out struct {
			Score struct{ Decile int } `json:"score"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil || out.Score.Decile < 1 {
			return fmt.Errorf("check: HTTP %d, decile %d, %v", resp.StatusCode, out.Score.Decile, err)
		}
		return nil
	}
	must := func(b *testing.B) {
		if err := check(); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("cached", func(b *testing.B) {
		must(b) // fills the cache
		for b.Loop() {
			must(b)
		}
	})
	// Many phones at once: 16 callers in flight, as announcement day sends
	// them; ns/op is then the gateway's throughput cost per check.
	b.Run("cached-16-in-flight", func(b *testing.B) {
		must(b)
		b.SetParallelism(8) // × GOMAXPROCS (2) = 16 callers
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := check(); err != nil {
					b.Error(err) // not Fatal: this is not the benchmark's goroutine
					return
				}
			}
		})
	})
	b.Run("uncached", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			if err := rdb.Del(b.Context(), cacheKey).Err(); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			must(b)
		}
	})
	if n, err := rdb.Exists(b.Context(), cacheKey).Result(); err != nil || n != 1 {
		b.Fatal(fmt.Errorf("the status cache key %s was not used: %d, %v", cacheKey, n, err))
	}
}
