package incremental

import (
	"context"

	"google.golang.org/grpc"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/auth"
)

// Durable cursor names of the four feeds. They are prefixed with "scoring."
// so they cannot collide with a cursor of the same context kept by other
// code sharing scoring's database (platform/identity names its own
// "registry").
const (
	RegistryFeedName     = "scoring.registry"
	AssetFeedName        = "scoring.asset"
	IncomeFeedName       = "scoring.income"
	ServiceUsageFeedName = "scoring.serviceusage"
)

// RegistryFeed follows the registry's WatchChanges.
func RegistryFeed(c registryv1.RegistryServiceClient) Feed {
	return Feed{Name: RegistryFeedName, Open: func(ctx context.Context, after int64) (func() (*typev1.ChangeEvent, error), error) {
		return follow(c.WatchChanges(auth.AsService(ctx), &registryv1.WatchChangesRequest{AfterSequence: after}))
	}}
}

// AssetFeed follows the asset context's WatchChanges.
func AssetFeed(c assetv1.AssetServiceClient) Feed {
	return Feed{Name: AssetFeedName, Open: func(ctx context.Context, after int64) (func() (*typev1.ChangeEvent, error), error) {
		return follow(c.WatchChanges(auth.AsService(ctx), &assetv1.WatchChangesRequest{AfterSequence: after}))
	}}
}

// IncomeFeed follows the income context's WatchChanges.
func IncomeFeed(c incomev1.IncomeServiceClient) Feed {
	return Feed{Name: IncomeFeedName, Open: func(ctx context.Context, after int64) (func() (*typev1.ChangeEvent, error), error) {
		return follow(c.WatchChanges(auth.AsService(ctx), &incomev1.WatchChangesRequest{AfterSequence: after}))
	}}
}

// ServiceUsageFeed follows the service-usage context's WatchChanges.
func ServiceUsageFeed(c serviceusagev1.ServiceUsageServiceClient) Feed {
	return Feed{Name: ServiceUsageFeedName, Open: func(ctx context.Context, after int64) (func() (*typev1.ChangeEvent, error), error) {
		return follow(c.WatchChanges(auth.AsService(ctx), &serviceusagev1.WatchChangesRequest{AfterSequence: after}))
	}}
}

// follow adapts any context's stream: each has its own response type, all
// of them wrapping the one ChangeEvent.
func follow[R any, P interface {
	*R
	GetEvent() *typev1.ChangeEvent
}](stream grpc.ServerStreamingClient[R], err error) (func() (*typev1.ChangeEvent, error), error) {
	if err != nil {
		return nil, err
	}
	return func() (*typev1.ChangeEvent, error) {
		resp, err := stream.Recv()
		return P(resp).GetEvent(), err
	}, nil
}
