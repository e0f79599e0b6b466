package app

import (
	"context"

	"github.com/dtsen-id/dtsen/services/income/domain"
)

// list returns one page and whether more follow.
func list[T domain.Record](ctx context.Context, s domain.Store[T], q domain.Query[T]) ([]T, bool, error) {
	limit := q.Limit
	q.Limit = limit + 1 // one extra row tells whether a next page exists
	out, err := s.List(ctx, q)
	if err != nil {
		return nil, false, err
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// GetIncome returns one income record by its key.
func (a *Application) GetIncome(ctx context.Context, key *domain.Income) (*domain.Income, error) {
	return a.repo.Incomes().Get(ctx, key)
}

// ListIncomes returns one page of income records.
func (a *Application) ListIncomes(ctx context.Context, q domain.Query[*domain.Income]) ([]*domain.Income, bool, error) {
	return list(ctx, a.repo.Incomes(), q)
}

// GetEmployment returns one employment record by its key.
func (a *Application) GetEmployment(ctx context.Context, key *domain.Employment) (*domain.Employment, error) {
	return a.repo.Employments().Get(ctx, key)
}

// ListEmployments returns one page of employment records.
func (a *Application) ListEmployments(ctx context.Context, q domain.Query[*domain.Employment]) ([]*domain.Employment, bool, error) {
	return list(ctx, a.repo.Employments(), q)
}

// GetConsumption returns one consumption record by its key.
func (a *Application) GetConsumption(ctx context.Context, key *domain.Consumption) (*domain.Consumption, error) {
	return a.repo.Consumptions().Get(ctx, key)
}

// ListConsumptions returns one page of consumption records.
func (a *Application) ListConsumptions(ctx context.Context, q domain.Query[*domain.Consumption]) ([]*domain.Consumption, bool, error) {
	return list(ctx, a.repo.Consumptions(), q)
}

// GetBankingPattern returns one banking pattern by its key.
func (a *Application) GetBankingPattern(ctx context.Context, key *domain.BankingPattern) (*domain.BankingPattern, error) {
	return a.repo.BankingPatterns().Get(ctx, key)
}

// ListBankingPatterns returns one page of banking patterns.
func (a *Application) ListBankingPatterns(ctx context.Context, q domain.Query[*domain.BankingPattern]) ([]*domain.BankingPattern, bool, error) {
	return list(ctx, a.repo.BankingPatterns(), q)
}
