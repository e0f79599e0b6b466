// Command grievance serves the DTSEN grievance context over gRPC: citizens'
// objections and update proposals, inclusion reports, data corrections,
// new-registration proposals and village deliberation batches, verified in
// the field and decided within a deadline; approved changes are applied to
// the owning contexts. Run it with --help for its configuration.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"google.golang.org/grpc"

	grievancev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/grievance/v1"
	"github.com/dtsen-id/dtsen/services/grievance/adapters"
	"github.com/dtsen-id/dtsen/services/grievance/ports"
	"github.com/dtsen-id/dtsen/services/grievance/wiring"
	"github.com/dtsen-id/dtsen/services/platform/config"
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
	var registry, asset, income, usage *string
	opts := wiring.Options{NewID: newID}
	service.Main(service.Options{
		Name:            "grievance",
		DefaultGRPCAddr: "127.0.0.1:9106",
		Migrations:      migrations,
		Validators:      ports.Validators(),
		Config: func(cfg *config.Set) {
			registry = cfg.String("DTSEN_GRIEVANCE_REGISTRY_ADDR", "127.0.0.1:9101",
				"gRPC address of the registry, for families' villages and who may act for them, and registry corrections")
			asset = cfg.String("DTSEN_GRIEVANCE_ASSET_ADDR", "127.0.0.1:9102", "gRPC address of the asset context, for corrections")
			income = cfg.String("DTSEN_GRIEVANCE_INCOME_ADDR", "127.0.0.1:9103", "gRPC address of the income context, for corrections")
			usage = cfg.String("DTSEN_GRIEVANCE_SERVICEUSAGE_ADDR", "127.0.0.1:9104",
				"gRPC address of the service-usage context, for corrections")
			cfg.DurationVar(&opts.EscalationInterval, "DTSEN_GRIEVANCE_ESCALATION_INTERVAL", 10*time.Minute,
				"how often overdue cases are escalated to the next administrative level")
			cfg.DurationVar(&opts.ApplyInterval, "DTSEN_GRIEVANCE_APPLY_INTERVAL", 5*time.Second,
				"how often approved cases are applied to the owning contexts")
		},
	}, func(ctx context.Context, d *service.Deps) error {
		var conns []*grpc.ClientConn
		for _, addr := range []string{*registry, *asset, *income, *usage} {
			conn, err := d.Dial(ctx, addr)
			if err != nil {
				return err
			}
			conns = append(conns, conn)
		}
		c := wiring.Conns{Registry: conns[0], Asset: conns[1], Income: conns[2], ServiceUsage: conns[3]}
		s, err := wiring.Build(d.DB, d.Outbox, c, d.Audit, d.Server.Stopping(), d.Logger, opts)
		if err != nil {
			return err
		}
		grievancev1.RegisterGrievanceServiceServer(d.Server.GRPC(), s.Server)
		d.Background(func(ctx context.Context) error {
			defer func() {
				for _, conn := range conns {
					_ = conn.Close()
				}
			}()
			return s.Background(ctx)
		})
		return nil
	})
}

// migrations are the service's own sets; service.Run adds the platform's.
var migrations = []storage.MigrationSet{adapters.Migrations}
