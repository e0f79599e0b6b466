package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/dtsen-id/dtsen/services/platform/privacy"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
)

// Runner executes ranking runs in the background of the service, one at a
// time, so that StartRankingRun can return the run at once and callers poll
// its progress.
//
// One replica runs them: a second replica's Runner would see the run
// RUNNING and refuse to start another, but could resume the same one after
// a restart. Production runs the national ranking as a single CronJob
// (issue 9); a lease table is the next step before several schedulers.
type Runner struct {
	app    *App
	ctx    context.Context
	logger *slog.Logger
	mu     sync.Mutex
	active string
	wg     sync.WaitGroup
}

// NewRunner returns a Runner whose runs stop when ctx ends (they stay
// RUNNING and are resumed by the next Runner's ResumeUnfinished).
func NewRunner(ctx context.Context, a *App, logger *slog.Logger) *Runner {
	return &Runner{app: a, ctx: ctx, logger: logger}
}

// ErrRunInProgress: another ranking run has not finished.
var ErrRunInProgress = domain.ErrRunInProgress

// Start creates a run with the active model and executes it in the
// background. A run id already taken returns that run unchanged, so a
// retried request does not start a second run.
func (r *Runner) Start(ctx context.Context, id string) (*domain.RankingRun, error) {
	if id != "" {
		if run, err := r.app.runs.Get(ctx, id); err == nil {
			return run, nil
		} else if !errors.Is(err, domain.ErrNotFound) {
			return nil, err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.active != "" {
		return nil, fmt.Errorf("%w: %s", ErrRunInProgress, r.active)
	}
	if open, err := r.app.unfinishedRuns(ctx); err != nil {
		return nil, err
	} else if len(open) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrRunInProgress, open[0].ID)
	}
	run, l, kks, err := r.app.createRun(ctx, id)
	if err != nil {
		return nil, err
	}
	r.launch(run.ID, func(ctx context.Context) (*RunReport, error) { return r.app.execute(ctx, run, l, kks) })
	stored := *run
	return &stored, nil
}

// ResumeUnfinished resumes, in the background, the runs a previous process
// left RUNNING.
func (r *Runner) ResumeUnfinished(ctx context.Context) error {
	open, err := r.app.unfinishedRuns(ctx)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, run := range open {
		if r.active != "" {
			break
		}
		id := run.ID
		r.launch(id, func(ctx context.Context) (*RunReport, error) { return r.app.ResumeRun(ctx, id) })
	}
	return nil
}

// Wait blocks until the running run, if any, has stopped.
func (r *Runner) Wait() { r.wg.Wait() }

func (r *Runner) launch(id string, exec func(context.Context) (*RunReport, error)) {
	r.active = id
	r.wg.Go(func() {
		rep, err := exec(r.ctx)
		r.mu.Lock()
		r.active = ""
		r.mu.Unlock()
		switch {
		case err != nil && r.ctx.Err() != nil:
			r.logger.Info("ranking run interrupted by shutdown; it resumes at the next start", slog.String("run", id))
		case err != nil:
			r.logger.Error("ranking run failed", slog.String("run", id), slog.String("error", privacy.MaskText(err.Error())))
		default:
			r.logger.Info("ranking run succeeded", slog.String("run", id), slog.Int64("ranked", rep.Ranked),
				slog.Int64("failed", rep.Failed), slog.Int64("decided", rep.Run.Decided), slog.Int64("notices", rep.Run.Notices))
		}
	})
}

// unfinishedRuns are the runs not yet SUCCEEDED or FAILED, oldest first.
func (a *App) unfinishedRuns(ctx context.Context) ([]*domain.RankingRun, error) {
	var open []*domain.RankingRun
	after := ""
	for {
		page, err := a.runs.List(ctx, domain.Page{After: after, Limit: domain.MaxPageSize})
		if err != nil {
			return nil, err
		}
		for _, run := range page {
			if !run.State.Finished() {
				open = append([]*domain.RankingRun{run}, open...)
			}
		}
		if len(page) < domain.MaxPageSize {
			return open, nil
		}
		after = page[len(page)-1].ID
	}
}
