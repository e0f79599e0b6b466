// Package registrytest starts a real registry gRPC server in-process, on a
// loopback port, for component tests, the gateway's REST tests and the
// benchmarks. It wires the same adapters, use cases and ports as
// cmd/registry, through the same server bootstrap, and authenticates every
// call against a real development issuer exactly as production does.
package registrytest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	auditv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/audit/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/platform/audit"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/cache"
	"github.com/dtsen-id/dtsen/services/platform/grpcserver"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/adapters"
	"github.com/dtsen-id/dtsen/services/registry/app"
	"github.com/dtsen-id/dtsen/services/registry/demo"
	"github.com/dtsen-id/dtsen/services/registry/ports"
)

// Migrations are every table the registry needs, as service.Run migrates
// them.
var Migrations = []storage.MigrationSet{outbox.Migrations, audit.Migrations, importer.Migrations, adapters.Migrations}

// DefaultAgencies are the agencies of the default integration token: the
// registry imports only Dukcapil's records (Source).
var DefaultAgencies = []string{Source}

// Registry is a running registry server.
type Registry struct {
	Addr string
	DB   *storage.DB
	// Client and Conn carry a token of authtest.Integration(Options.Agencies...):
	// nationwide reads, and imports of those agencies' records.
	Client registryv1.RegistryServiceClient
	Conn   *grpc.ClientConn
	// Auth is the issuer the server trusts; mint other callers' tokens with it.
	Auth *authtest.Env
	// Audit is the server's audit log, to check which reads were recorded.
	Audit *audit.Log
	// Families is GetFamily's cache, to check hits and misses.
	Families *cache.Cache
}

// Options tune the server under test.
type Options struct {
	// ChunkSize overrides the import chunk size (records per transaction).
	ChunkSize int
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
	// Auth is the issuer the server trusts; nil starts a fresh one. Pass
	// another harness's Auth so both trust the same issuer.
	Auth *authtest.Env
	// Agencies are the agencies of the default integration token; nil is
	// DefaultAgencies.
	Agencies []string
	// Redis shares the family cache through Redis (nil: in-process), under
	// RedisPrefix so tests sharing one Redis do not meet.
	Redis       *redis.Client
	RedisPrefix string
}

// Start migrates the database at url and serves the registry until the test
// ends.
func Start(t testing.TB, url string, opts Options) *Registry {
	t.Helper()
	env := opts.Auth
	if env == nil {
		env = authtest.Start(t)
	}
	agencies := opts.Agencies
	if agencies == nil {
		agencies = DefaultAgencies
	}
	db := storagetest.Open(t, url, Migrations...)
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv := grpcserver.New(&grpcserver.Config{Addr: "127.0.0.1:0", ShutdownGrace: time.Second}, logger, ports.Validators(), env.Authenticator())
	auditLog := audit.New(db, "registry")
	auditv1.RegisterAuditServiceServer(srv.GRPC(), audit.NewServer(auditLog))
	ob := outbox.New(db, 100*time.Millisecond)
	repo := adapters.NewRepository(db, ob)
	im := importer.New(db, importer.Options{Domain: ports.Domain, ChunkSize: opts.ChunkSize})
	families := cache.New(opts.Redis, "registry-"+opts.RedisPrefix, time.Minute, logger).Named("registry_family")
	registryv1.RegisterRegistryServiceServer(srv.GRPC(), ports.NewServer(app.New(repo, im, repo), ob, auditLog, families, srv.Stopping()))

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.RunListener(ctx, lis) }()
	following := make(chan struct{})
	go func() { defer close(following); _ = ports.FollowFamilies(ctx, ob, families) }()
	t.Cleanup(func() {
		cancel()
		<-done
		<-following
	})
	r := &Registry{Addr: lis.Addr().String(), DB: db, Auth: env, Audit: auditLog, Families: families}
	r.Conn = authtest.Dial(t, r.Addr, env.Token(t, authtest.Integration(agencies...)))
	r.Client = registryv1.NewRegistryServiceClient(r.Conn)
	return r
}

// ClientAs returns a client whose calls carry a token for c.
func (r *Registry) ClientAs(t testing.TB, c auth.Claims) registryv1.RegistryServiceClient {
	t.Helper()
	return registryv1.NewRegistryServiceClient(authtest.Dial(t, r.Addr, r.Auth.Token(t, c)))
}

// ServiceConn is a connection as the DTSEN workload (e.g. "asset") dials
// the registry: calls carry the workload's own client-credentials token, as
// identity lookups and the registry feed do in production.
func (r *Registry) ServiceConn(t testing.TB, workload string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(r.Addr, append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())},
		auth.ClientOptions(r.Auth.ServiceTokens(workload))...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// Anonymous returns a client whose calls carry no token.
func (r *Registry) Anonymous(t testing.TB) registryv1.RegistryServiceClient {
	t.Helper()
	return registryv1.NewRegistryServiceClient(authtest.Dial(t, r.Addr, ""))
}

// Family is demo.Family, re-exported for tests.
var Family = demo.Family
