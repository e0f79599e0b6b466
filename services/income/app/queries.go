package app

import (
	"context"

	"github.com/dtsen-id/dtsen/services/income/domain"
)

// get reads one record for the caller. The policy decides from the key
// alone, before storage is touched, so a refusal says nothing about whether
// the record exists; the read is audited before the record is returned.
func get[T domain.Record](ctx context.Context, a *Application, s domain.Store[T], key T) (T, error) {
	var zero T
	if err := a.registry.AuthorizeRead(ctx, key.OwnerKK(), key.OwnerNIK()); err != nil {
		return zero, err
	}
	x, err := s.Get(ctx, key)
	if err != nil {
		return zero, err
	}
	if err := a.audit.Read(ctx, x.Name()); err != nil {
		return zero, err
	}
	return x, nil
}

// list returns one page and whether more follow, with every returned record
// audited. Only nationwide roles reach it (the method table), so the page is
// not narrowed by region.
func list[T domain.Record](ctx context.Context, a *Application, s domain.Store[T], q domain.Query[T]) ([]T, bool, error) {
	limit := q.Limit
	q.Limit = limit + 1 // one extra row tells whether a next page exists
	out, err := s.List(ctx, q)
	if err != nil {
		return nil, false, err
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	names := make([]string, len(out))
	for i, x := range out {
		names[i] = x.Name()
	}
	if err := a.audit.Read(ctx, names...); err != nil {
		return nil, false, err
	}
	return out, more, nil
}

// GetIncome returns one income record by its key.
func (a *Application) GetIncome(ctx context.Context, key *domain.Income) (*domain.Income, error) {
	return get(ctx, a, a.repo.Incomes(), key)
}

// ListIncomes returns one page of income records.
func (a *Application) ListIncomes(ctx context.Context, q domain.Query[*domain.Income]) ([]*domain.Income, bool, error) {
	return list(ctx, a, a.repo.Incomes(), q)
}

// GetEmployment returns one employment record by its key.
func (a *Application) GetEmployment(ctx context.Context, key *domain.Employment) (*domain.Employment, error) {
	return get(ctx, a, a.repo.Employments(), key)
}

// ListEmployments returns one page of employment records.
func (a *Application) ListEmployments(ctx context.Context, q domain.Query[*domain.Employment]) ([]*domain.Employment, bool, error) {
	return list(ctx, a, a.repo.Employments(), q)
}

// GetConsumption returns one consumption record by its key.
func (a *Application) GetConsumption(ctx context.Context, key *domain.Consumption) (*domain.Consumption, error) {
	return get(ctx, a, a.repo.Consumptions(), key)
}

// ListConsumptions returns one page of consumption records.
func (a *Application) ListConsumptions(ctx context.Context, q domain.Query[*domain.Consumption]) ([]*domain.Consumption, bool, error) {
	return list(ctx, a, a.repo.Consumptions(), q)
}

// GetBankingPattern returns one banking pattern by its key.
func (a *Application) GetBankingPattern(ctx context.Context, key *domain.BankingPattern) (*domain.BankingPattern, error) {
	return get(ctx, a, a.repo.BankingPatterns(), key)
}

// ListBankingPatterns returns one page of banking patterns.
func (a *Application) ListBankingPatterns(ctx context.Context, q domain.Query[*domain.BankingPattern]) ([]*domain.BankingPattern, bool, error) {
	return list(ctx, a, a.repo.BankingPatterns(), q)
}
