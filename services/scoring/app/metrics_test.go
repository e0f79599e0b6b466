package app_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/dtsen-id/dtsen/services/platform/telemetry/telemetrytest"
	"github.com/dtsen-id/dtsen/services/scoring/app"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/features"
	"github.com/dtsen-id/dtsen/services/scoring/model"
)

// probing reads the ranking-run gauge when the run asks for the first
// family of its third batch: two batches are scored by then.
type probing struct {
	domain.FamilySource
	read func()
	n    int
	mu   sync.Mutex
}

func (p *probing) Fetch(ctx context.Context, kk string, ref time.Time) (features.Input, error) {
	p.mu.Lock()
	p.n++
	if p.n == 2*batchSize+1 {
		p.read()
	}
	p.mu.Unlock()
	return p.FamilySource.Fetch(ctx, kk, ref)
}

// watchingRuns reads the gauge when the eligibility pass records its second
// batch: the first batch is decided by then.
type watchingRuns struct {
	domain.Runs
	read  func()
	calls int
}

func (w *watchingRuns) UpdateDecided(ctx context.Context, id string, decided, notices int64) error {
	if w.calls++; w.calls == 2 {
		w.read()
	}
	return w.Runs.UpdateDecided(ctx, id, decided, notices)
}

// TestRankingRunMetrics: while a run executes, dtsen_ranking_run_families
// shows its total, scored and decided families; when it ends its series go.
func TestRankingRunMetrics(t *testing.T) {
	metrics := telemetrytest.Metrics(t)
	e := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	trainer := e.app(t, e.src)
	m, err := trainer.TrainModel(ctx, model.KindOLS, app.TrainParams{OLS: model.OLSParams{Ridge: 1e-3}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := trainer.ActivateModel(ctx, m.ID, "analyst@bps", "metrics"); err != nil {
		t.Fatal(err)
	}

	during := map[string]float64{}
	stage := func(run, s string) (float64, bool) {
		return metrics.Value(t, "dtsen_ranking_run_families", attribute.String("run", run), attribute.String("stage", s))
	}
	p := &probing{FamilySource: e.src}
	p.read = func() {
		for _, s := range []string{app.StageTotal, app.StageScored, app.StageDecided} {
			during[s], _ = stage("run-metrics", s)
		}
	}
	deciding := map[string]float64{}
	runs := &watchingRuns{Runs: e.repo.Runs, read: func() {
		for _, s := range []string{app.StageTotal, app.StageScored, app.StageDecided} {
			deciding[s], _ = stage("run-metrics", s)
		}
	}}
	a, err := app.New(app.Deps{Models: e.repo.Models, Runs: runs, Scores: e.repo.Scores,
		Eligibility: e.repo.Eligibility, Notices: e.repo.Notices,
		Families: p, Lister: e.src, Labels: e.src, Clock: e.clock.now, BatchSize: batchSize, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := a.RunRanking(ctx, "run-metrics")
	if err != nil {
		t.Fatal(err)
	}
	for when, want := range map[string]map[string]float64{
		"scoring":  {app.StageTotal: registered, app.StageScored: 2 * batchSize, app.StageDecided: 0},
		"deciding": {app.StageTotal: registered, app.StageScored: registered, app.StageDecided: batchSize},
	} {
		seen := during
		if when == "deciding" {
			seen = deciding
		}
		for s, v := range want {
			if seen[s] != v {
				t.Errorf("while %s, stage %s = %v, want %v (all %v)", when, s, seen[s], v, seen)
			}
		}
	}
	if rep.Run.Decided != registered {
		t.Errorf("the run decided %d families, want %d", rep.Run.Decided, registered)
	}
	if _, ok := stage("run-metrics", app.StageTotal); ok {
		t.Error("a finished run still has its series")
	}
}
