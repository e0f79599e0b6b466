// Package scoringtest starts a real scoring gRPC server in-process, beside
// real registry, asset, income and service-usage servers seeded with demo
// families, for the scoring component tests, the gateway's REST tests and
// dtsenctl's tests. The scoring service is assembled by package wiring,
// exactly as cmd/scoring assembles it, and every call is authenticated
// against a real development issuer.
package scoringtest

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	auditv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/audit/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	scoringv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/scoring/v1"
	suv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	"github.com/dtsen-id/dtsen/services/asset/assettest"
	assetdemo "github.com/dtsen-id/dtsen/services/asset/demo"
	incomedemo "github.com/dtsen-id/dtsen/services/income/demo"
	"github.com/dtsen-id/dtsen/services/income/incometest"
	"github.com/dtsen-id/dtsen/services/platform/audit"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/grpcserver"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
	"github.com/dtsen-id/dtsen/services/scoring/incremental"
	"github.com/dtsen-id/dtsen/services/scoring/ports"
	"github.com/dtsen-id/dtsen/services/scoring/wiring"
	sudemo "github.com/dtsen-id/dtsen/services/serviceusage/demo"
	"github.com/dtsen-id/dtsen/services/serviceusage/serviceusagetest"
)

// Seed sizes: Registered families are in the registry (registrytest.Family
// 0..Registered-1); the first WithData have records in every source
// context, the even ones among them consumption measured by an enumerator.
const (
	Registered = 40
	WithData   = 36
)

// KK is the KK number of seeded family i.
func KK(i int) string { return registrytest.Family(i).GetKkNumber() }

// Sources are the four source contexts the scoring server reads.
type Sources struct {
	Registry     *registrytest.Registry
	Asset        *assettest.Asset
	Income       *incometest.Income
	ServiceUsage *serviceusagetest.Service
}

// SourceOptions choose what StartSources seeds.
type SourceOptions struct {
	// Auth is the issuer the sources trust; nil starts a fresh one.
	Auth *authtest.Env
	// Registered families are in the registry (registrytest.Family
	// 0..Registered-1); the first WithData have records in every source
	// context, the even ones among them consumption measured by an
	// enumerator, the odd ones self-declared. Zero values are the package's
	// Registered and WithData.
	Registered, WithData int
	// NoFeed leaves the sources' own registry-feed consumers off.
	NoFeed bool
}

// StartSources starts the four source contexts on SQLite and seeds them.
func StartSources(t testing.TB, opts SourceOptions) *Sources {
	t.Helper()
	registered, withData := cmp.Or(opts.Registered, Registered), cmp.Or(opts.WithData, WithData)
	reg := registrytest.Start(t, storagetest.SQLiteURL(t), registrytest.Options{Auth: opts.Auth})
	registrytest.Seed(t, reg.Client, registered)
	as := assettest.Start(t, storagetest.SQLiteURL(t), reg.Addr, assettest.Options{Auth: reg.Auth, NoFeed: opts.NoFeed})
	in := incometest.Start(t, storagetest.SQLiteURL(t), reg.Addr, incometest.Options{Auth: reg.Auth, NoFeed: opts.NoFeed})
	su := serviceusagetest.Start(t, storagetest.SQLiteURL(t), reg.Addr, serviceusagetest.Options{Auth: reg.Auth, NoFeed: opts.NoFeed})
	var assets []*assetv1.ImportRecordsRequest
	var income []*incomev1.ImportRecordsRequest
	var usage []*suv1.ImportRecordsRequest
	for f := range withData {
		assets = append(assets, assettest.Housing(assetdemo.Housing(f)), assettest.Holdings(assetdemo.Holdings(f)))
		income = append(income, incometest.ConsumptionRecord(incomedemo.Consumption(f)),
			incometest.EmploymentRecord(incomedemo.Employment(f)))
		for m := range incomedemo.MembersPerFamily {
			income = append(income, incometest.IncomeRecord(incomedemo.Income(f*incomedemo.MembersPerFamily+m)))
		}
		usage = append(usage, sudemo.Records(f, time.Now())...)
	}
	for name, sum := range map[string]interface {
		GetRejectedCount() int64
		GetAcceptedCount() int64
	}{
		"asset":        assettest.Import(t, as.Client, assetdemo.SourceBPS, "seed", assets...),
		"income":       incometest.Import(t, in.Client, "seed", income...),
		"serviceusage": serviceusagetest.Import(t, su.Client, "seed", usage...),
	} {
		if sum.GetRejectedCount() != 0 || sum.GetAcceptedCount() == 0 {
			t.Fatalf("scoringtest: %s seed: %d accepted, %d rejected", name, sum.GetAcceptedCount(), sum.GetRejectedCount())
		}
	}
	return &Sources{Registry: reg, Asset: as, Income: in, ServiceUsage: su}
}

// Dial connects to the four sources as the scoring workload does (its own
// service token), closing the connections when the test ends.
func (s *Sources) Dial(t testing.TB) wiring.Conns {
	t.Helper()
	return wiring.Conns{Registry: s.dial(t, s.Registry.Addr), Asset: s.dial(t, s.Asset.Addr), Income: s.dial(t, s.Income.Addr),
		ServiceUsage: s.dial(t, s.ServiceUsage.Addr)}
}

// dial connects to addr with the scoring workload's token from the
// sources' issuer.
func (s *Sources) dial(t testing.TB, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpcserver.Dial(context.Background(), addr, auth.ClientOptions(s.Registry.Auth.ServiceTokens("scoring"))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// Options tune the scoring server under test.
type Options struct {
	// NoIncremental leaves the change-feed re-scoring off.
	NoIncremental bool
	// GrievanceAddr, when set, is a grievance server (grievancetest.Start,
	// trusting the sources' issuer) whose feed scoring follows for
	// objections.
	GrievanceAddr string
	// Incremental tunes it; zero values take quick test defaults.
	Incremental incremental.Options
	Logger      *slog.Logger
}

// Scoring is a running scoring server.
type Scoring struct {
	Addr string
	DB   *storage.DB
	// Client carries an administrator's token.
	Client  scoringv1.ScoringServiceClient
	Auth    *authtest.Env
	Audit   *audit.Log
	Service *wiring.Service
	Sources *Sources
}

// Start serves the scoring context on the database at url until the test
// ends, reading src (which must trust the same issuer: src.Registry.Auth).
func Start(t testing.TB, url string, src *Sources, opts Options) *Scoring {
	t.Helper()
	env := src.Registry.Auth
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	db := storagetest.Open(t, url, append([]storage.MigrationSet{outbox.Migrations, audit.Migrations}, wiring.Migrations...)...)
	conns := src.Dial(t)
	if opts.GrievanceAddr != "" {
		conns.Grievance = src.dial(t, opts.GrievanceAddr)
	}
	inc := opts.Incremental
	if inc.Settle == 0 {
		inc.Settle = 50 * time.Millisecond
	}
	if inc.Retry == 0 {
		inc.Retry = 200 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(context.Background())
	auditLog := audit.New(db, "scoring")
	svc, err := wiring.Build(ctx, db, conns, auditLog, logger, wiring.Options{Incremental: inc, NoIncremental: opts.NoIncremental, BatchSize: 16, Workers: 4})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	srv := grpcserver.New(&grpcserver.Config{Addr: "127.0.0.1:0", ShutdownGrace: time.Second}, logger, ports.Validators(), env.Authenticator())
	auditv1.RegisterAuditServiceServer(srv.GRPC(), audit.NewServer(auditLog))
	scoringv1.RegisterScoringServiceServer(srv.GRPC(), svc.Server)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.RunListener(ctx, lis) }()
	var background sync.WaitGroup
	background.Go(func() { _ = svc.Background(ctx) })
	t.Cleanup(func() {
		cancel()
		<-done
		background.Wait()
	})
	s := &Scoring{Addr: lis.Addr().String(), DB: db, Auth: env, Audit: auditLog, Service: svc, Sources: src}
	s.Client = s.ClientAs(t, authtest.Admin())
	return s
}

// ClientAs returns a client whose calls carry a token for c.
func (s *Scoring) ClientAs(t testing.TB, c auth.Claims) scoringv1.ScoringServiceClient {
	t.Helper()
	return scoringv1.NewScoringServiceClient(authtest.Dial(t, s.Addr, s.Auth.Token(t, c)))
}

// Ranked trains a boosted-trees model (small, for speed) and an OLS
// baseline, activates the boosted one and runs a ranking to success,
// through the API as an administrator. It returns the run.
func (s *Scoring) Ranked(t testing.TB) *scoringv1.RankingRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := s.Client.TrainModel(ctx, &scoringv1.TrainModelRequest{Kind: scoringv1.ModelKind_MODEL_KIND_OLS}); err != nil {
		t.Fatal(err)
	}
	gbt, err := s.Client.TrainModel(ctx, &scoringv1.TrainModelRequest{Kind: scoringv1.ModelKind_MODEL_KIND_GBT,
		Gbt: &scoringv1.GBTParams{Rounds: 20, MinSamplesLeaf: 2, EarlyStoppingRounds: 0}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.ActivateModel(ctx, &scoringv1.ActivateModelRequest{Name: gbt.GetName(), Reason: "scoringtest"}); err != nil {
		t.Fatal(err)
	}
	run, err := s.Client.StartRankingRun(ctx, &scoringv1.StartRankingRunRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for run.GetState() != scoringv1.RunState_RUN_STATE_SUCCEEDED {
		if run.GetState() == scoringv1.RunState_RUN_STATE_FAILED {
			t.Fatalf("ranking run failed: %s", run.GetError())
		}
		select {
		case <-ctx.Done():
			t.Fatalf("ranking run %s did not finish: %v", run.GetName(), run)
		case <-time.After(50 * time.Millisecond):
		}
		if run, err = s.Client.GetRankingRun(ctx, &scoringv1.GetRankingRunRequest{Name: run.GetName()}); err != nil {
			t.Fatal(err)
		}
	}
	return run
}
