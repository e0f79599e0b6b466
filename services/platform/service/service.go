// Package service is the composition root shared by every DTSEN context: it
// reads the configuration, sets up logs, telemetry and the Prometheus
// endpoint (DTSEN_<NAME>_METRICS_ADDR), opens and migrates the database,
// starts the gRPC server and stops it all on SIGTERM. A context's
// main() only names itself and registers its gRPC service.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/grpc"

	auditv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/audit/v1"
	"github.com/dtsen-id/dtsen/services/platform/audit"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/config"
	"github.com/dtsen-id/dtsen/services/platform/grpcserver"
	"github.com/dtsen-id/dtsen/services/platform/logging"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/telemetry"
	"github.com/dtsen-id/dtsen/services/platform/tlsconfig"
	"github.com/dtsen-id/dtsen/services/platform/validation"
)

// Version is stamped at build time with -ldflags "-X .../service.Version=...".
var Version = "dev"

// Options describe one context's process.
type Options struct {
	// Name is the context, e.g. "registry"; it names the environment
	// variables (DTSEN_REGISTRY_...), the SQLite file and the telemetry.
	Name string
	// DefaultGRPCAddr is the listen address when none is configured.
	DefaultGRPCAddr string
	// Migrations of the context's own tables. The outbox's are added.
	Migrations []storage.MigrationSet
	// Validators check requests before handlers run.
	Validators *validation.Registry
	// Config declares the context's own environment variables; they are
	// parsed, and listed by --help, with the shared ones.
	Config func(cfg *config.Set)
}

// Deps is what a context's Register function gets to wire its use cases.
type Deps struct {
	DB     *storage.DB
	Outbox *outbox.Outbox
	Server *grpcserver.Server
	Logger *slog.Logger
	// Audit records every read of personal data; the service's
	// AuditService over it is already registered.
	Audit *audit.Log
	// OwnTokens is this workload's own token source (client credentials),
	// nil when no client secret is configured.
	OwnTokens oauth2.TokenSource
	// MetricsAddr is where Prometheus scrapes this process's metrics
	// (DTSEN_<NAME>_METRICS_ADDR, bound), "" when they are off.
	MetricsAddr string

	background []func(ctx context.Context) error
}

// Background runs fn (a change-feed consumer, say) beside the gRPC server
// until shutdown. An error other than the shutdown itself stops the process,
// so a broken consumer is noticed instead of silently falling behind.
func (d *Deps) Background(fn func(ctx context.Context) error) {
	d.background = append(d.background, fn)
}

// Dial connects to another DTSEN service. Calls made while serving a
// request carry that caller's token; background calls (and auth.AsService)
// carry this workload's own. With TLS configured the connection verifies the
// server against DTSEN_TLS_CA_FILE by the host of target and presents this
// workload's certificate, so tokens never cross the network in clear.
func (d *Deps) Dial(ctx context.Context, target string) (*grpc.ClientConn, error) {
	opts := append([]grpc.DialOption{d.Server.TLS().DialOption()}, auth.ClientOptions(d.OwnTokens)...)
	return grpcserver.Dial(ctx, target, opts...)
}

// Main runs the process and exits with its status.
func Main(opts Options, register func(ctx context.Context, d *Deps) error) {
	if err := Run(context.Background(), opts, os.Args[1:], register); err != nil {
		if errors.Is(err, config.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "%s: %v\n", opts.Name, err)
		os.Exit(1)
	}
}

// Run is Main without the exit, for tests.
func Run(ctx context.Context, opts Options, args []string, register func(ctx context.Context, d *Deps) error) error {
	prefix := "DTSEN_" + strings.ToUpper(opts.Name) + "_"
	cfg := config.New(opts.Name)
	dbURL := cfg.StringFallback(prefix+"DATABASE_URL", "DTSEN_DATABASE_URL", "sqlite:./var/"+opts.Name+".db",
		"database URL: sqlite:PATH (embedded default) or postgres://user@host:5432/db")
	logLevel := cfg.String(prefix+"LOG_LEVEL", "info", "log level: debug, info, warn or error")
	feedPoll := cfg.Duration(prefix+"FEED_POLL", time.Second,
		"how often WatchChanges streams look for events committed by other replicas")
	srvCfg := grpcserver.RegisterConfig(cfg, opts.Name, opts.DefaultGRPCAddr)
	tlsCfg := tlsconfig.RegisterConfig(cfg)
	cfg.String(telemetry.EndpointEnv, "", "OTLP collector endpoint; empty exports no telemetry")
	metricsAddr := telemetry.RegisterMetricsConfig(cfg, opts.Name)
	authCfg := auth.RegisterConfig(cfg)
	client := auth.RegisterClientConfig(cfg, opts.Name)
	if opts.Config != nil {
		opts.Config(cfg)
	}
	if err := cfg.Parse(args); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("%sLOG_LEVEL=%q: %w", prefix, *logLevel, err)
	}
	logger := logging.New(os.Stderr, opts.Name, level)
	slog.SetDefault(logger)
	// Before telemetry and the database, so a bad certificate path fails the
	// start at once.
	tlsSrc, err := tlsconfig.Load(*tlsCfg, logger)
	if err != nil {
		return err
	}
	srvCfg.TLS = tlsSrc
	verifier, err := auth.NewVerifier(*authCfg)
	if err != nil {
		return err
	}
	own := client.TokenSource(verifier)

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	metrics, err := telemetry.ListenMetrics(*metricsAddr, logger)
	if err != nil {
		return err
	}
	defer func() {
		// Last, after the gRPC server drained: a final scrape still sees
		// the shutdown's requests.
		closing, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = metrics.Close(closing)
	}()
	shutdownTelemetry, err := telemetry.Setup(ctx, "dtsen-"+opts.Name, Version, telemetry.WithMetrics(metrics))
	if err != nil {
		return err
	}
	defer func() {
		flush, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = shutdownTelemetry(flush)
	}()

	db, err := storage.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx, AllMigrations(opts.Migrations...)...); err != nil {
		return err
	}
	logger.Info("database ready", slog.String("engine", string(db.Engine())))

	srv := grpcserver.New(srvCfg, logger, opts.Validators, &auth.Authenticator{Verifier: verifier})
	auditLog := audit.New(db, opts.Name)
	auditv1.RegisterAuditServiceServer(srv.GRPC(), audit.NewServer(auditLog))
	deps := &Deps{DB: db, Outbox: outbox.New(db, *feedPoll), Server: srv, Logger: logger, Audit: auditLog, OwnTokens: own,
		MetricsAddr: metrics.Addr()}
	if err := register(ctx, deps); err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	for _, fn := range deps.background {
		go func() {
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				logger.Error("background task failed; stopping", slog.String("error", err.Error()))
				cancel(err)
			}
		}()
	}
	if err := srv.Run(ctx); err != nil {
		return err
	}
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return nil
}

// AllMigrations is every migration set a service's database gets: the
// platform's outbox and audit log, then the service's own. The services' Citus
// schema tests check exactly this list.
func AllMigrations(own ...storage.MigrationSet) []storage.MigrationSet {
	return append([]storage.MigrationSet{outbox.Migrations, audit.Migrations}, own...)
}
