package app

import (
	"context"

	"github.com/dtsen-id/dtsen/services/asset/domain"
)

// GetFamilyAssets returns one family's asset summary. The members come from
// the registry now, not from what was stored at import, so a member who
// joined or left since is counted where they belong today.
func (a *Application) GetFamilyAssets(ctx context.Context, kk string) (*domain.FamilyAssets, error) {
	members, err := a.registry.Members(ctx, kk)
	if err != nil {
		return nil, err
	}
	niks := make([]string, len(members))
	for i, m := range members {
		niks[i] = m.NIK
	}
	recs, err := a.repo.FamilyRecords(ctx, kk, niks, domain.SummaryLimit)
	if err != nil {
		return nil, err
	}
	return domain.Summarize(kk, members, recs), nil
}
