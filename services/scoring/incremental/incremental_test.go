package incremental_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	suv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/asset/assettest"
	assetdemo "github.com/dtsen-id/dtsen/services/asset/demo"
	incomedemo "github.com/dtsen-id/dtsen/services/income/demo"
	"github.com/dtsen-id/dtsen/services/income/incometest"
	"github.com/dtsen-id/dtsen/services/platform/feed"
	"github.com/dtsen-id/dtsen/services/platform/privacy"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
	"github.com/dtsen-id/dtsen/services/scoring/adapters"
	"github.com/dtsen-id/dtsen/services/scoring/app"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/incremental"
	"github.com/dtsen-id/dtsen/services/scoring/model"
	"github.com/dtsen-id/dtsen/services/scoring/scoringtest"
	sudemo "github.com/dtsen-id/dtsen/services/serviceusage/demo"
	"github.com/dtsen-id/dtsen/services/serviceusage/serviceusagetest"
)

const (
	// registered families; the first withData have records in every
	// source context, the even ones among them measured consumption (the
	// labels a model trains on), as in app_test.
	registered = 52
	withData   = 48
	// within is how soon a change must be re-scored ("within seconds").
	within = 5 * time.Second
	// replay bounds a replay of every feed from its start (slow under -race).
	replay = 30 * time.Second
	settle = 50 * time.Millisecond
)

func kk(f int) string { return registrytest.Family(f).GetKkNumber() }

// sources are the four source contexts, real servers on SQLite, seeded.
type sources struct {
	reg   *registrytest.Registry
	as    *assettest.Asset
	in    *incometest.Income
	su    *serviceusagetest.Service
	conns adapters.Conns
	feeds []incremental.Feed
	// heads maps each feed to its context's database, to read its head.
	heads map[string]*storage.DB
	// fam hands out unused families, since a death cannot be recorded
	// twice; next hands out fresh values, so every change is one.
	fam, next atomic.Int64
}

func checkAccepted(t *testing.T, source string, sum *typev1.ImportSummary) {
	t.Helper()
	if sum.GetRejectedCount() != 0 || sum.GetAcceptedCount() == 0 {
		t.Fatalf("%s import: %d accepted, %d rejected: %v", source, sum.GetAcceptedCount(), sum.GetRejectedCount(), sum.GetRejections())
	}
}

// start runs the four source contexts, seeded as app_test seeds them, and
// dials them as scoring does.
func start(t *testing.T) *sources {
	t.Helper()
	src := scoringtest.StartSources(t, scoringtest.SourceOptions{Registered: registered, WithData: withData, NoFeed: true})
	reg := src.Registry
	c := src.Dial(t)
	s := &sources{reg: reg, as: src.Asset, in: src.Income, su: src.ServiceUsage,
		conns: adapters.Conns{Registry: c.Registry, Asset: c.Asset, Income: c.Income, ServiceUsage: c.ServiceUsage}}
	s.feeds = []incremental.Feed{
		incremental.RegistryFeed(registryv1.NewRegistryServiceClient(s.conns.Registry)),
		incremental.AssetFeed(assetv1.NewAssetServiceClient(s.conns.Asset)),
		incremental.IncomeFeed(incomev1.NewIncomeServiceClient(s.conns.Income)),
		incremental.ServiceUsageFeed(suv1.NewServiceUsageServiceClient(s.conns.ServiceUsage)),
	}
	s.heads = map[string]*storage.DB{
		incremental.RegistryFeedName:     reg.DB,
		incremental.AssetFeedName:        s.as.DB,
		incremental.IncomeFeedName:       s.in.DB,
		incremental.ServiceUsageFeedName: s.su.DB,
	}
	return s
}

func (s *sources) family() int {
	f := int(s.fam.Add(1))
	if f >= withData {
		panic("incremental_test: out of fresh families; raise withData")
	}
	return f
}

func (s *sources) batch() string { return fmt.Sprintf("t-%d", s.next.Add(1)) }

// The four changes, one per context; each is a real write that the
// context's feed publishes with the family's name.

func (s *sources) changeHouse(t *testing.T, f int) {
	t.Helper()
	h := assetdemo.Housing(f)
	h.FloorAreaSqm = float64(100 + s.next.Add(1))
	checkAccepted(t, "asset", assettest.Import(t, s.as.Client, assetdemo.SourceBPS, s.batch(), assettest.Housing(h)))
}

func (s *sources) changeConsumption(t *testing.T, f int) {
	t.Helper()
	c := incomedemo.Consumption(f)
	c.MonthlyExpenditure = 2_000_000 + 1000*s.next.Add(1)
	checkAccepted(t, "income", incometest.Import(t, s.in.Client, s.batch(), incometest.ConsumptionRecord(c)))
}

func (s *sources) changeElectricity(t *testing.T, f int) {
	t.Helper()
	u := sudemo.UtilityUsage(f, "2025-06")
	u.ElectricityKwh = int32(200 + s.next.Add(1))
	checkAccepted(t, "serviceusage", serviceusagetest.Import(t, s.su.Client, s.batch(),
		&suv1.ImportRecordsRequest{Payload: &suv1.ImportRecordsRequest_UtilityUsage{UtilityUsage: u}}))
}

// recordDeath records the death of family f's last member, yesterday.
func (s *sources) recordDeath(t *testing.T, f int) {
	t.Helper()
	members := registrytest.Family(f).GetMembers()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.reg.Client.RecordDeath(ctx, &registryv1.RecordDeathRequest{
		Name:      "persons/" + members[len(members)-1].GetNik(),
		DeathDate: time.Now().AddDate(0, 0, -1).Format(time.DateOnly),
	}); err != nil {
		t.Fatalf("record death: %v", err)
	}
}

func head(t *testing.T, db *storage.DB) int64 {
	t.Helper()
	var seq int64
	if err := db.QueryRowContext(context.Background(), "SELECT sequence FROM outbox_head WHERE id = 1").Scan(&seq); err != nil {
		t.Fatalf("feed head: %v", err)
	}
	return seq
}

func cursor(t *testing.T, db *storage.DB, name string) int64 {
	t.Helper()
	c, err := feed.Cursor(context.Background(), db, name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// marked waits until every feed's cursor has reached its context's head:
// every change made so far is marked (the mark commits before the cursor).
func (s *sources) marked(t *testing.T, db *storage.DB, timeout time.Duration) {
	t.Helper()
	eventually(t, timeout, "cursors to reach the feed heads", func() bool {
		for name, src := range s.heads {
			if cursor(t, db, name) < head(t, src) {
				return false
			}
		}
		return true
	})
}

func pending(t *testing.T, s *incremental.Syncer) int {
	t.Helper()
	n, err := s.Pending(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// drained waits until every change so far is marked and re-scored.
func (s *sources) drained(t *testing.T, db *storage.DB, sy *incremental.Syncer, timeout time.Duration) {
	t.Helper()
	s.marked(t, db, timeout)
	eventually(t, timeout, "every dirty family to be re-scored", func() bool { return pending(t, sy) == 0 })
}

func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// recorder is a Rescore that records its calls; hook, when set, decides a
// call's outcome.
type recorder struct {
	mu    sync.Mutex
	calls map[string][]time.Time
	hook  func(ctx context.Context, kk string, n int) error
}

func newRecorder() *recorder { return &recorder{calls: map[string][]time.Time{}} }

func (r *recorder) rescore(ctx context.Context, kk string, _ time.Time) error {
	r.mu.Lock()
	r.calls[kk] = append(r.calls[kk], time.Now())
	n, hook := len(r.calls[kk]), r.hook
	r.mu.Unlock()
	if hook != nil {
		return hook(ctx, kk, n)
	}
	return nil
}

func (r *recorder) count(kk string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls[kk])
}

func (r *recorder) times(kk string) []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Time(nil), r.calls[kk]...)
}

func (r *recorder) families() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

func (r *recorder) reset(hook func(ctx context.Context, kk string, n int) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls, r.hook = map[string][]time.Time{}, hook
}

// logs collects a Syncer's log lines.
type logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// run starts sy; stop ends it and returns Run's error (also at cleanup).
func run(t *testing.T, sy *incremental.Syncer) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sy.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(15 * time.Second):
				err = errors.New("Run did not return within 15 s of cancellation")
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

func stopped(t *testing.T, stop func() error) {
	t.Helper()
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
}

// opened records the sequence each feed was first opened after.
type opened struct {
	mu    sync.Mutex
	after map[string]int64
}

func (o *opened) wrap(feeds []incremental.Feed) []incremental.Feed {
	o.after = map[string]int64{}
	out := make([]incremental.Feed, len(feeds))
	for i, f := range feeds {
		open := f.Open
		out[i] = incremental.Feed{Name: f.Name, Open: func(ctx context.Context, after int64) (func() (*typev1.ChangeEvent, error), error) {
			o.mu.Lock()
			if _, ok := o.after[f.Name]; !ok {
				o.after[f.Name] = after
			}
			o.mu.Unlock()
			return open(ctx, after)
		}}
	}
	return out
}

func (o *opened) first(name string) (int64, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.after[name]
	return a, ok
}

func TestSyncer(t *testing.T) {
	src := start(t)
	storagetest.Engines(t, func(t *testing.T, url string) {
		// One scoring database per engine: each case's Syncer resumes from
		// the cursors the previous one left, as a restarted process would.
		db := storagetest.Open(t, url, feed.Migrations, incremental.Migrations)
		rec := newRecorder()
		opts := incremental.Options{Settle: settle, Retry: 150 * time.Millisecond}

		t.Run("catch up from the start of every feed", func(t *testing.T) {
			sy := incremental.New(db, src.feeds, rec.rescore, opts)
			stop := run(t, sy)
			src.drained(t, db, sy, replay)
			if n := rec.families(); n != registered {
				t.Errorf("re-scored %d families replaying the feeds, want all %d", n, registered)
			}
			stopped(t, stop)
		})

		t.Run("a change in each context is re-scored within seconds", func(t *testing.T) {
			rec.reset(nil)
			sy := incremental.New(db, src.feeds, rec.rescore, opts)
			defer stopped(t, run(t, sy))
			changes := []struct {
				context string
				change  func(*testing.T, int)
			}{
				{"registry", src.recordDeath},
				{"asset", src.changeHouse},
				{"income", src.changeConsumption},
				{"serviceusage", src.changeElectricity},
			}
			for _, c := range changes {
				f := src.family()
				began := time.Now()
				c.change(t, f)
				eventually(t, within, c.context+" change to be re-scored", func() bool { return rec.count(kk(f)) > 0 })
				t.Logf("%s change re-scored after %v", c.context, time.Since(began).Round(time.Millisecond))
				if n := rec.count(kk(f)); n != 1 {
					t.Errorf("%s change: re-scored %d times, want once", c.context, n)
				}
			}
			src.drained(t, db, sy, within)
			if n := rec.families(); n != len(changes) {
				t.Errorf("re-scored %d families, want only the %d changed", n, len(changes))
			}
		})

		t.Run("a burst of changes is re-scored once", func(t *testing.T) {
			rec.reset(nil)
			sy := incremental.New(db, src.feeds, rec.rescore, incremental.Options{Settle: 400 * time.Millisecond})
			defer stopped(t, run(t, sy))
			f := src.family()
			before := cursor(t, db, incremental.AssetFeedName) + cursor(t, db, incremental.IncomeFeedName)
			for range 4 {
				src.changeHouse(t, f)
				src.changeConsumption(t, f)
			}
			src.drained(t, db, sy, within)
			events := cursor(t, db, incremental.AssetFeedName) + cursor(t, db, incremental.IncomeFeedName) - before
			if n := rec.count(kk(f)); n == 0 || n > 2 || int64(n) >= events {
				t.Errorf("%d events re-scored the family %d times, want once", events, n)
			} else {
				t.Logf("%d events, %d re-score(s)", events, n)
			}
		})

		t.Run("a change made during a re-score is re-scored again", func(t *testing.T) {
			f := src.family()
			entered, proceed := make(chan struct{}), make(chan struct{})
			rec.reset(func(ctx context.Context, k string, n int) error {
				if k == kk(f) && n == 1 {
					close(entered)
					<-proceed
				}
				return nil
			})
			sy := incremental.New(db, src.feeds, rec.rescore, opts)
			defer stopped(t, run(t, sy))
			src.changeHouse(t, f)
			select {
			case <-entered:
			case <-time.After(within):
				t.Fatal("the change was not re-scored")
			}
			src.changeElectricity(t, f)
			src.marked(t, db, within)
			close(proceed)
			eventually(t, within, "a second re-score", func() bool { return rec.count(kk(f)) == 2 })
			src.drained(t, db, sy, within)
			time.Sleep(3 * settle)
			if n := rec.count(kk(f)); n != 2 {
				t.Errorf("re-scored %d times, want 2", n)
			}
		})

		t.Run("marks survive a restart and the cursor resumes", func(t *testing.T) {
			rec.reset(nil)
			// A Syncer that marks but never gets round to re-scoring, then
			// stops: a crash after the cursors moved on.
			lazy := incremental.New(db, src.feeds, rec.rescore, incremental.Options{Settle: time.Hour})
			stop := run(t, lazy)
			f, g := src.family(), src.family()
			src.changeHouse(t, f)
			src.recordDeath(t, g)
			src.marked(t, db, within)
			stopped(t, stop)
			if n := pending(t, lazy); n != 2 || rec.families() != 0 {
				t.Fatalf("after stopping: %d pending, %d re-scored; want 2 and 0", n, rec.families())
			}
			saved := map[string]int64{}
			for _, fd := range src.feeds {
				saved[fd.Name] = cursor(t, db, fd.Name)
			}

			// Its successor, on the same database, re-scores them without
			// replaying the feeds.
			var o opened
			sy := incremental.New(db, o.wrap(src.feeds), rec.rescore, opts)
			stop = run(t, sy)
			src.drained(t, db, sy, within)
			if rec.count(kk(f)) != 1 || rec.count(kk(g)) != 1 || rec.families() != 2 {
				t.Errorf("re-scored %d families (%s %d times, %s %d times); want each of the two once",
					rec.families(), privacy.MaskNIK(kk(f)), rec.count(kk(f)), privacy.MaskNIK(kk(g)), rec.count(kk(g)))
			}
			for name, want := range saved {
				// One event early: the stream opens with the last handled
				// event again (skipped, not handled), which tells the
				// consumer its lag at once (feed.Consumer).
				if got, ok := o.first(name); !ok || got != want-1 || want == 0 {
					t.Errorf("feed %s reopened after %d (opened: %v), want its saved cursor %d less one", name, got, ok, want)
				}
			}

			// A re-score cut short by shutdown hands its family back, so the
			// next Syncer takes it at once rather than when its lease runs out.
			h := src.family()
			entered := make(chan struct{})
			rec.reset(func(ctx context.Context, k string, n int) error {
				if k == kk(h) {
					close(entered)
					<-ctx.Done()
					return ctx.Err()
				}
				return nil
			})
			src.changeConsumption(t, h)
			select {
			case <-entered:
			case <-time.After(within):
				t.Fatal("the change was not re-scored")
			}
			stopped(t, stop)
			if n := pending(t, sy); n != 1 {
				t.Fatalf("after a cancelled re-score: %d pending, want 1", n)
			}
			rec.reset(nil)
			sy = incremental.New(db, src.feeds, rec.rescore, opts)
			defer stopped(t, run(t, sy))
			eventually(t, within, "the interrupted family to be re-scored", func() bool { return rec.count(kk(h)) == 1 })
			src.drained(t, db, sy, within)
		})

		t.Run("gone families are dropped, failures retried with back-off", func(t *testing.T) {
			gone, unregistered, flaky, early := src.family(), src.family(), src.family(), src.family()
			rec.reset(func(ctx context.Context, k string, n int) error {
				switch {
				case k == kk(gone):
					return fmt.Errorf("score %s: %w", k, domain.ErrNotFound)
				case k == kk(unregistered):
					return fmt.Errorf("%w: %s", adapters.ErrFamilyNotFound, k)
				case k == kk(flaky) && n <= 2:
					return &adapters.SourceError{Context: adapters.ContextAsset, Err: fmt.Errorf("family %s: unavailable", k)}
				case k == kk(early) && n <= 2:
					return domain.ErrNoActiveModel
				}
				return nil
			})
			var log logs
			retry := 150 * time.Millisecond
			sy := incremental.New(db, src.feeds, rec.rescore, incremental.Options{Settle: settle, Retry: retry,
				Logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			defer stopped(t, run(t, sy))
			for _, f := range []int{gone, unregistered, flaky, early} {
				src.changeHouse(t, f)
			}
			src.drained(t, db, sy, within)
			for _, f := range []int{gone, unregistered} {
				if n := rec.count(kk(f)); n != 1 {
					t.Errorf("a family that is gone was tried %d times, want once", n)
				}
			}
			for f, waits := range map[int][]time.Duration{flaky: {retry, 2 * retry}, early: {retry, retry}} {
				at := rec.times(kk(f))
				if len(at) != 3 {
					t.Errorf("family %d: %d attempts, want 3", f, len(at))
					continue
				}
				for i, want := range waits {
					if got := at[i+1].Sub(at[i]); got < want || got > want+2*time.Second {
						t.Errorf("family %d: retry %d after %v, want %v (+ a poll)", f, i+1, got, want)
					}
				}
			}
			out := log.String()
			for _, f := range []int{gone, unregistered, flaky} {
				if strings.Contains(out, kk(f)) {
					t.Errorf("a log line holds a full KK number:\n%s", out)
				}
				if !strings.Contains(out, privacy.MaskNIK(kk(f))) {
					t.Errorf("no log line names family %s:\n%s", privacy.MaskNIK(kk(f)), out)
				}
			}
			if !strings.Contains(out, "level=WARN") || !strings.Contains(out, "attempts=2") {
				t.Errorf("the failures were not logged as warnings with their attempt count:\n%s", out)
			}
		})
	})
}

// TestScoresFollowSources wires the real scoring app: a change in a source
// context moves the family's stored score.
func TestScoresFollowSources(t *testing.T) {
	src := start(t)
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		defer cancel()
		// Scoring's own database holds its scores, the cursors and the marks.
		db := storagetest.Open(t, url, adapters.Migrations, feed.Migrations, incremental.Migrations)
		repo := adapters.NewRepository(db)
		sources := adapters.New(src.conns)
		a, err := app.New(app.Deps{Models: repo.Models, Runs: repo.Runs, Scores: repo.Scores,
			Eligibility: repo.Eligibility, Notices: repo.Notices,
			Families: sources, Lister: sources, Labels: sources})
		if err != nil {
			t.Fatal(err)
		}
		var scored, gone atomic.Int64
		rescore := func(ctx context.Context, kk string, _ time.Time) error {
			_, err := a.ScoreFamily(ctx, kk)
			switch {
			case err == nil:
				scored.Add(1)
			case errors.Is(err, adapters.ErrFamilyNotFound):
				gone.Add(1)
			}
			return err
		}
		sy := incremental.New(db, src.feeds, rescore, incremental.Options{Settle: settle, Retry: 300 * time.Millisecond})
		defer stopped(t, run(t, sy))

		// Before any model is active every family waits.
		src.marked(t, db, replay)
		if n := pending(t, sy); n < registered || scored.Load() != 0 {
			t.Fatalf("with no active model: %d pending, %d scored; want every family (%d) and 0", n, scored.Load(), registered)
		}
		m, err := a.TrainModel(ctx, model.KindOLS, app.TrainParams{OLS: model.OLSParams{Ridge: 1e-3}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.ActivateModel(ctx, m.ID, "analyst@bps", "incremental test"); err != nil {
			t.Fatal(err)
		}
		src.drained(t, db, sy, replay)
		gone.Store(0) // families of the other engine's run

		f := src.family()
		score := func() *domain.FamilyScore {
			s, err := repo.Scores.Get(ctx, kk(f))
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		advanced := func(what string, prev *domain.FamilyScore) *domain.FamilyScore {
			var cur *domain.FamilyScore
			eventually(t, within, what+" to be re-scored", func() bool {
				cur = score()
				return cur.ScoredAt.After(prev.ScoredAt)
			})
			return cur
		}
		first := score()
		if first.ModelID != m.ID {
			t.Fatalf("score of model %q, want %q", first.ModelID, m.ID)
		}
		src.recordDeath(t, f)
		afterDeath := advanced("a death", first)
		h := assetdemo.Housing(f)
		h.FloorAreaSqm = float64(300 + src.next.Add(1))
		checkAccepted(t, "asset", assettest.Import(t, src.as.Client, assetdemo.SourceBPS, src.batch(), assettest.Housing(h)))
		afterHouse := advanced("a bigger house", afterDeath)
		if afterHouse.Score == afterDeath.Score {
			t.Errorf("a house of %v m² left the score at %v", h.FloorAreaSqm, afterHouse.Score)
		}
		t.Logf("scores: %v, after a death %v, after a bigger house %v", first.Score, afterDeath.Score, afterHouse.Score)

		// A record of a family the registry does not know is held by the
		// asset context; scoring tries the family once and drops the mark.
		stranger := registered + src.family()
		checkAccepted(t, "asset", assettest.Import(t, src.as.Client, assetdemo.SourceBPS, src.batch(),
			assettest.Housing(assetdemo.Housing(stranger))))
		src.drained(t, db, sy, within)
		if n := gone.Load(); n != 1 {
			t.Errorf("the unregistered family was tried %d times, want once", n)
		}
		if _, err := repo.Scores.Get(ctx, kk(stranger)); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("the unregistered family's score: %v, want ErrNotFound", err)
		}
	})
}

// TestEventsWithoutFamily feeds events no source emits today, so it uses a
// stream of its own: a change that names no family is passed over, and the
// feed goes on.
func TestEventsWithoutFamily(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		db := storagetest.Open(t, url, feed.Migrations, incremental.Migrations)
		events := []*typev1.ChangeEvent{
			{Sequence: 1, EventType: "registry.region.updated", Resource: "regions/32"},
			{Sequence: 2, EventType: "asset.housing.updated", Resource: "housing/1", Family: "households/" + kk(2)},
			{Sequence: 3, EventType: "asset.housing.updated", Resource: "housing/2", Family: "families/" + kk(1)},
		}
		open := func(ctx context.Context, after int64) (func() (*typev1.ChangeEvent, error), error) {
			next := int(after)
			return func() (*typev1.ChangeEvent, error) {
				if next < len(events) {
					next++
					return events[next-1], nil
				}
				<-ctx.Done()
				return nil, ctx.Err()
			}, nil
		}
		var log logs
		rec := newRecorder()
		sy := incremental.New(db, []incremental.Feed{{Name: "test", Open: open}}, rec.rescore,
			incremental.Options{Settle: settle, Logger: slog.New(slog.NewTextHandler(&log, nil))})
		defer stopped(t, run(t, sy))
		eventually(t, within, "the family to be re-scored", func() bool {
			return cursor(t, db, "test") == 3 && rec.count(kk(1)) == 1 && pending(t, sy) == 0
		})
		if n := rec.families(); n != 1 {
			t.Errorf("re-scored %d families, want 1", n)
		}
		if out := log.String(); strings.Contains(out, kk(2)) || !strings.Contains(out, "names no family") {
			t.Errorf("the malformed family was not logged, masked:\n%s", out)
		}
	})
}

// TestReplicasShareTheWork: replicas on one database split a backlog of
// dirty families between their workers (the claim's two steps, listing then
// leasing, run concurrently in every one of them): each family is re-scored
// once, and never by two workers at a time.
func TestReplicasShareTheWork(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		const families, replicas = 90, 3
		first := storagetest.Open(t, url, feed.Migrations, incremental.Migrations)
		// Marked before any replica starts, and long settled.
		for f := range families {
			if _, err := first.SQL().ExecContext(context.Background(), "INSERT INTO scoring_dirty "+
				"(kk, dirty_since, marked_at, attempts, not_before, changed_at) VALUES ($1, 1, 1, 0, 0, 1)", kk(f)); err != nil {
				t.Fatal(err)
			}
		}
		var (
			mu       sync.Mutex
			calls    = map[string]int{}
			inFlight = map[string]bool{}
			overlaps []string
		)
		rescore := func(ctx context.Context, k string, _ time.Time) error {
			mu.Lock()
			calls[k]++
			if inFlight[k] {
				overlaps = append(overlaps, k)
			}
			inFlight[k] = true
			mu.Unlock()
			time.Sleep(5 * time.Millisecond) // long enough for the others to try the same family
			mu.Lock()
			delete(inFlight, k)
			mu.Unlock()
			return nil
		}
		// No events: the backlog is all there is to do.
		idle := []incremental.Feed{{Name: "idle", Open: func(ctx context.Context, _ int64) (func() (*typev1.ChangeEvent, error), error) {
			return func() (*typev1.ChangeEvent, error) { <-ctx.Done(); return nil, ctx.Err() }, nil
		}}}
		var sy *incremental.Syncer
		for i := range replicas {
			db := first
			if i > 0 {
				db = storagetest.Open(t, url, feed.Migrations, incremental.Migrations) // a replica's own pool
			}
			sy = incremental.New(db, idle, rescore, incremental.Options{Workers: 4, Settle: settle, Retry: 100 * time.Millisecond})
			defer stopped(t, run(t, sy))
		}
		eventually(t, replay, "the backlog to be re-scored", func() bool { return pending(t, sy) == 0 })
		mu.Lock()
		defer mu.Unlock()
		for f := range families {
			if n := calls[kk(f)]; n != 1 {
				t.Errorf("family %s re-scored %d times, want once", privacy.MaskNIK(kk(f)), n)
			}
		}
		if len(calls) != families || len(overlaps) > 0 {
			t.Errorf("re-scored %d families, want %d; re-scored by two workers at once: %d", len(calls), families, len(overlaps))
		}
	})
}

func TestMisconfigured(t *testing.T) {
	db := storagetest.Open(t, storagetest.SQLiteURL(t), feed.Migrations, incremental.Migrations)
	rec := newRecorder()
	open := func(context.Context, int64) (func() (*typev1.ChangeEvent, error), error) {
		return nil, errors.New("unused")
	}
	for name, feeds := range map[string][]incremental.Feed{
		"no feed":        nil,
		"unnamed feed":   {{Open: open}},
		"feed not open":  {{Name: "a"}},
		"duplicate name": {{Name: "a", Open: open}, {Name: "a", Open: open}},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := incremental.New(db, feeds, rec.rescore, incremental.Options{}).Run(ctx)
		cancel()
		if err == nil || errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: Run returned %v, want a configuration error at once", name, err)
		}
	}
}
