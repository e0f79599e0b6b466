// Package assettest starts a real asset gRPC server in-process, on a loopback
// port, for component tests, the gateway's REST tests and the benchmarks. It
// wires the same adapters, use cases, ports and registry feed consumer as
// cmd/asset, through the same server bootstrap, against a real registry, and
// authenticates every call against a real development issuer exactly as
// production does.
//
// Usage beside a registry: both must trust one issuer, so pass the
// registry's:
//
//	reg := registrytest.Start(t, regURL, registrytest.Options{})
//	a := assettest.Start(t, url, reg.Addr, assettest.Options{Auth: reg.Auth})
//
// With Options.Auth nil the asset server trusts a fresh issuer the registry
// does not, and every identity lookup it makes is refused.
package assettest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	auditv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/audit/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/asset/adapters"
	"github.com/dtsen-id/dtsen/services/asset/app"
	"github.com/dtsen-id/dtsen/services/asset/demo"
	"github.com/dtsen-id/dtsen/services/asset/ports"
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
)

// Migrations are every table the asset service needs, as service.Run
// migrates them.
var Migrations = []storage.MigrationSet{outbox.Migrations, audit.Migrations, importer.Migrations, feed.Migrations, adapters.Migrations}

// DefaultAgencies are the agencies of the default integration token: the
// demo and population sources, and the ad-hoc sources the asset tests
// import under.
var DefaultAgencies = []string{demo.SourceBPS, demo.SourceATRBPN, demo.SourceKorlantas, "survey", "mixed", "pbi-survey"}

// Asset is a running asset server.
type Asset struct {
	Addr string
	DB   *storage.DB
	// Client and Conn carry a token of authtest.Integration(Options.Agencies...):
	// nationwide reads, and imports of those agencies' records.
	Client assetv1.AssetServiceClient
	Conn   *grpc.ClientConn
	// Auth is the issuer the server trusts; mint other callers' tokens with it.
	Auth *authtest.Env
	// Audit is the server's audit log, to check which reads were recorded.
	Audit *audit.Log
}

// Options tune the server under test.
type Options struct {
	// NoFeed leaves the registry change-feed consumer off (benchmarks that
	// measure the import alone).
	NoFeed bool
	// ReconcileInterval runs the reconciliation sweep of UNMATCHED records
	// at this interval (cmd/asset's DTSEN_ASSET_RECONCILE_INTERVAL); zero
	// leaves it off.
	ReconcileInterval time.Duration
	// ChunkSize overrides the import chunk size (records per transaction).
	ChunkSize int
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
	// Auth is the issuer the server trusts; nil starts a fresh one. Beside a
	// real registry pass the registry harness's Auth, so the registry
	// accepts this service's own token.
	Auth *authtest.Env
	// Agencies are the agencies of the default integration token; nil is
	// DefaultAgencies.
	Agencies []string
}

// Start migrates the database at url and serves the asset context until the
// test ends, cross-checking against the registry at registryAddr (e.g.
// registrytest.Start(...).Addr, with Options.Auth its Auth).
func Start(t testing.TB, url, registryAddr string, opts Options) *Asset {
	t.Helper()
	if registryAddr == "" {
		t.Fatal("assettest: registryAddr is required")
	}
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
	// As cmd/asset dials it (service.Deps.Dial): lookups and the feed carry
	// this service's own token, a member read the caller's.
	regConn, err := grpcserver.Dial(context.Background(), registryAddr, auth.ClientOptions(env.ServiceTokens("asset"))...)
	if err != nil {
		t.Fatal(err)
	}
	ids := identity.NewClient(regConn, identity.Options{})
	reg := adapters.NewRegistry(ids, registryv1.NewRegistryServiceClient(regConn))

	srv := grpcserver.New(&grpcserver.Config{Addr: "127.0.0.1:0", ShutdownGrace: time.Second}, logger, ports.Validators(), env.Authenticator())
	auditLog := audit.New(db, "asset")
	auditv1.RegisterAuditServiceServer(srv.GRPC(), audit.NewServer(auditLog))
	ob := outbox.New(db, 100*time.Millisecond)
	repo := adapters.NewRepository(db, ob)
	im := importer.New(db, importer.Options{Domain: ports.Domain, ChunkSize: opts.ChunkSize})
	a := app.New(repo, repo, im, reg, auditLog)
	assetv1.RegisterAssetServiceServer(srv.GRPC(), ports.NewServer(a, ob, srv.Stopping()))

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.RunListener(ctx, lis) }()
	var background sync.WaitGroup
	if !opts.NoFeed {
		consumer := ids.RegistryFeed(db, a.Reconcile, logger)
		consumer.MaxBackoff = 200 * time.Millisecond
		background.Go(func() { _ = consumer.Run(ctx) })
	}
	if opts.ReconcileInterval > 0 {
		background.Go(func() { _ = ids.Sweep(ctx, opts.ReconcileInterval, repo.UnmatchedOwners, a.Reconcile, logger) })
	}
	// Registered first, so it runs after every client connection (closed by
	// their own cleanups) is gone.
	t.Cleanup(func() {
		cancel()
		<-done
		background.Wait()
		_ = regConn.Close()
	})
	out := &Asset{Addr: lis.Addr().String(), DB: db, Auth: env, Audit: auditLog}
	out.Conn = authtest.Dial(t, out.Addr, env.Token(t, authtest.Integration(agencies...)))
	out.Client = assetv1.NewAssetServiceClient(out.Conn)
	return out
}

// ClientAs returns a client whose calls carry a token for c.
func (a *Asset) ClientAs(t testing.TB, c auth.Claims) assetv1.AssetServiceClient {
	t.Helper()
	return assetv1.NewAssetServiceClient(authtest.Dial(t, a.Addr, a.Auth.Token(t, c)))
}

// Anonymous returns a client whose calls carry no token.
func (a *Asset) Anonymous(t testing.TB) assetv1.AssetServiceClient {
	t.Helper()
	return assetv1.NewAssetServiceClient(authtest.Dial(t, a.Addr, ""))
}

// Header returns a batch header message.
func Header(source, batchID string) *assetv1.ImportRecordsRequest {
	return &assetv1.ImportRecordsRequest{Payload: &assetv1.ImportRecordsRequest_Header{
		Header: &typev1.ImportBatchHeader{Source: source, BatchId: batchID}}}
}

// Housing, Holdings, Land and Vehicle wrap one record as an import message.
func Housing(h *assetv1.Housing) *assetv1.ImportRecordsRequest {
	return &assetv1.ImportRecordsRequest{Payload: &assetv1.ImportRecordsRequest_Housing{Housing: h}}
}

func Holdings(h *assetv1.Holdings) *assetv1.ImportRecordsRequest {
	return &assetv1.ImportRecordsRequest{Payload: &assetv1.ImportRecordsRequest_Holdings{Holdings: h}}
}

func Land(l *assetv1.LandParcel) *assetv1.ImportRecordsRequest {
	return &assetv1.ImportRecordsRequest{Payload: &assetv1.ImportRecordsRequest_LandParcel{LandParcel: l}}
}

func Vehicle(v *assetv1.Vehicle) *assetv1.ImportRecordsRequest {
	return &assetv1.ImportRecordsRequest{Payload: &assetv1.ImportRecordsRequest_Vehicle{Vehicle: v}}
}

// SendImport sends msgs as one ImportRecords stream, closes it and returns the
// server's answer. A send that fails because the server already answered is
// not an error: the answer (usually a status) is what CloseAndRecv returns.
func SendImport(ctx context.Context, client assetv1.AssetServiceClient, msgs ...*assetv1.ImportRecordsRequest) (*typev1.ImportSummary, error) {
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

// Import sends records as batch batchID of source and fails the test on any
// error. A batch still held by an interrupted stream is retried for a while.
func Import(t testing.TB, client assetv1.AssetServiceClient, source, batchID string, records ...*assetv1.ImportRecordsRequest) *typev1.ImportSummary {
	t.Helper()
	msgs := append([]*assetv1.ImportRecordsRequest{Header(source, batchID)}, records...)
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

// FeedHead returns the last sequence of the asset change feed.
func (a *Asset) FeedHead(t testing.TB) int64 {
	t.Helper()
	var head int64
	if err := a.DB.QueryRowContext(context.Background(), "SELECT sequence FROM outbox_head WHERE id = 1").Scan(&head); err != nil {
		t.Fatalf("feed head: %v", err)
	}
	return head
}

// Rows counts the stored rows of table, straight from the database, so a
// test can see a partial write the API would hide.
func (a *Asset) Rows(t testing.TB, table string) int {
	t.Helper()
	var n int
	if err := a.DB.QueryRowContext(context.Background(), "SELECT /* dtsen:fanout test: counts a whole table */ count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}
