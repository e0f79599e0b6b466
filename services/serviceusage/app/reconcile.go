package app

import (
	"context"
	"fmt"

	"github.com/dtsen-id/dtsen/services/serviceusage/domain"
)

// Reconcile re-runs the cross-check for every record keyed on niks or kks,
// after the registry changed them: an UNMATCHED record whose identity is now
// registered becomes MATCHED, a person who died is flagged, a person who
// moved gets their new family. Only records whose outcome changed are
// written, each with a `reconciled` event, so handling an event twice (the
// feed delivers at least once) writes nothing the second time.
func (a *Application) Reconcile(ctx context.Context, niks, kks []string) (int, error) {
	if len(niks) == 0 && len(kks) == 0 {
		return 0, nil
	}
	recs, err := a.repo.RecordsFor(ctx, niks, kks)
	if err != nil || len(recs) == 0 {
		return 0, err
	}
	keyN, keyK := domain.Keys(recs)
	persons, families, err := a.ids.Check(ctx, keyN, keyK)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrRegistryUnavailable, err)
	}
	ids := domain.Identities{Persons: persons, Families: families}
	changed := recs[:0]
	for _, r := range recs {
		if domain.Assess(r, ids) {
			changed = append(changed, r)
		}
	}
	return a.repo.SaveAssessments(ctx, changed)
}

// UnmatchedOwners returns the NIKs and KK numbers of UNMATCHED records (up
// to limit per kind, a random sample, so records the registry cannot match
// never starve the rest), for the periodic sweep
// (platform/identity.Client.Sweep) that closes the race between an import's
// registry lookup and the registry feed event that would have reconciled it.
func (a *Application) UnmatchedOwners(ctx context.Context, limit int) (niks, kks []string, err error) {
	return a.repo.UnmatchedOwners(ctx, limit)
}
