package evaluation_test

import (
	"math"
	"strings"
	"testing"

	"github.com/dtsen-id/dtsen/services/scoring/evaluation"
)

// TestRun evaluates a small population end to end: both models train on the
// measured labels only, every unlabelled family is evaluated, the metrics
// are sane, and the report is the same byte for byte on a second run.
func TestRun(t *testing.T) {
	cfg := evaluation.DefaultConfig()
	cfg.Families, cfg.Seed = 20000, 11 // ≈200 labels: fewer and 86 coefficients overfit
	a, err := evaluation.Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a.Households != 20000 || a.Labelled == 0 || a.Labelled+a.Evaluated+a.Skipped != a.Households {
		t.Fatalf("accounting: %+v", a)
	}
	if a.Labelled > a.Households/20 {
		t.Fatalf("%d labelled of %d: labels must be the ≈1%% survey sample", a.Labelled, a.Households)
	}
	for _, m := range []evaluation.ModelResult{a.OLS, a.GBT} {
		r := m.Report
		if r.Families != a.Evaluated || !(r.Spearman > 0.6) {
			t.Fatalf("%s: %d families, Spearman %.3f", m.Name, r.Families, r.Spearman)
		}
		for _, c := range r.Coverages {
			if !(c.ExclusionError >= 0 && c.ExclusionError < 0.6) {
				t.Fatalf("%s: exclusion %.3f at q=%.2f", m.Name, c.ExclusionError, c.Coverage)
			}
		}
	}
	for _, f := range a.Features {
		if strings.Contains(f, "consumption") {
			t.Fatalf("feature %s: consumption is the label, never a feature", f)
		}
	}
	if a.PakBudi.Families == 0 || !(a.PakBudi.Declared.MeanPercentile < a.PakBudi.Truth.MeanPercentile) || math.IsNaN(a.PakBudi.GBT.MeanPercentile) {
		t.Fatalf("under-reporters: %+v", a.PakBudi)
	}
	b, err := evaluation.Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a.Markdown() != b.Markdown() {
		t.Fatal("two runs of one configuration wrote different reports")
	}
	if doc := a.Markdown(); !strings.Contains(doc, "exclusion 40%") || !strings.Contains(doc, "Pak Budi") {
		t.Fatalf("report:\n%s", doc)
	}
}
