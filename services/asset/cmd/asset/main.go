// Command asset serves the DTSEN asset-ownership context (housing, land,
// vehicles, livestock and goods) over gRPC. Run it with --help for its
// configuration.
package main

import (
	"context"
	"errors"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/asset/adapters"
	"github.com/dtsen-id/dtsen/services/asset/app"
	"github.com/dtsen-id/dtsen/services/asset/ports"
	"github.com/dtsen-id/dtsen/services/platform/config"
	"github.com/dtsen-id/dtsen/services/platform/feed"
	"github.com/dtsen-id/dtsen/services/platform/grpcserver"
	"github.com/dtsen-id/dtsen/services/platform/identity"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/service"
	"github.com/dtsen-id/dtsen/services/platform/storage"
)

func main() {
	var registryAddr *string
	service.Main(service.Options{
		Name:            "asset",
		DefaultGRPCAddr: "127.0.0.1:9102",
		Migrations:      []storage.MigrationSet{importer.Migrations, feed.Migrations, adapters.Migrations},
		Validators:      ports.Validators(),
		Config: func(cfg *config.Set) {
			registryAddr = cfg.String("DTSEN_ASSET_REGISTRY_ADDR", "127.0.0.1:9101",
				"gRPC address of the registry, for identity cross-checks and its change feed")
		},
	}, func(ctx context.Context, d *service.Deps) error {
		conn, err := grpcserver.Dial(ctx, *registryAddr)
		if err != nil {
			return err
		}
		registry := registryv1.NewRegistryServiceClient(conn)
		reg := adapters.NewRegistry(identity.NewClient(conn, identity.Options{}), registry)
		repo := adapters.NewRepository(d.DB, d.Outbox)
		im := importer.New(d.DB, importer.Options{Domain: ports.Domain})
		a := app.New(repo, repo, im, reg)
		assetv1.RegisterAssetServiceServer(d.Server.GRPC(), ports.NewServer(a, d.Outbox, d.Server.Stopping()))
		consumer := ports.RegistryFeed(d.DB, registry, a, d.Logger)
		d.Background(func(ctx context.Context) error {
			defer conn.Close()
			if err := consumer.Run(ctx); !errors.Is(err, context.Canceled) {
				return err
			}
			return nil
		})
		return nil
	})
}
