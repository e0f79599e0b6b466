package adapters

import (
	"context"

	"github.com/dtsen-id/dtsen/services/platform/storage"
)

// SetAfterRead makes every import chunk of r call f between the read of its
// stored rows and its writes, so a test can put a concurrent writer there.
func (r *Repository) SetAfterRead(f func(ctx context.Context, tx *storage.Tx) error) { r.afterRead = f }
