// Package serviceusagetest starts a real service-usage gRPC server
// in-process, on a loopback port, pointed at a registry, with the registry
// feed consumer and the reconciliation sweep running: for component tests,
// the gateway's REST tests and the benchmarks. It wires the same adapters,
// use cases and ports as cmd/serviceusage.
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

	suv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
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
var Migrations = []storage.MigrationSet{outbox.Migrations, importer.Migrations, feed.Migrations, adapters.Migrations}

// Service is a running service-usage server.
type Service struct {
	Addr   string
	DB     *storage.DB
	Client suv1.ServiceUsageServiceClient
	Conn   *grpc.ClientConn
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
	regConn, err := grpcserver.Dial(context.Background(), registryAddr)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpcserver.New(&grpcserver.Config{Addr: "127.0.0.1:0", ShutdownGrace: time.Second}, logger, ports.Validators())
	ob := outbox.New(db, 100*time.Millisecond)
	repo := adapters.NewRepository(db, ob)
	ids := identity.NewClient(regConn, identity.Options{})
	im := importer.New(db, importer.Options{Domain: ports.Domain, ChunkSize: opts.ChunkSize})
	a := app.New(repo, im, repo, adapters.IdentityChecker{Client: ids}, adapters.NewFamilyDirectory(regConn))
	suv1.RegisterServiceUsageServiceServer(srv.GRPC(), ports.NewServer(a, ob, srv.Stopping()))

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
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
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
	return &Service{Addr: lis.Addr().String(), DB: db, Client: suv1.NewServiceUsageServiceClient(conn), Conn: conn}
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
