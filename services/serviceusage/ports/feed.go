package ports

import (
	"context"
	"log/slog"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/feed"
	"github.com/dtsen-id/dtsen/services/platform/identity"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/serviceusage/app"
)

// RegistryFeedName names the consumer's durable cursor.
const RegistryFeedName = "registry"

// NewRegistryConsumer follows the registry's change feed and reconciles the
// records each event touches (issue 3, "Cross-checks"): a record stored
// UNMATCHED becomes MATCHED once the registry learns its NIK or KK number,
// and a recorded death flags the person's records. Handling is idempotent,
// as at-least-once delivery requires.
func NewRegistryConsumer(db *storage.DB, conn grpc.ClientConnInterface, ids *identity.Client, a *app.Application, logger *slog.Logger) *feed.Consumer {
	client := registryv1.NewRegistryServiceClient(conn)
	return &feed.Consumer{
		DB:     db,
		Name:   RegistryFeedName,
		Logger: logger,
		Open: func(ctx context.Context, after int64) (func() (*typev1.ChangeEvent, error), error) {
			stream, err := client.WatchChanges(ctx, &registryv1.WatchChangesRequest{AfterSequence: after})
			if err != nil {
				return nil, err
			}
			return func() (*typev1.ChangeEvent, error) {
				resp, err := stream.Recv()
				if err != nil {
					return nil, err
				}
				return resp.GetEvent(), nil
			}, nil
		},
		Handle: func(ctx context.Context, ev *typev1.ChangeEvent) error {
			niks, kks, err := ids.Touched(ctx, ev)
			if status.Code(err) == codes.NotFound {
				// The family is gone from the registry (it cannot be read
				// back): nothing of ours can newly match it, and retrying
				// would stall the feed forever.
				logger.WarnContext(ctx, "registry event names a family that no longer exists; skipped",
					slog.Int64("registry_sequence", ev.GetSequence()))
				return nil
			}
			if err != nil {
				return err
			}
			n, err := a.Reconcile(ctx, niks, kks)
			if n > 0 {
				logger.DebugContext(ctx, "reconciled records after a registry change",
					slog.Int("records", n), slog.Int64("registry_sequence", ev.GetSequence()))
			}
			return err
		},
	}
}
