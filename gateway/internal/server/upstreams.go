package server

import (
	"context"
	"fmt"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"

	assetv1gw "github.com/dtsen-id/dtsen/gateway/internal/gen/dtsen/asset/v1"
	auditv1gw "github.com/dtsen-id/dtsen/gateway/internal/gen/dtsen/audit/v1"
	grievancev1gw "github.com/dtsen-id/dtsen/gateway/internal/gen/dtsen/grievance/v1"
	incomev1gw "github.com/dtsen-id/dtsen/gateway/internal/gen/dtsen/income/v1"
	registryv1gw "github.com/dtsen-id/dtsen/gateway/internal/gen/dtsen/registry/v1"
	scoringv1gw "github.com/dtsen-id/dtsen/gateway/internal/gen/dtsen/scoring/v1"
	serviceusagev1gw "github.com/dtsen-id/dtsen/gateway/internal/gen/dtsen/serviceusage/v1"
	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	grievancev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/grievance/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	scoringv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/scoring/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
)

// upstream is one context's gRPC service behind the gateway.
type upstream struct {
	name     string
	conn     grpc.ClientConnInterface
	register func(ctx context.Context, mux *runtime.ServeMux, cc grpc.ClientConnInterface) error
}

// upstreams lists the contexts whose connections are configured, registry
// first. A context without a connection has no routes: its paths are 404.
func (o Options) upstreams() []upstream {
	all := []upstream{
		{"registry", o.Registry, func(ctx context.Context, mux *runtime.ServeMux, cc grpc.ClientConnInterface) error {
			return registryv1gw.RegisterRegistryServiceHandlerClient(ctx, mux, registryv1.NewRegistryServiceClient(cc))
		}},
		{"asset", o.Asset, func(ctx context.Context, mux *runtime.ServeMux, cc grpc.ClientConnInterface) error {
			return assetv1gw.RegisterAssetServiceHandlerClient(ctx, mux, assetv1.NewAssetServiceClient(cc))
		}},
		{"income", o.Income, func(ctx context.Context, mux *runtime.ServeMux, cc grpc.ClientConnInterface) error {
			return incomev1gw.RegisterIncomeServiceHandlerClient(ctx, mux, incomev1.NewIncomeServiceClient(cc))
		}},
		{"serviceusage", o.ServiceUsage, func(ctx context.Context, mux *runtime.ServeMux, cc grpc.ClientConnInterface) error {
			return serviceusagev1gw.RegisterServiceUsageServiceHandlerClient(ctx, mux, serviceusagev1.NewServiceUsageServiceClient(cc))
		}},
		{"scoring", o.Scoring, func(ctx context.Context, mux *runtime.ServeMux, cc grpc.ClientConnInterface) error {
			return scoringv1gw.RegisterScoringServiceHandlerClient(ctx, mux, scoringv1.NewScoringServiceClient(cc))
		}},
		{"grievance", o.Grievance, func(ctx context.Context, mux *runtime.ServeMux, cc grpc.ClientConnInterface) error {
			return grievancev1gw.RegisterGrievanceServiceHandlerClient(ctx, mux, grievancev1.NewGrievanceServiceClient(cc))
		}},
	}
	var out []upstream
	for _, u := range all {
		if u.conn != nil {
			out = append(out, u)
		}
	}
	return out
}

func (g *gateway) registerRoutes(ups []upstream) error {
	for _, u := range ups {
		if err := u.register(context.Background(), g.mux, trackedConn{cc: u.conn}); err != nil {
			return fmt.Errorf("server: register %s routes: %w", u.name, err)
		}
	}
	if err := auditv1gw.RegisterAuditServiceHandlerClient(context.Background(), g.mux, newAuditRouter(ups)); err != nil {
		return fmt.Errorf("server: register audit routes: %w", err)
	}
	return nil
}
