package domain

import (
	"fmt"
	"time"
)

// RunState is where a ranking run is in its life.
type RunState string

const (
	RunPending   RunState = "PENDING"
	RunRunning   RunState = "RUNNING"
	RunSucceeded RunState = "SUCCEEDED"
	RunFailed    RunState = "FAILED"
)

// Finished reports whether the state is final.
func (s RunState) Finished() bool { return s == RunSucceeded || s == RunFailed }

// RankingRun is one pass that scores every family with a model and cuts the
// population into deciles.
//
// Invariants: a run names an existing model; it is created PENDING or
// RUNNING; progress (Scored, Cursor) only moves forward, because the runner
// processes families in KK order and resumes after a crash from Cursor; a
// finished run never changes again; a SUCCEEDED run has cut-points, a FAILED
// one an error.
type RankingRun struct {
	ID         string
	ModelID    string
	State      RunState
	StartedAt  time.Time
	FinishedAt time.Time // zero until finished
	// Total is the number of families the run expects to score.
	Total int64
	// Scored is how many it has scored so far.
	Scored int64
	// Cursor is the last KK processed: a restarted run continues after it.
	Cursor string
	// CutPoints is ranking.CutPoints.MarshalBinary's output; set on success.
	CutPoints []byte
	// Error says why a FAILED run failed.
	Error string
	// Decided is how many families the run's eligibility pass has decided,
	// and Notices how many notices it issued; the pass runs after the
	// deciles are cut and before the run succeeds.
	Decided, Notices int64
}

// Validate checks a new run.
func (r *RankingRun) Validate() error {
	switch {
	case r.ID == "":
		return fmt.Errorf("%w: run id is empty", ErrInvalid)
	case r.ModelID == "":
		return fmt.Errorf("%w: run %s names no model", ErrInvalid, r.ID)
	case r.State != RunPending && r.State != RunRunning:
		return fmt.Errorf("%w: run %s: a new run must be %s or %s, not %q", ErrInvalid, r.ID, RunPending, RunRunning, r.State)
	case r.Total < 0 || r.Scored < 0 || r.Scored > r.Total:
		return fmt.Errorf("%w: run %s: scored %d of %d", ErrInvalid, r.ID, r.Scored, r.Total)
	case len(r.CutPoints) > 0 || r.Error != "" || !r.FinishedAt.IsZero():
		return fmt.Errorf("%w: run %s: a new run has no outcome yet", ErrInvalid, r.ID)
	}
	return nil
}

// CheckProgress checks that moving the run to (scored, cursor) is allowed.
func (r *RankingRun) CheckProgress(scored int64, cursor string) error {
	switch {
	case r.State.Finished():
		return fmt.Errorf("%w: run %s already %s", ErrConflict, r.ID, r.State)
	case scored < r.Scored || cursor < r.Cursor:
		return fmt.Errorf("%w: run %s: progress cannot go back from (%d, %q) to (%d, %q)",
			ErrConflict, r.ID, r.Scored, r.Cursor, scored, cursor)
	case r.Total > 0 && scored > r.Total:
		return fmt.Errorf("%w: run %s: scored %d of only %d", ErrInvalid, r.ID, scored, r.Total)
	}
	return nil
}

// CheckFinish checks that the run may end in state with the given outcome.
func (r *RankingRun) CheckFinish(state RunState, cutPoints []byte, errMsg string) error {
	switch {
	case r.State.Finished():
		return fmt.Errorf("%w: run %s already %s", ErrConflict, r.ID, r.State)
	case state == RunSucceeded && len(cutPoints) == 0:
		return fmt.Errorf("%w: run %s: a successful run needs cut-points", ErrInvalid, r.ID)
	case state == RunSucceeded && errMsg != "":
		return fmt.Errorf("%w: run %s: a successful run has no error", ErrInvalid, r.ID)
	case state == RunFailed && errMsg == "":
		return fmt.Errorf("%w: run %s: a failed run needs an error", ErrInvalid, r.ID)
	case state != RunSucceeded && state != RunFailed:
		return fmt.Errorf("%w: run %s: %q is not a final state", ErrInvalid, r.ID, state)
	}
	return nil
}
