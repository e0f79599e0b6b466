// Command asset serves the DTSEN asset-ownership context (housing, land,
// vehicles, livestock and goods) over gRPC. Run it with --help for its
// configuration.
package main

import (
	"context"
	"errors"
	"time"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/asset/adapters"
	"github.com/dtsen-id/dtsen/services/asset/app"
	"github.com/dtsen-id/dtsen/services/asset/ports"
	"github.com/dtsen-id/dtsen/services/platform/config"
	"github.com/dtsen-id/dtsen/services/platform/feed"
	"github.com/dtsen-id/dtsen/services/platform/identity"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/service"
	"github.com/dtsen-id/dtsen/services/platform/storage"
)

func main() {
	var registryAddr *string
	var sweep time.Duration
	service.Main(service.Options{
		Name:            "asset",
		DefaultGRPCAddr: "127.0.0.1:9102",
		Migrations:      migrations,
		Validators:      ports.Validators(),
		Config: func(cfg *config.Set) {
			registryAddr = cfg.String("DTSEN_ASSET_REGISTRY_ADDR", "127.0.0.1:9101",
				"gRPC address of the registry, for identity cross-checks and its change feed")
			cfg.DurationVar(&sweep, "DTSEN_ASSET_RECONCILE_INTERVAL", 5*time.Minute,
				"how often UNMATCHED records are re-checked against the registry besides its change feed (0: never)")
		},
	}, func(ctx context.Context, d *service.Deps) error {
		// Identity lookups and the registry feed run with this service's own
		// token; GetFamilyAssets's member read forwards the caller's.
		conn, err := d.Dial(ctx, *registryAddr)
		if err != nil {
			return err
		}
		ids := identity.NewClient(conn, identity.Options{})
		reg := adapters.NewRegistry(ids, registryv1.NewRegistryServiceClient(conn))
		repo := adapters.NewRepository(d.DB, d.Outbox)
		im := importer.New(d.DB, importer.Options{Domain: ports.Domain})
		a := app.New(repo, repo, im, reg, d.Audit)
		assetv1.RegisterAssetServiceServer(d.Server.GRPC(), ports.NewServer(a, d.Outbox, d.Server.Stopping()))
		consumer := ids.RegistryFeed(d.DB, a.Reconcile, d.Logger)
		d.Background(func(ctx context.Context) error {
			if err := consumer.Run(ctx); !errors.Is(err, context.Canceled) {
				return err
			}
			return nil
		})
		d.Background(func(ctx context.Context) error {
			defer conn.Close()
			if sweep <= 0 { // the sweep is off; the feed alone reconciles
				<-ctx.Done()
				return nil
			}
			if err := ids.Sweep(ctx, sweep, repo.UnmatchedOwners, a.Reconcile, d.Logger); !errors.Is(err, context.Canceled) {
				return err
			}
			return nil
		})
		return nil
	})
}

// migrations are the service's own sets; service.Run adds the platform's.
var migrations = []storage.MigrationSet{importer.Migrations, feed.Migrations, adapters.Migrations}
