package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/dtsen-id/dtsen/services/population/export"
	"github.com/dtsen-id/dtsen/services/population/population"
)

func init() {
	var (
		families, batchSize int
		seed                uint64
		dir                 string
		wait                time.Duration
	)
	register(&Command{
		Name:    "seed",
		Args:    "",
		Summary: "generate a synthetic population and load it into every context",
		Help: `Generates the deterministic synthetic population (services/population) of
--families households for --seed into --dir, then imports every context's files
in the manifest's order, registry first (the other contexts cross-check their
records against it), through the same code path as 'dtsenctl import'.

A directory whose manifest.json already describes the same families and seed is
reused without generating again, and batches that were imported before come
back "replayed" and are skipped, so seeding again is a fast no-op and an
interrupted seed resumes where it stopped.

The imports need an integration client that submits for every agency of the
population. Against services on loopback, without --token or --client-id, seed
uses the development issuer's data-exchange hub client (dtsen-hub, secret in
./var/dev-issuer/clients.json or DTSEN_DEV_ISSUER_DIR), as make run does.`,
		Conn: true,
		Flags: func(fs *flag.FlagSet) {
			fs.IntVar(&families, "families", 20000, "number of households (KKs)")
			fs.Uint64Var(&seed, "seed", 1, "population seed: the same seed gives the same population")
			fs.StringVar(&dir, "dir", "", "population directory (default ./var/population-<families>-<seed>)")
			fs.IntVar(&batchSize, "batch-size", DefaultBatchSize, "records per import batch")
			fs.DurationVar(&wait, "wait", 30*time.Second, "how long to wait for the services to become healthy")
		},
		Run: func(ctx context.Context, e *Env, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected arguments %q", args)
			}
			if families < 1 {
				return usagef("--families must be at least 1")
			}
			if batchSize < 1 {
				return usagef("--batch-size must be at least 1")
			}
			if dir == "" {
				dir = defaultPopulationDir(families, seed)
			}
			if err := e.Conn.authenticate(e, submitAuth, contextNames...); err != nil {
				return err
			}
			defer e.Conn.Close()
			return runSeed(ctx, e, seedOptions{Families: families, Seed: seed, Dir: dir, BatchSize: batchSize, Wait: wait})
		},
	})
}

func defaultPopulationDir(families int, seed uint64) string {
	return filepath.Join(".", "var", fmt.Sprintf("population-%d-%d", families, seed))
}

type seedOptions struct {
	Families  int
	Seed      uint64
	Dir       string
	BatchSize int
	Wait      time.Duration

	afterBatch func(file string, batch int)
}

// readManifest reads dir/manifest.json; it returns nil when there is none.
func readManifest(dir string) (*export.Summary, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var s export.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s/manifest.json: %w", dir, err)
	}
	return &s, nil
}

// ensurePopulation returns the manifest of dir's population, generating it
// first unless dir already holds the same families and seed.
func ensurePopulation(e *Env, o seedOptions) (*export.Summary, bool, error) {
	m, err := readManifest(o.Dir)
	if err != nil {
		return nil, false, err
	}
	if m != nil && m.Families == o.Families && m.Seed == o.Seed && filesPresent(o.Dir, m) {
		return m, true, nil
	}
	start := time.Now()
	bar := newProgress(e.Stderr, e.Terminal && !e.Quiet, "generating", int64(o.Families))
	// A stale manifest must not survive a generation that fails midway.
	_ = os.Remove(filepath.Join(o.Dir, "manifest.json"))
	last := 0
	m, err = export.Write(o.Dir, population.Config{Families: o.Families, Seed: o.Seed}, export.Options{
		Progress: func(done int) { bar.add(int64(done - last)); last = done },
	})
	if err != nil {
		bar.clear()
		return nil, false, err
	}
	bar.finish()
	fmt.Fprintf(e.Stdout, "generated %s families (%s persons, seed %d) into %s in %s\n", thousands(int64(m.Families)),
		thousands(m.Persons), m.Seed, o.Dir, time.Since(start).Round(10*time.Millisecond))
	return m, false, nil
}

func filesPresent(dir string, m *export.Summary) bool {
	for _, f := range m.Files {
		if _, err := os.Stat(filepath.Join(dir, f.Name)); err != nil {
			return false
		}
	}
	return true
}

// seedFiles are the manifest's files to import, in order: JSONL files that
// name a context (registry.csv, when present, holds the same families).
func seedFiles(m *export.Summary) []export.File {
	var out []export.File
	for _, f := range m.Files {
		if f.Context != "" && strings.HasSuffix(f.Name, ".jsonl") {
			out = append(out, f)
		}
	}
	return out
}

func runSeed(ctx context.Context, e *Env, o seedOptions) error {
	start := time.Now()
	m, reused, err := ensurePopulation(e, o)
	if err != nil {
		return err
	}
	if reused {
		fmt.Fprintf(e.Stdout, "using the population in %s (%s families, seed %d)\n", o.Dir, thousands(int64(m.Families)), m.Seed)
	}
	files := seedFiles(m)
	waitCtx, cancel := context.WithTimeout(ctx, o.Wait)
	defer cancel()
	seen := map[string]bool{}
	for _, f := range files {
		if seen[f.Context] {
			continue
		}
		seen[f.Context] = true
		if err := e.Conn.WaitHealthy(waitCtx, f.Context); err != nil {
			return err
		}
	}
	var results []*fileResult
	for _, f := range files {
		ic, err := lookupContext(f.Context)
		if err != nil {
			return err
		}
		rs, err := importFiles(ctx, e.Conn, []string{filepath.Join(o.Dir, f.Name)}, importOptions{
			Context: ic, Source: f.Source, BatchSize: o.BatchSize, Progress: e.Terminal && !e.Quiet, Stderr: e.Stderr,
			afterBatch: o.afterBatch,
		})
		for _, r := range rs {
			printResult(e.Stdout, r)
		}
		results = append(results, rs...)
		if err != nil {
			return err
		}
	}
	var t fileResult
	replayed, batches := 0, 0
	for _, r := range results {
		t.Records += r.Records
		t.Accepted += r.Accepted
		t.Rejected += r.Rejected
		replayed += r.Replayed
		batches += r.Batches
	}
	state := "seeded"
	if replayed == batches {
		state = "already seeded (every batch replayed)"
	}
	fmt.Fprintf(e.Stdout, "%s: %s families, %s records in %d contexts in %s\n", state, thousands(int64(m.Families)),
		thousands(t.Records), len(seen), time.Since(start).Round(10*time.Millisecond))
	if errs := m.Errors; len(errs) > 0 {
		fmt.Fprintf(e.Stdout, "the population has deliberate errors the platform rejects or keeps UNMATCHED: %s (docs/population.md)\n",
			formatCounts(errs))
	}
	return nil
}

func formatCounts(m map[string]int64) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
