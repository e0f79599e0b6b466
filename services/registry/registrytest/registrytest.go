// Package registrytest starts a real registry gRPC server in-process, on a
// loopback port, for component tests, the gateway's REST tests and the
// benchmarks. It wires the same adapters, use cases and ports as
// cmd/registry, through the same server bootstrap.
package registrytest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
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

// Migrations are every table the registry needs.
var Migrations = []storage.MigrationSet{outbox.Migrations, importer.Migrations, adapters.Migrations}

// Registry is a running registry server.
type Registry struct {
	Addr   string
	DB     *storage.DB
	Client registryv1.RegistryServiceClient
	Conn   *grpc.ClientConn
}

// Options tune the server under test.
type Options struct {
	// ChunkSize overrides the import chunk size (records per transaction).
	ChunkSize int
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
}

// Start migrates the database at url and serves the registry until the test
// ends.
func Start(t testing.TB, url string, opts Options) *Registry {
	t.Helper()
	db := storagetest.Open(t, url, Migrations...)
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv := grpcserver.New(&grpcserver.Config{Addr: "127.0.0.1:0", ShutdownGrace: time.Second}, logger, ports.Validators())
	ob := outbox.New(db, 100*time.Millisecond)
	repo := adapters.NewRepository(db, ob)
	im := importer.New(db, importer.Options{Domain: ports.Domain, ChunkSize: opts.ChunkSize})
	registryv1.RegisterRegistryServiceServer(srv.GRPC(), ports.NewServer(app.New(repo, im, repo), ob, srv.Stopping()))

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.RunListener(ctx, lis) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		cancel()
		<-done
	})
	return &Registry{Addr: lis.Addr().String(), DB: db, Client: registryv1.NewRegistryServiceClient(conn), Conn: conn}
}

// Family is demo.Family, re-exported for tests.
var Family = demo.Family
