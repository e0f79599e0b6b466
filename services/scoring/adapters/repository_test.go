package adapters_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/scoring/adapters"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/eligibility"
	"github.com/dtsen-id/dtsen/services/scoring/model"
)

// testClock hands out strictly increasing times, so "newest first" is
// decided by the data, not by two calls landing in the same microsecond.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func trainedModel(t *testing.T, id string) *domain.Model {
	t.Helper()
	names := []string{"members", "floor_area"}
	const n = 30
	x := make([]float64, 0, 2*n)
	y := make([]float64, n)
	for i := range n {
		x = append(x, float64(1+i%6), float64(20+(i*7)%50))
		y[i] = 13 - 0.2*float64(1+i%6) + 0.01*float64(20+(i*7)%50)
	}
	d, err := model.NewDataset(names, x, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.TrainOLS(d, model.DefaultOLSParams())
	if err != nil {
		t.Fatal(err)
	}
	blob, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return &domain.Model{
		ID: id, Kind: model.KindOLS, Features: names, Blob: blob, State: domain.ModelTrained,
		Params:   []byte(`{"ridge":1e-9}`),
		Metrics:  []byte(`{"rmse":0.31}`),
		Training: domain.TrainingSnapshot{Labels: n, Fingerprint: "sha256:abc", SourceCursor: "pop-2026-11"},
	}
}

func scoreKK(i int) string { return fmt.Sprintf("3201%012d", i) }

func count(t *testing.T, db *storage.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), "SELECT /* dtsen:fanout test count of a whole table */ count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func mustErr(t *testing.T, err, want error, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: err = %v, want %v", what, err, want)
	}
}

// TestRepositoryConformance is the suite the scoring repository must pass on
// every engine.
func TestRepositoryConformance(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := storagetest.Open(t, url, adapters.Migrations)
		repo := adapters.NewRepository(db)
		clock := &testClock{t: time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)}
		repo.SetClock(clock.now)

		t.Run("models", func(t *testing.T) {
			_, err := repo.Models.Active(ctx)
			mustErr(t, err, domain.ErrNoActiveModel, "active before any activation")
			for _, id := range []string{"ols-20261127-0001", "ols-20261127-0002", "ols-20261127-0003"} {
				if err := repo.Models.Create(ctx, trainedModel(t, id)); err != nil {
					t.Fatal(err)
				}
			}
			mustErr(t, repo.Models.Create(ctx, trainedModel(t, "ols-20261127-0001")), domain.ErrConflict, "duplicate id")
			bad := trainedModel(t, "ols-bad")
			bad.Features = []string{"members"}
			mustErr(t, repo.Models.Create(ctx, bad), domain.ErrInvalid, "features not matching the blob")
			_, err = repo.Models.Get(ctx, "ols-bad")
			mustErr(t, err, domain.ErrNotFound, "refused model")

			want := trainedModel(t, "ols-20261127-0002")
			got, err := repo.Models.Get(ctx, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Blob, want.Blob) || !slices.Equal(got.Features, want.Features) ||
				string(got.Params) != string(want.Params) || string(got.Metrics) != string(want.Metrics) ||
				got.Training != want.Training || got.State != domain.ModelTrained || got.Activation != nil ||
				got.CreatedAt.IsZero() {
				t.Fatalf("round trip: got %+v", got)
			}
			if _, err := got.Load(); err != nil {
				t.Fatalf("stored blob does not load: %v", err)
			}

			first, err := repo.Models.List(ctx, domain.Page{Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			rest, err := repo.Models.List(ctx, domain.Page{Limit: 2, After: first[len(first)-1].ID})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, m := range append(first, rest...) {
				if m.Blob != nil {
					t.Errorf("list returned the blob of %s", m.ID)
				}
				ids = append(ids, m.ID)
			}
			if want := []string{"ols-20261127-0003", "ols-20261127-0002", "ols-20261127-0001"}; !slices.Equal(ids, want) {
				t.Fatalf("list pages = %v, want %v", ids, want)
			}

			a1, err := repo.Models.Activate(ctx, "ols-20261127-0001", "operator:siti", "initial model")
			if err != nil {
				t.Fatal(err)
			}
			if a1.State != domain.ModelActive || a1.Activation == nil || a1.Activation.By != "operator:siti" ||
				a1.Activation.Reason != "initial model" || a1.Activation.At.IsZero() {
				t.Fatalf("activated model = %+v", a1)
			}
			if _, err := repo.Models.Activate(ctx, "ols-20261127-0002", "operator:budi", "better RMSE"); err != nil {
				t.Fatal(err)
			}
			active, err := repo.Models.Active(ctx)
			if err != nil || active.ID != "ols-20261127-0002" || len(active.Blob) == 0 {
				t.Fatalf("active = %+v, %v", active, err)
			}
			old, _ := repo.Models.Get(ctx, "ols-20261127-0001")
			if old.State != domain.ModelRetired || old.RetiredAt.IsZero() || old.Activation.By != "operator:siti" {
				t.Fatalf("previous model not retired: %+v", old)
			}

			before, _ := repo.Models.Activations(ctx)
			_, err = repo.Models.Activate(ctx, "ols-nope", "operator:budi", "typo")
			mustErr(t, err, domain.ErrNotFound, "activating an unknown model")
			_, err = repo.Models.Activate(ctx, "ols-20261127-0002", "operator:budi", "again")
			mustErr(t, err, domain.ErrConflict, "activating the active model")
			_, err = repo.Models.Activate(ctx, "ols-20261127-0003", "", "no subject")
			mustErr(t, err, domain.ErrInvalid, "activation without a subject")
			after, _ := repo.Models.Activations(ctx)
			if active, _ := repo.Models.Active(ctx); active.ID != "ols-20261127-0002" || len(after) != len(before) {
				t.Fatalf("failed activations changed something: active %s, %d→%d records", active.ID, len(before), len(after))
			}

			// Rolling back to a retired model is an activation like any other.
			if _, err := repo.Models.Activate(ctx, "ols-20261127-0001", "operator:siti", "rollback"); err != nil {
				t.Fatal(err)
			}
			var nActive int
			if err := db.QueryRowContext(ctx, "SELECT count(*) FROM models WHERE state = 'ACTIVE'").Scan(&nActive); err != nil || nActive != 1 {
				t.Fatalf("%d active models (%v)", nActive, err)
			}
			trail, _ := repo.Models.Activations(ctx)
			if len(trail) != 3 || trail[2].ModelID != "ols-20261127-0001" || trail[2].PreviousID != "ols-20261127-0002" ||
				trail[1].PreviousID != "ols-20261127-0001" || trail[0].PreviousID != "" {
				t.Fatalf("activation trail = %+v", trail)
			}
			// Concurrent activations: each either wins or gets ErrConflict,
			// and whatever interleaving happens, one model ends up active
			// and the trail holds exactly the winners.
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				id := fmt.Sprintf("ols-race-%d", i)
				if err := repo.Models.Create(ctx, trainedModel(t, id)); err != nil {
					t.Fatal(err)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = repo.Models.Activate(ctx, id, "operator:race", "concurrency test")
				}()
			}
			wg.Wait()
			wins := 0
			for _, err := range errs {
				switch {
				case err == nil:
					wins++
				case !errors.Is(err, domain.ErrConflict):
					t.Fatalf("concurrent activation failed with %v", err)
				}
			}
			if wins == 0 {
				t.Fatal("no concurrent activation succeeded")
			}
			if err := db.QueryRowContext(ctx, "SELECT count(*) FROM models WHERE state = 'ACTIVE'").Scan(&nActive); err != nil || nActive != 1 {
				t.Fatalf("%d active models after the race (%v)", nActive, err)
			}
			if all, _ := repo.Models.Activations(ctx); len(all) != len(trail)+wins {
				t.Fatalf("%d activation records after %d wins, want %d", len(all), wins, len(trail)+wins)
			}
			if _, err := repo.Models.Activate(ctx, "ols-20261127-0001", "operator:siti", "back to the baseline"); err != nil {
				t.Fatal(err)
			}

			// The database refuses a second ACTIVE row even if code tried.
			_, err = db.SQL().ExecContext(ctx, "UPDATE models SET state = 'ACTIVE' WHERE id = 'ols-20261127-0003'")
			if !storage.IsUniqueViolation(err) {
				t.Fatalf("second active model written directly: %v", err)
			}
		})

		t.Run("runs", func(t *testing.T) {
			mustErr(t, repo.Runs.Create(ctx, &domain.RankingRun{ID: "run-x", ModelID: "ols-nope", State: domain.RunPending}),
				domain.ErrNotFound, "run of an unknown model")
			_, err := repo.Runs.LatestSucceeded(ctx)
			mustErr(t, err, domain.ErrNotFound, "no successful run yet")

			for _, id := range []string{"run-1", "run-2", "run-3"} {
				run := &domain.RankingRun{ID: id, ModelID: "ols-20261127-0001", State: domain.RunPending, Total: 100}
				if err := repo.Runs.Create(ctx, run); err != nil {
					t.Fatal(err)
				}
			}
			mustErr(t, repo.Runs.Create(ctx, &domain.RankingRun{ID: "run-1", ModelID: "ols-20261127-0001", State: domain.RunPending}),
				domain.ErrConflict, "duplicate run")

			if err := repo.Runs.UpdateProgress(ctx, "run-1", 40, scoreKK(40)); err != nil {
				t.Fatal(err)
			}
			mustErr(t, repo.Runs.UpdateProgress(ctx, "run-1", 30, scoreKK(30)), domain.ErrConflict, "progress going back")
			mustErr(t, repo.Runs.UpdateProgress(ctx, "run-nope", 1, "k"), domain.ErrNotFound, "progress of unknown run")
			run, err := repo.Runs.Get(ctx, "run-1")
			if err != nil || run.State != domain.RunRunning || run.Scored != 40 || run.Cursor != scoreKK(40) {
				t.Fatalf("resumable run = %+v, %v", run, err)
			}

			cut := []byte{0xC7, 1, 2, 3}
			mustErr(t, repo.Runs.Finish(ctx, "run-1", domain.RunSucceeded, nil, ""), domain.ErrInvalid, "success without cut-points")
			if err := repo.Runs.Finish(ctx, "run-1", domain.RunSucceeded, cut, ""); err != nil {
				t.Fatal(err)
			}
			if err := repo.Runs.Finish(ctx, "run-2", domain.RunFailed, nil, "asset context unavailable"); err != nil {
				t.Fatal(err)
			}
			mustErr(t, repo.Runs.Finish(ctx, "run-1", domain.RunFailed, nil, "late"), domain.ErrConflict, "finishing twice")
			mustErr(t, repo.Runs.UpdateProgress(ctx, "run-1", 100, scoreKK(99)), domain.ErrConflict, "progress after finish")

			latest, err := repo.Runs.LatestSucceeded(ctx)
			if err != nil || latest.ID != "run-1" || !slices.Equal(latest.CutPoints, cut) || latest.FinishedAt.IsZero() {
				t.Fatalf("latest succeeded = %+v, %v", latest, err)
			}
			failed, _ := repo.Runs.Get(ctx, "run-2")
			if failed.State != domain.RunFailed || failed.Error != "asset context unavailable" || failed.CutPoints != nil {
				t.Fatalf("failed run = %+v", failed)
			}

			page1, err := repo.Runs.List(ctx, domain.Page{Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			page2, err := repo.Runs.List(ctx, domain.Page{Limit: 2, After: page1[1].ID})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range append(page1, page2...) {
				ids = append(ids, r.ID)
			}
			if !slices.Equal(ids, []string{"run-3", "run-2", "run-1"}) {
				t.Fatalf("run pages = %v", ids)
			}
		})

		t.Run("scores", func(t *testing.T) {
			at := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
			// Large enough for the COPY path on PostgreSQL.
			const n = 1000
			batch := make([]domain.FamilyScore, n)
			for i := range batch {
				batch[i] = domain.FamilyScore{KK: scoreKK(i), Score: 12 + float64(i)/n, Decile: 1 + i%10,
					ModelID: "ols-20261127-0001", RunID: "run-1", ScoredAt: at}
			}
			batch[7].Flags = []string{"ASSET_SOURCE_DOWN"}
			if err := repo.Scores.Put(ctx, batch); err != nil {
				t.Fatal(err)
			}
			got, err := repo.Scores.Get(ctx, scoreKK(7))
			if err != nil {
				t.Fatal(err)
			}
			if got.Score != batch[7].Score || got.Decile != 8 || got.RunID != "run-1" || !got.ScoredAt.Equal(at) ||
				!slices.Equal(got.Flags, []string{"ASSET_SOURCE_DOWN"}) {
				t.Fatalf("score = %+v", got)
			}
			_, err = repo.Scores.Get(ctx, scoreKK(n+1))
			mustErr(t, err, domain.ErrNotFound, "unscored family")

			// Re-scoring between runs: no run, placed with the last cut-points.
			later := at.Add(time.Hour)
			if err := repo.Scores.Put(ctx, []domain.FamilyScore{{KK: scoreKK(7), Score: 11.5, Decile: 1,
				ModelID: "ols-20261127-0002", ScoredAt: later}}); err != nil {
				t.Fatal(err)
			}
			got, _ = repo.Scores.Get(ctx, scoreKK(7))
			if got.Score != 11.5 || got.Decile != 1 || got.RunID != "" || got.ModelID != "ols-20261127-0002" || got.Flags != nil {
				t.Fatalf("re-scored = %+v", got)
			}
			hist, err := repo.Scores.History(ctx, scoreKK(7), 0)
			if err != nil {
				t.Fatal(err)
			}
			wantHist := []domain.ScoreRecord{
				{KK: scoreKK(7), Score: 11.5, Decile: 1, ModelID: "ols-20261127-0002", ScoredAt: later},
				{KK: scoreKK(7), Score: batch[7].Score, Decile: 8, ModelID: "ols-20261127-0001", RunID: "run-1", ScoredAt: at},
			}
			if !slices.Equal(hist, wantHist) {
				t.Fatalf("history = %+v\nwant %+v", hist, wantHist)
			}
			if h, _ := repo.Scores.History(ctx, scoreKK(7), 1); len(h) != 1 || h[0].Score != 11.5 {
				t.Fatalf("history limit 1 = %+v", h)
			}
			if c := count(t, db, "score_history"); c != n+1 {
				t.Fatalf("history has %d rows, want %d", c, n+1)
			}

			// A second large batch over the same families takes the COPY path
			// again on PostgreSQL and must replace, not duplicate, them.
			rescored := make([]domain.FamilyScore, 300)
			for i := range rescored {
				rescored[i] = domain.FamilyScore{KK: scoreKK(100 + i), Score: 10, Decile: 1,
					ModelID: "ols-20261127-0002", RunID: "run-3", ScoredAt: later}
			}
			if err := repo.Scores.Put(ctx, rescored); err != nil {
				t.Fatal(err)
			}
			if got, _ := repo.Scores.Get(ctx, scoreKK(250)); got.Decile != 1 || got.RunID != "run-3" || got.Score != 10 {
				t.Fatalf("bulk re-score = %+v", got)
			}
			if c := count(t, db, "family_scores"); c != n {
				t.Fatalf("%d current scores after re-scoring, want %d", c, n)
			}
			if c := count(t, db, "score_history"); c != n+1+300 {
				t.Fatalf("history has %d rows, want %d", c, n+1+300)
			}
			for i := range rescored {
				rescored[i].KK = scoreKK(2000 + i)
				rescored[i].Decile = 8
			}

			// Bad batches write nothing, not even their valid part.
			scoresBefore, histBefore := count(t, db, "family_scores"), count(t, db, "score_history")
			valid := domain.FamilyScore{KK: scoreKK(5000), Score: 12, Decile: 3, ModelID: "ols-20261127-0001"}
			for name, c := range map[string]struct {
				batch []domain.FamilyScore
				want  error
			}{
				"empty KK":      {[]domain.FamilyScore{valid, {Score: 1, ModelID: "ols-20261127-0001"}}, domain.ErrInvalid},
				"unknown model": {[]domain.FamilyScore{valid, {KK: scoreKK(5001), ModelID: "ols-nope"}}, domain.ErrNotFound},
				"unknown run":   {[]domain.FamilyScore{valid, {KK: scoreKK(5001), ModelID: "ols-20261127-0001", RunID: "run-nope"}}, domain.ErrNotFound},
				"duplicate KK":  {[]domain.FamilyScore{valid, valid}, domain.ErrInvalid},
				"decile 11":     {[]domain.FamilyScore{valid, {KK: scoreKK(5001), ModelID: "ols-20261127-0001", Decile: 11}}, domain.ErrInvalid},
				"bulk, unknown model last": {append(slices.Clone(rescored), domain.FamilyScore{KK: scoreKK(5001), ModelID: "ols-nope"}),
					domain.ErrNotFound},
			} {
				mustErr(t, repo.Scores.Put(ctx, c.batch), c.want, name)
			}
			if count(t, db, "family_scores") != scoresBefore || count(t, db, "score_history") != histBefore {
				t.Fatal("a refused batch left rows behind")
			}
			_, err = repo.Scores.Get(ctx, "")
			mustErr(t, err, domain.ErrInvalid, "get with empty KK")

			// Decile 8 holds i%10 == 7 except scoreKK(7), moved to decile 1.
			var listed []string
			page := domain.Page{Limit: 30}
			for {
				fams, err := repo.Scores.ListByDecile(ctx, 8, page)
				if err != nil {
					t.Fatal(err)
				}
				if len(fams) == 0 {
					break
				}
				for _, f := range fams {
					if f.Decile != 8 {
						t.Fatalf("decile 8 page holds %+v", f)
					}
					listed = append(listed, f.KK)
				}
				page.After = fams[len(fams)-1].KK
			}
			var want []string
			for i := 17; i < n; i += 10 {
				if i >= 100 && i < 400 {
					continue // re-scored into decile 1
				}
				want = append(want, scoreKK(i))
			}
			if !slices.Equal(listed, want) {
				t.Fatalf("decile 8 listed %d families, want %d", len(listed), len(want))
			}
			_, err = repo.Scores.ListByDecile(ctx, 11, domain.Page{})
			mustErr(t, err, domain.ErrInvalid, "decile 11")

			// A run's scores, every decile, in KK order, across pages: the
			// same families the table holds for that run.
			var byRun []string
			for page := (domain.Page{Limit: 70}); ; {
				fams, err := repo.Scores.ListByRun(ctx, "run-1", page)
				if err != nil {
					t.Fatal(err)
				}
				if len(fams) == 0 {
					break
				}
				for _, f := range fams {
					if f.RunID != "run-1" {
						t.Fatalf("run-1 page holds %+v", f)
					}
					byRun = append(byRun, f.KK)
				}
				page.After = fams[len(fams)-1].KK
			}
			rows, err := db.QueryContext(ctx, "SELECT /* dtsen:fanout test reads a whole run */ kk FROM family_scores WHERE run_id = 'run-1' ORDER BY kk")
			if err != nil {
				t.Fatal(err)
			}
			var stored []string
			for rows.Next() {
				var kk string
				if err := rows.Scan(&kk); err != nil {
					t.Fatal(err)
				}
				stored = append(stored, kk)
			}
			rows.Close()
			if len(stored) == 0 || !slices.Equal(byRun, stored) {
				t.Fatalf("run-1 listed %d families, the table holds %d", len(byRun), len(stored))
			}
			_, err = repo.Scores.ListByRun(ctx, "", domain.Page{})
			mustErr(t, err, domain.ErrInvalid, "empty run id")
		})

		t.Run("notices", func(t *testing.T) {
			issued := time.Date(2026, 11, 27, 3, 30, 0, 0, time.UTC)
			loss := domain.Notice{Notice: eligibility.Notice{
				ID: "n-loss", KK: scoreKK(7), Programme: "PKH", Kind: eligibility.NoticeLoss,
				OldStatus: eligibility.StatusEligible, NewStatus: eligibility.StatusIneligible,
				Reasons:  []eligibility.Reason{{Code: "DECILE_ABOVE_CUTOFF"}},
				IssuedAt: issued, Deadline: issued.Add(30 * 24 * time.Hour), EffectiveAt: issued.Add(30 * 24 * time.Hour),
				RunID: "run-1", TableHash: "t1",
			}}
			gain := domain.Notice{Notice: eligibility.Notice{ID: "n-gain", KK: scoreKK(7), Programme: "BPNT",
				Kind: eligibility.NoticeGain, NewStatus: eligibility.StatusEligible, IssuedAt: issued.Add(time.Minute)}}
			if err := repo.Notices.Upsert(ctx, []domain.Notice{loss, gain}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL().ExecContext(ctx, "UPDATE notices SET state = 'DELIVERED' WHERE kk = $1 AND id = 'n-loss'", scoreKK(7)); err != nil {
				t.Fatal(err)
			}
			// A replayed event stores the same notice again.
			if err := repo.Notices.Upsert(ctx, []domain.Notice{loss, gain}); err != nil {
				t.Fatal(err)
			}
			got, err := repo.Notices.ListByKK(ctx, scoreKK(7))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0].ID != "n-loss" || got[1].ID != "n-gain" {
				t.Fatalf("notices = %+v", got)
			}
			if got[0].State != domain.NoticeDelivered {
				t.Fatalf("replay reset a delivered notice to %s", got[0].State)
			}
			g := got[0]
			if g.Kind != loss.Kind || g.OldStatus != loss.OldStatus || g.NewStatus != loss.NewStatus ||
				!g.Deadline.Equal(loss.Deadline) || !g.EffectiveAt.Equal(loss.EffectiveAt) || g.RunID != "run-1" ||
				len(g.Reasons) != 1 || g.Reasons[0].Code != "DECILE_ABOVE_CUTOFF" {
				t.Fatalf("notice round trip = %+v", g)
			}
			if got[1].State != domain.NoticePending || !got[1].Deadline.IsZero() {
				t.Fatalf("gain notice = %+v", got[1])
			}
			bad := gain
			bad.ID, bad.KK = "n-bad", ""
			other := gain
			other.ID = "n-other"
			mustErr(t, repo.Notices.Upsert(ctx, []domain.Notice{other, bad}), domain.ErrInvalid, "notice without KK")
			if c := count(t, db, "notices"); c != 2 {
				t.Fatalf("refused notices left %d rows", c)
			}
		})
	})
}
