package ranking

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func seq(n int, f func(i int) float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = f(i)
	}
	return v
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 || (math.IsNaN(a) && math.IsNaN(b)) }

func evaluate(t *testing.T, s Sample, opts EvalOptions) *Report {
	t.Helper()
	r, err := Evaluate(s, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPerfectAndReversedPredictions(t *testing.T) {
	for _, n := range []int{10, 11, 19, 1000} {
		actual := seq(n, func(i int) float64 { return 12 + float64(i)*0.01 })
		perfect := seq(n, func(i int) float64 { return 3 * actual[i] }) // any increasing transform
		reversed := seq(n, func(i int) float64 { return -actual[i] })
		opts := EvalOptions{Coverages: []float64{0.1, 0.3, 0.4, 0.5, 0.6}}

		r := evaluate(t, Sample{Predicted: perfect, Actual: actual}, opts)
		if r.Spearman != 1 {
			t.Errorf("n=%d perfect: Spearman %v", n, r.Spearman)
		}
		for _, c := range r.Coverages {
			if !near(c.ExclusionError, 0) || !near(c.InclusionError, 0) || !near(c.Poor, c.Coverage*float64(n)) {
				t.Errorf("n=%d perfect at %v: %+v", n, c.Coverage, c)
			}
		}

		r = evaluate(t, Sample{Predicted: reversed, Actual: actual}, opts)
		if r.Spearman != -1 {
			t.Errorf("n=%d reversed: Spearman %v", n, r.Spearman)
		}
		for _, c := range r.Coverages {
			// The selection is the richest q, which overlaps the poorest q
			// only where q > 0.5 (in 2q−1 of the families), or in the share
			// of the median family that both quotas take when n is odd.
			qn := c.Coverage * float64(n)
			var overlap float64
			for r := range n {
				overlap += min(max(0, min(1, qn-float64(r))), max(0, min(1, qn-float64(n-1-r))))
			}
			want := 1 - overlap/qn
			if c.Coverage <= 0.5 && n%2 == 0 && want != 1 {
				t.Errorf("n=%d reversed at %v: reference overlap %v", n, c.Coverage, overlap)
			}
			if !near(c.ExclusionError, want) || !near(c.InclusionError, want) {
				t.Errorf("n=%d reversed at %v: %+v, want errors %v", n, c.Coverage, c, want)
			}
		}
	}
}

func TestHandComputedTargetingAndGroups(t *testing.T) {
	// Ten families, true welfare 1…10. The prediction swaps families 4 and
	// 6, so at 40% it selects {1,2,3,6} where the truly poor are {1,2,3,4}.
	actual := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	pred := []float64{1, 2, 3, 6, 5, 4, 7, 8, 9, 10}
	region := []string{"A", "A", "A", "A", "A", "B", "B", "B", "B", "B"}
	r := evaluate(t, Sample{Predicted: pred, Actual: actual},
		EvalOptions{Coverages: []float64{0.4}, Groupings: []Grouping{{Name: "region", Keys: region}}})
	c := r.Coverages[0]
	if c.Poor != 4 || c.Selected != 4 || c.SelectedPoor != 3 || c.ExclusionError != 0.25 || c.InclusionError != 0.25 {
		t.Errorf("national: %+v", c)
	}
	// Σd² = 2²+2² = 8: ρ = 1 − 6·8/(10·99).
	if !near(r.Spearman, 1-48.0/990) {
		t.Errorf("Spearman %v", r.Spearman)
	}
	a, b := r.Breakdowns[0].Groups[0].Coverages[0], r.Breakdowns[0].Groups[1].Coverages[0]
	if a.Poor != 4 || a.Selected != 3 || a.ExclusionError != 0.25 || a.InclusionError != 0 {
		t.Errorf("region A: %+v", a)
	}
	if b.Poor != 0 || b.Selected != 1 || !math.IsNaN(b.ExclusionError) || b.InclusionError != 1 {
		t.Errorf("region B: %+v", b)
	}
	// Within A the prediction ranks families 4 and 5 the wrong way round:
	// ρ = 1 − 6·2/(5·24). Within B the order is right.
	if !near(r.Breakdowns[0].Groups[0].Spearman, 0.9) {
		t.Errorf("region A Spearman %v", r.Breakdowns[0].Groups[0].Spearman)
	}
	if !near(r.Breakdowns[0].Groups[1].Spearman, 1) {
		t.Errorf("region B Spearman %v", r.Breakdowns[0].Groups[1].Spearman)
	}
}

func TestQuotaStraddlingAFamilyOrATie(t *testing.T) {
	// Eleven families at 10%: the quota is 1.1 families, so the second
	// poorest counts a tenth in both the selection and the truly poor.
	actual := seq(11, func(i int) float64 { return float64(i) })
	r := evaluate(t, Sample{Predicted: actual, Actual: actual}, EvalOptions{Coverages: []float64{0.1}})
	if c := r.Coverages[0]; !near(c.Poor, 1.1) || !near(c.Selected, 1.1) || !near(c.SelectedPoor, 1.1) {
		t.Errorf("straddling family: %+v", c)
	}
	// A prediction that ranks every family level selects 40% of each: the
	// errors are what a lottery would expect, 1 − q.
	flat := seq(1000, func(int) float64 { return 14 })
	r = evaluate(t, Sample{Predicted: flat, Actual: seq(1000, func(i int) float64 { return float64(i) })}, EvalOptions{})
	for _, c := range r.Coverages {
		if !near(c.ExclusionError, 1-c.Coverage) || !near(c.InclusionError, 1-c.Coverage) {
			t.Errorf("flat prediction at %v: %+v", c.Coverage, c)
		}
	}
	if !math.IsNaN(r.Spearman) {
		t.Errorf("Spearman of a constant: %v", r.Spearman)
	}
}

// referenceSpearman is the textbook definition: 1-based average ranks,
// then Pearson's formula.
func referenceSpearman(x, y []float64) float64 {
	rank := func(v []float64) []float64 {
		r := make([]float64, len(v))
		for i := range v {
			less, equal := 0, 0
			for j := range v {
				if v[j] < v[i] {
					less++
				} else if v[j] == v[i] {
					equal++
				}
			}
			r[i] = float64(less) + float64(equal+1)/2
		}
		return r
	}
	rx, ry := rank(x), rank(y)
	n := float64(len(x))
	var mx, my float64
	for i := range rx {
		mx += rx[i] / n
		my += ry[i] / n
	}
	var sxy, sxx, syy float64
	for i := range rx {
		sxy += (rx[i] - mx) * (ry[i] - my)
		sxx += (rx[i] - mx) * (rx[i] - mx)
		syy += (ry[i] - my) * (ry[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

func TestSpearmanAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := range 200 {
		n := 2 + rng.IntN(300)
		levels := []int{3, 10, 1000000}[trial%3] // heavy ties, some ties, none
		x := seq(n, func(int) float64 { return float64(rng.IntN(levels)) })
		y := seq(n, func(i int) float64 { return x[i]*0.5 + float64(rng.IntN(levels)) })
		want := referenceSpearman(x, y)
		got, err := Spearman(x, y, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !near(got, want) {
			t.Fatalf("trial %d (n=%d, %d levels): Spearman %v, reference %v", trial, n, levels, got, want)
		}
	}
	// Without ties, the closed form 1 − 6Σd²/(n(n²−1)).
	x := []float64{3, 1, 4, 1.5, 9, 2.6, 5.3}
	y := []float64{2, 7, 1, 8, 2.8, 1.8, 2.84}
	var d2 float64
	rx, ry := midRanks(x, argsort(x), func(int) float64 { return 1 }, nil, 1), midRanks(y, argsort(y), func(int) float64 { return 1 }, nil, 1)
	for i := range rx {
		d2 += (rx[i] - ry[i]) * (rx[i] - ry[i])
	}
	if got, _ := Spearman(x, y, nil); !near(got, 1-6*d2/(7*48)) {
		t.Errorf("Spearman %v, closed form %v", got, 1-6*d2/(7*48))
	}
}

// A family of weight k must count exactly as k copies of it.
func TestWeightsEqualDuplicates(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for trial := range 50 {
		n := 1 + rng.IntN(200)
		var s, dup Sample
		var keys, dupKeys []string
		s.Weights = []float64{}
		for i := range n {
			p, a := float64(rng.IntN(20)), float64(rng.IntN(25))
			w := 1 + rng.IntN(4)
			if i == 0 {
				w = 0 // a zero weight counts as absent
			}
			key := []string{"rural", "urban"}[rng.IntN(2)]
			s.Predicted, s.Actual, s.Weights = append(s.Predicted, p), append(s.Actual, a), append(s.Weights, float64(w))
			keys = append(keys, key)
			for range w {
				dup.Predicted, dup.Actual = append(dup.Predicted, p), append(dup.Actual, a)
				dupKeys = append(dupKeys, key)
			}
		}
		if len(dup.Predicted) == 0 {
			continue
		}
		opts := EvalOptions{Coverages: []float64{0.1, 0.25, 0.4}, Groupings: []Grouping{{Name: "area", Keys: keys}}}
		dupOpts := EvalOptions{Coverages: opts.Coverages, Groupings: []Grouping{{Name: "area", Keys: dupKeys}}}
		got, want := evaluate(t, s, opts), evaluate(t, dup, dupOpts)
		if !near(got.Spearman, want.Spearman) || got.Weight != float64(want.Families) {
			t.Fatalf("trial %d: weighted Spearman %v, duplicated %v", trial, got.Spearman, want.Spearman)
		}
		for c := range got.Coverages {
			g, w := got.Coverages[c], want.Coverages[c]
			if !near(g.Poor, w.Poor) || !near(g.Selected, w.Selected) || !near(g.SelectedPoor, w.SelectedPoor) {
				t.Fatalf("trial %d at %v: weighted %+v, duplicated %+v", trial, g.Coverage, g, w)
			}
		}
		for k, gg := range got.Breakdowns[0].Groups {
			wg := want.Breakdowns[0].Groups[k]
			if gg.Key != wg.Key || !near(gg.Spearman, wg.Spearman) || !near(gg.Coverages[2].SelectedPoor, wg.Coverages[2].SelectedPoor) {
				t.Fatalf("trial %d group %s: weighted %+v, duplicated %+v", trial, gg.Key, gg, wg)
			}
		}
	}
}

func TestBreakdownsAddUpToNational(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	n := 5000
	actual := seq(n, func(int) float64 { return 13.8 + 0.5*rng.NormFloat64() })
	pred := seq(n, func(i int) float64 { return math.Round((actual[i]+0.3*rng.NormFloat64())*20) / 20 })
	weights := seq(n, func(int) float64 { return 50 + 400*rng.Float64() })
	province := make([]string, n)
	sex := make([]string, n)
	for i := range n {
		province[i] = kkOf(11+rng.IntN(84), 0)[:2]
		sex[i] = []string{"female", "male"}[rng.IntN(2)]
	}
	r := evaluate(t, Sample{Predicted: pred, Actual: actual, Weights: weights},
		EvalOptions{Groupings: []Grouping{{Name: "province", Keys: province}, {Name: "sex of head", Keys: sex}}})
	for _, b := range r.Breakdowns {
		if !slices.IsSortedFunc(b.Groups, func(x, y GroupReport) int { return strings.Compare(x.Key, y.Key) }) {
			t.Errorf("%s: groups out of order", b.Name)
		}
		families, weight := 0, 0.0
		sums := make([]Targeting, len(r.Coverages))
		for _, g := range b.Groups {
			families += g.Families
			weight += g.Weight
			for c, t := range g.Coverages {
				sums[c].Poor += t.Poor
				sums[c].Selected += t.Selected
				sums[c].SelectedPoor += t.SelectedPoor
			}
		}
		if families != n || math.Abs(weight-r.Weight) > 1e-6*r.Weight {
			t.Errorf("%s: %d families, weight %v; national %d, %v", b.Name, families, weight, n, r.Weight)
		}
		for c, s := range sums {
			nat := r.Coverages[c]
			for _, pair := range [][2]float64{{s.Poor, nat.Poor}, {s.Selected, nat.Selected}, {s.SelectedPoor, nat.SelectedPoor}} {
				if math.Abs(pair[0]-pair[1]) > 1e-6*r.Weight {
					t.Errorf("%s at %v: groups add up to %+v, national %+v", b.Name, nat.Coverage, s, nat)
				}
			}
		}
	}
	for _, c := range r.Coverages {
		if math.Abs(c.Poor-c.Coverage*r.Weight) > 1e-6*r.Weight || math.Abs(c.Selected-c.Poor) > 1e-6*r.Weight {
			t.Errorf("at %v: poor %v, selected %v of weight %v", c.Coverage, c.Poor, c.Selected, r.Weight)
		}
	}
}

func TestEvaluateIgnoresRowOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	n := 300
	actual := seq(n, func(int) float64 { return float64(rng.IntN(30)) })
	pred := seq(n, func(int) float64 { return float64(rng.IntN(30)) })
	keys := make([]string, n)
	for i := range keys {
		keys[i] = []string{"x", "y", "z"}[rng.IntN(3)]
	}
	render := func(p, a []float64, k []string) string {
		return evaluate(t, Sample{Predicted: p, Actual: a}, EvalOptions{Groupings: []Grouping{{Name: "g", Keys: k}}}).Markdown()
	}
	want := render(pred, actual, keys)
	perm := rng.Perm(n)
	p2, a2, k2 := make([]float64, n), make([]float64, n), make([]string, n)
	for i, j := range perm {
		p2[i], a2[i], k2[i] = pred[j], actual[j], keys[j]
	}
	if got := render(p2, a2, k2); got != want {
		t.Fatalf("shuffled rows changed the report:\n%s\nvs\n%s", got, want)
	}
}

func TestEvaluateRejectsBadInput(t *testing.T) {
	ok := []float64{1, 2, 3}
	for name, c := range map[string]struct {
		s    Sample
		opts EvalOptions
	}{
		"empty":           {Sample{}, EvalOptions{}},
		"lengths":         {Sample{Predicted: ok, Actual: ok[:2]}, EvalOptions{}},
		"NaN":             {Sample{Predicted: []float64{1, math.NaN(), 3}, Actual: ok}, EvalOptions{}},
		"infinite actual": {Sample{Predicted: ok, Actual: []float64{1, math.Inf(1), 3}}, EvalOptions{}},
		"negative weight": {Sample{Predicted: ok, Actual: ok, Weights: []float64{1, -1, 1}}, EvalOptions{}},
		"zero weights":    {Sample{Predicted: ok, Actual: ok, Weights: []float64{0, 0, 0}}, EvalOptions{}},
		"coverage 0":      {Sample{Predicted: ok, Actual: ok}, EvalOptions{Coverages: []float64{0}}},
		"coverage 1.5":    {Sample{Predicted: ok, Actual: ok}, EvalOptions{Coverages: []float64{1.5}}},
		"grouping length": {Sample{Predicted: ok, Actual: ok}, EvalOptions{Groupings: []Grouping{{Name: "g", Keys: []string{"a"}}}}},
	} {
		if _, err := Evaluate(c.s, c.opts); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestMarkdown(t *testing.T) {
	actual := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	pred := []float64{1, 2, 3, 6, 5, 4, 7, 8, 9, 10}
	r := evaluate(t, Sample{Predicted: pred, Actual: actual},
		EvalOptions{Groupings: []Grouping{{Name: "urban|rural", Keys: []string{"u", "u", "u", "u", "u", "r", "r", "r", "r", "r"}}}})
	md := r.Markdown()
	for _, want := range []string{
		"Rank correlation with true welfare (Spearman): **0.952** over 10 families.",
		"| coverage | truly poor | selected | selected and poor | exclusion error | inclusion error |",
		"| 10.0% | 1 | 1 | 1 | 0.0% | 0.0% |",
		"| 40.0% | 4 | 4 | 3 | 25.0% | 25.0% |",
		`| urban\|rural | families | Spearman | poor share 10.0% | exclusion 10.0% | inclusion 10.0% | poor share 40.0% | exclusion 40.0% | inclusion 40.0% |`,
		"| r | 5 | 1.000 | 0.0% | – | – | 0.0% | – | 100.0% |",
		"| u | 5 | 0.900 | 20.0% | 0.0% | 0.0% | 80.0% | 25.0% | 0.0% |",
	} {
		if !strings.Contains(md, want+"\n") {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if got := fmtWeight(1234567.25); got != "1,234,567.2" && got != "1,234,567.3" {
		t.Errorf("fmtWeight: %s", got)
	}
}
