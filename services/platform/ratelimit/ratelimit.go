// Package ratelimit enforces the gateway's request budgets per client, per IP
// and per NIK checked (DESIGN.md §6, Abuse).
//
// The algorithm is GCRA (the generic cell rate algorithm, as in redis-cell):
// a Limit of N per P lets a caller burst N requests and then one every P/N.
// Each bucket is a single "theoretical arrival time" value, updated by one
// Lua script run atomically in Redis against Redis's own clock, so every
// gateway replica shares the budget and replica clock skew does not matter.
//
// Redis is optional and never fatal: with no client, or while Redis fails,
// the same algorithm runs in process on a bounded table. During an outage
// each replica therefore enforces the budget on its own, so a caller spread
// over R replicas may get up to R times the budget; that is the price of
// "Redis down degrades; it does not break".
package ratelimit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dtsen-id/dtsen/services/platform/redisx"
)

// Limit is a budget of Requests per Per, with bursts of up to Requests.
// Zero Requests (or Per) means unlimited.
type Limit struct {
	Requests int
	Per      time.Duration
}

func (l Limit) unlimited() bool { return l.Requests <= 0 || l.Per <= 0 }

// interval is the GCRA emission interval: the steady-state gap between two
// allowed requests.
func (l Limit) interval() time.Duration {
	return max(l.Per/time.Duration(l.Requests), time.Microsecond)
}

// Decision is the outcome of one Allow.
type Decision struct {
	Allowed bool
	// Remaining is how many more requests would be allowed right now; -1
	// for an unlimited Limit.
	Remaining int
	// RetryAfter is how long a refused caller must wait before the next
	// request can be allowed (zero when Allowed).
	RetryAfter time.Duration
}

// Limiter decides requests against Redis when it has one and it answers,
// and in process otherwise.
type Limiter struct {
	rdb    *redis.Client
	prefix string
	secret []byte
	health *redisx.Health
	local  *memory
}

// New returns a Limiter keeping its buckets under prefix in rdb, shared with
// every Limiter using the same rdb and prefix. A nil rdb keeps them in
// process only.
func New(rdb *redis.Client, prefix string, logger *slog.Logger) *Limiter {
	return &Limiter{
		rdb:    rdb,
		prefix: prefix + "rl:",
		secret: []byte("dtsen-ratelimit:" + prefix),
		health: redisx.NewHealth("ratelimit", logger),
		local:  newMemory(defaultMaxBuckets),
	}
}

// WithKeySecret keys the HMAC that turns bucket keys into Redis key names;
// call it before first use and give every replica the same secret. Without
// it the HMAC key is derived from the prefix, which keeps NIKs out of sight
// in Redis but not out of reach of someone who can read the keys and is
// willing to hash every valid NIK (~10^12 of them) to match one.
func (l *Limiter) WithKeySecret(secret []byte) *Limiter {
	l.secret = append([]byte(nil), secret...)
	return l
}

// Allow counts one request against key's budget under lim and reports
// whether it may proceed. It never fails: when Redis does, the decision is
// made in process.
func (l *Limiter) Allow(ctx context.Context, key string, lim Limit) Decision {
	return l.decide(ctx, key, lim, true)
}

// Peek reports whether one more request on key would be allowed under lim
// now, without counting it. With Allow it budgets events that are known
// only after the fact: the gateway's citizen check peeks at the failure
// budget before it checks a factor and counts (Allow) only the failures, so
// citizens who get it right never spend a shared IP's failure budget.
func (l *Limiter) Peek(ctx context.Context, key string, lim Limit) Decision {
	return l.decide(ctx, key, lim, false)
}

// decide runs GCRA on key's bucket, counting the request when count.
func (l *Limiter) decide(ctx context.Context, key string, lim Limit, count bool) Decision {
	if lim.unlimited() {
		return Decision{Allowed: true, Remaining: -1}
	}
	bucket := l.bucket(key)
	if l.rdb != nil && l.health.Available() {
		d, err := l.decideRedis(ctx, bucket, lim, count)
		if err == nil {
			l.health.Succeeded(ctx)
			return d
		}
		l.health.Failed(ctx, err)
	}
	return l.local.decide(bucket, lim, time.Now(), count)
}

// bucket names key's bucket. Keys carry subjects, IP addresses and NIKs,
// none of which may appear in Redis (DESIGN.md §6), so only a keyed hash of
// the key is used, in Redis and in process alike.
func (l *Limiter) bucket(key string) string {
	m := hmac.New(sha256.New, l.secret)
	m.Write([]byte(key))
	// 128 bits: collisions between two callers' buckets are negligible.
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// gcra runs GCRA on one bucket. The bucket holds the theoretical arrival
// time (TAT) in microseconds of Redis's clock; it expires when the budget is
// full again, so idle callers cost no memory. string.format('%d') keeps the
// TAT exact: Lua 5.1 would print a 16-digit number as 1.7e+15. ARGV[3] "1"
// counts the request; "0" only asks whether it would pass (Peek).
var gcra = redis.NewScript(`
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
local ttl = new_tat - now
if ARGV[3] == '1' then
  redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil(ttl / 1000))
end
return {1, math.floor((tolerance - ttl) / interval), 0}
`)

func (l *Limiter) decideRedis(ctx context.Context, bucket string, lim Limit, count bool) (Decision, error) {
	flag := "0"
	if count {
		flag = "1"
	}
	res, err := gcra.Run(ctx, l.rdb, []string{l.prefix + bucket},
		lim.interval().Microseconds(), lim.Requests, flag).Int64Slice()
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
