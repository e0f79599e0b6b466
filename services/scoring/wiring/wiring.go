// Package wiring assembles the scoring context from its parts: the four
// source connections, the repositories, the use cases, the ranking-run
// runner, the gRPC server, the incremental re-scorer and the grievance
// feed that holds losses under objection. cmd/scoring and
// the scoringtest harness both build the service here, so tests exercise
// exactly what production runs.
package wiring

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"google.golang.org/grpc"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	grievancev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/grievance/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	"github.com/dtsen-id/dtsen/services/platform/audit"
	"github.com/dtsen-id/dtsen/services/platform/feed"
	"github.com/dtsen-id/dtsen/services/platform/identity"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/scoring/adapters"
	"github.com/dtsen-id/dtsen/services/scoring/app"
	"github.com/dtsen-id/dtsen/services/scoring/incremental"
	"github.com/dtsen-id/dtsen/services/scoring/objections"
	"github.com/dtsen-id/dtsen/services/scoring/ports"
)

// Migrations are every table the scoring service needs besides the ones
// service.Run always applies (outbox, audit).
var Migrations = []storage.MigrationSet{feed.Migrations, adapters.Migrations, incremental.Migrations, objections.Migrations}

// Conns are the connections to the four source contexts and to grievance.
type Conns struct {
	Registry, Asset, Income, ServiceUsage grpc.ClientConnInterface
	// Grievance, when set, is followed for exclusion objections, which
	// hold a family's loss while pending. Without it no new objection
	// reaches scoring; those already recorded still hold losses.
	Grievance grpc.ClientConnInterface
}

// Options tune the service.
type Options struct {
	// Incremental tunes the re-scoring of changed families.
	Incremental incremental.Options
	// NoIncremental leaves the four source feeds and the re-scoring off.
	// The grievance feed follows Conns.Grievance alone: objections are not
	// re-scoring, and a test of either should not need the other.
	NoIncremental bool
	// App's batch size and workers; zero takes the defaults.
	BatchSize, Workers int
	// Clock for the use cases; nil is time.Now.
	Clock func() time.Time
}

// Service is the assembled scoring context.
type Service struct {
	App    *app.App
	Runner *app.Runner
	Server *ports.Server
	Syncer *incremental.Syncer
	// Objections follows grievance; nil without Conns.Grievance.
	Objections *objections.Follower
}

// identityTTL bounds how long a family's region, as the registry gave it,
// is trusted for authorising reads. Scoring does not follow the registry's
// feed for evictions, so a short TTL keeps a moved family's old region
// officers out within a minute.
const identityTTL = time.Minute

// Build assembles the service over db (migrated with Migrations), whose
// ranking runs live as long as ctx.
func Build(ctx context.Context, db *storage.DB, c Conns, auditLog *audit.Log, logger *slog.Logger, opts Options) (*Service, error) {
	repo := adapters.NewRepository(db)
	src := adapters.New(adapters.Conns{Registry: c.Registry, Asset: c.Asset, Income: c.Income, ServiceUsage: c.ServiceUsage})
	// Runs consult the recorded objections even when grievance is not
	// followed (yet): an objection recorded before stays open until its
	// decision arrives.
	open := objections.NewStore(db)
	a, err := app.New(app.Deps{Models: repo.Models, Runs: repo.Runs, Scores: repo.Scores, Eligibility: repo.Eligibility,
		Notices: repo.Notices, Families: src, Lister: src, Labels: src, ObjectionsPending: open.Contested,
		Clock: opts.Clock, BatchSize: opts.BatchSize, Workers: opts.Workers})
	if err != nil {
		return nil, err
	}
	runner := app.NewRunner(ctx, a, logger)
	ids := identity.NewClient(c.Registry, identity.Options{TTL: identityTTL})
	s := &Service{App: a, Runner: runner, Server: ports.NewServer(a, runner, ids, auditLog)}
	if !opts.NoIncremental {
		o := opts.Incremental
		if o.Logger == nil {
			o.Logger = logger
		}
		feeds := []incremental.Feed{
			incremental.RegistryFeed(registryv1.NewRegistryServiceClient(c.Registry)),
			incremental.AssetFeed(assetv1.NewAssetServiceClient(c.Asset)),
			incremental.IncomeFeed(incomev1.NewIncomeServiceClient(c.Income)),
			incremental.ServiceUsageFeed(serviceusagev1.NewServiceUsageServiceClient(c.ServiceUsage)),
		}
		s.Syncer = incremental.New(db, feeds, a.RescoreIfStale, o)
	}
	if c.Grievance != nil {
		s.Objections = objections.NewFollower(db, grievancev1.NewGrievanceServiceClient(c.Grievance), a, logger)
	}
	return s, nil
}

// Background is what runs beside the gRPC server: resuming the ranking run
// a previous process left unfinished, the incremental re-scorer and the
// grievance feed. It returns when ctx ends, or with the first of them to
// fail, having stopped the others.
func (s *Service) Background(ctx context.Context) error {
	if err := s.Runner.ResumeUnfinished(ctx); err != nil {
		return err
	}
	defer s.Runner.Wait()
	var tasks []func(context.Context) error
	if s.Syncer != nil {
		tasks = append(tasks, s.Syncer.Run)
	}
	if s.Objections != nil {
		tasks = append(tasks, s.Objections.Run)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for _, run := range tasks {
		wg.Go(func() {
			if err := run(ctx); err != nil && ctx.Err() == nil {
				cancel(err)
			}
		})
	}
	<-ctx.Done()
	wg.Wait()
	if err := context.Cause(ctx); !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
