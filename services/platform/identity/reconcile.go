package identity

import (
	"context"
	"log/slog"
	"time"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/feed"
	"github.com/dtsen-id/dtsen/services/platform/storage"
)

// RegistryFeedName names the durable cursor of the registry's feed.
const RegistryFeedName = "registry"

// Reconcile re-checks a context's stored records of these NIKs and KK
// numbers against the registry and returns how many it changed. It must be
// idempotent: the feed delivers at least once.
type Reconcile func(ctx context.Context, niks, kks []string) (int, error)

// RegistryFeed returns the consumer of the registry's change feed that every
// source context runs (issue 3, "Cross-checks"): for each event it learns
// which NIKs and KK numbers changed (evicting them from the cache) and
// re-checks this context's records of them, so a record held UNMATCHED
// becomes MATCHED once the registry learns its owner, and a recorded death
// flags the records of the deceased.
func (c *Client) RegistryFeed(db *storage.DB, reconcile Reconcile, logger *slog.Logger) *feed.Consumer {
	if logger == nil {
		logger = slog.Default()
	}
	return &feed.Consumer{
		DB:     db,
		Name:   RegistryFeedName,
		Logger: logger,
		Open: func(ctx context.Context, after int64) (func() (*typev1.ChangeEvent, error), error) {
			stream, err := c.rpc.WatchChanges(auth.AsService(ctx), &registryv1.WatchChangesRequest{AfterSequence: after})
			if err != nil {
				return nil, err
			}
			return func() (*typev1.ChangeEvent, error) {
				resp, err := stream.Recv()
				return resp.GetEvent(), err
			}, nil
		},
		Handle: func(ctx context.Context, ev *typev1.ChangeEvent) error {
			niks, kks, err := c.Touched(ctx, ev)
			if err != nil {
				return err
			}
			n, err := reconcile(ctx, niks, kks)
			if err == nil && n > 0 {
				logger.InfoContext(ctx, "reconciled records after a registry change",
					slog.Int64("registry_sequence", ev.GetSequence()), slog.Int("records", n))
			}
			return err
		},
	}
}

// Sweep re-checks UNMATCHED records every interval until ctx ends. The feed
// reconciles almost everything; the sweep closes the one gap it leaves: an
// import that checked a NIK just before the registry learned it, but
// committed just after the feed event was handled. unmatched returns up to
// limit owners of UNMATCHED records; successive calls must cover all of them
// in time (a random sample, or a cursor that resumes and wraps), because a
// record that stays unknown is not changed by a re-check and would otherwise
// be returned forever. An interval of zero or less turns the sweep off.
func (c *Client) Sweep(ctx context.Context, interval time.Duration, unmatched func(ctx context.Context, limit int) (niks, kks []string, err error),
	reconcile Reconcile, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.Default()
	}
	if interval <= 0 {
		<-ctx.Done()
		return ctx.Err()
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		niks, kks, err := unmatched(ctx, 1000)
		if err == nil && len(niks)+len(kks) > 0 {
			c.Forget(niks, kks)
			_, err = reconcile(ctx, niks, kks)
		}
		if err != nil && ctx.Err() == nil {
			// Best effort: the next tick retries.
			logger.WarnContext(ctx, "reconciliation sweep failed", slog.String("error", err.Error()))
		}
	}
}
