package app

import (
	"context"

	"github.com/dtsen-id/dtsen/services/income/domain"
)

// GetFamilyEconomics assembles one family's economic summary. The members
// come from the registry (domain.FamilyDirectory): this context stores
// records by NIK and never decides who belongs to a family.
func (a *Application) GetFamilyEconomics(ctx context.Context, kk string) (*domain.FamilyEconomics, error) {
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
	return domain.BuildFamilyEconomics(kk, members, incomes, employments, banking, consumptions, a.now()), nil
}
