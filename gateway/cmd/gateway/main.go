// Command gateway is the DTSEN REST gateway: it authenticates every call
// with the OIDC issuer's signed tokens (DTSEN_AUTH_*), enforces the method
// table, translates REST/JSON calls into the services' gRPC APIs (HTTP rules
// in gateway/api/http_rules.yaml), serves the OpenAPI document, health and
// readiness, and traces every request into the services. docs/gateway.md
// describes the REST surface.
//
// Configuration comes from the environment; run `gateway --help` for the list.
package main

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"

	"github.com/dtsen-id/dtsen/gateway/internal/citizen"
	"github.com/dtsen-id/dtsen/gateway/internal/server"
	"github.com/dtsen-id/dtsen/gateway/web"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/config"
	"github.com/dtsen-id/dtsen/services/platform/grpcserver"
	"github.com/dtsen-id/dtsen/services/platform/idempotency"
	"github.com/dtsen-id/dtsen/services/platform/logging"
	"github.com/dtsen-id/dtsen/services/platform/ratelimit"
	"github.com/dtsen-id/dtsen/services/platform/redisx"
	"github.com/dtsen-id/dtsen/services/platform/telemetry"
	"github.com/dtsen-id/dtsen/services/platform/tlsconfig"
)

const service = "gateway"

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	err := run(os.Args[1:])
	switch {
	case errors.Is(err, config.ErrHelp):
		os.Exit(0)
	case err != nil:
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cfg := config.New(service)
	httpAddr := cfg.String("DTSEN_GATEWAY_HTTP_ADDR", "127.0.0.1:8080", "HTTP listen address (host:port)")
	registryAddr := cfg.String("DTSEN_GATEWAY_REGISTRY_ADDR", "127.0.0.1:9101", "gRPC address of the registry service")
	registryHealth := cfg.String("DTSEN_GATEWAY_REGISTRY_HEALTH_SERVICE", "",
		"service name /readyz asks the registry's grpc.health.v1 about (empty: the whole server)")
	assetAddr := cfg.String("DTSEN_GATEWAY_ASSET_ADDR", "127.0.0.1:9102", "gRPC address of the asset service; empty: no asset routes")
	incomeAddr := cfg.String("DTSEN_GATEWAY_INCOME_ADDR", "127.0.0.1:9103", "gRPC address of the income service; empty: no income routes")
	serviceUsageAddr := cfg.String("DTSEN_GATEWAY_SERVICEUSAGE_ADDR", "127.0.0.1:9104",
		"gRPC address of the service-usage service; empty: no service-usage routes")
	scoringAddr := cfg.String("DTSEN_GATEWAY_SCORING_ADDR", "127.0.0.1:9105", "gRPC address of the scoring service; empty: no scoring routes")
	grievanceAddr := cfg.String("DTSEN_GATEWAY_GRIEVANCE_ADDR", "127.0.0.1:9106", "gRPC address of the grievance service; empty: no case routes")
	officialOrigin := cfg.String("DTSEN_GATEWAY_OFFICIAL_ORIGIN", "",
		"the platform's official public origin (https://host), shown on the citizen page against look-alike sites; empty in development")
	corsOrigins := cfg.String("DTSEN_GATEWAY_CORS_ORIGINS", "",
		"comma-separated browser origins allowed cross-origin access, e.g. https://portal.example.go.id; empty: none")
	authCfg := auth.RegisterConfig(cfg)
	tlsCfg := tlsconfig.RegisterConfig(cfg)
	redisURL := redisx.RegisterConfig(cfg)
	rateClient := cfg.String("DTSEN_GATEWAY_RATE_PER_CLIENT", "600/1m", "requests one authenticated client may make (N/duration; 0: unlimited)")
	rateIP := cfg.String("DTSEN_GATEWAY_RATE_PER_IP", "1200/1m", "requests one IP address (an IPv6 /64) may make (N/duration; 0: unlimited)")
	rateNIK := cfg.String("DTSEN_GATEWAY_RATE_PER_NIK", "30/1m", "requests naming one NIK, from anyone (N/duration; 0: unlimited)")
	trustedProxies := cfg.String("DTSEN_GATEWAY_TRUSTED_PROXIES", "",
		"comma-separated CIDRs of load balancers whose X-Forwarded-For is believed; empty: the direct peer is the client")
	rateSecret := cfg.String("DTSEN_GATEWAY_RATE_KEY_SECRET", "",
		"secret shared by all gateway replicas that keys rate-limit buckets (HMAC), so Redis keys cannot be traced back to a NIK or IP; set it in production")
	sessionKey := cfg.String("DTSEN_GATEWAY_SESSION_KEY", "",
		"key (hex or base64, at least 32 bytes) signing citizen session tokens and keying citizens' pseudonyms; "+
			"the same on every replica; empty: a random key per process (sessions and pseudonyms die with it)")
	ownClient := auth.RegisterClientConfig(cfg, service)
	checkFailuresNIK := cfg.String("DTSEN_GATEWAY_CHECK_FAILURES_PER_NIK", "5/15m",
		"failed citizen checks of one NIK, from anywhere, before its checks are refused (N/duration)")
	checkFailuresIP := cfg.String("DTSEN_GATEWAY_CHECK_FAILURES_PER_IP", "30/15m",
		"failed citizen checks from one IP address before its checks are refused (N/duration)")
	checksIP := cfg.String("DTSEN_GATEWAY_CHECKS_PER_IP", "120/1m", "citizen checks from one IP address (N/duration)")
	idemWindow := cfg.Duration("DTSEN_GATEWAY_IDEMPOTENCY_WINDOW", idempotency.DefaultWindow,
		"how long a write's Idempotency-Key or requestId replays its first response")
	maxBody := cfg.Int("DTSEN_GATEWAY_MAX_BODY_BYTES", server.DefaultMaxBodyBytes, "largest accepted request body in bytes; larger bodies get 413")
	logLevel := cfg.String("DTSEN_GATEWAY_LOG_LEVEL", "info", "log level: debug, info, warn or error")
	shutdownGrace := cfg.Duration("DTSEN_GATEWAY_SHUTDOWN_GRACE", 15*time.Second, "how long in-flight requests may finish after SIGINT/SIGTERM")
	metricsAddr := telemetry.RegisterMetricsConfig(cfg, service)
	if err := cfg.Parse(args); err != nil {
		return err
	}
	if *maxBody <= 0 {
		return fmt.Errorf("config: DTSEN_GATEWAY_MAX_BODY_BYTES=%d: must be positive", *maxBody)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.TrimSpace(*logLevel))); err != nil {
		return fmt.Errorf("config: DTSEN_GATEWAY_LOG_LEVEL=%q: %w", *logLevel, err)
	}
	log := logging.New(os.Stderr, service, level)
	slog.SetDefault(log)
	// The issuer is not contacted here: keys are fetched with the first
	// token, so the gateway starts (and /healthz answers) while it is down.
	verifier, err := auth.NewVerifier(*authCfg)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}

	ctx, stop := grpcserver.SignalContext()
	defer stop()

	tlsSrc, err := tlsconfig.Load(*tlsCfg, log)
	if err != nil {
		return err
	}
	policy, checkLimits := server.DefaultRateLimits, citizen.DefaultLimits
	for _, l := range []struct {
		name  string
		value string
		into  *ratelimit.Limit
	}{{"DTSEN_GATEWAY_RATE_PER_CLIENT", *rateClient, &policy.PerClient}, {"DTSEN_GATEWAY_RATE_PER_IP", *rateIP, &policy.PerIP},
		{"DTSEN_GATEWAY_RATE_PER_NIK", *rateNIK, &policy.PerNIK},
		{"DTSEN_GATEWAY_CHECK_FAILURES_PER_NIK", *checkFailuresNIK, &checkLimits.FailuresPerNIK},
		{"DTSEN_GATEWAY_CHECK_FAILURES_PER_IP", *checkFailuresIP, &checkLimits.FailuresPerIP},
		{"DTSEN_GATEWAY_CHECKS_PER_IP", *checksIP, &checkLimits.ChecksPerIP}} {
		if *l.into, err = server.ParseLimit(l.value); err != nil {
			return fmt.Errorf("config: %s: %w", l.name, err)
		}
	}
	var proxies []netip.Prefix
	for _, c := range strings.Split(*trustedProxies, ",") {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return fmt.Errorf("config: DTSEN_GATEWAY_TRUSTED_PROXIES: %w", err)
		}
		proxies = append(proxies, p)
	}
	key, err := parseSessionKey(*sessionKey)
	if err != nil {
		return fmt.Errorf("config: DTSEN_GATEWAY_SESSION_KEY: %w", err)
	}
	if key == nil {
		log.Warn("DTSEN_GATEWAY_SESSION_KEY is not set: a random key is used, so citizen sessions end and " +
			"citizens' pseudonyms change when this gateway restarts, and other replicas do not accept its sessions")
	}
	// The gateway's own identity, to act for citizens (ADR 0009). Its
	// client must carry dtsen_delegates ["citizen"].
	ownTokens := ownClient.TokenSource(verifier)
	if ownTokens == nil {
		log.Warn("DTSEN_GATEWAY_AUTH_CLIENT_SECRET is not set: citizen self-service (POST /v1/citizen:check) is off")
	}
	// Redis is optional: without it (or while it is down) limits and
	// idempotency keys are kept per replica, with a warning in the log.
	rdb, err := redisx.Open(ctx, *redisURL, log)
	if err != nil {
		return err
	}
	if rdb == nil {
		log.Warn("DTSEN_REDIS_URL is not set: rate limits and idempotency keys are per gateway replica")
	}

	// Prometheus scrapes DTSEN_GATEWAY_METRICS_ADDR (off when empty): the
	// HTTP request metrics, the gRPC client metrics, Redis, and the citizen
	// status cache's hit ratio (docs/operations.md).
	metrics, err := telemetry.ListenMetrics(*metricsAddr, log)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = metrics.Close(sctx)
	}()
	shutdownTelemetry, err := telemetry.Setup(ctx, service, version, telemetry.WithMetrics(metrics))
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := shutdownTelemetry(sctx); err != nil {
			log.Warn("telemetry shutdown", slog.Any("error", err))
		}
	}()

	// grpcserver.Dial adds the otelgrpc client stats handler, so the trace
	// started by otelhttp continues into the registry (W3C traceparent).
	registry, err := grpcserver.Dial(ctx, *registryAddr, tlsSrc.DialOption())
	if err != nil {
		return fmt.Errorf("dial registry %s: %w", *registryAddr, err)
	}
	defer registry.Close()
	var closers []func() error
	defer func() {
		for _, c := range closers {
			_ = c()
		}
	}()
	optional := func(name, addr string) (grpc.ClientConnInterface, error) {
		if addr == "" {
			return nil, nil
		}
		conn, err := grpcserver.Dial(ctx, addr, tlsSrc.DialOption())
		if err != nil {
			return nil, fmt.Errorf("dial %s %s: %w", name, addr, err)
		}
		closers = append(closers, conn.Close)
		return conn, nil
	}
	asset, err := optional("asset", *assetAddr)
	if err != nil {
		return err
	}
	income, err := optional("income", *incomeAddr)
	if err != nil {
		return err
	}
	serviceUsage, err := optional("serviceusage", *serviceUsageAddr)
	if err != nil {
		return err
	}
	scoring, err := optional("scoring", *scoringAddr)
	if err != nil {
		return err
	}
	grievance, err := optional("grievance", *grievanceAddr)
	if err != nil {
		return err
	}

	pagesOpts := web.Options{OfficialOrigin: *officialOrigin}
	if err := pagesOpts.Validate(); err != nil {
		return err
	}
	limiter := ratelimit.New(rdb, "gateway", log)
	if *rateSecret != "" {
		limiter = limiter.WithKeySecret([]byte(*rateSecret))
	}
	handler, err := server.New(server.Options{
		Registry:              registry,
		RegistryHealthService: *registryHealth,
		Asset:                 asset,
		Income:                income,
		ServiceUsage:          serviceUsage,
		Scoring:               scoring,
		Grievance:             grievance,
		Verifier:              verifier,
		CORSOrigins:           strings.Split(*corsOrigins, ","),
		MaxBodyBytes:          int64(*maxBody),
		Logger:                log,
		RateLimiter:           limiter,
		RateLimits:            policy,
		Idempotency:           idempotency.New(rdb, "gateway", *idemWindow, log),
		ClientIP:              ratelimit.RemoteIP(proxies),
		Pages:                 web.Handler(pagesOpts),
		Citizen: server.CitizenOptions{SessionKey: key, Tokens: ownTokens, Actor: ownClient.ID, Limits: checkLimits,
			Redis: rdb, RedisPrefix: "gateway"},
	})
	if err != nil {
		return err
	}

	lis, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", *httpAddr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	log.Info("gateway listening", slog.String("addr", lis.Addr().String()),
		slog.String("registry", *registryAddr), slog.String("issuer", authCfg.Issuer), slog.String("version", version))

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", slog.String("grace", shutdownGrace.String()))
	sctx, cancel := context.WithTimeout(context.Background(), *shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// parseSessionKey reads DTSEN_GATEWAY_SESSION_KEY: hex, or base64 (standard
// or URL alphabet, padded or not), of at least citizen.MinKeyBytes bytes.
// Empty is nil: the caller then uses a random key.
func parseSessionKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var key []byte
	if b, err := hex.DecodeString(s); err == nil {
		key = b
	} else {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(s); err == nil {
				key = b
				break
			}
		}
	}
	if key == nil {
		return nil, errors.New("not hex or base64")
	}
	if len(key) < citizen.MinKeyBytes {
		return nil, fmt.Errorf("%d bytes; at least %d are needed (e.g. openssl rand -hex 32)", len(key), citizen.MinKeyBytes)
	}
	return key, nil
}
