package ratelimit

import (
	"sync"
	"time"
)

// defaultMaxBuckets bounds the in-process table: about 100 bytes a bucket,
// so 10 MB at most, however many distinct IPs or NIKs an attacker sends.
const defaultMaxBuckets = 100_000

// memory is the in-process GCRA: the same algorithm as the Redis script,
// one TAT per bucket, on this process's monotonic clock.
type memory struct {
	mu      sync.Mutex
	tat     map[string]time.Time
	max     int
	evicted int // buckets dropped while full, for tests
}

func newMemory(maxBuckets int) *memory {
	return &memory{tat: make(map[string]time.Time), max: maxBuckets}
}

// decide runs GCRA on bucket at now, recording the request when count.
func (m *memory) decide(bucket string, lim Limit, now time.Time, count bool) Decision {
	interval := lim.interval()
	tolerance := interval * time.Duration(lim.Requests)

	m.mu.Lock()
	defer m.mu.Unlock()
	tat, ok := m.tat[bucket]
	if !ok || tat.Before(now) {
		tat = now
	}
	newTAT := tat.Add(interval)
	if wait := newTAT.Sub(now) - tolerance; wait > 0 {
		return Decision{Allowed: false, RetryAfter: wait}
	}
	if !count {
		return Decision{Allowed: true, Remaining: int((tolerance - newTAT.Sub(now)) / interval)}
	}
	if !ok {
		m.makeRoom(now)
	}
	m.tat[bucket] = newTAT
	return Decision{Allowed: true, Remaining: int((tolerance - newTAT.Sub(now)) / interval)}
}

// makeRoom keeps the table under max. Buckets whose TAT has passed are
// full again, so dropping them changes no decision. If that frees nothing
// (a flood of fresh keys), an eighth of the table is dropped at random: those
// callers get a fresh budget, which beats growing without bound, and
// dropping many at once keeps the sweep's cost amortised.
func (m *memory) makeRoom(now time.Time) {
	if len(m.tat) < m.max {
		return
	}
	for k, tat := range m.tat {
		if !tat.After(now) {
			delete(m.tat, k)
		}
	}
	if len(m.tat) < m.max {
		return
	}
	drop := max(m.max/8, 1)
	for k := range m.tat {
		if drop == 0 {
			break
		}
		delete(m.tat, k)
		m.evicted++
		drop--
	}
}
