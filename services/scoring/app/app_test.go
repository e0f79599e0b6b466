package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
	"github.com/dtsen-id/dtsen/services/scoring/adapters"
	"github.com/dtsen-id/dtsen/services/scoring/app"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/eligibility"
	"github.com/dtsen-id/dtsen/services/scoring/features"
	"github.com/dtsen-id/dtsen/services/scoring/model"
	"github.com/dtsen-id/dtsen/services/scoring/scoringtest"
)

const (
	// registered families; the first withData have records in every
	// source context, the even ones among them measured consumption.
	registered = 52
	withData   = 48
	labels     = withData / 2
	batchSize  = 8
)

func kk(i int) string { return registrytest.Family(i).GetKkNumber() }

// clock stays on one calendar day, so every family's features are the
// same whenever they are built, and moves a second a call, so generated ids
// differ.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

type env struct {
	src   *adapters.Sources
	repo  *adapters.Repository
	clock *clock
}

func (e *env) app(t *testing.T, families domain.FamilySource) *app.App {
	t.Helper()
	a, err := app.New(app.Deps{Models: e.repo.Models, Runs: e.repo.Runs, Scores: e.repo.Scores,
		Eligibility: e.repo.Eligibility, Notices: e.repo.Notices,
		Families: families, Lister: e.src, Labels: e.src, Clock: e.clock.now, BatchSize: batchSize, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// start runs the four source contexts on SQLite, seeded, and scoring's
// repositories on a fresh SQLite database.
func start(t *testing.T) *env {
	t.Helper()
	src := scoringtest.StartSources(t, scoringtest.SourceOptions{Registered: registered, WithData: withData, NoFeed: true})
	c := src.Dial(t)
	db := storagetest.Open(t, storagetest.SQLiteURL(t), adapters.Migrations)
	return &env{src: adapters.New(adapters.Conns{Registry: c.Registry, Asset: c.Asset, Income: c.Income, ServiceUsage: c.ServiceUsage}),
		repo: adapters.NewRepository(db), clock: &clock{t: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)}}
}

// cancelling cancels its context once it has been asked for after
// families, imitating a crash in the middle of a run.
type cancelling struct {
	domain.FamilySource
	after  int64
	n      atomic.Int64
	cancel context.CancelFunc
}

func (c *cancelling) Fetch(ctx context.Context, kk string, ref time.Time) (features.Input, error) {
	if c.n.Add(1) > c.after {
		c.cancel()
		return features.Input{}, context.Canceled
	}
	return c.FamilySource.Fetch(ctx, kk, ref)
}

// counting counts the families fetched.
type counting struct {
	domain.FamilySource
	n atomic.Int64
}

func (c *counting) Fetch(ctx context.Context, kk string, ref time.Time) (features.Input, error) {
	c.n.Add(1)
	return c.FamilySource.Fetch(ctx, kk, ref)
}

// failing fails one family, as a source context that cannot answer for it.
type failing struct {
	domain.FamilySource
	kk string
}

func (f failing) Fetch(ctx context.Context, kk string, ref time.Time) (features.Input, error) {
	if kk == f.kk {
		return features.Input{}, &adapters.SourceError{Context: adapters.ContextAsset, Err: errors.New("unavailable")}
	}
	return f.FamilySource.Fetch(ctx, kk, ref)
}

// deciles reads every family's current score.
func deciles(t *testing.T, ctx context.Context, scores domain.Scores) map[string]domain.FamilyScore {
	t.Helper()
	got := map[string]domain.FamilyScore{}
	for d := domain.Unranked; d <= domain.MaxDecile; d++ {
		page, err := scores.ListByDecile(ctx, d, domain.Page{Limit: domain.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page {
			got[s.KK] = s
		}
	}
	return got
}

// checkRun checks that the run succeeded and placed exactly its families,
// with ⌊10r/N⌋+1 families of rank r in each decile.
func checkRun(t *testing.T, ctx context.Context, e *env, rep *app.RunReport, want int) map[string]domain.FamilyScore {
	t.Helper()
	run, err := e.repo.Runs.Get(ctx, rep.Run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if run.State != domain.RunSucceeded || len(run.CutPoints) == 0 {
		t.Fatalf("run %s: state %s, %d bytes of cut-points", run.ID, run.State, len(run.CutPoints))
	}
	if rep.Ranked != int64(want) || run.Total != registered {
		t.Fatalf("ranked %d of %d, want %d of %d", rep.Ranked, run.Total, want, registered)
	}
	counts := make([]int, domain.MaxDecile+1)
	for r := range want {
		counts[10*r/want+1]++
	}
	got := make([]int, domain.MaxDecile+1)
	scores := deciles(t, ctx, e.repo.Scores)
	var ranked []domain.FamilyScore
	for _, s := range scores {
		if s.RunID == run.ID {
			got[s.Decile]++
			ranked = append(ranked, s)
		}
	}
	for _, x := range ranked {
		for _, y := range ranked {
			if x.Score < y.Score && x.Decile > y.Decile {
				t.Fatalf("%s scores %v in decile %d, %s scores more (%v) in decile %d", x.KK, x.Score, x.Decile, y.KK, y.Score, y.Decile)
			}
		}
	}
	for d := range got {
		if got[d] != counts[d] {
			t.Errorf("decile %d holds %d families, want %d (all: %v, want %v)", d, got[d], counts[d], got, counts)
			break
		}
	}
	return scores
}

func TestApp(t *testing.T) {
	e := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	a := e.app(t, e.src)

	t.Run("no active model", func(t *testing.T) {
		if _, err := a.RunRanking(ctx, ""); !errors.Is(err, domain.ErrNoActiveModel) {
			t.Errorf("RunRanking: %v, want ErrNoActiveModel", err)
		}
		if _, err := a.ScoreFamily(ctx, kk(0)); !errors.Is(err, domain.ErrNoActiveModel) {
			t.Errorf("ScoreFamily: %v, want ErrNoActiveModel", err)
		}
	})

	var ols, gbt *domain.Model
	t.Run("train", func(t *testing.T) {
		var err error
		ols, err = a.TrainModel(ctx, model.KindOLS, app.TrainParams{OLS: model.OLSParams{Ridge: 1e-3}})
		if err != nil {
			t.Fatal(err)
		}
		p := model.DefaultGBTParams()
		p.Rounds, p.MinSamplesLeaf, p.EarlyStoppingRounds = 20, 2, 0
		gbt, err = a.TrainModel(ctx, model.KindGBT, app.TrainParams{GBT: p})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []*domain.Model{ols, gbt} {
			stored, err := e.repo.Models.Get(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.State != domain.ModelTrained || stored.Training.Labels != labels {
				t.Errorf("%s: state %s, %d labels; want TRAINED, %d", m.ID, stored.State, stored.Training.Labels, labels)
			}
			for _, name := range stored.Features {
				if d, _ := features.Lookup(name); d.Targeting {
					t.Errorf("%s trained on the targeting feature %s", m.ID, name)
				}
			}
			if stored.Training.Fingerprint != ols.Training.Fingerprint {
				t.Errorf("same data, fingerprints %s and %s", stored.Training.Fingerprint, ols.Training.Fingerprint)
			}
			if !json.Valid(stored.Metrics) || !strings.Contains(string(stored.Metrics), `"valid_rmse"`) {
				t.Errorf("%s: metrics %s", m.ID, stored.Metrics)
			}
		}
		if _, err := a.TrainModel(ctx, "svm", app.TrainParams{}); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("unknown kind: %v", err)
		}
	})
	if t.Failed() {
		t.FailNow()
	}

	if _, err := a.ActivateModel(ctx, gbt.ID, "analyst@bps", "first model"); err != nil {
		t.Fatal(err)
	}

	var first map[string]domain.FamilyScore
	var firstRun string
	t.Run("ranking", func(t *testing.T) {
		rep, err := a.RunRanking(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if rep.Failed != 0 || len(rep.Failures) != 0 {
			t.Errorf("failures: %d %v", rep.Failed, rep.Failures)
		}
		first, firstRun = checkRun(t, ctx, e, rep, registered), rep.Run.ID
		hist, err := e.repo.Scores.History(ctx, kk(3), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 2 || hist[0].RunID != rep.Run.ID || hist[0].Decile == 0 || hist[1].Decile != 0 {
			t.Errorf("history of %s: %+v; want the unranked score then the placed one", kk(3), hist)
		}
	})

	t.Run("eligibility", func(t *testing.T) {
		run, err := e.repo.Runs.Get(ctx, firstRun)
		if err != nil {
			t.Fatal(err)
		}
		if run.Decided != registered {
			t.Errorf("run decided %d families, want %d", run.Decided, registered)
		}
		rules := a.Rules()
		eligible := map[string]map[string]bool{}
		var notices int64
		for i := range registered {
			fe, err := a.GetFamilyEligibility(ctx, kk(i))
			if err != nil {
				t.Fatal(err)
			}
			rec := fe.Record
			if rec.RunID != firstRun || rec.Decision.Decile != first[kk(i)].Decile || rec.Region == "" {
				t.Fatalf("%s: run %s decile %d region %q; want run %s decile %d", kk(i), rec.RunID, rec.Decision.Decile,
					rec.Region, firstRun, first[kk(i)].Decile)
			}
			for _, p := range rec.Decision.Programmes {
				prog, _ := rules.Programme(p.Programme)
				if p.Status == eligibility.StatusEligible {
					if rec.Decision.Decile > prog.MaxDecile {
						t.Errorf("%s eligible for %s in decile %d (limit %d)", kk(i), p.Programme, rec.Decision.Decile, prog.MaxDecile)
					}
					if eligible[p.Programme] == nil {
						eligible[p.Programme] = map[string]bool{}
					}
					eligible[p.Programme][kk(i)] = true
				}
				if p.Status == eligibility.StatusQuotaPending {
					t.Errorf("%s: %s still QUOTA_PENDING after the run", kk(i), p.Programme)
				}
			}
			ns, err := a.ListNotices(ctx, kk(i))
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range ns {
				notices++
				// A DTKS recipient who no longer qualifies keeps the
				// programme until the objection deadline.
				if n.Kind == eligibility.NoticeLoss {
					if want := run.StartedAt.Add(eligibility.DefaultObjectionWindow); !n.Deadline.Equal(want) {
						t.Errorf("%s: loss deadline %v, want %v", kk(i), n.Deadline, want)
					}
					if ent := rec.State.Entitlement(n.Programme); ent.Phase != eligibility.PhaseLossNoticed ||
						!ent.EffectiveAt(run.StartedAt.Add(24*time.Hour)) {
						t.Errorf("%s: %s after a loss notice: %+v; want still received until the deadline", kk(i), n.Programme, ent)
					}
				}
			}
			if len(rec.DTKSReceiving) > 0 && len(ns) == 0 {
				for _, code := range rec.DTKSReceiving {
					if !eligible[code][kk(i)] {
						t.Errorf("%s received %s under DTKS, is not eligible now, and got no notice", kk(i), code)
					}
				}
			}
		}
		if notices != run.Notices || notices == 0 {
			t.Errorf("%d notices stored, run says %d", notices, run.Notices)
		}

		// The eligible list, paged, is exactly the eligible families.
		for code, want := range eligible {
			got := map[string]bool{}
			page := domain.Page{Limit: 3}
			for {
				fams, err := a.ListEligible(ctx, code, "", page)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range fams {
					got[f.KK] = true
				}
				if len(fams) < page.Limit {
					break
				}
				page.After = domain.EligibleCursor(fams[len(fams)-1])
			}
			if len(got) != len(want) {
				t.Errorf("%s: listed %d families, %d are eligible", code, len(got), len(want))
			}
		}
		if _, err := a.ListEligible(ctx, "NOPE", "", domain.Page{}); !errors.Is(err, app.ErrUnknownProgramme) {
			t.Errorf("unknown programme: %v", err)
		}
		if fams, err := a.ListEligible(ctx, "SEMBAKO", "99", domain.Page{}); err != nil || len(fams) != 0 {
			t.Errorf("a region with no families: %v, %v", fams, err)
		}

		tr, err := a.TransitionReport(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if tr.Report.National.Families != registered || tr.RunID != firstRun {
			t.Errorf("transition report: %d families from run %s", tr.Report.National.Families, tr.RunID)
		}
		for _, pc := range tr.Report.National.Programmes {
			if pc.After != len(eligible[pc.Programme]) {
				t.Errorf("transition %s: %d after, %d eligible", pc.Programme, pc.After, len(eligible[pc.Programme]))
			}
		}
	})

	t.Run("read a score with its explanation", func(t *testing.T) {
		before, _ := e.repo.Scores.History(ctx, kk(4), 0)
		res, err := a.FamilyScore(ctx, kk(4))
		if err != nil {
			t.Fatal(err)
		}
		if res.Score.Score != first[kk(4)].Score || res.Score.RunID != firstRun || res.CutPointsRun != firstRun {
			t.Errorf("read %+v; want the run's score %v", res.Score, first[kk(4)].Score)
		}
		if math.Abs(res.Explanation.Prediction-res.Score.Score) > 1e-9 {
			t.Errorf("explanation predicts %v, score is %v", res.Explanation.Prediction, res.Score.Score)
		}
		after, _ := e.repo.Scores.History(ctx, kk(4), 0)
		if len(after) != len(before) {
			t.Errorf("reading an unchanged score re-scored it: history %d → %d", len(before), len(after))
		}
		if _, err := a.FamilyScore(ctx, kk(registered+4)); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("never scored: %v", err)
		}
	})

	t.Run("re-score only what the run did not cover", func(t *testing.T) {
		count := func() int {
			h, err := e.repo.Scores.History(ctx, kk(6), 0)
			if err != nil {
				t.Fatal(err)
			}
			return len(h)
		}
		before := count()
		stored, err := e.repo.Scores.Get(ctx, kk(6))
		if err != nil {
			t.Fatal(err)
		}
		// A change marked before the run read the family is covered.
		if err := a.RescoreIfStale(ctx, kk(6), stored.ScoredAt.Add(-time.Minute)); err != nil || count() != before {
			t.Errorf("a change older than the run re-scored the family: %v, history %d → %d", err, before, count())
		}
		if err := a.RescoreIfStale(ctx, kk(6), e.clock.now().Add(time.Hour)); err != nil || count() != before+1 {
			t.Errorf("a newer change: %v, history %d → %d", err, before, count())
		}
	})

	t.Run("evaluate beside the baseline", func(t *testing.T) {
		ev, err := a.EvaluateModel(ctx, gbt.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Baseline == nil || ev.Baseline.ID != ols.ID {
			t.Fatalf("baseline %+v, want %s", ev.Baseline, ols.ID)
		}
		for _, m := range []*app.TargetingMetrics{ev.Metrics, ev.BaselineMetrics} {
			if len(m.Coverages) != 2 || m.Coverages[1].Coverage != 0.4 || m.Families == 0 || m.Markdown == "" {
				t.Errorf("metrics %+v", m)
			}
			breakdowns := map[string]bool{}
			for _, g := range m.Groups {
				breakdowns[g.Breakdown] = true
			}
			if len(breakdowns) != 3 {
				t.Errorf("breakdowns %v, want province, area and head sex", breakdowns)
			}
		}
		if ev.Metrics.Families != ev.BaselineMetrics.Families {
			t.Errorf("measured on %d and %d families", ev.Metrics.Families, ev.BaselineMetrics.Families)
		}
	})

	t.Run("cancel and resume", func(t *testing.T) {
		runCtx, stop := context.WithCancel(ctx)
		defer stop()
		crashing := e.app(t, &cancelling{FamilySource: e.src, after: 3*batchSize + 2, cancel: stop})
		if _, err := crashing.RunRanking(runCtx, "run-resumed"); !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted run: %v, want context.Canceled", err)
		}
		run, err := e.repo.Runs.Get(ctx, "run-resumed")
		if err != nil {
			t.Fatal(err)
		}
		if run.State != domain.RunRunning || run.Scored == 0 || run.Scored >= registered || run.Cursor == "" {
			t.Fatalf("interrupted run: %s, scored %d, cursor %q", run.State, run.Scored, run.Cursor)
		}
		counted := &counting{FamilySource: e.src}
		rep, err := e.app(t, counted).ResumeRun(ctx, "run-resumed")
		if err != nil {
			t.Fatal(err)
		}
		if n := counted.n.Load(); n != registered-run.Scored {
			t.Errorf("resuming fetched %d families, want the %d after the cursor", n, registered-run.Scored)
		}
		after := checkRun(t, ctx, e, rep, registered)
		for k, s := range first {
			if got := after[k]; got.Decile != s.Decile || got.Score != s.Score {
				t.Errorf("%s: decile %d score %v after resuming, %d %v in the uninterrupted run", k, got.Decile, got.Score, s.Decile, s.Score)
			}
		}
		if _, err := a.ResumeRun(ctx, "run-resumed"); !errors.Is(err, domain.ErrConflict) {
			t.Errorf("resuming a finished run: %v", err)
		}
	})

	t.Run("a family that cannot be fetched", func(t *testing.T) {
		rep, err := e.app(t, failing{e.src, kk(5)}).RunRanking(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if rep.Failed != 1 || len(rep.Failures) != 1 || rep.Failures[0].KK != kk(5) {
			t.Fatalf("failed %d: %v; want %s", rep.Failed, rep.Failures, kk(5))
		}
		checkRun(t, ctx, e, rep, registered-1)
		if s, err := e.repo.Scores.Get(ctx, kk(5)); err != nil || s.RunID == rep.Run.ID {
			t.Errorf("the failed family's score: %+v, %v; want the previous run's", s, err)
		}
	})

	t.Run("score one family", func(t *testing.T) {
		latest, err := e.repo.Runs.LatestSucceeded(ctx)
		if err != nil {
			t.Fatal(err)
		}
		res, err := a.ScoreFamily(ctx, kk(3))
		if err != nil {
			t.Fatal(err)
		}
		want := first[kk(3)]
		if res.Score.Decile != want.Decile || res.Score.Score != want.Score || res.Score.ModelID != gbt.ID ||
			res.CutPointsRun != latest.ID {
			t.Errorf("score %+v against %s; want decile %d score %v of model %s against %s (first run %s)",
				res.Score, res.CutPointsRun, want.Decile, want.Score, gbt.ID, latest.ID, firstRun)
		}
		ex := res.Explanation
		if ex.Prediction != res.Score.Score || len(ex.Up)+len(ex.Down) == 0 || len(ex.Up) > app.ExplanationFactors {
			t.Fatalf("explanation %+v of score %v", ex, res.Score.Score)
		}
		// The top factors are a part of the model's full attribution, which
		// adds up to the prediction.
		m, err := gbt.Load()
		if err != nil {
			t.Fatal(err)
		}
		in, err := e.src.Fetch(ctx, kk(3), e.clock.now())
		if err != nil {
			t.Fatal(err)
		}
		v, err := features.Build(in)
		if err != nil {
			t.Fatal(err)
		}
		proj, err := features.NewProjection(gbt.Features)
		if err != nil {
			t.Fatal(err)
		}
		base, contrib, err := m.Explain(proj.Apply(v, nil))
		if err != nil {
			t.Fatal(err)
		}
		sum := base
		for _, c := range contrib {
			sum += c
		}
		if math.Abs(sum-ex.Prediction) > 1e-9 || base != ex.Base {
			t.Errorf("base %v + contributions = %v, explanation says %v + … = %v", base, sum, ex.Base, ex.Prediction)
		}
		for _, f := range append(ex.Up, ex.Down...) {
			if contrib[f.Index] != f.Contribution {
				t.Errorf("factor %s: %v, model says %v", f.Feature, f.Contribution, contrib[f.Index])
			}
		}
		hist, err := e.repo.Scores.History(ctx, kk(3), 1)
		if err != nil || len(hist) != 1 || hist[0].RunID != "" || hist[0].Decile != want.Decile {
			t.Errorf("history: %+v, %v; want a score without a run", hist, err)
		}

		if _, err := a.ScoreFamily(ctx, kk(registered+3)); !errors.Is(err, adapters.ErrFamilyNotFound) {
			t.Errorf("unregistered family: %v", err)
		}
	})

	t.Run("OLS model ranks too", func(t *testing.T) {
		if _, err := a.ActivateModel(ctx, ols.ID, "analyst@bps", "baseline comparison"); err != nil {
			t.Fatal(err)
		}
		rep, err := a.RunRanking(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		checkRun(t, ctx, e, rep, registered)
	})
}
