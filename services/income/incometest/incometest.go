// Package incometest starts a real income gRPC server in-process, on a
// loopback port, pointed at a registry, for component tests, the gateway's
// REST tests and the benchmarks. It wires the same adapters, use cases, ports,
// registry feed consumer, authentication and audit log as cmd/income: every
// call needs a token from the test issuer, as in production.
package incometest

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
	"google.golang.org/grpc/status"

	auditv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/audit/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/income/adapters"
	"github.com/dtsen-id/dtsen/services/income/app"
	"github.com/dtsen-id/dtsen/services/income/ports"
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

// Migrations are every table the income service needs.
var Migrations = []storage.MigrationSet{outbox.Migrations, audit.Migrations, importer.Migrations, feed.Migrations, adapters.Migrations}

// DefaultAgencies are the agencies of the default integration token: every
// source agency of the demo fixtures, the tests and the population
// generator's income files.
var DefaultAgencies = []string{"bpjs-tk", "djp", "bps", "ojk", "taspen", "bkn", "asabri", "kemenkop-ukm", "bp2mi", "kemensos"}

// Income is a running income server.
type Income struct {
	Addr string
	DB   *storage.DB
	// Client and Conn carry a token of authtest.Integration(Agencies...):
	// nationwide reads, and imports of those agencies' records.
	Client incomev1.IncomeServiceClient
	Conn   *grpc.ClientConn
	// Auth is the issuer the server trusts; Audit its audit log.
	Auth  *authtest.Env
	Audit *audit.Log
}

// ClientAs returns a client whose calls carry a token for c.
func (in *Income) ClientAs(t testing.TB, c auth.Claims) incomev1.IncomeServiceClient {
	t.Helper()
	return incomev1.NewIncomeServiceClient(authtest.Dial(t, in.Addr, in.Auth.Token(t, c)))
}

// Anonymous returns a client whose calls carry no token.
func (in *Income) Anonymous(t testing.TB) incomev1.IncomeServiceClient {
	t.Helper()
	return incomev1.NewIncomeServiceClient(authtest.Dial(t, in.Addr, ""))
}

// Options tune the server under test.
type Options struct {
	// ChunkSize overrides the import chunk size (records per transaction).
	ChunkSize int
	// NoFeed leaves the registry feed consumer off.
	NoFeed bool
	// ReconcileInterval runs the reconciliation sweep of UNMATCHED records
	// at this interval (cmd/income's DTSEN_INCOME_RECONCILE_INTERVAL); zero
	// leaves it off.
	ReconcileInterval time.Duration
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
	// Auth is the issuer the server trusts; nil starts a fresh one. Pass the
	// registry harness's, so both services trust the same issuer.
	Auth *authtest.Env
	// Agencies are the agencies of Client's integration token; empty means
	// DefaultAgencies.
	Agencies []string
}

// Start migrates the database at url and serves the income context, using
// the registry at registryAddr, until the test ends.
func Start(t testing.TB, url, registryAddr string, opts Options) *Income {
	t.Helper()
	env := opts.Auth
	if env == nil {
		env = authtest.Start(t)
	}
	agencies := opts.Agencies
	if len(agencies) == 0 {
		agencies = DefaultAgencies
	}
	db := storagetest.Open(t, url, Migrations...)
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	// As cmd/income's d.Dial: identity lookups and the registry feed carry
	// the service's own token, calls made for a request the caller's.
	regConn, err := grpcserver.Dial(ctx, registryAddr, auth.ClientOptions(env.ServiceTokens("income"))...)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpcserver.New(&grpcserver.Config{Addr: "127.0.0.1:0", ShutdownGrace: time.Second}, logger, ports.Validators(),
		env.Authenticator())
	auditLog := audit.New(db, "income")
	auditv1.RegisterAuditServiceServer(srv.GRPC(), audit.NewServer(auditLog))
	ob := outbox.New(db, 100*time.Millisecond)
	reg := adapters.NewRegistry(regConn, identity.Options{})
	repo := adapters.NewRepository(db, ob)
	im := importer.New(db, importer.Options{Domain: ports.Domain, ChunkSize: opts.ChunkSize})
	a := app.New(repo, im, repo, reg, auditLog)
	incomev1.RegisterIncomeServiceServer(srv.GRPC(), ports.NewServer(a, ob, srv.Stopping()))

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 3)
	go func() { done <- srv.RunListener(ctx, lis) }()
	background := 1
	if !opts.NoFeed {
		background++
		consumer := reg.Identities().RegistryFeed(db, a.Reconcile, logger)
		consumer.MaxBackoff = 500 * time.Millisecond
		go func() { done <- consumer.Run(ctx) }()
	}
	if opts.ReconcileInterval > 0 {
		background++
		go func() {
			done <- reg.Identities().Sweep(ctx, opts.ReconcileInterval, repo.UnmatchedOwners, a.Reconcile, logger)
		}()
	}
	conn := authtest.Dial(t, lis.Addr().String(), env.Token(t, authtest.Integration(agencies...)))
	t.Cleanup(func() {
		_ = conn.Close()
		cancel()
		for range background {
			<-done
		}
		_ = regConn.Close()
	})
	return &Income{Addr: lis.Addr().String(), DB: db, Client: incomev1.NewIncomeServiceClient(conn), Conn: conn,
		Auth: env, Audit: auditLog}
}

// Source is the import source the helpers use.
const Source = "bps"

// Header returns a batch header of Source with batchID.
func Header(batchID string) *incomev1.ImportRecordsRequest {
	return &incomev1.ImportRecordsRequest{Payload: &incomev1.ImportRecordsRequest_Header{
		Header: &typev1.ImportBatchHeader{Source: Source, BatchId: batchID}}}
}

// IncomeRecord, EmploymentRecord, ConsumptionRecord and BankingRecord wrap
// one record as an import message.
func IncomeRecord(x *incomev1.Income) *incomev1.ImportRecordsRequest {
	return &incomev1.ImportRecordsRequest{Payload: &incomev1.ImportRecordsRequest_Income{Income: x}}
}

func EmploymentRecord(x *incomev1.Employment) *incomev1.ImportRecordsRequest {
	return &incomev1.ImportRecordsRequest{Payload: &incomev1.ImportRecordsRequest_Employment{Employment: x}}
}

func ConsumptionRecord(x *incomev1.Consumption) *incomev1.ImportRecordsRequest {
	return &incomev1.ImportRecordsRequest{Payload: &incomev1.ImportRecordsRequest_Consumption{Consumption: x}}
}

func BankingRecord(x *incomev1.BankingPattern) *incomev1.ImportRecordsRequest {
	return &incomev1.ImportRecordsRequest{Payload: &incomev1.ImportRecordsRequest_BankingPattern{BankingPattern: x}}
}

// SendImport sends msgs as one ImportRecords stream, closes it and returns
// the server's answer.
func SendImport(ctx context.Context, client incomev1.IncomeServiceClient, msgs ...*incomev1.ImportRecordsRequest) (*typev1.ImportSummary, error) {
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

// Import imports records as batch batchID and fails the test on any error
// (retrying briefly while an interrupted stream still holds the batch).
func Import(t testing.TB, client incomev1.IncomeServiceClient, batchID string, records ...*incomev1.ImportRecordsRequest) *typev1.ImportSummary {
	t.Helper()
	msgs := append([]*incomev1.ImportRecordsRequest{Header(batchID)}, records...)
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
