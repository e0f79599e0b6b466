// Command registry serves the DTSEN population-administration (Dukcapil)
// context over gRPC. Run it with --help for its configuration.
package main

import (
	"context"
	"time"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/platform/cache"
	"github.com/dtsen-id/dtsen/services/platform/config"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/redisx"
	"github.com/dtsen-id/dtsen/services/platform/service"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/registry/adapters"
	"github.com/dtsen-id/dtsen/services/registry/app"
	"github.com/dtsen-id/dtsen/services/registry/ports"
)

func main() {
	var redisURL *string
	var cacheTTL time.Duration
	service.Main(service.Options{
		Name:            "registry",
		DefaultGRPCAddr: "127.0.0.1:9101",
		Migrations:      migrations,
		Validators:      ports.Validators(),
		Config: func(cfg *config.Set) {
			redisURL = redisx.RegisterConfig(cfg)
			cfg.DurationVar(&cacheTTL, "DTSEN_REGISTRY_CACHE_TTL", 10*time.Minute,
				"how long a cached family lives at most; changes invalidate it at once through the change feed")
		},
	}, func(ctx context.Context, d *service.Deps) error {
		rdb, err := redisx.Open(ctx, *redisURL, d.Logger)
		if err != nil {
			return err
		}
		families := cache.New(rdb, "registry", cacheTTL, d.Logger).Named("registry_family")
		repo := adapters.NewRepository(d.DB, d.Outbox)
		im := importer.New(d.DB, importer.Options{Domain: ports.Domain})
		registryv1.RegisterRegistryServiceServer(d.Server.GRPC(),
			ports.NewServer(app.New(repo, im, repo), d.Outbox, d.Audit, families, d.Server.Stopping()))
		d.Background(func(ctx context.Context) error { return ports.FollowFamilies(ctx, d.Outbox, families) })
		return nil
	})
}

// migrations are the service's own sets; service.Run adds the platform's.
var migrations = []storage.MigrationSet{importer.Migrations, adapters.Migrations}
