// Command registry serves the DTSEN population-administration (Dukcapil)
// context over gRPC. Run it with --help for its configuration.
package main

import (
	"context"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/service"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/registry/adapters"
	"github.com/dtsen-id/dtsen/services/registry/app"
	"github.com/dtsen-id/dtsen/services/registry/ports"
)

func main() {
	service.Main(service.Options{
		Name:            "registry",
		DefaultGRPCAddr: "127.0.0.1:9101",
		Migrations:      []storage.MigrationSet{importer.Migrations, adapters.Migrations},
		Validators:      ports.Validators(),
	}, func(_ context.Context, d *service.Deps) error {
		repo := adapters.NewRepository(d.DB, d.Outbox)
		im := importer.New(d.DB, importer.Options{Domain: ports.Domain})
		registryv1.RegisterRegistryServiceServer(d.Server.GRPC(),
			ports.NewServer(app.New(repo, im, repo), d.Outbox, d.Audit, d.Server.Stopping()))
		return nil
	})
}
