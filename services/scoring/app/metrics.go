package app

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/dtsen-id/dtsen/services/platform/privacy"
	"github.com/dtsen-id/dtsen/services/platform/telemetry"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
)

// Stage label values of dtsen_ranking_run_families.
const (
	StageTotal   = "total"
	StageScored  = "scored"
	StageDecided = "decided"
)

// runProgress is the progress of the ranking runs executing in this
// process, exported as dtsen_ranking_run_families{run,stage}: the families
// the run expects (total), has scored and has decided eligibility for. A
// run's series exist while it executes here and vanish when it ends, however
// it ends (its final counts stay on the run: GetRankingRun).
var runProgress = struct {
	sync.Mutex
	runs map[string]domain.RankingRun
}{runs: map[string]domain.RankingRun{}}

var runGauge = telemetry.Instruments[struct{}]{New: func(m metric.Meter) struct{} {
	families := telemetry.Must(m.Int64ObservableGauge("dtsen_ranking_run_families",
		metric.WithDescription("Families of the executing ranking run, by stage: total expected, scored, decided")))
	_, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		runProgress.Lock()
		defer runProgress.Unlock()
		for id, r := range runProgress.runs {
			// Run ids are chosen by administrators; masking keeps one that
			// embeds sixteen digits from putting a NIK in a label.
			run := attribute.String("run", privacy.MaskText(id))
			for stage, n := range map[string]int64{StageTotal: r.Total, StageScored: r.Scored, StageDecided: r.Decided} {
				o.ObserveInt64(families, n, metric.WithAttributes(run, attribute.String("stage", stage)))
			}
		}
		return nil
	}, families)
	if err != nil {
		otel.Handle(err)
	}
	return struct{}{}
}}

// observeRun records run's counts as its current progress.
func observeRun(run *domain.RankingRun) {
	runGauge.Get()
	runProgress.Lock()
	defer runProgress.Unlock()
	runProgress.runs[run.ID] = domain.RankingRun{Total: run.Total, Scored: run.Scored, Decided: run.Decided}
}

// forgetRun drops a run that stopped executing.
func forgetRun(id string) {
	runProgress.Lock()
	defer runProgress.Unlock()
	delete(runProgress.runs, id)
}
