package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"google.golang.org/grpc/codes"
)

// CORS response values. The methods are those the HTTP rules use; the
// request headers are what a browser client of this API sends besides the
// CORS-safelisted ones; the exposed headers are the ones a client script
// needs to read (the request id for support, Retry-After for back-off).
const (
	corsAllowMethods  = "GET, POST, PATCH"
	corsAllowHeaders  = "Authorization, Content-Type, X-Request-Id, X-Dtsen-Purpose, Idempotency-Key"
	corsExposeHeaders = "X-Request-Id, Retry-After"
	// corsMaxAge lets a browser reuse a preflight for ten minutes, short
	// enough that removing an origin from the list takes effect soon.
	corsMaxAge = "600"
)

// cors is the cross-origin policy: only listed origins, each echoed back,
// never "*". Credentials (cookies) are not allowed: the API authenticates
// with bearer tokens, which a script sends itself, and the gateway drops
// cookies anyway.
type cors struct {
	origins map[string]bool
}

// newCORS validates the configured origins: each must be a serialised origin
// (scheme://host[:port], http or https, nothing after the authority), so a
// typo cannot silently widen or break the policy; "*" is refused because
// any-origin access to personal data is never wanted.
func newCORS(origins []string) (*cors, error) {
	c := &cors{origins: map[string]bool{}}
	for _, o := range origins {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		u, err := url.Parse(o)
		if o == "*" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("server: CORS origin %q is not an origin like https://app.example.go.id", o)
		}
		c.origins[strings.ToLower(u.Scheme+"://"+u.Host)] = true
	}
	return c, nil
}

// handle applies the policy to r. It answers a preflight itself (true):
// preflights carry no token by design, so they must not reach
// authentication. For other requests it only adds headers (false).
func (c *cors) handle(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	preflight := r.Method == http.MethodOptions && origin != "" && r.Header.Get("Access-Control-Request-Method") != ""
	if len(c.origins) == 0 && !preflight {
		return false
	}
	h := w.Header()
	// The response differs by origin, so a shared cache must key on it, even
	// for a request from an origin that got no CORS headers.
	h.Add("Vary", "Origin")
	allowed := origin != "" && c.origins[strings.ToLower(origin)]
	if !preflight {
		if allowed {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		}
		return false
	}
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	if !allowed {
		writeError(w, http.StatusForbidden, gatewayError(codes.PermissionDenied, ReasonCORSOriginNotAllowed,
			"cross-origin requests from this origin are not allowed",
			"Permintaan lintas asal dari asal ini tidak diizinkan.", nil))
		return true
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Methods", corsAllowMethods)
	h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
	h.Set("Access-Control-Max-Age", corsMaxAge)
	w.WriteHeader(http.StatusNoContent)
	return true
}
