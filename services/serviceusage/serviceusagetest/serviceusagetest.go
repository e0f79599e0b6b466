// Package serviceusagetest starts a real service-usage gRPC server
// in-process, on a loopback port, pointed at a registry, with the registry
// feed consumer and the reconciliation sweep running: for component tests,
// the gateway's REST tests and the benchmarks. It wires the same adapters,
// use cases and ports as cmd/serviceusage, and authenticates every call
// against a real development issuer (platform/auth/authtest).
package serviceusagetest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	auditv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/audit/v1"
	suv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/audit"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/feed"
	"github.com/dtsen-id/dtsen/services/platform/grpcserver"
	"github.com/dtsen-id/dtsen/services/platform/identity"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/serviceusage/adapters"
	"github.com/dtsen-id/dtsen/services/serviceusage/app"
	"github.com/dtsen-id/dtsen/services/serviceusage/ports"
)

// Migrations are every table the service needs.
var Migrations = []storage.MigrationSet{outbox.Migrations, audit.Migrations, importer.Migrations, feed.Migrations, adapters.Migrations}

// DefaultAgencies are the source agencies of the default client's token:
// every agency the tests, the demo records and the population generator
// submit service-usage records for.
var DefaultAgencies = []string{"bpjs-kesehatan", "kemendikdasmen", "kemdiktisaintek", "kemenag", "pln", "pertamina", "kemensos"}

// Service is a running service-usage server.
type Service struct {
	Addr string
	DB   *storage.DB
	// Client and Conn carry a token of authtest.Integration(Options.Agencies...):
	// nationwide reads, and imports for those agencies.
	Client suv1.ServiceUsageServiceClient
	Conn   *grpc.ClientConn
	// Auth is the issuer the server trusts.
	Auth *authtest.Env
	// Audit is the server's audit log.
	Audit *audit.Log
}

// ClientAs returns a client whose calls carry a token for c, over Conn.
func (s *Service) ClientAs(t testing.TB, c auth.Claims) suv1.ServiceUsageServiceClient {
	t.Helper()
	return suv1.NewServiceUsageServiceClient(tokenConn{s.Conn, s.Auth.Token(t, c)})
}

// Anonymous returns a client whose calls carry no token, on a connection of
// its own that closes when the test ends.
func (s *Service) Anonymous(t testing.TB) suv1.ServiceUsageServiceClient {
	t.Helper()
	return suv1.NewServiceUsageServiceClient(authtest.Dial(t, s.Addr, ""))
}

// tokenConn sends its token on every call, in place of the connection's
// default one.
type tokenConn struct {
	*grpc.ClientConn
	token string
}

func (c tokenConn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	return c.ClientConn.Invoke(authtest.WithToken(ctx, c.token), method, args, reply, opts...)
}

func (c tokenConn) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return c.ClientConn.NewStream(authtest.WithToken(ctx, c.token), desc, method, opts...)
}

// Options tune the server under test.
type Options struct {
	ChunkSize int
	Logger    *slog.Logger
	// NoFeed leaves the registry feed consumer off.
	NoFeed bool
	// ReconcileInterval is the period of the sweep that re-checks UNMATCHED
	// records (default 5 minutes, as in cmd/serviceusage).
	ReconcileInterval time.Duration
	// Auth is the issuer the server trusts; pass the registry's (its .Auth)
	// so the two accept each other's tokens. Nil starts a fresh one.
	Auth *authtest.Env
	// Agencies are the source agencies of the default client's token (nil:
	// DefaultAgencies).
	Agencies []string
}

// Start migrates the database at url and serves the context, using the
// registry at registryAddr, until the test ends.
func Start(t testing.TB, url, registryAddr string, opts Options) *Service {
	t.Helper()
	db := storagetest.Open(t, url, Migrations...)
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	env := opts.Auth
	if env == nil {
		env = authtest.Start(t)
	}
	agencies := opts.Agencies
	if agencies == nil {
		agencies = DefaultAgencies
	}
	// As cmd/serviceusage dials with service.Deps.Dial: the service's own
	// token on identity lookups and the feed, the caller's otherwise.
	regConn, err := grpcserver.Dial(context.Background(), registryAddr, auth.ClientOptions(env.ServiceTokens("serviceusage"))...)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpcserver.New(&grpcserver.Config{Addr: "127.0.0.1:0", ShutdownGrace: time.Second}, logger, ports.Validators(), env.Authenticator())
	log := audit.New(db, "serviceusage")
	auditv1.RegisterAuditServiceServer(srv.GRPC(), audit.NewServer(log))
	ob := outbox.New(db, 100*time.Millisecond)
	repo := adapters.NewRepository(db, ob)
	ids := identity.NewClient(regConn, identity.Options{})
	im := importer.New(db, importer.Options{Domain: ports.Domain, ChunkSize: opts.ChunkSize})
	a := app.New(repo, im, repo, adapters.IdentityChecker{Client: ids}, adapters.NewFamilyDirectory(regConn))
	suv1.RegisterServiceUsageServiceServer(srv.GRPC(), ports.NewServer(a, ob, srv.Stopping(), ids, log))

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	interval := opts.ReconcileInterval
	if interval <= 0 {
		interval = 5 * time.Minute
	}
	done := make(chan error, 3)
	running := 2
	go func() { done <- srv.RunListener(ctx, lis) }()
	go func() { done <- ids.Sweep(ctx, interval, a.UnmatchedOwners, a.Reconcile, logger) }()
	if !opts.NoFeed {
		consumer := ids.RegistryFeed(db, a.Reconcile, logger)
		consumer.MaxBackoff = 200 * time.Millisecond
		running++
		go func() { done <- consumer.Run(ctx) }()
	}
	dial := append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())},
		authtest.Bearer(env.Token(t, authtest.Integration(agencies...)))...)
	conn, err := grpc.NewClient(lis.Addr().String(), dial...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		cancel()
		for range running {
			<-done
		}
		_ = regConn.Close()
	})
	return &Service{Addr: lis.Addr().String(), DB: db, Client: suv1.NewServiceUsageServiceClient(conn), Conn: conn,
		Auth: env, Audit: log}
}

// Header returns a batch header message.
func Header(source, batchID string) *suv1.ImportRecordsRequest {
	return &suv1.ImportRecordsRequest{Payload: &suv1.ImportRecordsRequest_Header{
		Header: &typev1.ImportBatchHeader{Source: source, BatchId: batchID}}}
}

// SendImport sends msgs as one stream and returns the server's answer.
func SendImport(ctx context.Context, client suv1.ServiceUsageServiceClient, msgs ...*suv1.ImportRecordsRequest) (*typev1.ImportSummary, error) {
	stream, err := client.ImportRecords(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if err := stream.Send(m); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, err
		}
	}
	return stream.CloseAndRecv()
}

// Import sends records as batch batchID of source "test" and fails the test
// on any error (retrying IMPORT_BATCH_IN_PROGRESS briefly).
func Import(t testing.TB, client suv1.ServiceUsageServiceClient, batchID string, recs ...*suv1.ImportRecordsRequest) *typev1.ImportSummary {
	t.Helper()
	msgs := append([]*suv1.ImportRecordsRequest{Header("test", batchID)}, recs...)
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		sum, err := SendImport(ctx, client, msgs...)
		cancel()
		if status.Code(err) == codes.Aborted && apierror.ReasonOf(err) == "IMPORT_BATCH_IN_PROGRESS" && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatalf("import %s: %v", batchID, err)
		}
		return sum
	}
}
