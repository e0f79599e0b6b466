// Command scoring serves the DTSEN scoring context over gRPC: the welfare
// models, national ranking runs, per-family scores with explanations,
// programme eligibility and notices. Run it with --help for its
// configuration.
package main

import (
	"context"

	"google.golang.org/grpc"

	scoringv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/scoring/v1"
	"github.com/dtsen-id/dtsen/services/platform/config"
	"github.com/dtsen-id/dtsen/services/platform/service"
	"github.com/dtsen-id/dtsen/services/scoring/ports"
	"github.com/dtsen-id/dtsen/services/scoring/wiring"
)

func main() {
	var registry, asset, income, usage, grievance *string
	service.Main(service.Options{
		Name:            "scoring",
		DefaultGRPCAddr: "127.0.0.1:9105",
		Migrations:      migrations,
		Validators:      ports.Validators(),
		Config: func(cfg *config.Set) {
			registry = cfg.String("DTSEN_SCORING_REGISTRY_ADDR", "127.0.0.1:9101", "gRPC address of the registry")
			asset = cfg.String("DTSEN_SCORING_ASSET_ADDR", "127.0.0.1:9102", "gRPC address of the asset context")
			income = cfg.String("DTSEN_SCORING_INCOME_ADDR", "127.0.0.1:9103", "gRPC address of the income context")
			usage = cfg.String("DTSEN_SCORING_SERVICEUSAGE_ADDR", "127.0.0.1:9104", "gRPC address of the service-usage context")
			grievance = cfg.String("DTSEN_SCORING_GRIEVANCE_ADDR", "127.0.0.1:9106",
				"gRPC address of the grievance context, whose pending objections hold eligibility losses; empty: not followed")
		},
	}, func(ctx context.Context, d *service.Deps) error {
		reg, err := d.Dial(ctx, *registry)
		if err != nil {
			return err
		}
		as, err := d.Dial(ctx, *asset)
		if err != nil {
			return err
		}
		in, err := d.Dial(ctx, *income)
		if err != nil {
			return err
		}
		su, err := d.Dial(ctx, *usage)
		if err != nil {
			return err
		}
		c := wiring.Conns{Registry: reg, Asset: as, Income: in, ServiceUsage: su}
		var gr *grpc.ClientConn
		if *grievance != "" {
			if gr, err = d.Dial(ctx, *grievance); err != nil {
				return err
			}
			c.Grievance = gr
		}
		s, err := wiring.Build(ctx, d.DB, c, d.Audit, d.Logger, wiring.Options{})
		if err != nil {
			return err
		}
		scoringv1.RegisterScoringServiceServer(d.Server.GRPC(), s.Server)
		d.Background(func(ctx context.Context) error {
			defer func() {
				_ = reg.Close()
				_ = as.Close()
				_ = in.Close()
				_ = su.Close()
				if gr != nil {
					_ = gr.Close()
				}
			}()
			return s.Background(ctx)
		})
		return nil
	})
}

// migrations are the service's own sets; service.Run adds the platform's.
var migrations = wiring.Migrations
