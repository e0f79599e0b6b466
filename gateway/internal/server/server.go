// Package server builds the gateway's http.Handler: grpc-gateway REST
// translation for the services' HTTP rules (gateway/api/http_rules.yaml),
// bearer-token authentication and the method table (auth.MethodRoles),
// CORS, Google-style JSON errors, request ids, body limits, health and
// readiness, the OpenAPI document, the services' audit logs, access logs and
// OpenTelemetry tracing, and citizen self-service (package citizen: the
// status check and its session tokens).
//
// cmd/gateway wires it to configuration; tests build the very same handler
// with New against in-process gRPC servers.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/oauth2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/dtsen-id/dtsen/gateway/internal/citizen"
	"github.com/dtsen-id/dtsen/gateway/web"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/idempotency"
	"github.com/dtsen-id/dtsen/services/platform/ratelimit"
)

// DefaultMaxBodyBytes is the request body limit when Options.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 1 << 20

// Options configures New.
type Options struct {
	// Registry is a client connection to the registry service's gRPC server
	// (a *grpc.ClientConn, dialled with the otelgrpc client stats handler so
	// traces continue into the service; cmd/gateway uses grpcserver.Dial). Required.
	Registry grpc.ClientConnInterface
	// RegistryHealthService is the service name /readyz asks the registry's
	// grpc.health.v1 service about; "" asks about the server as a whole.
	RegistryHealthService string
	// Asset, Income and ServiceUsage connect the source contexts. Each is
	// optional: without it that context's routes are absent (404), and
	// /readyz does not wait for it.
	Asset, Income, ServiceUsage grpc.ClientConnInterface
	// Scoring connects the scoring context (scores, eligibility, models,
	// ranking runs); optional in the same way.
	Scoring grpc.ClientConnInterface
	// Grievance connects the grievance context (cases); optional too.
	Grievance grpc.ClientConnInterface

	// Pages are the platform's web pages (gateway/web), served without a
	// token on web.Pages and under web.AssetPrefix; nil serves none.
	Pages http.Handler

	// Verifier checks every request's bearer token (DESIGN.md §6); only
	// /healthz, /readyz and /openapi.json are served without one. Required.
	Verifier *auth.Verifier
	// CORSOrigins are the browser origins (https://host[:port]) allowed to
	// call the API cross-origin; none means no cross-origin access.
	CORSOrigins []string

	// RateLimiter and RateLimits bound requests per client, per IP and per
	// NIK asked about (nil: an in-process limiter; zero: DefaultRateLimits).
	// Idempotency replays write requests that carry an Idempotency-Key
	// header or a requestId (nil: an in-process store). Give all three a
	// Redis client so every gateway replica shares them. ClientIP finds the
	// caller's address (nil: the direct peer; see ratelimit.RemoteIP).
	RateLimiter *ratelimit.Limiter
	RateLimits  ratelimit.Policy
	Idempotency *idempotency.Store
	ClientIP    func(*http.Request) string

	// Citizen configures citizen self-service (ADR 0009): POST
	// /v1/citizen:check and the session tokens it issues.
	Citizen CitizenOptions

	// MaxBodyBytes limits request bodies; larger bodies get 413.
	// 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// ReadinessTimeout bounds the /readyz health check; 0 means 2s.
	ReadinessTimeout time.Duration

	// Logger receives one access-log line per request; nil means slog.Default().
	Logger *slog.Logger
	// TracerProvider, MeterProvider and Propagators default to the otel
	// globals, except that Propagators falls back to W3C trace context and
	// baggage when the global propagator is a no-op.
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
	Propagators    propagation.TextMapPropagator
}

// CitizenOptions configure citizen self-service.
type CitizenOptions struct {
	// SessionKey signs session tokens and keys citizens' pseudonyms; every
	// replica needs the same one (at least 32 bytes). Nil: a random key, so
	// sessions and pseudonyms last as long as the process.
	SessionKey []byte
	// Tokens are the gateway's own workload tokens (client credentials of a
	// client whose tokens carry dtsen_delegates ["citizen"]); Actor is its
	// client id. Nil Tokens turns self-service off: the check answers 503
	// SELF_SERVICE_UNAVAILABLE and session tokens are refused.
	Tokens oauth2.TokenSource
	Actor  string
	// Limits are the check's budgets (zero: citizen.DefaultLimits).
	Limits citizen.Limits
	// Redis shares the status cache between replicas under RedisPrefix;
	// nil keeps it in process. CacheTTL 0 is citizen.DefaultCacheTTL.
	Redis       *redis.Client
	RedisPrefix string
	CacheTTL    time.Duration
	// FailureFloor is the least time a failed check takes (0: the
	// default; negative: none).
	FailureFloor time.Duration
}

type gateway struct {
	mux     *runtime.ServeMux
	authn   *auth.Authenticator
	citizen *citizen.Service
	cors    *cors
	maxBody int64
	log     *slog.Logger
	abuse   *abuse
	routed  http.Handler // the mux behind the post-authentication limits
	pages   http.Handler
}

// isPage reports whether r asks for one of the web pages or their assets;
// any other method on those paths goes to the mux, which answers 405/404.
func isPage(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	_, page := web.Pages[r.URL.Path]
	return page || strings.HasPrefix(r.URL.Path, web.AssetPrefix)
}

// New returns the gateway's complete HTTP handler.
func New(opts Options) (http.Handler, error) {
	if opts.Registry == nil {
		return nil, errors.New("server: Options.Registry is required")
	}
	if opts.Verifier == nil {
		return nil, errors.New("server: Options.Verifier is required: the gateway serves no personal data to unauthenticated callers")
	}
	c, err := newCORS(opts.CORSOrigins)
	if err != nil {
		return nil, err
	}
	g := &gateway{authn: &auth.Authenticator{Verifier: opts.Verifier}, cors: c, maxBody: opts.MaxBodyBytes, log: opts.Logger,
		pages: opts.Pages}
	if g.maxBody <= 0 {
		g.maxBody = DefaultMaxBodyBytes
	}
	if g.log == nil {
		g.log = slog.Default()
	}
	opts.MaxBodyBytes, opts.Logger = g.maxBody, g.log
	g.abuse = newAbuse(opts)
	readyTimeout := opts.ReadinessTimeout
	if readyTimeout <= 0 {
		readyTimeout = 2 * time.Second
	}

	g.mux = runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, newJSONMarshaler()),
		runtime.WithErrorHandler(g.errorHandler),
		runtime.WithRoutingErrorHandler(routingErrorHandler),
		runtime.WithIncomingHeaderMatcher(incomingHeaderMatcher),
		runtime.WithOutgoingHeaderMatcher(outgoingHeaderMatcher),
		runtime.WithOutgoingTrailerMatcher(outgoingTrailerMatcher),
		runtime.WithMetadata(requestIDMetadata),
		runtime.WithMetadata(callerMetadata),
		runtime.WithMetadata(checkMethod),
		runtime.WithMiddlewares(routeMiddleware),
		// A form-encoded POST is not silently turned into a GET.
		runtime.WithDisablePathLengthFallback(),
		runtime.WithDisableHTTPMethodOverride(),
	)

	g.routed = g.abuse.postAuth(g.abuse.idempotent(g.mux))

	ups := opts.upstreams()
	if err := g.registerRoutes(ups); err != nil {
		return nil, err
	}
	if err := g.registerCitizen(opts); err != nil {
		return nil, err
	}
	if err := g.registerOperational(ups, opts.RegistryHealthService, readyTimeout); err != nil {
		return nil, err
	}

	prop := opts.Propagators
	if prop == nil {
		prop = otel.GetTextMapPropagator()
		if len(prop.Fields()) == 0 {
			prop = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
		}
	}
	tp := opts.TracerProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	mp := opts.MeterProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	return otelhttp.NewHandler(g, "gateway",
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithMeterProvider(mp),
		otelhttp.WithPropagators(prop),
	), nil
}

// ServeHTTP runs inside otelhttp: it assigns the request id, redacts the
// span's URL path, applies CORS, authenticates, limits the body, routes, and
// writes the access log.
func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rs := &requestState{id: requestIDFor(r)}
	ctx := withState(r.Context(), rs)
	r = r.WithContext(ctx)

	span := trace.SpanFromContext(ctx)
	// otelhttp records url.path, which for /v1/persons/{nik} is a full NIK
	// (DESIGN.md §6: nothing in traces contains a full NIK).
	span.SetAttributes(attrURLPath(redactPath(r.URL.Path)), attrRequestID(rs.id))

	w.Header().Set(RequestIDHeader, rs.id)
	rec := &statusRecorder{ResponseWriter: w}
	// grpc-gateway would turn a client's Grpc-Timeout into the upstream
	// deadline; a public client must not choose how services spend their time.
	r.Header.Del("Grpc-Timeout")

	role := g.serve(rec, r)

	route := ""
	if p := rs.route.Load(); p != nil {
		route = *p
	}
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	// Never the raw path or query string: both can carry a NIK. Nor the
	// subject, which for a citizen may be derived from their NIK.
	g.log.LogAttrs(ctx, level, "http request",
		slog.String("method", r.Method),
		slog.String("route", route),
		slog.Int("status", status),
		slog.String("role", string(role)),
		slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		slog.Int64("response_bytes", rec.bytes),
		slog.String("request_id", rs.id),
	)
}

// serve answers r and returns the caller's role ("" when unauthenticated).
func (g *gateway) serve(w *statusRecorder, r *http.Request) auth.Role {
	if g.cors.handle(w, r) {
		return ""
	}
	if g.pages != nil && isPage(r) {
		// Static pages carry no personal data. They are not held to the
		// per-IP limit: on announcement day thousands of phones share one
		// carrier-grade NAT address, and the page must load for all of them;
		// what the page then calls is limited as usual.
		stateFrom(r.Context()).route.Store(&r.URL.Path)
		g.pages.ServeHTTP(w, r)
		return ""
	}
	var role auth.Role
	anonymous := publicPath(r.URL.Path) || r.URL.Path == citizen.CheckPath
	if r.URL.Path == citizen.CheckPath && !g.allowIP(w, r) {
		return ""
	}
	if !anonymous {
		if !g.allowIP(w, r) {
			return ""
		}
		p, err := g.authenticate(r)
		if err != nil {
			writeAuthError(w, err)
			return ""
		}
		role = p.Role
		if v := r.Header.Get(PurposeHeader); v != "" && !validPurpose(v) {
			writeError(w, http.StatusBadRequest, purposeInvalid())
			return role
		}
		// Later layers (the method check, rate limits by subject) read the
		// caller from the request context.
		r = r.WithContext(auth.WithPrincipal(r.Context(), p))
	}
	if r.ContentLength > g.maxBody {
		writeError(w, http.StatusRequestEntityTooLarge, tooLargeStatus(g.maxBody))
		return role
	}
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = &limitedBody{ReadCloser: http.MaxBytesReader(w, r.Body, g.maxBody), rs: stateFrom(r.Context())}
	}
	if anonymous {
		g.mux.ServeHTTP(w, r)
	} else {
		g.routed.ServeHTTP(w, r)
	}
	return role
}

// allowIP applies the per-IP limit; it reports whether r may go on.
func (g *gateway) allowIP(w http.ResponseWriter, r *http.Request) bool {
	allowed := false
	g.abuse.preAuth(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { allowed = true })).ServeHTTP(w, r)
	return allowed
}

// routeMiddleware runs after the mux matched a rule: it records the rule's
// pattern for the access log, names the span after it, labels the request
// metrics with it, and makes the update mask of a PATCH explicit
// (explicitUpdateMask).
func routeMiddleware(next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, pathParams map[string]string) {
		if p, ok := runtime.HTTPPattern(r.Context()); ok {
			route := p.String()
			if rs := stateFrom(r.Context()); rs != nil {
				rs.route.Store(&route)
			}
			span := trace.SpanFromContext(r.Context())
			span.SetName(r.Method + " " + route)
			span.SetAttributes(attrRoute(route))
			// The request metrics (http.server.request.duration) per route:
			// the pattern, never the path, which may hold a NIK.
			if l, ok := otelhttp.LabelerFromContext(r.Context()); ok {
				l.Add(attrRoute(route))
			}
		}
		next(w, explicitUpdateMask(r), pathParams)
	}
}

// requestIDMetadata passes the (validated or generated) request id to the
// service as x-request-id metadata.
func requestIDMetadata(ctx context.Context, _ *http.Request) metadata.MD {
	if id := RequestIDFromContext(ctx); id != "" {
		return metadata.Pairs(RequestIDMetadata, id)
	}
	return nil
}

// incomingHeaderMatcher forwards the IANA permanent request headers (as
// grpcgateway-<Header>), minus Cookie: the services authenticate with bearer
// tokens, so session cookies have no business reaching them; and minus
// Authorization, which callerMetadata sends as authorization (the verified
// token, once) rather than a second copy under grpcgateway-authorization.
// Arbitrary headers, including Grpc-Metadata-*, are not forwarded.
// x-request-id is added by requestIDMetadata from the validated value,
// x-dtsen-purpose by callerMetadata, and W3C traceparent travels through
// otelhttp/otelgrpc, not through this matcher.
func incomingHeaderMatcher(key string) (string, bool) {
	switch textproto.CanonicalMIMEHeaderKey(key) {
	case "Cookie", "Authorization", RequestIDHeader:
		return "", false
	}
	return runtime.DefaultHeaderMatcher(key)
}

// outgoingHeaderMatcher allow-lists the service response headers that reach
// the HTTP client. The only one the services send on purpose is
// x-request-id, and the gateway already sets X-Request-Id itself (it is the
// authority for the id), so forwarding it would duplicate the header; nothing
// else leaks as Grpc-Metadata-*. Add entries here deliberately.
var outgoingHeaders = map[string]string{}

func outgoingHeaderMatcher(key string) (string, bool) {
	h, ok := outgoingHeaders[key]
	return h, ok
}

// outgoingTrailerMatcher drops every gRPC trailer.
func outgoingTrailerMatcher(string) (string, bool) { return "", false }

// statusRecorder remembers the status and size of the response.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
