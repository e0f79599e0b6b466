package adapters_test

import (
	"context"
	"errors"
	"testing"

	"github.com/dtsen-id/dtsen/services/income/adapters"
	"github.com/dtsen-id/dtsen/services/income/domain"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
)

func consumption(expenditure int64) *domain.Consumption {
	return &domain.Consumption{KK: kkA, MonthlyExpenditure: expenditure, FoodShareBP: 6000, SurveyID: "susenas-2026-03",
		SurveyDate: "2026-03-10", Measurement: domain.SelfDeclared,
		Provenance: domain.Provenance{SourceAgency: "bps", ObservationDate: "2026-04-01"}, Match: matched(kkA)}
}

// tryApply is apply that returns the chunk's error instead of failing.
func tryApply(repo *adapters.Repository, db *storage.DB, recs ...domain.Record) error {
	in := make([]importer.Record[domain.Record], len(recs))
	for i, r := range recs {
		in[i] = importer.Record[domain.Record]{Index: int64(i), Value: r}
	}
	return db.InTx(context.Background(), func(tx *storage.Tx) error {
		_, err := repo.ApplyImport(context.Background(), tx, in)
		return err
	})
}

// bumpConsumption is a second writer's change of consumption(…) in tx.
func bumpConsumption(ctx context.Context, tx *storage.Tx) error {
	_, err := tx.ExecContext(ctx, "UPDATE consumptions SET monthly_expenditure = 9, version = version + 1 WHERE kk = $1 AND survey_id = $2",
		kkA, "susenas-2026-03")
	return err
}

func TestRecordVersions(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		repo, db, _ := setup(t, url)
		key := income(nikA, domain.IncomeSourceFormalWage, "2025-01", 0)
		version := func() int64 {
			t.Helper()
			got, err := repo.Incomes().Get(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			return got.Version
		}
		apply(t, repo, db, income(nikA, domain.IncomeSourceFormalWage, "2025-01", 1000))
		if v := version(); v != 1 {
			t.Fatalf("created at version %d", v)
		}
		apply(t, repo, db, income(nikA, domain.IncomeSourceFormalWage, "2025-01", 1000))
		if v := version(); v != 1 {
			t.Fatalf("an unchanged record moved to version %d", v)
		}
		apply(t, repo, db, income(nikA, domain.IncomeSourceFormalWage, "2025-01", 2000))
		if v := version(); v != 2 {
			t.Fatalf("updated to version %d", v)
		}
		persons := map[string]domain.PersonIdentity{nikA: {Registered: true, FamilyKK: kkA, Deceased: true}}
		if n, err := repo.Reconcile(ctx, persons, nil); err != nil || n != 1 {
			t.Fatalf("reconcile: %d %v", n, err)
		}
		if v := version(); v != 3 {
			t.Fatalf("reconciled to version %d", v)
		}
	})
}

// A record changed between the import's read and its write fails the whole
// chunk: what the chunk had written before (a new income) is rolled back.
func TestImportChangedSinceRead(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		repo, db, ob := setup(t, url)
		apply(t, repo, db, consumption(3_000_000))
		before := len(events(t, ob))

		adapters.SetAfterRead(repo, func(ctx context.Context, tx *storage.Tx, table string) error {
			if table != "consumptions" {
				return nil
			}
			return bumpConsumption(ctx, tx)
		})
		fresh := income(nikB, domain.IncomeSourceFormalWage, "2025-02", 1000)
		err := tryApply(repo, db, fresh, consumption(3_100_000))
		if !errors.Is(err, domain.ErrConcurrentChange) {
			t.Fatalf("apply over a changed record: %v", err)
		}
		if _, err := repo.Incomes().Get(ctx, fresh); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("the failed chunk's new income was stored: %v", err)
		}
		got, err := repo.Consumptions().Get(ctx, consumption(0))
		if err != nil || got.MonthlyExpenditure != 3_000_000 || got.Version != 1 {
			t.Fatalf("consumption after the failed chunk: %+v %v", got, err)
		}
		if n := len(events(t, ob)); n != before {
			t.Fatalf("the failed chunk appended %d events", n-before)
		}

		// Re-sent without the other writer, the chunk lands.
		adapters.SetAfterRead(repo, nil)
		if out := apply(t, repo, db, fresh, consumption(3_100_000)); out.Accepted != 2 {
			t.Fatalf("re-sent chunk: %+v", out)
		}
		got, _ = repo.Consumptions().Get(ctx, consumption(0))
		if got.MonthlyExpenditure != 3_100_000 || got.Version != 2 {
			t.Fatalf("consumption after the re-sent chunk: %+v", got)
		}
	})
}

// Two real transactions: another import commits a change of a record after
// this chunk read it and before it writes. This chunk fails and the other
// import's value stays. SQLite runs one writer at a time (BEGIN IMMEDIATE),
// so only PostgreSQL can interleave them.
func TestImportInterleavedWriter(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		repo, db, ob := setup(t, url)
		if db.Engine() != storage.Postgres {
			t.Skip("SQLite serialises writers")
		}
		apply(t, repo, db, income(nikA, domain.IncomeSourceFormalWage, "2025-01", 1000))

		other := adapters.NewRepository(db, ob)
		adapters.SetAfterRead(repo, func(ctx context.Context, _ *storage.Tx, table string) error {
			if table != "incomes" {
				return nil
			}
			return tryApply(other, db, income(nikA, domain.IncomeSourceFormalWage, "2025-01", 2000))
		})
		err := tryApply(repo, db, income(nikA, domain.IncomeSourceFormalWage, "2025-01", 3000),
			income(nikA, domain.IncomeSourceFormalWage, "2025-02", 3000))
		if !errors.Is(err, domain.ErrConcurrentChange) {
			t.Fatalf("apply over a concurrently changed record: %v", err)
		}
		got, err := repo.Incomes().Get(ctx, income(nikA, domain.IncomeSourceFormalWage, "2025-01", 0))
		if err != nil || got.MonthlyAmount != 2000 || got.Version != 2 {
			t.Fatalf("after the interleaved writes: %+v %v", got, err)
		}
		if _, err := repo.Incomes().Get(ctx, income(nikA, domain.IncomeSourceFormalWage, "2025-02", 0)); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("the failed chunk's new income was stored: %v", err)
		}
	})
}

// Reconciliation re-reads when a record changed under it, and gives up with
// ErrConcurrentChange, writing nothing, when it keeps changing.
func TestReconcileChangedSinceRead(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		repo, db, ob := setup(t, url)
		unknown := consumption(3_000_000)
		unknown.Match = domain.Match{Status: domain.Unmatched, Reason: domain.MatchKKNotRegistered}
		apply(t, repo, db, unknown)
		before := len(events(t, ob))
		families := map[string]bool{kkA: true}

		bumps := 0
		adapters.SetAfterRead(repo, func(ctx context.Context, tx *storage.Tx, table string) error {
			if table != "consumptions" {
				return nil
			}
			bumps++
			return bumpConsumption(ctx, tx)
		})
		if n, err := repo.Reconcile(ctx, nil, families); !errors.Is(err, domain.ErrConcurrentChange) || bumps != adapters.ReconcileAttempts {
			t.Fatalf("reconcile over a record that keeps changing: %d %v after %d reads", n, err, bumps)
		}
		got, _ := repo.Consumptions().Get(ctx, unknown)
		if got.Match.Status != domain.Unmatched || got.Version != 1 || len(events(t, ob)) != before {
			t.Fatalf("the failed reconciliation wrote: %+v", got)
		}

		// A change that does not repeat: the next attempt lands.
		bumps = 0
		adapters.SetAfterRead(repo, func(ctx context.Context, tx *storage.Tx, table string) error {
			if table != "consumptions" || bumps > 0 {
				return nil
			}
			bumps++
			return bumpConsumption(ctx, tx)
		})
		if n, err := repo.Reconcile(ctx, nil, families); err != nil || n != 1 {
			t.Fatalf("reconcile after one change: %d %v", n, err)
		}
		got, _ = repo.Consumptions().Get(ctx, unknown)
		if got.Match.Status != domain.Matched || got.Version != 2 || len(events(t, ob)) != before+1 {
			t.Fatalf("after reconcile: %+v", got)
		}
	})
}
