package adapters_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dtsen-id/dtsen/services/income/adapters"
	"github.com/dtsen-id/dtsen/services/income/domain"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
)

const (
	nikA = "3204120101700001"
	nikB = "3204124101720001"
	kkA  = "3204120000000001"
)

func setup(t *testing.T, url string) (*adapters.Repository, *storage.DB, *outbox.Outbox) {
	db := storagetest.Open(t, url, outbox.Migrations, importer.Migrations, adapters.Migrations)
	ob := outbox.New(db, 50*time.Millisecond)
	return adapters.NewRepository(db, ob), db, ob
}

func matched(kk string) domain.Match { return domain.Match{Status: domain.Matched, FamilyKK: kk} }

func income(nik string, src domain.IncomeSource, start string, amount int64) *domain.Income {
	return &domain.Income{NIK: nik, Source: src, PeriodStart: start, MonthlyAmount: amount,
		Provenance: domain.Provenance{SourceAgency: "bpjs-tk", ObservationDate: "2026-01-15"}, Match: matched(kkA)}
}

func apply(t *testing.T, repo *adapters.Repository, db *storage.DB, recs ...domain.Record) importer.Outcome {
	t.Helper()
	in := make([]importer.Record[domain.Record], len(recs))
	for i, r := range recs {
		in[i] = importer.Record[domain.Record]{Index: int64(i), Value: r}
	}
	var out importer.Outcome
	err := db.InTx(context.Background(), func(tx *storage.Tx) error {
		var err error
		out, err = repo.ApplyImport(context.Background(), tx, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func events(t *testing.T, ob *outbox.Outbox) []outbox.Record {
	t.Helper()
	recs, err := ob.Read(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestRepositoryConformance(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		repo, db, ob := setup(t, url)

		wage := income(nikA, domain.IncomeSourceFormalWage, "2025-01", 2_500_000)
		emp := &domain.Employment{NIK: nikA, Sector: domain.SectorFishery, Status: domain.StatusCasualAgricultural, HoursPerWeek: 35,
			Provenance: domain.Provenance{SourceAgency: "bps", ObservationDate: "2026-02-01"}, Match: matched(kkA)}
		cons := &domain.Consumption{KK: kkA, MonthlyExpenditure: 3_000_000, FoodShareBP: 6000, SurveyID: "susenas-2026-03",
			SurveyDate: "2026-03-10", Measurement: domain.SelfDeclared,
			Provenance: domain.Provenance{SourceAgency: "bps", ObservationDate: "2026-04-01"}, Match: matched(kkA)}
		bank := &domain.BankingPattern{NIK: nikB, AgreementReference: "pks-ojk-1", SavingsBalanceBand: domain.SavingsNoAccount,
			Loans:               []domain.Loan{{LenderType: domain.LenderOnlineLending, OutstandingAmount: 3_000_000}, {LenderType: domain.LenderKUR, OutstandingAmount: 10_000_000}},
			MonthlyCardSpending: 1, Provenance: domain.Provenance{SourceAgency: "ojk", ObservationDate: "2026-03-31"},
			Match: domain.Match{Status: domain.Unmatched, Reason: domain.MatchNIKNotRegistered}}
		dup := income(nikA, domain.IncomeSourceFormalWage, "2025-01", 9)

		out := apply(t, repo, db, wage, emp, cons, bank, dup)
		if out.Accepted != 4 || out.Unchanged != 0 || len(out.Rejections) != 1 || out.Rejections[0].Index != 4 ||
			out.Rejections[0].Violations[0].Reason != domain.ReasonRecordDuplicateInBatch {
			t.Fatalf("first apply: %+v", out)
		}
		// One event per family the chunk changed (the income, employment and
		// consumption of kkA), and one per owner the registry does not know.
		if evs := events(t, ob); len(evs) != 2 ||
			evs[0].Event != (outbox.Event{Type: adapters.EventEconomicsImported, Resource: "families/" + kkA + "/economics", Family: "families/" + kkA}) ||
			evs[1].Event != (outbox.Event{Type: adapters.EventPersonImported, Resource: "persons/" + nikB}) {
			t.Fatalf("events %+v", evs)
		}

		// Reads return what was written, every field.
		got, err := repo.Incomes().Get(ctx, &domain.Income{NIK: nikA, Source: domain.IncomeSourceFormalWage, PeriodStart: "2025-01"})
		if err != nil || got.MonthlyAmount != 2_500_000 || got.SourceAgency != "bpjs-tk" || got.Match.Status != domain.Matched || got.CreateTime.IsZero() {
			t.Fatalf("get income: %+v %v", got, err)
		}
		gotB, err := repo.BankingPatterns().Get(ctx, &domain.BankingPattern{NIK: nikB, AgreementReference: "pks-ojk-1", Provenance: domain.Provenance{ObservationDate: "2026-03-31"}})
		if err != nil || len(gotB.Loans) != 2 || gotB.Loans[1].LenderType != domain.LenderKUR || gotB.Match.Reason != domain.MatchNIKNotRegistered || gotB.MonthlyCardSpending != 1 {
			t.Fatalf("get banking: %+v %v", gotB, err)
		}
		gotE, err := repo.Employments().Get(ctx, &domain.Employment{NIK: nikA, Provenance: domain.Provenance{SourceAgency: "bps", ObservationDate: "2026-02-01"}})
		if err != nil || gotE.Sector != domain.SectorFishery || gotE.Status != domain.StatusCasualAgricultural || gotE.HoursPerWeek != 35 {
			t.Fatalf("get employment: %+v %v", gotE, err)
		}
		gotC, err := repo.Consumptions().Get(ctx, &domain.Consumption{KK: kkA, SurveyID: "susenas-2026-03"})
		if err != nil || gotC.Measurement != domain.SelfDeclared || gotC.FoodShareBP != 6000 {
			t.Fatalf("get consumption: %+v %v", gotC, err)
		}
		if _, err := repo.Incomes().Get(ctx, &domain.Income{NIK: nikB, Source: domain.IncomeSourceFormalWage, PeriodStart: "2025-01"}); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("missing income: %v", err)
		}

		// Re-applying identical records changes nothing; a changed one updates.
		same := income(nikA, domain.IncomeSourceFormalWage, "2025-01", 2_500_000)
		changed := income(nikA, domain.IncomeSourceFormalWage, "2025-01", 2_600_000)
		if out := apply(t, repo, db, same); out.Accepted != 0 || out.Unchanged != 1 {
			t.Fatalf("identical: %+v", out)
		}
		if out := apply(t, repo, db, changed); out.Accepted != 1 || out.Unchanged != 0 {
			t.Fatalf("changed: %+v", out)
		}
		got, _ = repo.Incomes().Get(ctx, changed)
		if got.MonthlyAmount != 2_600_000 || !got.UpdateTime.After(got.CreateTime) && !got.UpdateTime.Equal(got.CreateTime) {
			t.Fatalf("after update: %+v", got)
		}
		if evs := events(t, ob); len(evs) != 3 || evs[2].Event.Type != adapters.EventEconomicsImported || evs[2].Event.Family != "families/"+kkA {
			t.Fatalf("events after update: %d %+v", len(evs), evs[len(evs)-1])
		}

		// Reconcile: the unmatched banking pattern's owner is now registered
		// and deceased; reconciling twice changes it once.
		persons := map[string]domain.PersonIdentity{nikB: {Registered: true, FamilyKK: kkA, Deceased: true}}
		n, err := repo.Reconcile(ctx, persons, nil)
		if err != nil || n != 1 {
			t.Fatalf("reconcile: %d %v", n, err)
		}
		if n, err := repo.Reconcile(ctx, persons, nil); err != nil || n != 0 {
			t.Fatalf("second reconcile: %d %v", n, err)
		}
		gotB, _ = repo.BankingPatterns().Get(ctx, gotB)
		if gotB.Match.Status != domain.Matched || gotB.Match.Reason != "" || !gotB.Match.Flags.Has(domain.FlagOwnerDeceased) {
			t.Fatalf("after reconcile: %+v", gotB.Match)
		}
		if evs := events(t, ob); len(evs) != 4 || evs[3].Event.Type != "income.bankingPattern.reconciled" || evs[3].Event.Family != "families/"+kkA {
			t.Fatalf("reconcile event: %+v", evs[len(evs)-1])
		}
		niks, kks, err := repo.UnmatchedOwners(ctx, 10)
		if err != nil || len(niks) != 0 || len(kks) != 0 {
			t.Fatalf("unmatched owners: %v %v %v", niks, kks, err)
		}
	})
}

func TestRepositoryListPagination(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		repo, db, _ := setup(t, url)
		var recs []domain.Record
		months := []string{"2024-01", "2024-02", "2024-03", "2024-04", "2024-05"}
		for _, nik := range []string{nikA, nikB} {
			for _, src := range []domain.IncomeSource{domain.IncomeSourceFormalWage, domain.IncomeSourcePension} {
				for _, m := range months {
					recs = append(recs, income(nik, src, m, 1000))
				}
			}
		}
		apply(t, repo, db, recs...)

		var all []*domain.Income
		q := domain.Query[*domain.Income]{Limit: 3}
		for {
			page, err := repo.Incomes().List(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page...)
			if len(page) < q.Limit {
				break
			}
			q.After = page[len(page)-1]
		}
		if len(all) != 20 {
			t.Fatalf("listed %d of 20", len(all))
		}
		seen := map[string]bool{}
		for i, x := range all {
			if seen[x.Name()] || (i > 0 && all[i-1].Name() >= x.Name() && all[i-1].NIK == x.NIK && all[i-1].Source == x.Source) {
				t.Fatalf("duplicate or out of order at %d: %s", i, x.Name())
			}
			seen[x.Name()] = true
		}

		page, err := repo.Incomes().List(ctx, domain.Query[*domain.Income]{Owner: nikB,
			Filter: []domain.Condition{{Field: "source", Value: int64(domain.IncomeSourcePension)}}, Limit: 100})
		if err != nil || len(page) != 5 {
			t.Fatalf("filtered: %d %v", len(page), err)
		}
		for _, x := range page {
			if x.NIK != nikB || x.Source != domain.IncomeSourcePension {
				t.Fatalf("filter leaked %s", x.Name())
			}
		}
		byOwner, err := repo.Incomes().ByOwners(ctx, []string{nikA})
		if err != nil || len(byOwner) != 10 {
			t.Fatalf("by owner: %d %v", len(byOwner), err)
		}
		if _, err := repo.Incomes().List(ctx, domain.Query[*domain.Income]{Filter: []domain.Condition{{Field: "nik; DROP TABLE incomes", Value: "x"}}, Limit: 1}); err == nil {
			t.Fatal("an unknown filter field reached SQL")
		}
	})
}
