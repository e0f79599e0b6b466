// Command dtsen-population writes a deterministic synthetic national
// population as import files: one JSONL file per context (and, for assets,
// per source), the ground truth and the old DTKS list, plus manifest.json.
//
//	dtsen-population -families 20000 -seed 1 -out ./var/population
//
// Every flag can also be set by an environment variable (DTSEN_POPULATION_
// plus the flag name in upper case, '-' as '_'); a flag given on the command
// line wins.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dtsen-id/dtsen/services/population/export"
	"github.com/dtsen-id/dtsen/services/population/population"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "dtsen-population:", err)
		os.Exit(2)
	}
}

func env(name, def string) string {
	if v, ok := os.LookupEnv("DTSEN_POPULATION_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))); ok {
		return v
	}
	return def
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dtsen-population", flag.ContinueOnError)
	fs.SetOutput(stderr)
	families := fs.Int("families", atoi(env("families", "20000")), "number of households (1 to 10,000,000 and beyond)")
	seed := fs.Uint64("seed", uint64(atoi(env("seed", "1"))), "seed: the same seed gives the same files, byte for byte")
	out := fs.String("out", env("out", "./var/population"), "output directory")
	format := fs.String("format", env("format", "jsonl"), "jsonl, or jsonl+csv to add registry.csv")
	errorRate := fs.Float64("error-rate", atof(env("error-rate", "0.01")), "share of households with a deliberate error (0 for none)")
	refDate := fs.String("reference-date", env("reference-date", population.DefaultReferenceDate.Format(time.DateOnly)), "the population's \"today\" (YYYY-MM-DD)")
	workers := fs.Int("workers", atoi(env("workers", "0")), "generator goroutines (0: one per CPU)")
	quiet := fs.Bool("quiet", false, "no progress lines")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	ref, err := time.Parse(time.DateOnly, *refDate)
	if err != nil {
		return fmt.Errorf("-reference-date: %v", err)
	}
	var opt export.Options
	switch *format {
	case "jsonl":
	case "jsonl+csv", "csv":
		opt.CSV = true
	default:
		return fmt.Errorf("-format %q: want jsonl or jsonl+csv", *format)
	}
	rate := *errorRate
	if rate == 0 {
		rate = -1 // Config treats 0 as "default"; the flag's 0 means none
	}
	start := time.Now()
	if !*quiet {
		opt.Progress = func(done int) {
			el := time.Since(start).Seconds()
			r := float64(done) / el
			eta := time.Duration(float64(*families-done)/r) * time.Second
			fmt.Fprintf(stderr, "\r%d/%d households (%.1f%%), %.0f/s, ETA %s   ", done, *families,
				100*float64(done)/float64(*families), r, eta.Round(time.Second))
		}
	}
	sum, err := export.Write(*out, population.Config{Families: *families, Seed: *seed, ErrorRate: rate, ReferenceDate: ref, Workers: *workers}, opt)
	if err != nil {
		return err
	}
	if !*quiet {
		fmt.Fprintln(stderr)
	}
	el := time.Since(start)
	fmt.Fprintf(stdout, "wrote %d households (%d persons) to %s in %s (%.0f households/s)\n", sum.Families, sum.Persons, *out,
		el.Round(time.Millisecond), float64(sum.Families)/el.Seconds())
	fmt.Fprintf(stdout, "  below the poverty line: %.2f%% of persons\n", 100*sum.PovertyShare())
	fmt.Fprintf(stdout, "  measured consumption (labels): %.2f%% of households\n", 100*sum.LabelShare())
	fmt.Fprintf(stdout, "  self-declared consumption: %.2f%%, of which under-reporting: %.2f%% of all households\n",
		100*float64(sum.SelfDeclaring)/float64(sum.Families), 100*sum.UnderReportingShare())
	fmt.Fprintf(stdout, "  on the old DTKS list: %.2f%% of households\n", 100*float64(sum.DTKS)/float64(sum.Families))
	kinds := make([]string, 0, len(sum.Errors))
	for k := range sum.Errors {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(stdout, "  deliberate error %s: %d households\n", k, sum.Errors[k])
	}
	for _, f := range sum.Files {
		src := ""
		if f.Source != "" {
			src = " (import as " + f.Context + ", header source " + f.Source + ")"
		}
		fmt.Fprintf(stdout, "  %-22s %10d records%s\n", f.Name, f.Records, src)
	}
	return nil
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}

func atof(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0
	}
	return f
}
