package app

import (
	"context"

	"github.com/dtsen-id/dtsen/services/asset/domain"
)

// ReconcileRegistryChange handles one event of the registry's change feed:
// it re-checks every record naming an identity the event touched, so an
// UNMATCHED record becomes MATCHED once the registry knows its NIK or KK, and
// a death or a move shows on the owner's records. It is idempotent: a
// redelivered event changes nothing.
func (a *Application) ReconcileRegistryChange(ctx context.Context, ch domain.RegistryChange) (int, error) {
	niks, kks, err := a.registry.Touched(ctx, ch)
	if err != nil {
		return 0, err
	}
	return a.repo.Reconcile(ctx, niks, kks, a.registry)
}
