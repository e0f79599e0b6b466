package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/scoring/adapters"
	"github.com/dtsen-id/dtsen/services/scoring/app"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/explain"
	"github.com/dtsen-id/dtsen/services/scoring/features"
	"github.com/dtsen-id/dtsen/services/scoring/internal/benchsource"
	"github.com/dtsen-id/dtsen/services/scoring/model"
)

// The end-to-end ranking benchmark (BENCHMARKS.md, "Scoring: end-to-end
// national ranking"). Run it with, for example,
//
//	go -C services/scoring test -run '^$' -bench 'RankingPostgres/n=1000000' -benchtime 1x -timeout 60m ./app/
//
// DTSEN_BENCH_FAMILIES=300000,3000000 replaces the sizes; DTSEN_BENCH_BATCH
// and DTSEN_BENCH_WORKERS override app.Deps' BatchSize and Workers.
const (
	// rankBenchSeed selects the synthetic population.
	rankBenchSeed = 20261201
	// trainHouseholds are the households whose measured families (≈ 1%,
	// about 10,000) train the model: the same for every size, so every
	// size runs the same model.
	trainHouseholds = 1_000_000
	// rankBenchBatch is the batch a run scores, stores and records
	// progress for at once: 1,000 is also the largest page the repository
	// lists, which rankRun's placement pages are bounded by.
	rankBenchBatch = 1000
	// rankBenchWorkers fetch (decode) families while the run's goroutine
	// builds features: one per core.
	rankBenchWorkers = 2
	// encodedLimit is the largest population kept protobuf-encoded in
	// memory (≈ 2.4 KB a family); beyond it the source generates each
	// family again on every fetch.
	encodedLimit = 4_000_000
)

func rankBenchSizes(b *testing.B) []int {
	sizes := []int{10_000, 100_000, 1_000_000}
	if env := os.Getenv("DTSEN_BENCH_FAMILIES"); env != "" {
		sizes = nil
		for _, f := range strings.Split(env, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 100 {
				b.Fatalf("DTSEN_BENCH_FAMILIES=%q: want a comma-separated list of sizes of at least 100", env)
			}
			sizes = append(sizes, n)
		}
	}
	return sizes
}

func envInt(b *testing.B, name string, def int) int {
	env := os.Getenv(name)
	if env == "" {
		return def
	}
	n, err := strconv.Atoi(env)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive integer", name, env)
	}
	return n
}

// rankBenchPopulation is built once per process, for the largest size asked
// and the training households, outside every timer.
var (
	rankBenchPopOnce sync.Once
	rankBenchPop     *benchsource.Population
	rankBenchPopErr  error
)

func rankBenchPopulation(b *testing.B, households int) *benchsource.Population {
	b.Helper()
	rankBenchPopOnce.Do(func() {
		start := time.Now()
		rankBenchPop, rankBenchPopErr = benchsource.New(benchsource.Config{Seed: rankBenchSeed, Households: households,
			Encoded: households <= encodedLimit})
		if rankBenchPopErr != nil {
			return
		}
		b.Logf("population: %d households indexed in %v, %.0f MB encoded", households,
			time.Since(start).Round(time.Millisecond), float64(rankBenchPop.EncodedBytes())/1e6)
	})
	if rankBenchPopErr != nil {
		b.Fatal(rankBenchPopErr)
	}
	return rankBenchPop
}

// BenchmarkRankingPostgres times app.RunRanking over n families end to end
// on PostgreSQL: list, fetch (decode the four summaries), build features,
// predict with a 300-tree boosted model, derive flags and eligibility facts,
// store the scores, cut the national deciles, place every family, decide
// every family's eligibility and finish the run. In the same process it
// measures the raw baselines: the source alone, the in-memory pipeline
// (features.Build + PredictBatch, flags and facts, no storage) and a bare
// COPY of n (kk, score, decile) rows. Run it with -benchtime 1x; each size
// is one run. The phase breakdown is printed to stdout.
func BenchmarkRankingPostgres(b *testing.B) {
	sizes := rankBenchSizes(b)
	households := trainHouseholds
	for _, n := range sizes {
		households = max(households, n)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			if testing.Short() && n > 10_000 {
				b.Skip("-short: only the 10,000-family run")
			}
			benchRanking(b, rankBenchPopulation(b, households), n)
		})
	}
}

// benchClock stays on the population's reference day (the features are
// built as of it) and moves a millisecond a call, so generated ids differ.
type benchClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *benchClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

// timing accumulates the wall time of calls.
type timing struct {
	ns    atomic.Int64
	calls atomic.Int64
}

func (t *timing) since(start time.Time) {
	t.ns.Add(int64(time.Since(start)))
	t.calls.Add(1)
}

func (t *timing) d() time.Duration { return time.Duration(t.ns.Load()) }

// mark is a moment, stored atomically.
type mark struct{ ns atomic.Int64 }

func (m *mark) set()          { m.ns.Store(time.Now().UnixNano()) }
func (m *mark) at() time.Time { return time.Unix(0, m.ns.Load()) }
func (m *mark) isSet() bool   { return m.ns.Load() != 0 }

// timedRuns times progress records and marks the end of the scoring phase
// (the last progress record) and of the eligibility phase (the last
// decided record).
type timedRuns struct {
	domain.Runs
	progress, decided         timing
	lastProgress, lastDecided mark
}

func (r *timedRuns) UpdateProgress(ctx context.Context, id string, scored int64, cursor string) error {
	start := time.Now()
	err := r.Runs.UpdateProgress(ctx, id, scored, cursor)
	r.progress.since(start)
	r.lastProgress.set()
	return err
}

func (r *timedRuns) UpdateDecided(ctx context.Context, id string, decided, notices int64) error {
	start := time.Now()
	err := r.Runs.UpdateDecided(ctx, id, decided, notices)
	r.decided.since(start)
	r.lastDecided.set()
	return err
}

// timedScores splits the score repository's time: Put of unranked scores
// (scoring), the scans of a run's scores, the listing of the unranked and
// Put of placed scores (ranking, which ends with the last placing Put), and
// the scans after it (eligibility).
type timedScores struct {
	domain.Scores
	store, scan, unranked, place, decideScan timing
	lastPlace                                mark
}

func (s *timedScores) Put(ctx context.Context, scores []domain.FamilyScore) error {
	start := time.Now()
	err := s.Scores.Put(ctx, scores)
	if len(scores) > 0 && scores[0].Decile == domain.Unranked {
		s.store.since(start)
	} else {
		s.place.since(start)
		s.lastPlace.set()
	}
	return err
}

func (s *timedScores) ListByRun(ctx context.Context, runID string, p domain.Page) ([]domain.FamilyScore, error) {
	start := time.Now()
	page, err := s.Scores.ListByRun(ctx, runID, p)
	if s.lastPlace.isSet() {
		s.decideScan.since(start)
	} else {
		s.scan.since(start)
	}
	return page, err
}

func (s *timedScores) ListByDecile(ctx context.Context, decile int, p domain.Page) ([]domain.FamilyScore, error) {
	start := time.Now()
	defer s.unranked.since(start)
	return s.Scores.ListByDecile(ctx, decile, p)
}

// timedEligibility times the eligibility repository: the facts staged while
// scoring, and what the eligibility pass reads and saves.
type timedEligibility struct {
	domain.Eligibility
	stage, read, prev, save timing
}

func (e *timedEligibility) StageFacts(ctx context.Context, facts []domain.StagedFacts) error {
	start := time.Now()
	defer e.stage.since(start)
	return e.Eligibility.StageFacts(ctx, facts)
}

func (e *timedEligibility) StagedFacts(ctx context.Context, kks []string) (map[string]domain.StagedFacts, error) {
	start := time.Now()
	defer e.read.since(start)
	return e.Eligibility.StagedFacts(ctx, kks)
}

func (e *timedEligibility) GetMany(ctx context.Context, kks []string) (map[string]*domain.EligibilityRecord, error) {
	start := time.Now()
	defer e.prev.since(start)
	return e.Eligibility.GetMany(ctx, kks)
}

func (e *timedEligibility) Save(ctx context.Context, recs []domain.EligibilityRecord, notices []domain.Notice) error {
	start := time.Now()
	defer e.save.since(start)
	return e.Eligibility.Save(ctx, recs, notices)
}

// timedLister times the listing of the registered families.
type timedLister struct {
	domain.FamilyLister
	list timing
}

func (l *timedLister) Each(ctx context.Context, prefix string, fn func(kk string) error) error {
	start := time.Now()
	defer l.list.since(start)
	return l.FamilyLister.Each(ctx, prefix, fn)
}

func benchRanking(b *testing.B, pop *benchsource.Population, n int) {
	ctx := context.Background()
	batch := envInt(b, "DTSEN_BENCH_BATCH", rankBenchBatch)
	workers := envInt(b, "DTSEN_BENCH_WORKERS", rankBenchWorkers)
	db := storagetest.Open(b, storagetest.PostgresURL(b), adapters.Migrations)
	repo := adapters.NewRepository(db)
	clk := &benchClock{t: pop.ReferenceDate().Add(8 * time.Hour)}
	deps := func(src *benchsource.Source) app.Deps {
		return app.Deps{Models: repo.Models, Runs: repo.Runs, Scores: repo.Scores, Eligibility: repo.Eligibility,
			Notices: repo.Notices, Families: src, Lister: src, Labels: src, Clock: clk.now, BatchSize: batch, Workers: workers}
	}

	// The model: trained and activated outside the timer, on the measured
	// families of the training households.
	trainSrc, err := pop.Source(trainHouseholds)
	if err != nil {
		b.Fatal(err)
	}
	trainer, err := app.New(deps(trainSrc))
	if err != nil {
		b.Fatal(err)
	}
	gbt := model.DefaultGBTParams()
	gbt.Rounds, gbt.EarlyStoppingRounds = 300, 0 // the shape model/BenchmarkPredict measures
	start := time.Now()
	m, err := trainer.TrainModel(ctx, model.KindGBT, app.TrainParams{GBT: gbt})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := trainer.ActivateModel(ctx, m.ID, "benchmark", "end-to-end ranking benchmark"); err != nil {
		b.Fatal(err)
	}
	trained, err := m.Load()
	if err != nil {
		b.Fatal(err)
	}
	proj, err := features.NewProjection(m.Features)
	if err != nil {
		b.Fatal(err)
	}
	shape := ""
	if g, ok := trained.(*model.GBT); ok {
		shape = fmt.Sprintf("%d trees, %d nodes", g.NumTrees(), g.NumNodes())
	}
	var metrics struct {
		ValidRMSE float64 `json:"valid_rmse"`
	}
	_ = json.Unmarshal(m.Metrics, &metrics)
	b.Logf("model %s: %d labels, %d features, %s, validation RMSE %.3f, trained in %v", m.ID, m.Training.Labels,
		len(m.Features), shape, metrics.ValidRMSE, time.Since(start).Round(time.Millisecond))

	src, err := pop.Source(n)
	if err != nil {
		b.Fatal(err)
	}
	kks := make([]string, 0, n)
	if err := src.Each(ctx, "", func(kk string) error { kks = append(kks, kk); return nil }); err != nil {
		b.Fatal(err)
	}
	ref := clk.now()

	// Raw baseline 1: the source alone, fetched batch by batch with the
	// run's workers, everything thrown away, after a warm-up pass over the
	// first families.
	fetchAll := func(kks []string) {
		for i := 0; i < len(kks); i += batch {
			err := adapters.FetchMany(ctx, src, kks[i:min(i+batch, len(kks))], ref, workers,
				func(kk string, _ features.Input, err error) error { return err })
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	fetchAll(kks[:min(n, 20_000)])
	start = time.Now()
	fetchAll(kks)
	sourceOnly := time.Since(start)

	// Raw baseline 2: the run's computation in memory, no storage: fetch,
	// features.Build and projection, PredictBatch, the flags a score
	// carries and the facts eligibility is decided on, each step timed on
	// the one goroutine that runs it in a run.
	var build, predict, flags, facts time.Duration
	start = time.Now()
	rows := make([]float64, 0, batch*len(m.Features))
	inputs := make([]features.Input, 0, batch)
	pred := make([]float64, batch)
	vec := make(features.Vector, features.Len())
	var row []float64
	for i := 0; i < n; i += batch {
		rows, inputs = rows[:0], inputs[:0]
		err := adapters.FetchMany(ctx, src, kks[i:min(i+batch, n)], ref, workers,
			func(kk string, in features.Input, err error) error {
				if err != nil {
					return err
				}
				t := time.Now()
				v, err := features.BuildInto(in, vec)
				if err != nil {
					return err
				}
				row = proj.Apply(v, row)
				rows = append(rows, row...)
				build += time.Since(t)
				inputs = append(inputs, in)
				return nil
			})
		if err != nil {
			b.Fatal(err)
		}
		t := time.Now()
		if err := trained.PredictBatch(rows, pred[:len(inputs)]); err != nil {
			b.Fatal(err)
		}
		predict += time.Since(t)
		t = time.Now()
		for k, in := range inputs {
			findings, err := features.DeriveFlags(in, features.DefaultStalePolicy)
			if err != nil {
				b.Fatal(err)
			}
			declared, has := features.DeclaredConsumption(in.Economics)
			_ = explain.Assess(findings, pred[k], declared, has)
		}
		flags += time.Since(t)
		t = time.Now()
		for _, in := range inputs {
			if _, err := features.BuildFacts(in); err != nil {
				b.Fatal(err)
			}
		}
		facts += time.Since(t)
	}
	inMemory := time.Since(start)
	kks = nil

	// The measured run. With -benchtime 1x b.N is 1; more runs re-rank the
	// same families, and the phases are those of the last one.
	var (
		runs   *timedRuns
		scores *timedScores
		elig   *timedEligibility
		lister *timedLister
		rep    *app.RunReport
	)
	checkpoint(b, db)
	runtime.GC()
	loadBefore := loadAverage()
	b.ResetTimer()
	for range b.N {
		runs, scores = &timedRuns{Runs: repo.Runs}, &timedScores{Scores: repo.Scores}
		elig, lister = &timedEligibility{Eligibility: repo.Eligibility}, &timedLister{FamilyLister: src}
		d := deps(src)
		d.Runs, d.Scores, d.Eligibility, d.Lister = runs, scores, elig, lister
		ranker, err := app.New(d)
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		if rep, err = ranker.RunRanking(ctx, ""); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	end := time.Now()
	loadAfter := loadAverage()
	total := b.Elapsed() / time.Duration(b.N)
	checkRankingRun(b, db, rep, n, b.N)
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	rowCounts := ""
	for _, table := range []string{"eligibility_facts", "eligibility", "eligible_families", "notices", "score_history"} {
		var c int64
		if err := db.QueryRowContext(ctx, "SELECT /* dtsen:fanout benchmark counts a whole table */ count(*) FROM "+table).Scan(&c); err != nil {
			b.Fatal(err)
		}
		rowCounts += fmt.Sprintf(" %s %.2f,", table, float64(c)/float64(n))
	}

	// Raw baseline 3: n (kk, score, decile) rows COPYed into a bare table,
	// and into one keyed on kk, in one transaction each.
	checkpoint(b, db)
	copyBare := rawCopy(b, db, src, n, "")
	copyKeyed := rawCopy(b, db, src, n, " PRIMARY KEY")

	// The phases, from the wrappers' marks: scoring ends with the last
	// progress record, ranking with the last placing Put, eligibility with
	// the last decided record; finishing the run is the rest.
	scoring := runs.lastProgress.at().Sub(start)
	rank := scores.lastPlace.at().Sub(runs.lastProgress.at())
	decide := runs.lastDecided.at().Sub(scores.lastPlace.at())
	finish := end.Sub(runs.lastDecided.at())
	compute := scoring - lister.list.d() - elig.stage.d() - scores.store.d() - runs.progress.d()
	rankRest := rank - scores.scan.d() - scores.unranked.d() - scores.place.d()
	decideRest := decide - scores.decideScan.d() - elig.read.d() - elig.prev.d() - elig.save.d() - runs.decided.d()
	us := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(n) }
	b.ReportMetric(float64(n)/total.Seconds(), "families/s")
	b.ReportMetric(us(total), "µs/family")
	b.ReportMetric(us(compute), "compute-µs/family")
	b.ReportMetric(us(elig.stage.d()+scores.store.d()+runs.progress.d()), "store-µs/family")
	b.ReportMetric(us(rank), "rank-µs/family")
	b.ReportMetric(us(decide), "eligibility-µs/family")
	b.ReportMetric(us(sourceOnly), "base-source-µs/family")
	b.ReportMetric(us(inMemory), "base-inmem-µs/family")
	b.ReportMetric(us(build+predict), "base-build+predict-µs/family")
	b.ReportMetric(us(copyBare), "base-copy-µs/family")

	// The breakdown goes to stdout: the testing package keeps only the first
	// ten lines a benchmark logs.
	report := func(format string, args ...any) {
		fmt.Printf("    %s: "+format+"\n", append([]any{b.Name()}, args...)...)
	}
	report("n=%d, batch %d, %d fetch workers, GOMAXPROCS %d; run %s: %v (%.0f families/s, %.2f µs/family), "+
		"%d decided, %d notices; heap in use %d MB, from the OS %d MB; load average %s before the run, %s after",
		n, batch, workers, runtime.GOMAXPROCS(0), rep.Run.ID, total.Round(time.Millisecond), float64(n)/total.Seconds(),
		us(total), rep.Run.Decided, rep.Run.Notices, mem.HeapInuse>>20, mem.Sys>>20, loadBefore, loadAfter)
	line := func(what string, d time.Duration, calls int64) {
		c := ""
		if calls > 0 {
			c = fmt.Sprintf(" (%d calls)", calls)
		}
		report("  %-58s %10v %8.2f µs/family%s", what, d.Round(time.Millisecond), us(d), c)
	}
	line("scoring (list → last progress record)", scoring, 0)
	line("  list the registered families", lister.list.d(), lister.list.calls.Load())
	line("  fetch + features + predict + flags + facts (the rest)", compute, 0)
	line("  stage eligibility facts (StageFacts)", elig.stage.d(), elig.stage.calls.Load())
	line("  store unranked scores (ScoreRepository.Put)", scores.store.d(), scores.store.calls.Load())
	line("  progress records (UpdateProgress)", runs.progress.d(), runs.progress.calls.Load())
	line("ranking (→ last placing Put)", rank, 0)
	line("  scans of the run's scores (ListByRun)", scores.scan.d(), scores.scan.calls.Load())
	line("  list the unranked (ListByDecile)", scores.unranked.d(), scores.unranked.calls.Load())
	line("  store placed scores (ScoreRepository.Put)", scores.place.d(), scores.place.calls.Load())
	line("  in memory: histogram, boundary pass, assign", rankRest, 0)
	line("eligibility (→ last decided record)", decide, 0)
	line("  scan of the run's scores (ListByRun)", scores.decideScan.d(), scores.decideScan.calls.Load())
	line("  read staged facts (StagedFacts)", elig.read.d(), elig.read.calls.Load())
	line("  read previous records (GetMany)", elig.prev.d(), elig.prev.calls.Load())
	line("  save records, lists, notices (Save)", elig.save.d(), elig.save.calls.Load())
	line("  decided records (UpdateDecided)", runs.decided.d(), runs.decided.calls.Load())
	line("  in memory: evaluate, quotas, apply", decideRest, 0)
	line("finish the run", finish, 0)
	report("rows a family after the run:%s", strings.TrimSuffix(rowCounts, ","))
	report("baselines measured in the same process, same families:")
	line("source alone (decode the four summaries)", sourceOnly, 0)
	line("in-memory pipeline (fetch, build, predict, flags, facts)", inMemory, 0)
	line("  features.Build + projection (one goroutine)", build, 0)
	line("  PredictBatch (one goroutine)", predict, 0)
	line("  DeriveFlags + explain.Assess (one goroutine)", flags, 0)
	line("  features.BuildFacts (one goroutine)", facts, 0)
	line("raw COPY of (kk, score, decile), bare table", copyBare, 0)
	line("raw COPY of (kk, score, decile), PRIMARY KEY (kk)", copyKeyed, 0)
}

// loadAverage is the machine's 1-minute load average, to tell a run that
// shared the cores with other work.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

// checkpoint flushes PostgreSQL's dirty pages, so that a measurement does
// not pay for the previous one's writes. It needs a superuser (the
// development server's postgres); without one it is skipped.
func checkpoint(b *testing.B, db *storage.DB) {
	b.Helper()
	if _, err := db.SQL().ExecContext(context.Background(), "CHECKPOINT"); err != nil {
		b.Logf("CHECKPOINT: %v (measuring without it)", err)
	}
}

// checkRankingRun checks that the run placed every family, with exactly
// ⌊10r/n⌋+1 families of rank r in each decile, kept two history records
// a family a run, and decided every family's eligibility.
func checkRankingRun(b *testing.B, db *storage.DB, rep *app.RunReport, n, runs int) {
	b.Helper()
	if rep.Run.State != domain.RunSucceeded || rep.Ranked != int64(n) || rep.Failed != 0 {
		b.Fatalf("run %s: %s, ranked %d of %d, %d failed (%v)", rep.Run.ID, rep.Run.State, rep.Ranked, n, rep.Failed,
			rep.Failures)
	}
	want := make([]int, domain.MaxDecile+1)
	for r := range n {
		want[10*r/n+1]++
	}
	got := make([]int, domain.MaxDecile+1)
	rows, err := db.QueryContext(context.Background(), "SELECT /* dtsen:fanout benchmark counts every decile */ decile, count(*) FROM family_scores GROUP BY decile")
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var d, c int
		if err := rows.Scan(&d, &c); err != nil {
			b.Fatal(err)
		}
		got[d] = c
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	for d := range got {
		if got[d] != want[d] {
			b.Fatalf("deciles hold %v families, want %v", got, want)
		}
	}
	var history, decided int
	if err := db.QueryRowContext(context.Background(), "SELECT /* dtsen:fanout benchmark counts a whole table */ count(*) FROM score_history").Scan(&history); err != nil {
		b.Fatal(err)
	}
	if history != 2*n*runs {
		b.Fatalf("%d history records, want %d", history, 2*n*runs)
	}
	if err := db.QueryRowContext(context.Background(), "SELECT /* dtsen:fanout benchmark counts a whole table */ count(*) FROM eligibility").Scan(&decided); err != nil {
		b.Fatal(err)
	}
	if decided != n || rep.Run.Decided != int64(n) {
		b.Fatalf("%d eligibility records, run decided %d, want %d", decided, rep.Run.Decided, n)
	}
}

// rawCopy times one transaction that COPYs n (kk, score, decile) rows into
// a new table (pgx CopyFrom, in binary, as ScoreRepository.Put's COPYs),
// rows made in chunks so that a million of them need not be held at once.
func rawCopy(b *testing.B, db *storage.DB, src *benchsource.Source, n int, key string) time.Duration {
	b.Helper()
	ctx := context.Background()
	table := "bench_raw_scores"
	if key != "" {
		table += "_keyed"
	}
	if _, err := db.SQL().ExecContext(ctx, "CREATE TABLE "+table+" (kk TEXT COLLATE \"C\""+key+
		", score DOUBLE PRECISION NOT NULL, decile INTEGER NOT NULL)"); err != nil {
		b.Fatal(err)
	}
	const chunk = 50_000
	var kks []string
	if err := src.Each(ctx, "", func(kk string) error { kks = append(kks, kk); return nil }); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	err := db.InTx(ctx, func(tx *storage.Tx) error {
		rows := make([][]any, 0, chunk)
		for i := 0; i < n; i += chunk {
			rows = rows[:0]
			for k, kk := range kks[i:min(i+chunk, n)] {
				r := i + k
				rows = append(rows, []any{kk, 13 + float64(r%9973)/9973, 1 + 10*r/n})
			}
			if _, err := tx.CopyFrom(ctx, table, []string{"kk", "score", "decile"}, rows); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	d := time.Since(start)
	if _, err := db.SQL().ExecContext(ctx, "DROP TABLE "+table); err != nil {
		b.Fatal(err)
	}
	return d
}
