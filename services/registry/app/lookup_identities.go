package app

import (
	"context"

	"github.com/dtsen-id/dtsen/services/registry/domain"
)

// LookupIdentities answers other contexts' import cross-checks.
func (a *Application) LookupIdentities(ctx context.Context, niks, kks []string) (map[string]domain.Identity, map[string]string, error) {
	return a.repo.LookupIdentities(ctx, niks, kks)
}
