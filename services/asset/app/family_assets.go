package app

import (
	"context"

	"github.com/dtsen-id/dtsen/services/asset/domain"
)

// GetFamilyAssets returns one family's asset summary. The caller is
// authorised for the family before anything is read. The members come from
// the registry now, not from what was stored at import, so a member who
// joined or left since is counted where they belong today. The summary and
// every record it shows are audited.
func (a *Application) GetFamilyAssets(ctx context.Context, kk string) (*domain.FamilyAssets, error) {
	if err := a.registry.AuthorizeRead(ctx, kk, ""); err != nil {
		return nil, err
	}
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
	fa := domain.Summarize(kk, members, recs)
	if err := a.audit.Read(ctx, fa.RecordNames()...); err != nil {
		return nil, err
	}
	return fa, nil
}
