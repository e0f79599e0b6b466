package ratelimit

import (
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth"
)

// ReasonRateLimited is the ErrorInfo.reason of a refused request. Its
// metadata "scope" says which budget ran out: ScopeClient, ScopeIP or
// ScopeNIK.
const ReasonRateLimited = "RATE_LIMITED"

// Scopes of a budget, as reported in the error's metadata.
const (
	ScopeClient = "client"
	ScopeIP     = "ip"
	ScopeNIK    = "nik"
)

// Policy is the budget of each scope; a zero Limit leaves that scope
// unlimited.
type Policy struct {
	// PerClient is the budget of one authenticated subject.
	PerClient Limit
	// PerIP is the budget of one client address (an IPv6 /64).
	PerIP Limit
	// PerNIK is the budget of lookups of one NIK, whoever makes them: it
	// stops a caller that rotates tokens and addresses from probing one
	// person's data (or a citizen's status check being brute-forced).
	PerNIK Limit
}

// Options adapt the middleware to the gateway.
type Options struct {
	// ClientIP returns the address to count the request against; "" skips
	// the per-IP budget. Default: RemoteIP(nil), the direct peer.
	ClientIP func(*http.Request) string
	// NIKs returns the NIKs the request checks (e.g. from persons/{nik});
	// nil means none.
	NIKs func(*http.Request) []string
	// WriteError renders a refusal; the gateway passes its standard JSON
	// error writer. Required.
	WriteError func(http.ResponseWriter, *http.Request, error)
}

// Middleware refuses requests over any of p's budgets with 429
// RESOURCE_EXHAUSTED (reason RATE_LIMITED) and a Retry-After header. Budgets
// are checked client, IP, then NIK, stopping at the first refusal, so a
// request refused for its client does not also spend its IP's budget.
func Middleware(l *Limiter, p Policy, o Options) func(http.Handler) http.Handler {
	if o.WriteError == nil {
		panic("ratelimit: Options.WriteError is required")
	}
	if o.ClientIP == nil {
		o.ClientIP = RemoteIP(nil)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			if pr := auth.FromContext(ctx); pr != nil && pr.Subject != "" && !p.PerClient.unlimited() {
				if d := l.Allow(ctx, ScopeClient+":"+pr.Subject, p.PerClient); !d.Allowed {
					refuse(w, r, o, ScopeClient, d)
					return
				}
			}
			if !p.PerIP.unlimited() {
				if ip := o.ClientIP(r); ip != "" {
					if d := l.Allow(ctx, ScopeIP+":"+ip, p.PerIP); !d.Allowed {
						refuse(w, r, o, ScopeIP, d)
						return
					}
				}
			}
			if !p.PerNIK.unlimited() && o.NIKs != nil {
				var seen []string
				for _, nik := range o.NIKs(r) {
					if nik == "" || slices.Contains(seen, nik) {
						continue
					}
					seen = append(seen, nik)
					if d := l.Allow(ctx, ScopeNIK+":"+nik, p.PerNIK); !d.Allowed {
						refuse(w, r, o, ScopeNIK, d)
						return
					}
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

func refuse(w http.ResponseWriter, r *http.Request, o Options, scope string, d Decision) {
	// Retry-After is whole seconds (RFC 9110 §10.2.3); rounding down would
	// invite a retry that is refused again.
	secs := max(int64((d.RetryAfter+time.Second-1)/time.Second), 1)
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	o.WriteError(w, r, apierror.New(codes.ResourceExhausted, auth.Domain, ReasonRateLimited).
		Message("too many requests; wait before trying again (see the Retry-After header)",
			"terlalu banyak permintaan; tunggu sebentar sebelum mencoba lagi").
		Meta("scope", scope).Err())
}

// RemoteIP returns a ClientIP that counts requests against the direct peer,
// or, when the peer is one of trustedProxies (the load balancer or ingress),
// against the nearest X-Forwarded-For hop that is not itself trusted. Hops
// are read right to left because only the entries appended by trusted
// proxies can be believed; anything further left was sent by the client and
// could be forged to dodge the limit.
//
// IPv6 addresses are reduced to their /64: one subscriber usually holds a
// whole /64 and could otherwise rotate addresses within it at will.
func RemoteIP(trustedProxies []netip.Prefix) func(*http.Request) string {
	trusted := func(a netip.Addr) bool {
		return slices.ContainsFunc(trustedProxies, func(p netip.Prefix) bool { return p.Contains(a) })
	}
	return func(r *http.Request) string {
		peer, ok := parseHop(r.RemoteAddr)
		if !ok {
			return ""
		}
		if trusted(peer) {
			hops := forwardedHops(r.Header.Values("X-Forwarded-For"))
			for i := len(hops) - 1; i >= 0; i-- {
				hop, ok := parseHop(hops[i])
				if !ok {
					// A trusted proxy writes valid addresses, so this came
					// from the client: stop at the last hop we can vouch for.
					break
				}
				peer = hop
				if !trusted(hop) {
					break
				}
			}
		}
		if peer.Is6() {
			return netip.PrefixFrom(peer, 64).Masked().String()
		}
		return peer.String()
	}
}

func forwardedHops(values []string) []string {
	var hops []string
	for _, v := range values {
		for h := range strings.SplitSeq(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	return hops
}

// parseHop accepts an address with or without a port ("1.2.3.4:80",
// "[::1]:80"), as RemoteAddr and some proxies' X-Forwarded-For carry.
func parseHop(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}
