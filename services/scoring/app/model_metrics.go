package app

import (
	"math"
	"strings"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/scoring/features"
	"github.com/dtsen-id/dtsen/services/scoring/ranking"
)

// Coverages are the coverage quotas every model is measured at (DESIGN.md
// §2): the poorest 10% (PKH-like) and 40% (the DTSEN target population).
var Coverages = []float64{0.10, 0.40}

// Breakdown names of the targeting metrics.
const (
	BreakdownProvince = "province"
	BreakdownArea     = "area"
	BreakdownHeadSex  = "head_sex"
)

// familyGroups is the family's group in each breakdown, in the order of
// breakdownNames.
type familyGroups [3]string

var breakdownNames = [3]string{BreakdownProvince, BreakdownArea, BreakdownHeadSex}

func groupsOf(in features.Input) familyGroups {
	g := familyGroups{"unknown", "unknown", "unknown"}
	if in.Family == nil {
		return g
	}
	if prov, _, ok := strings.Cut(in.Family.GetRegionCode(), "."); ok {
		g[0] = prov
	}
	switch in.Family.GetSettlement() {
	case registryv1.Settlement_SETTLEMENT_URBAN:
		g[1] = "urban"
	case registryv1.Settlement_SETTLEMENT_RURAL:
		g[1] = "rural"
	}
	if facts, err := features.BuildFacts(in); err == nil {
		for _, m := range facts.Members {
			if m.Head {
				g[2] = strings.ToLower(string(m.Sex))
			}
		}
	}
	return g
}

// TargetingMetrics is a model's targeting performance on its held-out
// families, as stored in the model's metrics. Undefined values (a Spearman
// over a constant sample, an error rate with nobody poor) are nil: JSON has
// no NaN.
type TargetingMetrics struct {
	Families  int              `json:"families"`
	Spearman  *float64         `json:"spearman"`
	Coverages []CoverageMetric `json:"coverages"`
	Groups    []GroupMetric    `json:"groups"`
	// Markdown is the report as a table, for people.
	Markdown string `json:"markdown"`
}

// CoverageMetric is the targeting error at one coverage quota.
type CoverageMetric struct {
	Coverage       float64  `json:"coverage"`
	ExclusionError *float64 `json:"exclusion_error"`
	InclusionError *float64 `json:"inclusion_error"`
}

// GroupMetric is one group of one breakdown.
type GroupMetric struct {
	Breakdown string           `json:"breakdown"`
	Key       string           `json:"key"`
	Families  int              `json:"families"`
	Spearman  *float64         `json:"spearman"`
	Coverages []CoverageMetric `json:"coverages"`
}

func defined(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func coverageMetrics(ts []ranking.Targeting) []CoverageMetric {
	out := make([]CoverageMetric, len(ts))
	for i, t := range ts {
		out[i] = CoverageMetric{Coverage: t.Coverage, ExclusionError: defined(t.ExclusionError), InclusionError: defined(t.InclusionError)}
	}
	return out
}

// targetingMetrics measures predictions against the measured labels of the
// held-out families, overall and by group.
func targetingMetrics(predicted, actual []float64, groups []familyGroups) (*TargetingMetrics, error) {
	opts := ranking.EvalOptions{Coverages: Coverages}
	for b, name := range breakdownNames {
		g := ranking.Grouping{Name: name, Keys: make([]string, len(groups))}
		for i := range groups {
			g.Keys[i] = groups[i][b]
		}
		opts.Groupings = append(opts.Groupings, g)
	}
	rep, err := ranking.Evaluate(ranking.Sample{Predicted: predicted, Actual: actual}, opts)
	if err != nil {
		return nil, err
	}
	m := &TargetingMetrics{Families: rep.Families, Spearman: defined(rep.Spearman), Coverages: coverageMetrics(rep.Coverages),
		Markdown: rep.Markdown()}
	for _, b := range rep.Breakdowns {
		for _, g := range b.Groups {
			m.Groups = append(m.Groups, GroupMetric{Breakdown: b.Name, Key: g.Key, Families: g.Families,
				Spearman: defined(g.Spearman), Coverages: coverageMetrics(g.Coverages)})
		}
	}
	return m, nil
}
