package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/explain"
	"github.com/dtsen-id/dtsen/services/scoring/features"
	"github.com/dtsen-id/dtsen/services/scoring/model"
)

// loadModel decodes a stored model once: models never change after
// training, and decoding a forest on every read or re-score would dominate
// it.
func (a *App) loadModel(ctx context.Context, id string) (*loaded, error) {
	a.loadedMu.Lock()
	l, ok := a.loaded[id]
	a.loadedMu.Unlock()
	if ok {
		return l, nil
	}
	m, err := a.models.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return a.cache(m)
}

// cache decodes m unless it already has been.
func (a *App) cache(m *domain.Model) (*loaded, error) {
	a.loadedMu.Lock()
	defer a.loadedMu.Unlock()
	if l, ok := a.loaded[m.ID]; ok {
		return l, nil
	}
	l, err := load(m)
	if err != nil {
		return nil, err
	}
	a.loaded[m.ID] = l
	return l, nil
}

// explained fetches the family as of ref and explains the model's
// prediction for it, with the flags the prediction carries.
func (a *App) explained(ctx context.Context, l *loaded, kk string, ref time.Time) (features.Input, explain.Explanation, error) {
	in, err := a.families.Fetch(ctx, kk, ref)
	if err != nil {
		return in, explain.Explanation{}, err
	}
	row, err := l.row(in, nil)
	if err != nil {
		return in, explain.Explanation{}, fmt.Errorf("features of %s: %w", kk, err)
	}
	expl, err := explain.Build(l.model, row, ExplanationFactors)
	if err != nil {
		return in, explain.Explanation{}, fmt.Errorf("explain %s: %w", kk, err)
	}
	return in, expl, nil
}

// scoreTolerance is how far a recomputed prediction may drift from the
// stored score (float rounding in storage) and still be the same score.
const scoreTolerance = 1e-9

// FamilyScore returns the family's current score with its explanation and
// flags. The explanation is recomputed from the family's data as of the
// moment it was scored, with the model that scored it, so it adds up to
// the stored score exactly. If the data have changed since (the change
// feed has not re-scored it yet), the family is re-scored now, so the
// answer never explains a score with data it was not computed from.
func (a *App) FamilyScore(ctx context.Context, kk string) (*FamilyResult, error) {
	stored, err := a.scores.Get(ctx, kk)
	if err != nil {
		return nil, err
	}
	l, err := a.loadModel(ctx, stored.ModelID)
	if err != nil {
		return nil, err
	}
	in, expl, err := a.explained(ctx, l, kk, stored.ScoredAt)
	if err != nil {
		return nil, err
	}
	if math.Abs(expl.Prediction-stored.Score) > scoreTolerance {
		return a.ScoreFamily(ctx, kk)
	}
	flags, err := assess(in, expl.Prediction)
	if err != nil {
		return nil, fmt.Errorf("flags of %s: %w", kk, err)
	}
	res := &FamilyResult{Score: *stored, Flags: flags, Explanation: expl, CutPointsRun: stored.RunID}
	if res.CutPointsRun == "" && stored.Decile != domain.Unranked {
		run, err := a.runs.LatestSucceeded(ctx)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return nil, err
		}
		if run != nil {
			res.CutPointsRun = run.ID
		}
	}
	return res, nil
}

// Model returns a stored model.
func (a *App) Model(ctx context.Context, id string) (*domain.Model, error) {
	return a.models.Get(ctx, id)
}

// Models returns a page of models, newest first.
func (a *App) Models(ctx context.Context, p domain.Page) ([]*domain.Model, error) {
	return a.models.List(ctx, p)
}

// Run returns a ranking run.
func (a *App) Run(ctx context.Context, id string) (*domain.RankingRun, error) {
	return a.runs.Get(ctx, id)
}

// Runs returns a page of ranking runs, newest first.
func (a *App) Runs(ctx context.Context, p domain.Page) ([]*domain.RankingRun, error) {
	return a.runs.List(ctx, p)
}

// Evaluation is a model's targeting metrics beside its baseline's.
type Evaluation struct {
	Model    *domain.Model
	Metrics  *TargetingMetrics
	Baseline *domain.Model // nil when none
	// BaselineMetrics are the baseline's, on the same held-out families.
	BaselineMetrics *TargetingMetrics
}

// EvaluateModel returns the targeting metrics the model was measured with
// on its held-out families, and beside them the baseline's: the newest
// regression model trained on the same rows and labels with the same
// split, so that the two were measured on the very same families.
func (a *App) EvaluateModel(ctx context.Context, id string) (*Evaluation, error) {
	m, err := a.models.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	ev := &Evaluation{Model: m}
	if ev.Metrics, err = storedTargeting(m); err != nil {
		return nil, err
	}
	if m.Kind == model.KindOLS {
		return ev, nil
	}
	split, err := splitOf(m)
	if err != nil {
		return nil, err
	}
	after := ""
	for {
		page, err := a.models.List(ctx, domain.Page{After: after, Limit: domain.MaxPageSize})
		if err != nil {
			return nil, err
		}
		for _, c := range page {
			if c.Kind != model.KindOLS || c.Training.Fingerprint != m.Training.Fingerprint {
				continue
			}
			if s, err := splitOf(c); err != nil || s != split {
				continue
			}
			metrics, err := storedTargeting(c)
			if err != nil {
				return nil, err
			}
			ev.Baseline, ev.BaselineMetrics = c, metrics
			return ev, nil
		}
		if len(page) < domain.MaxPageSize {
			return ev, nil
		}
		after = page[len(page)-1].ID
	}
}

type splitParams struct {
	ValidFraction float64 `json:"valid_fraction"`
	SplitSeed     uint64  `json:"split_seed"`
}

func splitOf(m *domain.Model) (splitParams, error) {
	var s splitParams
	if err := json.Unmarshal(m.Params, &s); err != nil {
		return s, fmt.Errorf("params of model %s: %w", m.ID, err)
	}
	return s, nil
}

func storedTargeting(m *domain.Model) (*TargetingMetrics, error) {
	var tm trainingMetrics
	if len(m.Metrics) > 0 {
		if err := json.Unmarshal(m.Metrics, &tm); err != nil {
			return nil, fmt.Errorf("metrics of model %s: %w", m.ID, err)
		}
	}
	if tm.Targeting == nil {
		return nil, fmt.Errorf("%w: model %s was stored without targeting metrics", domain.ErrNotFound, m.ID)
	}
	return tm.Targeting, nil
}

// ListForVerification returns a page of the families within region whose
// score a flag sends to a field visit, for the region's officers and
// verifiers to work through.
func (a *App) ListForVerification(ctx context.Context, region string, p domain.Page) ([]domain.FamilyScore, error) {
	return a.scores.ListForVerification(ctx, region, p)
}
