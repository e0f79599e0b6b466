package server

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/status"

	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/idempotency"
	"github.com/dtsen-id/dtsen/services/platform/ratelimit"
)

// DefaultRateLimits are generous for a person or an integration, tight for
// one NIK: nobody legitimately asks about the same NIK 30 times a minute,
// while someone enumerating or guessing a second factor does. Per IP is
// the loosest, because citizens on mobile networks share carrier-grade NAT.
var DefaultRateLimits = ratelimit.Policy{
	PerClient: ratelimit.Limit{Requests: 600, Per: time.Minute},
	PerIP:     ratelimit.Limit{Requests: 1200, Per: time.Minute},
	PerNIK:    ratelimit.Limit{Requests: 30, Per: time.Minute},
}

// abuse holds the rate limiter and the idempotency store the gateway runs
// every request through.
type abuse struct {
	preAuth, postAuth func(http.Handler) http.Handler
	idempotent        func(http.Handler) http.Handler
	// limiter, policy and clientIP are also the citizen check's, which
	// counts its failures itself.
	limiter  *ratelimit.Limiter
	policy   ratelimit.Policy
	clientIP func(*http.Request) string
}

func newAbuse(o Options) *abuse {
	limiter, policy, store := o.RateLimiter, o.RateLimits, o.Idempotency
	if limiter == nil {
		limiter = ratelimit.New(nil, "gateway", o.Logger)
	}
	if policy == (ratelimit.Policy{}) {
		policy = DefaultRateLimits
	}
	if store == nil {
		store = idempotency.New(nil, "gateway", idempotency.DefaultWindow, o.Logger)
	}
	clientIP := o.ClientIP
	if clientIP == nil {
		clientIP = ratelimit.RemoteIP(nil)
	}
	writeErr := func(w http.ResponseWriter, _ *http.Request, err error) {
		st := status.Convert(err)
		writeError(w, runtime.HTTPStatusFromCode(st.Code()), st)
	}
	return &abuse{
		limiter: limiter, policy: policy, clientIP: clientIP,
		// Per IP before the token is verified: a flood of bad tokens (each
		// unknown key id makes the verifier fetch the issuer's keys) is cut
		// off before it costs anything.
		preAuth: ratelimit.Middleware(limiter, ratelimit.Policy{PerIP: policy.PerIP},
			ratelimit.Options{ClientIP: clientIP, WriteError: writeErr}),
		postAuth: ratelimit.Middleware(limiter, ratelimit.Policy{PerClient: policy.PerClient, PerNIK: policy.PerNIK},
			ratelimit.Options{ClientIP: clientIP, NIKs: niksInPath, WriteError: writeErr}),
		idempotent: idempotency.Middleware(store, idempotency.Options{
			Subject: func(r *http.Request) string {
				if p := auth.FromContext(r.Context()); p != nil {
					return p.Subject
				}
				return ""
			},
			WriteError: writeErr,
			MaxBody:    o.MaxBodyBytes,
		}),
	}
}

var personInPath = regexp.MustCompile(`persons/(\d{16})`)

// niksInPath are the NIKs a request asks about, for the per-NIK limit.
func niksInPath(r *http.Request) []string {
	var out []string
	for _, m := range personInPath.FindAllStringSubmatch(r.URL.Path, -1) {
		out = append(out, m[1])
	}
	return out
}

// ParseLimit reads a limit written "N/duration", e.g. "600/1m"; "0" or ""
// means unlimited.
func ParseLimit(s string) (ratelimit.Limit, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return ratelimit.Limit{}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	requests, err := strconv.Atoi(n)
	if !ok || err != nil || requests < 0 {
		return ratelimit.Limit{}, fmt.Errorf("rate limit %q: want N/duration, e.g. 600/1m", s)
	}
	d, err := time.ParseDuration(per)
	if err != nil || d <= 0 {
		return ratelimit.Limit{}, fmt.Errorf("rate limit %q: want N/duration, e.g. 600/1m", s)
	}
	return ratelimit.Limit{Requests: requests, Per: d}, nil
}
