package adapters

import (
	"context"

	"github.com/dtsen-id/dtsen/services/platform/storage"
)

// SetAfterRead makes every import chunk and reconciliation of r call f
// between the read of a table's stored rows and their writes, so a test can
// put a concurrent writer there.
func (r *Repository) SetAfterRead(f func(ctx context.Context, tx *storage.Tx, table string) error) {
	r.afterRead = f
}
