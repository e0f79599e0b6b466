package adapters_test

import (
	"context"
	"testing"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/scoring/adapters"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/eligibility"
)

// decided is family i's record: villages alternate between two regencies,
// and every third family is eligible for SEMBAKO.
func decided(i int, run string) domain.EligibilityRecord {
	region := []string{"32.04.12.2001", "33.01.01.2003"}[i%2]
	status := eligibility.StatusIneligible
	if i%3 == 0 {
		status = eligibility.StatusEligible
	}
	kk := scoreKK(i)
	return domain.EligibilityRecord{KK: kk, Region: region, RunID: run, DTKSReceiving: []string{"PKH"},
		DecidedAt: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
		Decision: eligibility.Decision{KK: kk, Region: region, Decile: 1 + i%10, Programmes: []eligibility.ProgrammeDecision{
			{Programme: "SEMBAKO", Status: status, Reasons: []eligibility.Reason{{Code: eligibility.ReasonDecileWithinLimit}}}}},
		State: eligibility.NewFamilyState(kk, []string{"PKH"}, time.Time{})}
}

func TestEligibilityRepository(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := storagetest.Open(t, url, adapters.Migrations)
		repo := adapters.NewRepository(db).Eligibility

		facts := []domain.StagedFacts{{KK: scoreKK(1), RunID: "run-1", DTKSReceiving: []string{"PBI_JK"},
			Facts: eligibility.Facts{KK: scoreKK(1), Region: "32.04.12.2001", Members: []eligibility.Member{{NIK: "3204121505900001", Age: 7}}}}}
		if err := repo.StageFacts(ctx, facts); err != nil {
			t.Fatal(err)
		}
		got, err := repo.StagedFacts(ctx, []string{scoreKK(1), scoreKK(2)})
		if err != nil || len(got) != 1 || got[scoreKK(1)].Facts.Members[0].Age != 7 || got[scoreKK(1)].DTKSReceiving[0] != "PBI_JK" {
			t.Fatalf("staged facts: %+v, %v", got, err)
		}

		var recs []domain.EligibilityRecord
		for i := range 12 {
			recs = append(recs, decided(i, "run-1"))
		}
		notice := domain.Notice{Notice: eligibility.Notice{ID: "n-1", KK: scoreKK(0), Programme: "PKH", Kind: eligibility.NoticeLoss}}
		if err := repo.Save(ctx, recs, []domain.Notice{notice}); err != nil {
			t.Fatal(err)
		}
		rec, err := repo.Get(ctx, scoreKK(3))
		if err != nil || rec.Decision.Decile != 4 || rec.Region != "33.01.01.2003" || rec.State.Entitlement("PKH").Phase != eligibility.PhaseActive {
			t.Fatalf("get: %+v, %v", rec, err)
		}
		if _, err := repo.Get(ctx, scoreKK(99)); err == nil {
			t.Error("an undecided family has a record")
		}

		// Paged, within a region: families 0, 6 in 32.04 are eligible (3, 9 are in 33.01).
		var listed []string
		page := domain.Page{Limit: 1}
		for {
			fams, err := repo.ListEligible(ctx, "SEMBAKO", "32.04", page)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fams {
				listed = append(listed, f.KK)
			}
			if len(fams) < page.Limit {
				break
			}
			page.After = domain.EligibleCursor(fams[len(fams)-1])
		}
		if len(listed) != 2 || listed[0] != scoreKK(0) || listed[1] != scoreKK(6) {
			t.Errorf("SEMBAKO in 32.04: %v", listed)
		}
		// "32.0" is not a region: a prefix must match whole segments.
		if fams, _ := repo.ListEligible(ctx, "SEMBAKO", "32.0", domain.Page{}); len(fams) != 0 {
			t.Errorf("a partial code matched %d families", len(fams))
		}

		// A later run makes family 0 ineligible: it leaves the list.
		again := decided(0, "run-2")
		again.Decision.Programmes[0].Status = eligibility.StatusIneligible
		if err := repo.Save(ctx, []domain.EligibilityRecord{again}, nil); err != nil {
			t.Fatal(err)
		}
		if fams, _ := repo.ListEligible(ctx, "SEMBAKO", "", domain.Page{}); len(fams) != 3 {
			t.Errorf("after family 0 lost SEMBAKO: %d eligible, want 3", len(fams))
		}

		// A bad record refuses the whole batch: nothing of it is stored.
		bad := []domain.EligibilityRecord{decided(20, "run-3"), {KK: scoreKK(21)}}
		if err := repo.Save(ctx, bad, nil); err == nil {
			t.Fatal("a record without a run was stored")
		}
		if _, err := repo.Get(ctx, scoreKK(20)); err == nil {
			t.Error("half of a refused batch was stored")
		}

		n := 0
		if err := repo.Each(ctx, "33.01", func(r *domain.EligibilityRecord) error { n++; return nil }); err != nil || n != 6 {
			t.Errorf("each in 33.01: %d, %v", n, err)
		}
		if c := count(t, db, "notices"); c != 1 {
			t.Errorf("%d notices stored, want 1", c)
		}
	})
}
