package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/explain"
	"github.com/dtsen-id/dtsen/services/scoring/ranking"
)

// FamilyResult is one family's fresh score with everything shown next to it.
type FamilyResult struct {
	// Score is the stored score: its decile (0 if no run has succeeded
	// yet), the model it came from and the flag codes.
	Score domain.FamilyScore
	// Flags are the flags in full, worded for the citizen and the officer.
	Flags []explain.Flag
	// Explanation is why the score is what it is, ExplanationFactors
	// factors each way.
	Explanation explain.Explanation
	// CutPointsRun is the run whose cut-points placed the family; empty
	// when none had succeeded.
	CutPointsRun string
}

// ScoreFamily scores one family with the active model, as its data stands
// now, and places it against the latest successful run's cut-points: the
// national deciles stay those of the run, and the family takes the decile
// its new score would have had in it. The score is stored without a run
// (the family was re-scored between runs) and appended to its history.
//
// While a ranking run is unfinished it fails with ErrRunInProgress: a score
// stored between the run scoring a family and cutting the deciles would
// take the family out of the run. The change feed's re-scorer retries
// after the run, against its new cut-points.
func (a *App) ScoreFamily(ctx context.Context, kk string) (*FamilyResult, error) {
	// Runs start only when none is unfinished, so an unfinished run is the
	// newest: one row read, not the runs table, on the re-scoring path.
	if newest, err := a.runs.List(ctx, domain.Page{Limit: 1}); err != nil {
		return nil, err
	} else if len(newest) > 0 && !newest[0].State.Finished() {
		return nil, fmt.Errorf("%w: %s; %s is re-scored after it", ErrRunInProgress, newest[0].ID, kk)
	}
	active, err := a.models.Active(ctx)
	if err != nil {
		return nil, err
	}
	l, err := a.cache(active)
	if err != nil {
		return nil, err
	}
	ref := a.now().UTC().Truncate(time.Microsecond)
	// Explaining before storing means a score whose explanation would not
	// add up is never stored: the citizen must be able to contest it.
	in, expl, err := a.explained(ctx, l, kk, ref)
	if err != nil {
		return nil, err
	}
	flags, err := assess(in, expl.Prediction)
	if err != nil {
		return nil, fmt.Errorf("flags of %s: %w", kk, err)
	}
	res := &FamilyResult{Flags: flags, Explanation: expl,
		Score: domain.FamilyScore{KK: kk, Score: expl.Prediction, ModelID: active.ID, Flags: flagCodes(flags),
			ScoredAt: ref, Region: in.Family.GetRegionCode(), FieldVerification: needsVisit(flags)}}

	run, err := a.runs.LatestSucceeded(ctx)
	switch {
	case errors.Is(err, domain.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		var cuts ranking.CutPoints
		if err := cuts.UnmarshalBinary(run.CutPoints); err != nil {
			return nil, fmt.Errorf("cut-points of run %s: %w", run.ID, err)
		}
		if res.Score.Decile, err = cuts.Assign(res.Score.Score, kk); err != nil {
			return nil, fmt.Errorf("place %s: %w", kk, err)
		}
		res.CutPointsRun = run.ID
	}
	if err := a.scores.Put(ctx, []domain.FamilyScore{res.Score}); err != nil {
		return nil, err
	}
	return res, nil
}

// RescoreIfStale re-scores a family whose data changed at or before since,
// unless its stored score was computed from data read after since (a
// ranking run that started after the change, say): the change feed's
// backlog after a bulk load then costs nothing once the first run is done.
func (a *App) RescoreIfStale(ctx context.Context, kk string, since time.Time) error {
	s, err := a.scores.Get(ctx, kk)
	switch {
	case err == nil && !s.ScoredAt.Before(since):
		return nil
	case err != nil && !errors.Is(err, domain.ErrNotFound):
		return err
	}
	_, err = a.ScoreFamily(ctx, kk)
	return err
}
