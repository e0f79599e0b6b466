package app

import (
	"context"
)

// Reconcile re-checks every stored record naming one of these NIKs or KK
// numbers against the registry (identity.Reconcile): an UNMATCHED record
// becomes MATCHED once the registry knows its NIK or KK, and a death or a
// move shows on the owner's records. It returns how many records changed. It
// is idempotent: the registry's change feed (which resolves each event to
// the NIKs and KK numbers it touched) delivers at least once, and the
// periodic sweep re-checks UNMATCHED records that are still unknown.
func (a *Application) Reconcile(ctx context.Context, niks, kks []string) (int, error) {
	return a.repo.Reconcile(ctx, niks, kks, a.registry)
}
