package incremental

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/feed"
	"github.com/dtsen-id/dtsen/services/platform/privacy"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/scoring/adapters"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations creates the dirty-family table. The cursors live in
// feed.Migrations, which the Syncer's database needs as well.
var Migrations = storage.EmbeddedMigrations("scoring_incremental", migrationFS, storage.Tables{"scoring_dirty": storage.Distributed("kk")})

// Rescore re-scores one family by KK number (in production:
// (*app.App).RescoreIfStale). changedAt is when the latest change it stands
// for committed in its source context: a score computed from data fetched
// after changedAt already covers it, and may be kept. (The time the feed
// was read would not do: a backlog read during a ranking run would look
// newer than the run that already covered it.)
type Rescore func(ctx context.Context, kk string, changedAt time.Time) error

// Feed is one source context's change feed.
type Feed struct {
	Name string    // durable cursor name, one per source context
	Open feed.Open // opens the context's WatchChanges stream after a sequence
}

// Options tune a Syncer; zero values take the defaults.
type Options struct {
	// Workers is how many families are re-scored at once (default 4).
	Workers int
	// Settle is how long a family must go unmarked before it is re-scored,
	// so that a burst of events (an import touching several of its records)
	// costs one re-score (default 200 ms).
	Settle time.Duration
	// Retry is the back-off after a failed re-score, multiplied by the
	// failures in a row up to 5 min, and the wait while no model is active
	// (default 5 s).
	Retry  time.Duration
	Logger *slog.Logger
	Clock  func() time.Time // nil means time.Now
}

const (
	// lease is how long a claimed family is withheld from other workers and
	// replicas. A worker that dies mid re-score delays its family this long.
	lease = time.Minute
	// rescoreTimeout keeps every re-score inside its lease, so two workers
	// never re-score one family at once: the slower one could store a score
	// older than the faster one's. A claimed family waits for at most one
	// other re-score before a worker takes it, hence a third.
	rescoreTimeout = lease / 3
	maxBackoff     = 5 * time.Minute
	// overdue × Settle caps how long a family that keeps changing is held
	// back by Settle.
	overdue = 10
	// finishTimeout bounds the write that records a re-score's outcome,
	// which runs even after shutdown began.
	finishTimeout = 10 * time.Second
)

// Syncer marks families dirty from the source contexts' change feeds and
// re-scores them.
type Syncer struct {
	db      *storage.DB
	feeds   []Feed
	rescore Rescore
	workers int
	settle  time.Duration
	retry   time.Duration
	poll    time.Duration
	log     *slog.Logger
	now     func() time.Time
	// wake tells the dispatcher a mark committed in this process; marks of
	// other replicas are found by polling.
	wake chan struct{}
	// idleUntil (Unix ns) stops claiming while no model is active: every
	// family would fail alike, and a quarterly import leaves millions dirty.
	idleUntil atomic.Int64
}

// New returns a Syncer over db, which must have been migrated with
// Migrations and feed.Migrations.
func New(db *storage.DB, feeds []Feed, rescore Rescore, opts Options) *Syncer {
	s := &Syncer{db: db, feeds: feeds, rescore: rescore, workers: opts.Workers, settle: opts.Settle,
		retry: opts.Retry, log: opts.Logger, now: opts.Clock, wake: make(chan struct{}, 1)}
	if s.workers <= 0 {
		s.workers = 4
	}
	if s.settle <= 0 {
		s.settle = 200 * time.Millisecond
	}
	if s.retry <= 0 {
		s.retry = 5 * time.Second
	}
	s.poll = min(time.Second, s.retry)
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Run follows every feed and re-scores the families they mark until ctx
// ends, and returns ctx's error then. Feed and database failures are
// retried, not fatal; a misconfigured Syncer fails at once.
func (s *Syncer) Run(ctx context.Context) error {
	if s.rescore == nil || len(s.feeds) == 0 {
		return errors.New("incremental: a Rescore and at least one feed are required")
	}
	names := map[string]bool{}
	for _, f := range s.feeds {
		if f.Name == "" || f.Open == nil || names[f.Name] {
			return fmt.Errorf("incremental: feed %q: a unique name and an Open are required", f.Name)
		}
		names[f.Name] = true
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for _, f := range s.feeds {
		c := &feed.Consumer{DB: s.db, Name: f.Name, Open: f.Open, Handle: s.mark, Logger: s.log}
		wg.Go(func() {
			if err := c.Run(ctx); ctx.Err() == nil {
				cancel(fmt.Errorf("incremental: feed %s: %w", f.Name, err))
			}
		})
	}
	jobs := make(chan job)
	for range s.workers {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case j := <-jobs:
					s.process(ctx, j)
				}
			}
		})
	}
	wg.Go(func() { s.dispatch(ctx, jobs) })
	wg.Wait()
	return context.Cause(ctx)
}

// Pending counts the families marked and not yet re-scored, including those
// waiting to retry.
func (s *Syncer) Pending(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT /* dtsen:fanout dirty backlog count, a metric */ count(*) FROM scoring_dirty").Scan(&n); err != nil {
		return 0, fmt.Errorf("incremental: count dirty families: %w", err)
	}
	return n, nil
}

// mark is the feeds' handler. It records the family durably before the
// consumer saves its cursor: a mark kept only in memory would be lost to a
// crash after the cursor moved past its event. Re-scoring here instead would
// hold every feed behind the slowest source context.
func (s *Syncer) mark(ctx context.Context, ev *typev1.ChangeEvent) error {
	if ev.GetFamily() == "" {
		return nil // a change that concerns no family
	}
	kk, ok := strings.CutPrefix(ev.GetFamily(), "families/")
	if !ok || kk == "" {
		// Failing would stop the feed at this event for good.
		s.log.WarnContext(ctx, "change event names no family; skipped", slog.String("event_type", ev.GetEventType()),
			slog.Int64("sequence", ev.GetSequence()), slog.String("family", scrub(ev.GetFamily())))
		return nil
	}
	// marked_at only ever grows, even for two marks in one microsecond or a
	// clock that steps back, because it is the version a re-score checks.
	err := s.db.InTx(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO scoring_dirty (kk, dirty_since, marked_at, attempts, not_before, changed_at)
			VALUES ($1, $2, $2, 0, 0, $3)
			ON CONFLICT (kk) DO UPDATE SET marked_at = CASE WHEN excluded.marked_at > scoring_dirty.marked_at
				THEN excluded.marked_at ELSE scoring_dirty.marked_at + 1 END,
				changed_at = CASE WHEN excluded.changed_at > scoring_dirty.changed_at
				THEN excluded.changed_at ELSE scoring_dirty.changed_at END`, kk, s.now().UnixMicro(), changedAt(ev, s.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("incremental: mark %s: %w", privacy.MaskNIK(kk), err)
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

// job is a claimed family.
type job struct {
	kk        string
	markedAt  int64 // the version the re-score covers
	changedAt int64 // the latest change's commit time
	attempts  int
	claimedAt int64
	lease     int64 // not_before as claimed: proof the claim is still ours
}

// dispatch claims due families and hands them to the workers: at once when
// a batch was full, when the latest local mark settles, and at least every
// poll for retries, other replicas' marks and expired leases.
func (s *Syncer) dispatch(ctx context.Context, jobs chan<- job) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	fireAt := time.Now()
	var settled time.Time // when the latest local mark becomes due
	arm := func(at time.Time) {
		if fireAt.IsZero() || at.Before(fireAt) {
			timer.Reset(time.Until(at))
			fireAt = at
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
			settled = time.Now().Add(s.settle)
			arm(settled)
			continue
		case <-timer.C:
			fireAt = time.Time{}
		}
		if idle := time.Unix(0, s.idleUntil.Load()); time.Now().Before(idle) {
			arm(idle)
			continue
		}
		batch, err := s.claim(ctx, s.workers)
		if err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "claiming dirty families failed; retrying", slog.String("error", err.Error()))
		}
		for i, j := range batch {
			select {
			case jobs <- j:
			case <-ctx.Done():
				for _, j := range batch[i:] {
					s.finish(ctx, j, s.release)
				}
				return
			}
		}
		now := time.Now()
		next := now.Add(s.poll)
		switch {
		case len(batch) == s.workers:
			next = now
		case settled.After(now) && settled.Before(next):
			next = settled
		}
		arm(next)
	}
}

// claim leases up to limit due families: settled (or overdue), and past any
// back-off or other worker's lease. Replicas sharing the database split the
// work: it takes two steps, since scoring_dirty is distributed by KK
// (docs/scale-out.md §6) and only the first has to read every shard.
//
//  1. listDue lists the oldest due families, without locking them.
//  2. takeDue leases those of them still due, in one conditional UPDATE by
//     KK.
//
// A family another claimer leased (or a feed marked again) between the two
// steps no longer passes the UPDATE's condition, which PostgreSQL checks
// again on the row it locked, so no family is claimed twice. A claimer that
// loses the race claims fewer families this time.
func (s *Syncer) claim(ctx context.Context, limit int) ([]job, error) {
	now := s.now()
	c := dueAt{now: now.UnixMicro(), settled: now.Add(-s.settle).UnixMicro(), overdue: now.Add(-overdue * s.settle).UnixMicro()}
	var out []job
	err := s.db.InTx(ctx, func(tx *storage.Tx) error {
		kks, err := listDue(ctx, tx, c, limit)
		if err != nil || len(kks) == 0 {
			return err
		}
		out, err = takeDue(ctx, tx, c, kks, now.Add(lease).UnixMicro())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("incremental: claim dirty families: %w", err)
	}
	return out, nil
}

// dueAt is the claim's condition: a family is due when no lease or back-off
// holds it (not_before <= now) and it has gone Settle without a mark
// (marked_at <= settled), or has been dirty for overdue Settles.
type dueAt struct{ now, settled, overdue int64 }

// dueCondition is dueAt in SQL, on parameters $1..$3 in dueAt's order.
const dueCondition = "not_before <= $1 AND (marked_at <= $2 OR dirty_since <= $3)"

// listDue lists up to limit due families, those dirty longest first.
func listDue(ctx context.Context, tx *storage.Tx, c dueAt, limit int) ([]string, error) {
	rows, err := tx.QueryContext(ctx, "SELECT /* dtsen:fanout oldest dirty families; step 1 of the claim */ kk FROM scoring_dirty WHERE "+
		dueCondition+" ORDER BY dirty_since LIMIT $4", c.now, c.settled, c.overdue, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var kks []string
	for rows.Next() {
		var kk string
		if err := rows.Scan(&kk); err != nil {
			return nil, err
		}
		kks = append(kks, kk)
	}
	return kks, rows.Err()
}

// takeDue sets not_before to until on those of kks still due, and returns
// them as jobs.
func takeDue(ctx context.Context, tx *storage.Tx, c dueAt, kks []string, until int64) ([]job, error) {
	in, list := anyOf(tx.Engine(), "kk", kks, 5)
	rows, err := tx.QueryContext(ctx, "UPDATE scoring_dirty SET not_before = $4 WHERE "+in+" AND "+dueCondition+
		" RETURNING kk, marked_at, attempts, changed_at", c.now, c.settled, c.overdue, until, list)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []job
	for rows.Next() {
		j := job{claimedAt: c.now, lease: until}
		if err := rows.Scan(&j.kk, &j.markedAt, &j.attempts, &j.changedAt); err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// anyOf renders "column is one of values" as one bind parameter, $param: an
// array on PostgreSQL (= ANY, which Citus routes to the values' shards), a
// JSON array on SQLite.
func anyOf(engine storage.Engine, column string, values []string, param int) (string, any) {
	if engine == storage.Postgres {
		return fmt.Sprintf("%s = ANY($%d)", column, param), values
	}
	b, _ := json.Marshal(values)
	return fmt.Sprintf("%s IN (SELECT value FROM json_each($%d))", column, param), string(b)
}

// process re-scores one claimed family and records the outcome.
func (s *Syncer) process(ctx context.Context, j job) {
	rctx, cancel := context.WithTimeout(ctx, rescoreTimeout)
	err := s.rescore(rctx, j.kk, time.UnixMicro(j.changedAt))
	cancel()
	masked := privacy.MaskNIK(j.kk)
	switch {
	case err == nil:
		s.finish(ctx, j, s.done)
	case ctx.Err() != nil:
		s.finish(ctx, j, s.release)
	case errors.Is(err, domain.ErrNotFound), errors.Is(err, adapters.ErrFamilyNotFound):
		s.log.InfoContext(ctx, "family to re-score no longer exists; mark dropped", slog.String("kk", masked))
		s.finish(ctx, j, s.done)
	case errors.Is(err, domain.ErrNoActiveModel), errors.Is(err, domain.ErrRunInProgress):
		// Not a failure of the family: no model yet (the first ranking run
		// scores everyone) or a run under way (re-scoring resumes after it,
		// and skips the families the run read after their change). The
		// whole syncer pauses rather than counting attempts per family.
		s.idleUntil.Store(time.Now().Add(s.retry).UnixNano())
		s.finish(ctx, j, func(ctx context.Context, j job) error {
			return s.postpone(ctx, j, j.attempts, s.retry)
		})
	default:
		n := j.attempts + 1
		wait := min(s.retry*time.Duration(n), maxBackoff)
		s.log.WarnContext(ctx, "re-scoring a family failed; will retry", slog.String("kk", masked),
			slog.Int("attempts", n), slog.Duration("retry_in", wait), slog.String("error", scrub(err.Error())))
		s.finish(ctx, j, func(ctx context.Context, j job) error { return s.postpone(ctx, j, n, wait) })
	}
}

// finish records an outcome even when shutdown has begun, so a family
// cancelled mid re-score is released rather than left to its lease.
func (s *Syncer) finish(ctx context.Context, j job, record func(context.Context, job) error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	if err := record(ctx, j); err != nil {
		s.log.WarnContext(ctx, "recording a re-score failed; the family is retried when its lease expires",
			slog.String("kk", privacy.MaskNIK(j.kk)), slog.String("error", scrub(err.Error())))
	}
}

// done clears the mark the re-score covered. A mark made since may be of a
// change the re-score did not read, so it stays, to be re-scored once it
// settles.
func (s *Syncer) done(ctx context.Context, j job) error {
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM scoring_dirty WHERE kk = $1 AND marked_at = $2", j.kk, j.markedAt)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE scoring_dirty SET dirty_since = $2, attempts = 0, not_before = 0
			WHERE kk = $1 AND not_before = $3`, j.kk, j.claimedAt, j.lease)
		return err
	})
}

// postpone keeps the mark and hides it for wait.
func (s *Syncer) postpone(ctx context.Context, j job, attempts int, wait time.Duration) error {
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE scoring_dirty SET attempts = $3, not_before = $4 WHERE kk = $1 AND not_before = $2",
			j.kk, j.lease, attempts, s.now().Add(wait).UnixMicro())
		return err
	})
}

// release hands an unfinished family back at once.
func (s *Syncer) release(ctx context.Context, j job) error {
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE scoring_dirty SET not_before = 0 WHERE kk = $1 AND not_before = $2", j.kk, j.lease)
		return err
	})
}

// scrub masks the KK numbers and NIKs that error texts name.
func scrub(s string) string { return privacy.MaskText(s) }

// changedAt is the event's commit time in microseconds, or now for an event
// without one: re-scoring then errs on the side of doing it.
func changedAt(ev *typev1.ChangeEvent, now time.Time) int64 {
	if t := ev.GetCommitTime(); t.IsValid() && t.AsTime().Unix() > 0 {
		return t.AsTime().UnixMicro()
	}
	return now.UnixMicro()
}
