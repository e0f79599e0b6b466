package adapters

import (
	"context"

	"github.com/dtsen-id/dtsen/services/platform/storage"
)

// SetAfterRead makes r's imports and reconciliations call f right after they
// read a table's stored rows and before they write, in the same transaction,
// so a test can change those rows in between. nil removes the hook.
func SetAfterRead(r *Repository, f func(ctx context.Context, tx *storage.Tx, table string) error) {
	r.incomes.afterRead = f
	r.employments.afterRead = f
	r.consumption.afterRead = f
	r.banking.afterRead = f
}

// ReconcileAttempts is how often Reconcile tries before it gives up on a
// record that keeps changing.
const ReconcileAttempts = reconcileAttempts
