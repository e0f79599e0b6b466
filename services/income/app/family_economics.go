package app

import (
	"context"

	"github.com/dtsen-id/dtsen/services/income/domain"
)

// GetFamilyEconomics assembles one family's economic summary. The members
// come from the registry (domain.FamilyDirectory): this context stores
// records by NIK and never decides who belongs to a family. The caller is
// authorised for the family before anything is read, and the summary and
// every record it shows are audited before it is returned.
func (a *Application) GetFamilyEconomics(ctx context.Context, kk string) (*domain.FamilyEconomics, error) {
	if err := a.registry.AuthorizeRead(ctx, kk, ""); err != nil {
		return nil, err
	}
	members, err := a.registry.FamilyMembers(ctx, kk)
	if err != nil {
		return nil, err
	}
	niks := make([]string, len(members))
	for i, m := range members {
		niks[i] = m.NIK
	}
	incomes, err := a.repo.Incomes().ByOwners(ctx, niks)
	if err != nil {
		return nil, err
	}
	employments, err := a.repo.Employments().ByOwners(ctx, niks)
	if err != nil {
		return nil, err
	}
	banking, err := a.repo.BankingPatterns().ByOwners(ctx, niks)
	if err != nil {
		return nil, err
	}
	consumptions, err := a.repo.Consumptions().ByOwners(ctx, []string{kk})
	if err != nil {
		return nil, err
	}
	fe := domain.BuildFamilyEconomics(kk, members, incomes, employments, banking, consumptions, a.now())
	if err := a.audit.Read(ctx, append([]string{fe.Name()}, fe.RecordNames()...)...); err != nil {
		return nil, err
	}
	return fe, nil
}
