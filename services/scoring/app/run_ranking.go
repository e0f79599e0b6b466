package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/dtsen-id/dtsen/services/scoring/adapters"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/features"
	"github.com/dtsen-id/dtsen/services/scoring/ranking"
)

// maxFailures bounds the failures a RunReport lists; Failed counts them all.
const maxFailures = 100

// Failure is a family a ranking run could not score, and why.
type Failure struct {
	KK  string
	Err error
}

// RunReport is the outcome of a ranking run.
type RunReport struct {
	Run *domain.RankingRun
	// Ranked is how many families the run placed in deciles.
	Ranked int64
	// Failed is how many of the families the run expected (Run.Total) it
	// could not score, across every attempt: a family whose sources did
	// not answer keeps its previous score and decile and is retried by the
	// next run, and the operator sees how many there were.
	Failed int64
	// Failures lists the first of this attempt's failures.
	Failures []Failure
}

// RunRanking ranks every registered family with the active model: it scores
// the families in KK order, recording progress after each batch, then cuts
// the national deciles and places every scored family in one, decides
// eligibility and records its counts per region (RegionStatistics). id
// names the run; empty generates one. A run interrupted by a crash or a
// cancelled ctx stays RUNNING and is finished by ResumeRun.
func (a *App) RunRanking(ctx context.Context, id string) (*RunReport, error) {
	run, l, kks, err := a.createRun(ctx, id)
	if err != nil {
		return nil, err
	}
	return a.execute(ctx, run, l, kks)
}

// createRun stores a new RUNNING run of the active model over the
// registered families, which it returns in KK order.
func (a *App) createRun(ctx context.Context, id string) (*domain.RankingRun, *loaded, []uint64, error) {
	active, err := a.models.Active(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	l, err := load(active)
	if err != nil {
		return nil, nil, nil, err
	}
	kks, err := a.familyKKs(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if id == "" {
		id = a.newID("run")
	}
	run := &domain.RankingRun{ID: id, ModelID: active.ID, State: domain.RunRunning, Total: int64(len(kks))}
	if err := a.runs.Create(ctx, run); err != nil {
		return nil, nil, nil, err
	}
	return run, l, kks, nil
}

// ResumeRun finishes an interrupted run with the model it started with,
// scoring the families after its cursor. Families scored before the
// interruption are not fetched again: their stored scores take part in the
// deciles as they are.
func (a *App) ResumeRun(ctx context.Context, id string) (*RunReport, error) {
	run, err := a.runs.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if run.State.Finished() {
		return nil, fmt.Errorf("%w: run %s already %s", domain.ErrConflict, id, run.State)
	}
	m, err := a.models.Get(ctx, run.ModelID)
	if err != nil {
		return nil, err
	}
	l, err := load(m)
	if err != nil {
		// No retry can score with a model the code can no longer read.
		return nil, errors.Join(err, a.runs.Finish(ctx, id, domain.RunFailed, nil, err.Error()))
	}
	kks, err := a.familyKKs(ctx)
	if err != nil {
		return nil, err
	}
	return a.execute(ctx, run, l, kks)
}

func (a *App) execute(ctx context.Context, run *domain.RankingRun, l *loaded, kks []uint64) (*RunReport, error) {
	rep := &RunReport{Run: run}
	observeRun(run)
	defer forgetRun(run.ID)
	if err := a.scoreAll(ctx, run, l, kks, rep); err != nil {
		return rep, ctxErr(ctx, err)
	}
	ranked, cuts, err := a.rankRun(ctx, run)
	if err != nil {
		return rep, ctxErr(ctx, err)
	}
	if err := a.decideRun(ctx, run); err != nil {
		return rep, ctxErr(ctx, err)
	}
	// The run's counts per region, before it succeeds: the newest
	// successful run always has them, and the next run, which rewrites the
	// scores and decisions they come from, does not change them.
	if err := a.eligibility.RecordStatistics(ctx, run.ID); err != nil {
		return rep, ctxErr(ctx, err)
	}
	if err := a.runs.Finish(ctx, run.ID, domain.RunSucceeded, cuts, ""); err != nil {
		return rep, ctxErr(ctx, err)
	}
	if stored, err := a.runs.Get(ctx, run.ID); err == nil {
		*run = *stored
	} else {
		run.State, run.CutPoints = domain.RunSucceeded, cuts
	}
	rep.Ranked = ranked
	rep.Failed = max(0, run.Total-ranked)
	return rep, nil
}

// familyKKs lists the registered families in KK order, which is the order
// a run scores them in and what its cursor counts on. The lister walks in
// its own order (the registry's is by region), so the KKs are read whole
// and sorted, packed into integers: 8 bytes a family, some 750 MB for the
// whole nation.
func (a *App) familyKKs(ctx context.Context) ([]uint64, error) {
	var kks []uint64
	err := a.lister.Each(ctx, "", func(kk string) error {
		n, err := packKK(kk)
		if err != nil {
			return err
		}
		kks = append(kks, n)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list families: %w", err)
	}
	slices.Sort(kks)
	return slices.Compact(kks), nil
}

// kkDigits is the length of a KK number.
const kkDigits = 16

func packKK(kk string) (uint64, error) {
	if len(kk) != kkDigits {
		return 0, fmt.Errorf("family lister returned %q, not a %d-digit KK number", kk, kkDigits)
	}
	n, err := strconv.ParseUint(kk, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("family lister returned %q, not a %d-digit KK number", kk, kkDigits)
	}
	return n, nil
}

func unpackKK(n uint64) string { return fmt.Sprintf("%0*d", kkDigits, n) }

// scoreAll scores the families after the run's cursor, batch by batch,
// storing each batch's scores before its progress so that a crash between
// the two only repeats the batch.
func (a *App) scoreAll(ctx context.Context, run *domain.RankingRun, l *loaded, kks []uint64, rep *RunReport) error {
	// Scores carry the reference date they were computed at, so that an
	// explanation read later rebuilds the very same features.
	ref := a.now().UTC().Truncate(time.Microsecond)
	start := 0
	if run.Cursor != "" {
		cursor, err := packKK(run.Cursor)
		if err != nil {
			return fmt.Errorf("run %s: cursor: %w", run.ID, err)
		}
		start, _ = slices.BinarySearch(kks, cursor+1)
	}
	batch := make([]string, 0, a.batchSize)
	for i := start; i < len(kks); i += a.batchSize {
		batch = batch[:0]
		for _, n := range kks[i:min(i+a.batchSize, len(kks))] {
			batch = append(batch, unpackKK(n))
		}
		n, err := a.scoreBatch(ctx, run, l, batch, ref, rep)
		if err != nil {
			return err
		}
		// The registry may have grown since the run counted its families;
		// the count is an expectation, not a limit worth failing a run for.
		scored, cursor := min(run.Scored+n, run.Total), batch[len(batch)-1]
		if err := a.runs.UpdateProgress(ctx, run.ID, scored, cursor); err != nil {
			return err
		}
		run.Scored, run.Cursor = scored, cursor
		observeRun(run)
	}
	return nil
}

// scoreBatch fetches and scores one batch and stores the scores, unranked.
// It returns how many families it scored.
func (a *App) scoreBatch(ctx context.Context, run *domain.RankingRun, l *loaded, kks []string, ref time.Time,
	rep *RunReport) (int64, error) {
	scores := make([]domain.FamilyScore, 0, len(kks))
	width := len(l.stored.Features)
	rows := make([]float64, 0, len(kks)*width)
	fail := func(kk string, err error) {
		if len(rep.Failures) < maxFailures {
			rep.Failures = append(rep.Failures, Failure{KK: kk, Err: err})
		}
	}
	var inputs []features.Input
	err := adapters.FetchMany(ctx, a.families, kks, ref, a.workers, func(kk string, in features.Input, err error) error {
		if err == nil {
			var row []float64
			if row, err = l.row(in, rows); err == nil {
				rows = row
				inputs = append(inputs, in)
				scores = append(scores, domain.FamilyScore{KK: kk, ModelID: run.ModelID, RunID: run.ID, ScoredAt: ref})
				return nil
			}
		}
		fail(kk, err)
		return nil
	})
	if err != nil {
		return 0, err
	}
	pred := make([]float64, len(scores))
	if err := l.model.PredictBatch(rows, pred); err != nil {
		return 0, err
	}
	kept := scores[:0]
	staged := make([]domain.StagedFacts, 0, len(scores))
	for i := range scores {
		s := scores[i]
		flags, err := assess(inputs[i], pred[i])
		if err != nil {
			fail(s.KK, err)
			continue
		}
		s.Score, s.Flags, s.FieldVerification = pred[i], flagCodes(flags), needsVisit(flags)
		s.Region = inputs[i].Family.GetRegionCode()
		if verr := s.Validate(); verr != nil {
			fail(s.KK, verr)
			continue
		}
		facts, dtks, err := eligibilityFacts(inputs[i])
		if err != nil {
			fail(s.KK, err)
			continue
		}
		staged = append(staged, domain.StagedFacts{KK: s.KK, RunID: run.ID, Facts: facts, DTKSReceiving: dtks})
		kept = append(kept, s)
	}
	// Facts first: a crash between the two repeats the batch, and a family
	// whose score is stored always has its facts for the eligibility pass.
	if err := a.eligibility.StageFacts(ctx, staged); err != nil {
		return 0, err
	}
	if err := a.scores.Put(ctx, kept); err != nil {
		return 0, err
	}
	return int64(len(kept)), nil
}

// runScores scans the scores a run stored, whatever decile they are in yet,
// so that a run resumed half-way through placing families sees the same
// families, and cuts the same deciles, as one never interrupted.
func (a *App) runScores(runID string) ranking.Scanner {
	return func(ctx context.Context, visit func(score float64, kk string) error) error {
		after := ""
		for {
			page, err := a.scores.ListByRun(ctx, runID, domain.Page{After: after, Limit: domain.MaxPageSize})
			if err != nil {
				return err
			}
			for _, s := range page {
				if err := visit(s.Score, s.KK); err != nil {
					return err
				}
			}
			if len(page) < domain.MaxPageSize {
				return nil
			}
			after = page[len(page)-1].KK
		}
	}
}

// rankRun cuts the national deciles over the run's scores and places every
// family of the run in its decile (a second history record, with the run).
// It returns the number of families ranked and the encoded cut-points; the
// run succeeds only after its eligibility pass.
func (a *App) rankRun(ctx context.Context, run *domain.RankingRun) (int64, []byte, error) {
	scan := a.runScores(run.ID)
	var ranked int64
	if err := scan(ctx, func(float64, string) error { ranked++; return nil }); err != nil {
		return 0, nil, err
	}
	if ranked == 0 {
		msg := fmt.Sprintf("none of the %d families could be scored", run.Total)
		if err := a.runs.Finish(ctx, run.ID, domain.RunFailed, nil, msg); err != nil {
			return 0, nil, err
		}
		run.State, run.Error = domain.RunFailed, msg
		return 0, nil, fmt.Errorf("ranking run %s: %s", run.ID, msg)
	}
	cuts, err := ranking.Run(ctx, []ranking.Partition{scan}, ranking.Options{})
	if err != nil {
		return 0, nil, fmt.Errorf("cut deciles: %w", err)
	}
	blob, err := cuts.MarshalBinary()
	if err != nil {
		return 0, nil, err
	}
	// Families already placed before an interruption keep their decile:
	// the cut-points are the same, so it is the decile they would get now.
	// Placing a page moves it out of decile 0, but keyset paging resumes
	// after its last KK, so no family is skipped.
	size := min(a.batchSize, domain.MaxPageSize)
	after := ""
	for {
		page, err := a.scores.ListByDecile(ctx, domain.Unranked, domain.Page{After: after, Limit: size})
		if err != nil {
			return 0, nil, err
		}
		var placed []domain.FamilyScore
		for _, s := range page {
			if s.RunID != run.ID {
				continue
			}
			if s.Decile, err = cuts.Assign(s.Score, s.KK); err != nil {
				return 0, nil, fmt.Errorf("place %s: %w", s.KK, err)
			}
			placed = append(placed, s)
		}
		if err := a.scores.Put(ctx, placed); err != nil {
			return 0, nil, err
		}
		if len(page) < size {
			break
		}
		after = page[len(page)-1].KK
	}
	return ranked, blob, nil
}
