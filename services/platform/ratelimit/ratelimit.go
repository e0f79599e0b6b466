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

// Step is one budget of a request that several budgets govern: Count spends
// it (Allow), otherwise it is only looked at (Peek).
type Step struct {
	Key   string
	Limit Limit
	Count bool
}

// AllowAll decides one request against every step at once: one Redis round
// trip instead of one per budget, and all or nothing, so a request refused by
// one budget spends none of the others. It returns the index of the first
// step that refuses, with that step's decision, or -1 and an allowed
// decision. Like Allow it never fails: when Redis does, it decides in
// process.
func (l *Limiter) AllowAll(ctx context.Context, steps ...Step) (int, Decision) {
	var live []int // the steps with a budget
	for i, st := range steps {
		if !st.Limit.unlimited() {
			live = append(live, i)
		}
	}
	if len(live) == 0 {
		return -1, Decision{Allowed: true, Remaining: -1}
	}
	buckets := make([]string, len(live))
	for j, i := range live {
		buckets[j] = l.bucket(steps[i].Key)
	}
	if l.rdb != nil && l.health.Available() {
		refused, d, err := l.decideAllRedis(ctx, steps, live, buckets)
		if err == nil {
			l.health.Succeeded(ctx)
			return refused, d
		}
		l.health.Failed(ctx, err)
	}
	now := time.Now()
	for j, i := range live {
		if d := l.local.decide(buckets[j], steps[i].Limit, now, false); !d.Allowed {
			return i, d
		}
	}
	for j, i := range live {
		if steps[i].Count {
			l.local.decide(buckets[j], steps[i].Limit, now, true)
		}
	}
	return -1, Decision{Allowed: true, Remaining: -1}
}

// gcraAll is gcra over several buckets: every bucket is checked first, and
// the counted ones are written only when all pass. ARGV holds (interval,
// requests, count flag) per key. It returns {index of the refusing key
// (1-based), wait} or {0, 0}.
var gcraAll = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local writes = {}
for i = 1, #KEYS do
  local interval = tonumber(ARGV[3 * i - 2])
  local tolerance = interval * tonumber(ARGV[3 * i - 1])
  local tat = tonumber(redis.call('GET', KEYS[i])) or now
  if tat < now then tat = now end
  local new_tat = tat + interval
  local wait = new_tat - tolerance - now
  if wait > 0 then
    return {i, wait}
  end
  if ARGV[3 * i] == '1' then
    writes[#writes + 1] = {KEYS[i], new_tat}
  end
end
for _, w in ipairs(writes) do
  redis.call('SET', w[1], string.format('%d', w[2]), 'PX', math.ceil((w[2] - now) / 1000))
end
return {0, 0}
`)

func (l *Limiter) decideAllRedis(ctx context.Context, steps []Step, live []int, buckets []string) (int, Decision, error) {
	keys := make([]string, len(live))
	args := make([]any, 0, 3*len(live))
	for j, i := range live {
		keys[j] = l.prefix + buckets[j]
		flag := "0"
		if steps[i].Count {
			flag = "1"
		}
		args = append(args, steps[i].Limit.interval().Microseconds(), steps[i].Limit.Requests, flag)
	}
	res, err := gcraAll.Run(ctx, l.rdb, keys, args...).Int64Slice()
	if err != nil {
		return 0, Decision{}, err
	}
	if len(res) != 2 || res[0] < 0 || res[0] > int64(len(live)) {
		return 0, Decision{}, fmt.Errorf("ratelimit: script returned %v", res)
	}
	if res[0] == 0 {
		return -1, Decision{Allowed: true, Remaining: -1}, nil
	}
	return live[res[0]-1], Decision{RetryAfter: time.Duration(res[1]) * time.Microsecond}, nil
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
