// Command serviceusage serves the DTSEN public-service-usage context (health
// coverage, school enrolment, utilities, social programmes received) over
// gRPC. Run it with --help for its configuration.
package main

import (
	"context"
	"fmt"
	"time"

	suv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	"github.com/dtsen-id/dtsen/services/platform/config"
	"github.com/dtsen-id/dtsen/services/platform/feed"
	"github.com/dtsen-id/dtsen/services/platform/identity"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/service"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/serviceusage/adapters"
	"github.com/dtsen-id/dtsen/services/serviceusage/app"
	"github.com/dtsen-id/dtsen/services/serviceusage/ports"
)

func main() {
	var (
		registryAddr string
		sweep        time.Duration
	)
	service.Main(service.Options{
		Name:            "serviceusage",
		DefaultGRPCAddr: "127.0.0.1:9104",
		Migrations:      migrations,
		Validators:      ports.Validators(),
		Config: func(cfg *config.Set) {
			cfg.StringVar(&registryAddr, "DTSEN_SERVICEUSAGE_REGISTRY_ADDR", "127.0.0.1:9101",
				"gRPC address of the registry, for identity cross-checks, family members and its change feed")
			cfg.DurationVar(&sweep, "DTSEN_SERVICEUSAGE_RECONCILE_INTERVAL", 5*time.Minute,
				"how often UNMATCHED records are re-checked against the registry, besides its change feed")
		},
	}, func(ctx context.Context, d *service.Deps) error {
		// d.Dial: identity lookups and the feed carry this workload's own
		// token, a family summary's member read the caller's.
		conn, err := d.Dial(ctx, registryAddr)
		if err != nil {
			return fmt.Errorf("dial registry %s: %w", registryAddr, err)
		}
		ids := identity.NewClient(conn, identity.Options{})
		repo := adapters.NewRepository(d.DB, d.Outbox)
		im := importer.New(d.DB, importer.Options{Domain: ports.Domain})
		a := app.New(repo, im, repo, adapters.IdentityChecker{Client: ids}, adapters.NewFamilyDirectory(conn))
		suv1.RegisterServiceUsageServiceServer(d.Server.GRPC(), ports.NewServer(a, d.Outbox, d.Server.Stopping(), ids, d.Audit))
		d.Background(ids.RegistryFeed(d.DB, a.Reconcile, d.Logger).Run)
		d.Background(func(ctx context.Context) error {
			return ids.Sweep(ctx, sweep, a.UnmatchedOwners, a.Reconcile, d.Logger)
		})
		d.Background(func(ctx context.Context) error {
			<-ctx.Done()
			return conn.Close()
		})
		return nil
	})
}

// migrations are the service's own sets; service.Run adds the platform's.
var migrations = []storage.MigrationSet{importer.Migrations, feed.Migrations, adapters.Migrations}
