package app

import (
	"context"
)

// Reconcile re-checks the stored records of the given NIKs and KK numbers
// against the registry and saves those whose outcome changed: an UNMATCHED
// record whose owner the registry now knows becomes MATCHED, a record whose
// owner has died is flagged OWNER_DECEASED. It is idempotent, as the change
// feed's at-least-once delivery requires: a second run finds nothing to
// change. It returns the number of records changed.
func (a *Application) Reconcile(ctx context.Context, niks, kks []string) (int, error) {
	if len(niks) == 0 && len(kks) == 0 {
		return 0, nil
	}
	persons, families, err := a.registry.CheckIdentities(ctx, niks, kks)
	if err != nil {
		return 0, err
	}
	return a.repo.Reconcile(ctx, persons, families)
}
