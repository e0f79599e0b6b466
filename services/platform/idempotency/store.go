// Package idempotency makes retried write requests safe at the gateway
// (AIP-155 request_id; DESIGN.md §7: "a retried request never duplicates
// data").
//
// A write request carrying a key (the Idempotency-Key header or a top-level
// "requestId" in its JSON body) claims that key for its caller; the handler
// runs once, its response is kept for the window, and a retry of the same
// request gets the kept response back without reaching the service. Keys live
// in Redis so that a retry landing on another gateway replica is recognised;
// without Redis, or while it fails, they live in process and protect
// retries that reach the same replica. Redis is never the only copy of
// anything: the services keep the data, this only remembers answers.
package idempotency

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dtsen-id/dtsen/services/platform/redisx"
)

// DefaultWindow is how long a completed request's response is replayed to
// retries of it: 24 hours, the documented window of this API's request ids
// (AIP-155 leaves it to the API; a day covers a phone that lost signal and
// retries the next morning). A key reused after the window runs as a new
// request.
const DefaultWindow = 24 * time.Hour

// ClaimTTL bounds how long a key stays claimed by a request that is still
// running. It must outlast the gateway's longest request; a gateway that
// dies mid-request leaves the key blocked (REQUEST_IN_PROGRESS) this long.
const ClaimTTL = time.Minute

// MaxStoredBody is the largest response kept for replay. Write responses
// are small resources; a larger one is not kept, and its key is released so
// a retry runs again rather than being told "in progress".
const MaxStoredBody = 1 << 20

// record is the value kept under a key: a claim while Token is set, else a
// completed response.
type record struct {
	Fingerprint string `json:"f"`
	Token       string `json:"t,omitempty"`
	Status      int    `json:"s,omitempty"`
	ContentType string `json:"c,omitempty"`
	Body        []byte `json:"b,omitempty"`
}

func (r *record) inProgress() bool { return r.Token != "" }

// Store keeps idempotency keys in Redis, or in process without it.
type Store struct {
	rdb    *redis.Client
	prefix string
	window time.Duration
	health *redisx.Health
	local  *memStore
	logger *slog.Logger
}

// New returns a Store keeping keys under prefix in rdb (nil: in process
// only) for window (DefaultWindow when zero).
func New(rdb *redis.Client, prefix string, window time.Duration, logger *slog.Logger) *Store {
	if window <= 0 {
		window = DefaultWindow
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Store{
		rdb:    rdb,
		prefix: prefix + "idem:",
		window: window,
		health: redisx.NewHealth("idempotency", logger),
		local:  newMemStore(defaultMaxEntries, defaultMaxBytes),
		logger: logger,
	}
}

// Window returns how long completed responses are replayed.
func (s *Store) Window() time.Duration { return s.window }

// storeKey scopes key to subject, so two callers choosing the same key do
// not collide (or read each other's responses). Hashing also bounds the
// length of whatever the client sent.
func (s *Store) storeKey(subject, key string) string {
	h := sha256.New()
	h.Write([]byte(subject))
	h.Write([]byte{0})
	h.Write([]byte(key))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// claim is a key held by the running request.
type claim struct {
	key   string
	token string
	raw   string // the claim's value in Redis, compared before replacing it
	local bool
}

// claimScript sets the claim unless the key is held, and returns what
// holds it. It is SET NX plus GET in one atomic step on every Redis version.
var claimScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v then return v end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
`)

// replaceScript and releaseScript only touch the key while it still holds
// our claim: if the claim expired and another request took the key, its
// claim must survive.
var replaceScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
`)

var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// acquire claims key for a request with fingerprint fp. It returns the
// record already holding the key, or the new claim.
func (s *Store) acquire(ctx context.Context, key, fp string) (*record, *claim) {
	now := time.Now()
	// Keys stored in process during an outage stay authoritative on this
	// replica after Redis comes back, which keeps their replays working.
	if held := s.local.get(key, now); held != nil {
		return held, nil
	}
	token := newToken()
	mine := record{Fingerprint: fp, Token: token}
	if s.rdb != nil && s.health.Available() {
		raw, err := encode(mine)
		if err == nil {
			var held string
			held, err = claimScript.Run(ctx, s.rdb, []string{s.prefix + key}, raw, ClaimTTL.Milliseconds()).Text()
			switch {
			case errors.Is(err, redis.Nil):
				s.health.Succeeded(ctx)
				return nil, &claim{key: key, token: token, raw: raw}
			case err == nil:
				s.health.Succeeded(ctx)
				if rec, derr := decode(held); derr == nil {
					return rec, nil
				}
				// An undecodable value cannot be replayed or matched; it
				// can only be left to expire, so the request runs
				// unprotected rather than being refused.
				s.logger.ErrorContext(ctx, "idempotency: undecodable record in redis; running the request without a claim")
				return nil, &claim{key: key, token: token, local: true}
			default:
				s.health.Failed(ctx, err)
			}
		}
	}
	if held := s.local.claim(key, mine, ClaimTTL, now); held != nil {
		return held, nil
	}
	return nil, &claim{key: key, token: token, local: true}
}

// complete replaces the claim by the response, kept for the window.
func (s *Store) complete(ctx context.Context, c *claim, rec record) {
	if !c.local {
		raw, err := encode(rec)
		if err == nil {
			err = replaceScript.Run(ctx, s.rdb, []string{s.prefix + c.key}, c.raw, raw, s.window.Milliseconds()).Err()
			if err == nil {
				s.health.Succeeded(ctx)
				return
			}
		}
		s.health.Failed(ctx, err)
		// Redis went away while the handler ran: keep the response here so
		// at least retries reaching this replica are answered from it.
		s.local.put(c.key, rec, s.window, time.Now())
		return
	}
	s.local.complete(c.key, c.token, rec, s.window, time.Now())
}

// release gives the key up so the client may retry it.
func (s *Store) release(ctx context.Context, c *claim) {
	if c.local {
		s.local.release(c.key, c.token)
		return
	}
	if err := releaseScript.Run(ctx, s.rdb, []string{s.prefix + c.key}, c.raw).Err(); err != nil {
		// The claim then blocks retries until ClaimTTL passes.
		s.health.Failed(ctx, err)
		return
	}
	s.health.Succeeded(ctx)
}

func encode(r record) (string, error) {
	b, err := json.Marshal(r)
	return string(b), err
}

func decode(raw string) (*record, error) {
	var r record
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
