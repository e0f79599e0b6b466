package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Peek reports whether one more request on key would be allowed under lim
// now, without counting it. With Allow it budgets events that are known
// only after the fact: the gateway's citizen check peeks at the failure
// budget before it checks a factor and counts (Allow) only the failures, so
// citizens who get it right never spend a shared IP's failure budget.
func (l *Limiter) Peek(ctx context.Context, key string, lim Limit) Decision {
	if lim.unlimited() {
		return Decision{Allowed: true, Remaining: -1}
	}
	bucket := l.bucket(key)
	if l.rdb != nil && l.health.Available() {
		d, err := l.peekRedis(ctx, bucket, lim)
		if err == nil {
			l.health.Succeeded(ctx)
			return d
		}
		l.health.Failed(ctx, err)
	}
	return l.local.peek(bucket, lim, time.Now())
}

// gcraPeek is gcra without the SET.
var gcraPeek = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = interval * tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local new_tat = tat + interval
local wait = new_tat - tolerance - now
if wait > 0 then
  return {0, 0, wait}
end
return {1, math.floor((tolerance - (new_tat - now)) / interval), 0}
`)

func (l *Limiter) peekRedis(ctx context.Context, bucket string, lim Limit) (Decision, error) {
	res, err := gcraPeek.Run(ctx, l.rdb, []string{l.prefix + bucket},
		lim.interval().Microseconds(), lim.Requests).Int64Slice()
	if err != nil {
		return Decision{}, err
	}
	if len(res) != 3 {
		return Decision{}, fmt.Errorf("ratelimit: script returned %d values", len(res))
	}
	return Decision{
		Allowed:    res[0] == 1,
		Remaining:  int(res[1]),
		RetryAfter: time.Duration(res[2]) * time.Microsecond,
	}, nil
}

func (m *memory) peek(bucket string, lim Limit, now time.Time) Decision {
	interval := lim.interval()
	tolerance := interval * time.Duration(lim.Requests)
	m.mu.Lock()
	tat, ok := m.tat[bucket]
	m.mu.Unlock()
	if !ok || tat.Before(now) {
		tat = now
	}
	newTAT := tat.Add(interval)
	if wait := newTAT.Sub(now) - tolerance; wait > 0 {
		return Decision{Allowed: false, RetryAfter: wait}
	}
	return Decision{Allowed: true, Remaining: int((tolerance - newTAT.Sub(now)) / interval)}
}
