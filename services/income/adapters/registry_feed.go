package adapters

import (
	"context"
	"log/slog"
	"time"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/feed"
	"github.com/dtsen-id/dtsen/services/platform/storage"
)

// Reconciler re-checks stored records of NIKs and KK numbers (app.Reconcile).
type Reconciler interface {
	Reconcile(ctx context.Context, niks, kks []string) (int, error)
}

// FeedName is the durable cursor's name for the registry's change feed.
const FeedName = "registry"

// NewRegistryFeed returns the consumer of the registry's change feed: for
// each event it asks the registry which NIKs and KK numbers the change
// touched (evicting them from the identity cache) and re-checks this
// context's records of those keys. Handling is idempotent, so at-least-once
// delivery is safe.
func NewRegistryFeed(db *storage.DB, reg *Registry, rec Reconciler, logger *slog.Logger) *feed.Consumer {
	return &feed.Consumer{
		DB:     db,
		Name:   FeedName,
		Open:   reg.OpenFeed(),
		Logger: logger,
		Handle: func(ctx context.Context, ev *typev1.ChangeEvent) error {
			niks, kks, err := reg.Touched(ctx, ev)
			if err != nil {
				return err
			}
			n, err := rec.Reconcile(ctx, niks, kks)
			if err == nil && n > 0 {
				logger.InfoContext(ctx, "reconciled records after a registry change",
					slog.Int64("registry_sequence", ev.GetSequence()), slog.Int("records", n))
			}
			return err
		},
	}
}

// Sweep re-checks UNMATCHED records every interval until ctx ends. The
// change feed reconciles almost everything; the sweep closes the one gap it
// leaves: an import that checked a NIK just before the registry learned it,
// but committed just after the feed event was handled.
func Sweep(ctx context.Context, repo *Repository, reg *Registry, rec Reconciler, interval time.Duration, logger *slog.Logger) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		niks, kks, err := repo.UnmatchedOwners(ctx, 1000)
		if err == nil && len(niks)+len(kks) > 0 {
			reg.Forget(niks, kks)
			_, err = rec.Reconcile(ctx, niks, kks)
		}
		if err != nil && ctx.Err() == nil {
			// A sweep is best effort: the next tick retries.
			logger.WarnContext(ctx, "reconciliation sweep failed", slog.String("error", err.Error()))
		}
	}
}
