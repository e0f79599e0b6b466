package adapters_test

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/scoring/adapters"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/eligibility"
)

// TestKeysByFamilyMigration: migration 0006 gives score_history the key
// (kk, seq) and notices (kk, id), for Citus, and keeps every row: a family's
// history in the order it was written, numbered on after the migration, and
// its notices, still stored once each.
func TestKeysByFamilyMigration(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := storagetest.Open(t, url, storagetest.Before(t, adapters.Migrations, 6))
		repo := adapters.NewRepository(db)
		if err := repo.Models.Create(ctx, trainedModel(t, "m-1")); err != nil {
			t.Fatal(err)
		}
		if err := repo.Runs.Create(ctx, &domain.RankingRun{ID: "run-1", ModelID: "m-1", State: domain.RunRunning}); err != nil {
			t.Fatal(err)
		}
		a, b := scoreKK(1), scoreKK(2)
		at := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)

		// Stored as the code before the migration stored them: history rows
		// numbered by the database, the two families' rows interleaved.
		want := map[string][]domain.ScoreRecord{}
		for i, kk := range []string{a, b, a, a, b} {
			rec := domain.ScoreRecord{KK: kk, Score: 12 + float64(i)/10, Decile: 1 + i, ModelID: "m-1", ScoredAt: at.Add(time.Duration(i) * time.Hour)}
			var run any
			if i < 3 {
				rec.RunID, run = "run-1", "run-1"
			}
			if _, err := db.SQL().ExecContext(ctx, "INSERT INTO score_history (kk, score, decile, model_id, run_id, scored_at) "+
				"VALUES ($1, $2, $3, $4, $5, $6)", kk, rec.Score, rec.Decile, rec.ModelID, run, rec.ScoredAt.UnixMicro()); err != nil {
				t.Fatal(err)
			}
			want[kk] = append([]domain.ScoreRecord{rec}, want[kk]...) // newest first
		}
		notice := func(id, kk string, issued time.Time) domain.Notice {
			return domain.Notice{State: domain.NoticeDelivered, Notice: eligibility.Notice{ID: id, KK: kk, Programme: "PKH",
				Kind: eligibility.NoticeLoss, OldStatus: eligibility.StatusEligible, NewStatus: eligibility.StatusIneligible,
				Reasons: []eligibility.Reason{{Code: "DECILE_ABOVE_LIMIT"}}, IssuedAt: issued, Deadline: issued.Add(30 * 24 * time.Hour),
				EffectiveAt: issued.Add(30 * 24 * time.Hour), RunID: "run-1", TableHash: "t1"}}
		}
		notices := map[string][]domain.Notice{
			a: {notice("n-a1", a, at), notice("n-a2", a, at.Add(time.Minute))},
			b: {notice("n-b1", b, at)},
		}
		for _, kk := range []string{a, b} {
			for _, n := range notices[kk] {
				reasons, err := json.Marshal(n.Reasons)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.SQL().ExecContext(ctx, "INSERT INTO notices (id, kk, programme, kind, old_status, new_status, reasons, "+
					"issued_at, deadline, effective_at, run_id, table_hash, state) "+
					"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
					n.ID, n.KK, n.Programme, string(n.Kind), string(n.OldStatus), string(n.NewStatus), string(reasons),
					n.IssuedAt.UnixMicro(), n.Deadline.UnixMicro(), n.EffectiveAt.UnixMicro(), n.RunID, n.TableHash, string(n.State)); err != nil {
					t.Fatal(err)
				}
			}
		}

		if err := db.Migrate(ctx, adapters.Migrations); err != nil {
			t.Fatal(err)
		}

		history := func(kk string) []domain.ScoreRecord {
			t.Helper()
			got, err := repo.Scores.History(ctx, kk, 0)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		for _, kk := range []string{a, b} {
			if got := history(kk); !slices.Equal(got, want[kk]) {
				t.Errorf("history of %s after the migration:\n got %+v\nwant %+v", kk, got, want[kk])
			}
			got, err := repo.Notices.ListByKK(ctx, kk)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(got, notices[kk], sameNotice) {
				t.Errorf("notices of %s after the migration:\n got %+v\nwant %+v", kk, got, notices[kk])
			}
		}

		// New history is numbered after the migrated rows: the newest score
		// comes first, on both engines.
		later := at.Add(24 * time.Hour)
		if err := repo.Scores.Put(ctx, []domain.FamilyScore{{KK: a, Score: 9, Decile: 1, ModelID: "m-1", ScoredAt: later},
			{KK: b, Score: 8, Decile: 1, ModelID: "m-1", ScoredAt: later}}); err != nil {
			t.Fatal(err)
		}
		for kk, score := range map[string]float64{a: 9, b: 8} {
			got := history(kk)
			if len(got) != len(want[kk])+1 || got[0].Score != score || !slices.Equal(got[1:], want[kk]) {
				t.Errorf("history of %s after a new score: %+v", kk, got)
			}
		}

		// The key is now (kk, id): a replayed notice is still stored once,
		// and leaves the stored one as it was (delivered), while a new one
		// is added.
		replayed := notice("n-a1", a, later)
		replayed.State = domain.NoticePending
		if err := repo.Notices.Upsert(ctx, []domain.Notice{replayed, notice("n-a3", a, later)}); err != nil {
			t.Fatal(err)
		}
		got, err := repo.Notices.ListByKK(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		wantA := append(slices.Clone(notices[a]), notice("n-a3", a, later))
		if !slices.EqualFunc(got, wantA, sameNotice) {
			t.Errorf("notices of %s after a replay:\n got %+v\nwant %+v", a, got, wantA)
		}
	})
}

func sameNotice(x, y domain.Notice) bool {
	return x.ID == y.ID && x.KK == y.KK && x.Programme == y.Programme && x.Kind == y.Kind && x.OldStatus == y.OldStatus &&
		x.NewStatus == y.NewStatus && reflect.DeepEqual(x.Reasons, y.Reasons) && x.IssuedAt.Equal(y.IssuedAt) &&
		x.Deadline.Equal(y.Deadline) && x.EffectiveAt.Equal(y.EffectiveAt) && x.RunID == y.RunID &&
		x.TableHash == y.TableHash && x.State == y.State
}
