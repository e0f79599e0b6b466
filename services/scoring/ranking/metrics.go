package ranking

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
)

// DefaultCoverages are the coverage quotas DESIGN.md §2 asks every model to
// be reported at: the poorest 10% and the poorest 40% (desil 1–4).
var DefaultCoverages = []float64{0.10, 0.40}

// Sample is what a model is judged on: for each family its predicted
// welfare score and its true welfare, such as survey consumption held out
// of training. Both are ranked (lower = poorer); only their order matters,
// so true welfare may be in rupiah or in logs.
type Sample struct {
	Predicted []float64
	Actual    []float64
	// Weights are survey weights, the number of families each one stands
	// for; nil weighs every family 1.
	Weights []float64
}

// Grouping names a breakdown and gives each family's group in it: the
// province code, "urban"/"rural", the sex of the head.
type Grouping struct {
	Name string
	Keys []string
}

// EvalOptions choose the coverages (nil: [DefaultCoverages]) and the
// breakdowns of an evaluation.
type EvalOptions struct {
	Coverages []float64
	Groupings []Grouping
}

// Targeting is the targeting performance at one coverage quota q, over the
// whole sample or one group of it. Every quantity is a weight (a number of
// families when unweighted), and may be fractional: see the package doc on
// how a tie straddling the quota is shared.
type Targeting struct {
	Coverage float64
	// Poor is the weight of the truly poor: the nationally poorest share q
	// by true welfare.
	Poor float64
	// Selected is the weight selected: the nationally poorest share q by the
	// prediction.
	Selected float64
	// SelectedPoor is the weight both selected and truly poor.
	SelectedPoor float64
	// ExclusionError is the share of the truly poor not selected,
	// 1 − SelectedPoor/Poor; NaN when there are no truly poor.
	ExclusionError float64
	// InclusionError is the share of the selected not truly poor,
	// 1 − SelectedPoor/Selected; NaN when none are selected.
	InclusionError float64
}

// Report holds a model's targeting metrics over a sample and its
// breakdowns; [Report.Markdown] renders it.
type Report struct {
	Families int
	Weight   float64
	// Spearman is the rank correlation of the prediction with true welfare,
	// ties given their average rank; NaN when either is constant.
	Spearman   float64
	Coverages  []Targeting
	Breakdowns []Breakdown
}

// Breakdown is one grouping's metrics, groups in increasing key order.
type Breakdown struct {
	Name   string
	Groups []GroupReport
}

// GroupReport is one group's metrics. Its Spearman ranks the group's
// families among themselves; its Targeting counts the group's share of
// the national truly poor and national selection, so the groups' Poor,
// Selected and SelectedPoor add up to the national figures.
type GroupReport struct {
	Key       string
	Families  int
	Weight    float64
	Spearman  float64
	Coverages []Targeting
}

// coverageResolution is the precision coverage quotas are taken at, so that
// q·W is computed as an integer over 10^6 and 0.3 of 10 families is exactly
// 3, not 3.0000000000000004.
const coverageResolution = 1e6

// Evaluate computes the targeting metrics of a sample.
func Evaluate(s Sample, opts EvalOptions) (*Report, error) {
	n := len(s.Predicted)
	if err := s.validate(); err != nil {
		return nil, err
	}
	coverages := opts.Coverages
	if coverages == nil {
		coverages = DefaultCoverages
	}
	for _, q := range coverages {
		if !(q > 0 && q <= 1) {
			return nil, fmt.Errorf("ranking: coverage %v is not in (0, 1]", q)
		}
	}
	groupIDs := make([][]int32, len(opts.Groupings))
	groupKeys := make([][]string, len(opts.Groupings))
	for g, grouping := range opts.Groupings {
		if len(grouping.Keys) != n {
			return nil, fmt.Errorf("ranking: grouping %q has %d keys for %d families", grouping.Name, len(grouping.Keys), n)
		}
		groupIDs[g], groupKeys[g] = groupIndex(grouping.Keys)
	}

	w := s.weight
	var total float64
	for i := range n {
		total += w(i)
	}
	byPred, byActual := argsort(s.Predicted), argsort(s.Actual)

	r := &Report{Families: n, Weight: total}
	predRank := midRanks(s.Predicted, byPred, w, nil, 1)
	actualRank := midRanks(s.Actual, byActual, w, nil, 1)
	r.Spearman = weightedPearson(predRank, actualRank, w, nil, 1)[0]

	// selected[c][i] and poor[c][i] are family i's share in the selection and
	// in the truly poor at coverage c.
	selected := make([][]float64, len(coverages))
	poor := make([][]float64, len(coverages))
	for c, q := range coverages {
		quota := math.Round(q*coverageResolution) * total / coverageResolution
		selected[c] = bottomShare(s.Predicted, byPred, w, quota)
		poor[c] = bottomShare(s.Actual, byActual, w, quota)
		r.Coverages = append(r.Coverages, targeting(coverages[c], selected[c], poor[c], w, nil, 1)[0])
	}

	for g, grouping := range opts.Groupings {
		ids, keys := groupIDs[g], groupKeys[g]
		b := Breakdown{Name: grouping.Name, Groups: make([]GroupReport, len(keys))}
		for k, key := range keys {
			b.Groups[k].Key = key
		}
		for i, id := range ids {
			b.Groups[id].Families++
			b.Groups[id].Weight += w(i)
		}
		rho := weightedPearson(
			midRanks(s.Predicted, byPred, w, ids, len(keys)),
			midRanks(s.Actual, byActual, w, ids, len(keys)),
			w, ids, len(keys))
		for k := range keys {
			b.Groups[k].Spearman = rho[k]
		}
		for c, q := range coverages {
			for k, t := range targeting(q, selected[c], poor[c], w, ids, len(keys)) {
				b.Groups[k].Coverages = append(b.Groups[k].Coverages, t)
			}
		}
		r.Breakdowns = append(r.Breakdowns, b)
	}
	return r, nil
}

// Spearman is the rank correlation of x and y, each tie given its average
// rank, with optional weights (nil: every pair weighs 1): the weighted
// Pearson correlation of the weighted mid-ranks. It is NaN when x or y is
// constant.
func Spearman(x, y, weights []float64) (float64, error) {
	s := Sample{Predicted: x, Actual: y, Weights: weights}
	if err := s.validate(); err != nil {
		return 0, err
	}
	rx := midRanks(x, argsort(x), s.weight, nil, 1)
	ry := midRanks(y, argsort(y), s.weight, nil, 1)
	return weightedPearson(rx, ry, s.weight, nil, 1)[0], nil
}

func (s Sample) validate() error {
	n := len(s.Predicted)
	if n == 0 {
		return errors.New("ranking: empty sample")
	}
	if len(s.Actual) != n || (s.Weights != nil && len(s.Weights) != n) {
		return fmt.Errorf("ranking: sample lengths differ: %d predicted, %d actual, %d weights", n, len(s.Actual), len(s.Weights))
	}
	var total float64
	for i := range n {
		if !finite(s.Predicted[i]) || !finite(s.Actual[i]) {
			return fmt.Errorf("ranking: family %d: predicted %v, actual %v: not finite", i, s.Predicted[i], s.Actual[i])
		}
		if s.Weights != nil {
			if wi := s.Weights[i]; !finite(wi) || wi < 0 {
				return fmt.Errorf("ranking: family %d: weight %v", i, wi)
			}
			total += s.Weights[i]
		}
	}
	if s.Weights != nil && !(total > 0) {
		return errors.New("ranking: weights add up to zero")
	}
	return nil
}

func (s Sample) weight(i int) float64 {
	if s.Weights == nil {
		return 1
	}
	return s.Weights[i]
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// argsort returns the indices of v in increasing order of value.
func argsort(v []float64) []int {
	order := make([]int, len(v))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(v[a], v[b]) })
	return order
}

// ties calls f for each run [a, b) of order that shares one value.
func ties(v []float64, order []int, f func(a, b int)) {
	for a := 0; a < len(order); {
		b := a + 1
		for b < len(order) && v[order[b]] == v[order[a]] {
			b++
		}
		f(a, b)
		a = b
	}
}

// bottomShare gives each family its share in the poorest `quota` of
// weight: 1 below the quota, 0 above it, and for the run of tied values
// (or the single family) that straddles it, the fraction of the run's
// weight that fits, the same for each member.
func bottomShare(v []float64, order []int, w func(int) float64, quota float64) []float64 {
	share := make([]float64, len(v))
	var cum float64
	ties(v, order, func(a, b int) {
		var g float64
		for _, i := range order[a:b] {
			g += w(i)
		}
		f := 0.0
		switch {
		case cum+g <= quota:
			f = 1
		case cum < quota && g > 0:
			f = (quota - cum) / g
		}
		for _, i := range order[a:b] {
			share[i] = f
		}
		cum += g
	})
	return share
}

// midRanks gives each family the weight ranked below it plus half its
// run of ties, counted within its group (ids nil: one group). The order
// within a group is the national order restricted to the group, so one
// walk over the national order ranks every group.
func midRanks(v []float64, order []int, w func(int) float64, ids []int32, groups int) []float64 {
	rank := make([]float64, len(v))
	below := make([]float64, groups)
	tied := make([]float64, groups)
	id := func(i int) int32 {
		if ids == nil {
			return 0
		}
		return ids[i]
	}
	ties(v, order, func(a, b int) {
		for _, i := range order[a:b] {
			tied[id(i)] += w(i)
		}
		for _, i := range order[a:b] {
			g := id(i)
			rank[i] = below[g] + tied[g]/2
		}
		for _, i := range order[a:b] {
			g := id(i)
			below[g] += tied[g]
			tied[g] = 0
		}
	})
	return rank
}

// weightedPearson is the weighted correlation of x and y within each group,
// from centred sums (two passes), which keep their precision where the
// one-pass formula would cancel ranks of order 10^8 squared.
func weightedPearson(x, y []float64, w func(int) float64, ids []int32, groups int) []float64 {
	id := func(i int) int32 {
		if ids == nil {
			return 0
		}
		return ids[i]
	}
	sw, sx, sy := make([]float64, groups), make([]float64, groups), make([]float64, groups)
	for i := range x {
		g := id(i)
		sw[g] += w(i)
		sx[g] += w(i) * x[i]
		sy[g] += w(i) * y[i]
	}
	for g := range groups {
		sx[g] /= sw[g]
		sy[g] /= sw[g]
	}
	sxx, syy, sxy := make([]float64, groups), make([]float64, groups), make([]float64, groups)
	for i := range x {
		g := id(i)
		dx, dy := x[i]-sx[g], y[i]-sy[g]
		sxx[g] += w(i) * dx * dx
		syy[g] += w(i) * dy * dy
		sxy[g] += w(i) * dx * dy
	}
	rho := make([]float64, groups)
	for g := range groups {
		if sxx[g] > 0 && syy[g] > 0 {
			rho[g] = max(-1, min(1, sxy[g]/math.Sqrt(sxx[g]*syy[g])))
		} else {
			rho[g] = math.NaN()
		}
	}
	return rho
}

// targeting sums the national selection and poverty shares within each
// group. A family's share in both is min(selected, poor): fractional shares
// stand for the poorer part of the family's weight in either ranking, so a
// family straddling both quotas counts its common part. (The product, as if
// the two parts were drawn independently, would charge a perfect prediction
// with errors wherever a family straddles the quota.)
func targeting(q float64, selected, poor []float64, w func(int) float64, ids []int32, groups int) []Targeting {
	out := make([]Targeting, groups)
	for i := range selected {
		g := int32(0)
		if ids != nil {
			g = ids[i]
		}
		out[g].Poor += w(i) * poor[i]
		out[g].Selected += w(i) * selected[i]
		out[g].SelectedPoor += w(i) * min(selected[i], poor[i])
	}
	for g := range out {
		t := &out[g]
		t.Coverage = math.Round(q*coverageResolution) / coverageResolution
		t.ExclusionError, t.InclusionError = math.NaN(), math.NaN()
		if t.Poor > 0 {
			t.ExclusionError = 1 - t.SelectedPoor/t.Poor
		}
		if t.Selected > 0 {
			t.InclusionError = 1 - t.SelectedPoor/t.Selected
		}
	}
	return out
}

// groupIndex numbers the distinct keys in increasing order.
func groupIndex(keys []string) ([]int32, []string) {
	distinct := slices.Compact(slices.Sorted(slices.Values(keys)))
	index := make(map[string]int32, len(distinct))
	for i, k := range distinct {
		index[k] = int32(i)
	}
	ids := make([]int32, len(keys))
	for i, k := range keys {
		ids[i] = index[k]
	}
	return ids, distinct
}
