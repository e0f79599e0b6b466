// Command grievance serves the DTSEN grievance context over gRPC: citizens'
// objections and update proposals, inclusion reports, data corrections,
// new-registration proposals and village deliberation batches, verified in
// the field and decided within a deadline. Run it with --help for its
// configuration.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"

	grievancev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/grievance/v1"
	"github.com/dtsen-id/dtsen/services/grievance/adapters"
	"github.com/dtsen-id/dtsen/services/grievance/app"
	"github.com/dtsen-id/dtsen/services/grievance/ports"
	"github.com/dtsen-id/dtsen/services/platform/config"
	"github.com/dtsen-id/dtsen/services/platform/identity"
	"github.com/dtsen-id/dtsen/services/platform/privacy"
	"github.com/dtsen-id/dtsen/services/platform/service"
	"github.com/dtsen-id/dtsen/services/platform/storage"
)

// newID is a case id no one can guess from another's.
func newID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return "c-" + hex.EncodeToString(b)
}

func main() {
	var registryAddr *string
	var sweep time.Duration
	service.Main(service.Options{
		Name:            "grievance",
		DefaultGRPCAddr: "127.0.0.1:9106",
		Migrations:      []storage.MigrationSet{adapters.Migrations},
		Validators:      ports.Validators(),
		Config: func(cfg *config.Set) {
			registryAddr = cfg.String("DTSEN_GRIEVANCE_REGISTRY_ADDR", "127.0.0.1:9101",
				"gRPC address of the registry, for families' villages and who may act for them")
			cfg.DurationVar(&sweep, "DTSEN_GRIEVANCE_ESCALATION_INTERVAL", 10*time.Minute,
				"how often overdue cases are escalated to the next administrative level")
		},
	}, func(ctx context.Context, d *service.Deps) error {
		conn, err := d.Dial(ctx, *registryAddr)
		if err != nil {
			return err
		}
		a, err := app.New(app.Deps{Cases: adapters.NewRepository(d.DB, d.Outbox), NewID: newID})
		if err != nil {
			return err
		}
		ids := identity.NewClient(conn, identity.Options{TTL: time.Minute})
		grievancev1.RegisterGrievanceServiceServer(d.Server.GRPC(), ports.NewServer(a, ids, d.Audit, d.Outbox, d.Server.Stopping()))
		d.Background(func(ctx context.Context) error {
			defer conn.Close()
			t := time.NewTicker(sweep)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return nil
				case <-t.C:
					n, err := a.EscalateOverdue(ctx, "dtsen-grievance")
					if err != nil && ctx.Err() == nil {
						d.Logger.Warn("escalating overdue cases failed; retried at the next tick",
							slog.String("error", privacy.MaskText(err.Error())))
					} else if n > 0 {
						d.Logger.Info("escalated overdue cases", slog.Int("cases", n))
					}
				}
			}
		})
		return nil
	})
}
