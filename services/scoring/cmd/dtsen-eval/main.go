// Command dtsen-eval evaluates the welfare models on a fresh synthetic
// population and writes the report (docs/evaluation.md via make eval).
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/dtsen-id/dtsen/services/scoring/evaluation"
)

func main() {
	cfg := evaluation.DefaultConfig()
	flag.IntVar(&cfg.Families, "families", cfg.Families, "households in the evaluation population")
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "population seed (not one a deployed model was trained on)")
	flag.BoolVar(&cfg.WithTargetingFeatures, "with-targeting-features", false, "also feed past programme receipt to the models")
	flag.IntVar(&cfg.GBT.MaxDepth, "gbt-depth", cfg.GBT.MaxDepth, "boosted trees: maximum depth")
	flag.Float64Var(&cfg.GBT.LearningRate, "gbt-learning-rate", cfg.GBT.LearningRate, "boosted trees: shrinkage")
	flag.IntVar(&cfg.GBT.MinSamplesLeaf, "gbt-min-leaf", cfg.GBT.MinSamplesLeaf, "boosted trees: minimum families per leaf")
	out := flag.String("out", "", "write the Markdown report here (default: standard output)")
	flag.Parse()

	start := time.Now()
	res, err := evaluation.Run(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dtsen-eval:", err)
		os.Exit(1)
	}
	doc := res.Markdown()
	if *out == "" {
		fmt.Print(doc)
	} else if err := os.WriteFile(*out, []byte(doc), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "dtsen-eval:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "dtsen-eval: %d households, %d labelled, evaluated in %s\n", res.Households, res.Labelled, time.Since(start).Round(time.Second))
}
