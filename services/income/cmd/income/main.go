// Command income serves the DTSEN income context (incomes, employment,
// consumption and banking patterns) over gRPC. Run it with --help for its
// configuration.
package main

import (
	"context"
	"time"

	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	"github.com/dtsen-id/dtsen/services/income/adapters"
	"github.com/dtsen-id/dtsen/services/income/app"
	"github.com/dtsen-id/dtsen/services/income/ports"
	"github.com/dtsen-id/dtsen/services/platform/config"
	"github.com/dtsen-id/dtsen/services/platform/feed"
	"github.com/dtsen-id/dtsen/services/platform/identity"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/service"
	"github.com/dtsen-id/dtsen/services/platform/storage"
)

func main() {
	var registryAddr string
	var sweep time.Duration
	service.Main(service.Options{
		Name:            "income",
		DefaultGRPCAddr: "127.0.0.1:9103",
		Migrations:      migrations,
		Validators:      ports.Validators(),
		Config: func(cfg *config.Set) {
			cfg.StringVar(&registryAddr, "DTSEN_INCOME_REGISTRY_ADDR", "127.0.0.1:9101",
				"registry gRPC address: identity cross-checks, family members and its change feed")
			cfg.DurationVar(&sweep, "DTSEN_INCOME_RECONCILE_INTERVAL", 5*time.Minute,
				"how often UNMATCHED records are re-checked against the registry besides its change feed")
		},
	}, func(ctx context.Context, d *service.Deps) error {
		// d.Dial: identity checks and the registry feed carry this
		// workload's own token, calls made for a request the caller's.
		conn, err := d.Dial(ctx, registryAddr)
		if err != nil {
			return err
		}
		reg := adapters.NewRegistry(conn, identity.Options{})
		repo := adapters.NewRepository(d.DB, d.Outbox)
		im := importer.New(d.DB, importer.Options{Domain: ports.Domain})
		a := app.New(repo, im, repo, reg, d.Audit)
		incomev1.RegisterIncomeServiceServer(d.Server.GRPC(), ports.NewServer(a, d.Outbox, d.Server.Stopping()))
		d.Background(reg.Identities().RegistryFeed(d.DB, a.Reconcile, d.Logger).Run)
		d.Background(func(ctx context.Context) error {
			err := reg.Identities().Sweep(ctx, sweep, repo.UnmatchedOwners, a.Reconcile, d.Logger)
			_ = conn.Close()
			return err
		})
		return nil
	})
}

// migrations are the service's own sets; service.Run adds the platform's.
var migrations = []storage.MigrationSet{importer.Migrations, feed.Migrations, adapters.Migrations}
