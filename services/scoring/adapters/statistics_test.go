package adapters_test

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/scoring/adapters"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/eligibility"
)

// statVillages spread the statistics fixtures over two provinces, three
// regencies and four districts.
var statVillages = []string{"32.04.12.2001", "32.04.13.2002", "32.73.01.1001", "33.01.01.2003", "32.04.12.2002"}

// statRecord is family i's decision in run: its decile, its living members
// (1 + i%5), SEMBAKO for every third family, PBI_JK for every other one.
func statRecord(i int, run string, decile int) domain.EligibilityRecord {
	rec := decided(i, run)
	region := statVillages[i%len(statVillages)]
	rec.Region, rec.Decision.Region, rec.Decision.Decile, rec.Decision.Persons = region, region, decile, 1+i%5
	status := func(ok bool) eligibility.Status {
		if ok {
			return eligibility.StatusEligible
		}
		return eligibility.StatusIneligible
	}
	rec.Decision.Programmes = []eligibility.ProgrammeDecision{
		{Programme: "SEMBAKO", Status: status(i%3 == 0)},
		{Programme: "PBI_JK", Status: status(i%2 == 0)},
	}
	return rec
}

// statKey is a (subregion, decile) cell.
type statKey struct {
	region string
	decile int
}

// expectDeciles counts recs within prefix by subregion (the first n
// characters of the village code) and decile, the slow way.
func expectDeciles(recs []domain.EligibilityRecord, prefix string, n int) map[statKey]int64 {
	want := map[statKey]int64{}
	for _, r := range recs {
		if prefix == "" || strings.HasPrefix(r.Region, prefix+".") {
			want[statKey{r.Region[:n], r.Decision.Decile}]++
		}
	}
	return want
}

func expectProgrammes(recs []domain.EligibilityRecord, prefix string) map[string]domain.ProgrammeCount {
	want := map[string]domain.ProgrammeCount{}
	for _, r := range recs {
		if prefix != "" && !strings.HasPrefix(r.Region, prefix+".") {
			continue
		}
		for _, p := range r.Decision.Programmes {
			if p.Status == eligibility.StatusEligible {
				c := want[p.Programme]
				c.Programme, c.Families, c.Persons = p.Programme, c.Families+1, c.Persons+int64(r.Decision.Persons)
				want[p.Programme] = c
			}
		}
	}
	return want
}

func checkDeciles(t *testing.T, repo *adapters.EligibilityRepository, run, prefix string, n int, want map[statKey]int64) {
	t.Helper()
	got, err := repo.DecileCounts(context.Background(), run, prefix, n)
	if err != nil {
		t.Fatal(err)
	}
	gotMap := map[statKey]int64{}
	for i, c := range got {
		gotMap[statKey{c.Region, c.Decile}] = c.Families
		if i > 0 && (got[i-1].Region > c.Region || got[i-1].Region == c.Region && got[i-1].Decile >= c.Decile) {
			t.Errorf("%s %q: rows out of (region, decile) order: %+v", run, prefix, got)
		}
	}
	if !maps.Equal(gotMap, want) {
		t.Errorf("%s %q by %d: got %v, want %v", run, prefix, n, gotMap, want)
	}
}

func checkProgrammes(t *testing.T, repo *adapters.EligibilityRepository, run, prefix string, want map[string]domain.ProgrammeCount) {
	t.Helper()
	got, err := repo.ProgrammeCounts(context.Background(), run, prefix)
	if err != nil {
		t.Fatal(err)
	}
	gotMap := map[string]domain.ProgrammeCount{}
	for _, c := range got {
		gotMap[c.Programme] = c
	}
	if !maps.Equal(gotMap, want) || !slices.IsSortedFunc(got, func(a, b domain.ProgrammeCount) int { return strings.Compare(a.Programme, b.Programme) }) {
		t.Errorf("%s %q programmes: got %+v, want %v", run, prefix, got, want)
	}
}

// TestRegionStatistics records runs' counts per village and sums them per
// region, on every engine: the sums equal counting the decisions one by
// one, a region holds exactly the villages under it, and a run's counts
// stay as recorded when the next run rewrites the decisions.
func TestRegionStatistics(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := storagetest.Open(t, url, adapters.Migrations)
		repo := adapters.NewRepository(db).Eligibility

		var run1 []domain.EligibilityRecord
		for i := range 40 {
			run1 = append(run1, statRecord(i, "run-1", 1+(i*7)%10))
		}
		if err := repo.Save(ctx, run1, nil); err != nil {
			t.Fatal(err)
		}
		if ok, err := repo.HasStatistics(ctx, "run-1"); err != nil || ok {
			t.Fatalf("statistics before they were recorded: %v, %v", ok, err)
		}
		for range 2 { // recording again replaces, never adds
			if err := repo.RecordStatistics(ctx, "run-1"); err != nil {
				t.Fatal(err)
			}
		}
		if ok, err := repo.HasStatistics(ctx, "run-1"); err != nil || !ok {
			t.Fatalf("statistics of run-1 recorded: %v, %v", ok, err)
		}

		for _, q := range []struct {
			prefix string
			n      int
		}{{"", 2}, {"32", 5}, {"32.04", 8}, {"33", 5}, {"33.01", 8}, {"32.71", 8}, {"11", 5}} {
			checkDeciles(t, repo, "run-1", q.prefix, q.n, expectDeciles(run1, q.prefix, q.n))
			checkProgrammes(t, repo, "run-1", q.prefix, expectProgrammes(run1, q.prefix))
		}
		// The nation by province, by hand: 32 holds four villages of five.
		national, err := repo.DecileCounts(ctx, "run-1", "", 2)
		if err != nil {
			t.Fatal(err)
		}
		per := map[string]int64{}
		for _, c := range national {
			per[c.Region] += c.Families
		}
		if !maps.Equal(per, map[string]int64{"32": 32, "33": 8}) {
			t.Errorf("families per province: %v", per)
		}

		// run-2 decides the first ten families again, in other deciles, and
		// makes them all eligible for SEMBAKO: run-1's counts do not move.
		var run2 []domain.EligibilityRecord
		for i := range 10 {
			r := statRecord(i, "run-2", 10-i)
			r.Decision.Programmes[0].Status = eligibility.StatusEligible
			run2 = append(run2, r)
		}
		if err := repo.Save(ctx, run2, nil); err != nil {
			t.Fatal(err)
		}
		if err := repo.RecordStatistics(ctx, "run-2"); err != nil {
			t.Fatal(err)
		}
		checkDeciles(t, repo, "run-1", "", 2, expectDeciles(run1, "", 2))
		checkProgrammes(t, repo, "run-1", "32", expectProgrammes(run1, "32"))
		checkDeciles(t, repo, "run-2", "32.04", 8, expectDeciles(run2, "32.04", 8))
		checkProgrammes(t, repo, "run-2", "", expectProgrammes(run2, ""))
		if got, err := repo.DecileCounts(ctx, "run-3", "", 2); err != nil || len(got) != 0 {
			t.Errorf("a run never recorded: %v, %v", got, err)
		}
		if err := repo.RecordStatistics(ctx, ""); err == nil {
			t.Error("recorded the statistics of no run")
		}
	})
}

// TestRegionStatisticsMigration: the migration that introduces the counts
// records them for the newest successful run from the decisions already
// stored, reading the decile and living members from the decision JSON, on
// every engine.
func TestRegionStatisticsMigration(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := storagetest.Open(t, url, storagetest.Before(t, adapters.Migrations, 5))
		repo := adapters.NewRepository(db)
		if err := repo.Models.Create(ctx, trainedModel(t, "m-1")); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"run-old", "run-new"} {
			if err := repo.Runs.Create(ctx, &domain.RankingRun{ID: id, ModelID: "m-1", State: domain.RunRunning}); err != nil {
				t.Fatal(err)
			}
			if err := repo.Runs.Finish(ctx, id, domain.RunSucceeded, []byte{1}, ""); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * time.Millisecond) // finish times apart: run-new is the newest
		}
		// Stored as the code before the migration stored them: no decile or
		// persons columns. Family 0's record is still run-old's.
		var recs []domain.EligibilityRecord
		for i := range 15 {
			run := "run-new"
			if i == 0 {
				run = "run-old"
			}
			rec := statRecord(i, run, 1+i%10)
			decision, err := json.Marshal(rec.Decision)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL().ExecContext(ctx, "INSERT INTO eligibility (kk, region, run_id, decision, state, dtks, decided_at) "+
				"VALUES ($1, $2, $3, $4, '{}', '[]', 0)", rec.KK, rec.Region, run, string(decision)); err != nil {
				t.Fatal(err)
			}
			for _, p := range rec.Decision.Programmes {
				if p.Status == eligibility.StatusEligible {
					if _, err := db.SQL().ExecContext(ctx, "INSERT INTO eligible_families (programme, region, kk, decile) VALUES ($1, $2, $3, $4)",
						p.Programme, rec.Region, rec.KK, rec.Decision.Decile); err != nil {
						t.Fatal(err)
					}
				}
			}
			if i > 0 {
				recs = append(recs, rec)
			}
		}
		if err := db.Migrate(ctx, adapters.Migrations); err != nil {
			t.Fatal(err)
		}
		el := repo.Eligibility
		if ok, err := el.HasStatistics(ctx, "run-new"); err != nil || !ok {
			t.Fatalf("the newest run's statistics after the migration: %v, %v", ok, err)
		}
		if ok, _ := el.HasStatistics(ctx, "run-old"); ok {
			t.Error("an older run's statistics were made up from the newest decisions")
		}
		checkDeciles(t, el, "run-new", "", 2, expectDeciles(recs, "", 2))
		checkDeciles(t, el, "run-new", "32.04", 8, expectDeciles(recs, "32.04", 8))
		checkProgrammes(t, el, "run-new", "", expectProgrammes(recs, ""))
		checkProgrammes(t, el, "run-new", "32", expectProgrammes(recs, "32"))
	})
}
