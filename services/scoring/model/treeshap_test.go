package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// condExpect is the value function path-dependent TreeSHAP explains (Lundberg
// et al. 2018, Algorithm 1): the prediction when only the features in the
// bit set known are known, the others averaged out by the training covers.
func condExpect(g *GBT, row []float64, known uint) float64 {
	var walk func(i int32) float64
	walk = func(i int32) float64 {
		n := g.nodes[i]
		if n.left == 0 {
			return n.thr
		}
		f := n.feat & featMask
		if known&(1<<f) != 0 {
			hot := n.left
			if v := row[f]; !(v <= n.thr) && (v == v || n.feat&defaultLeft == 0) {
				hot++
			}
			return walk(hot)
		}
		l, r := n.left, n.left+1
		return (g.cover[l]*walk(l) + g.cover[r]*walk(r)) / g.cover[i]
	}
	s := g.baseScore
	for _, r := range g.roots {
		s += walk(r)
	}
	return s
}

// bruteShapley computes exact Shapley values by enumerating every subset.
func bruteShapley(g *GBT, row []float64) []float64 {
	m := len(g.names)
	fact := func(k int) float64 { return math.Gamma(float64(k + 1)) }
	v := make([]float64, 1<<m)
	for s := range v {
		v[s] = condExpect(g, row, uint(s))
	}
	phi := make([]float64, m)
	for i := range m {
		for s := range 1 << m {
			if s&(1<<i) != 0 {
				continue
			}
			size := 0
			for j := range m {
				if s&(1<<j) != 0 {
					size++
				}
			}
			w := fact(size) * fact(m-size-1) / fact(m)
			phi[i] += w * (v[s|1<<i] - v[s])
		}
	}
	return phi
}

func TestTreeSHAPMatchesBruteForce(t *testing.T) {
	// Four features, deep enough trees that features repeat along a path
	// (the UNWIND case), some missing values, and row subsampling so that
	// covers come from all rows while the trees saw only some.
	d := uniformData(2000, 4, 21, func(r []float64, rng *rand.Rand) float64 {
		return 2*step(r[0] > 0.5) + r[1]*r[2] + math.Sin(5*r[3]) + 0.1*rng.NormFloat64()
	})
	for i := range d.Rows() {
		if i%7 == 0 {
			d.Row(i)[i%4] = math.NaN()
		}
	}
	p := fastParams()
	p.Rounds = 25
	p.MaxDepth = 5
	p.RowSubsample = 0.7
	g := mustGBT(t, d, nil, p)

	if got, want := g.BaseValue(), condExpect(g, make([]float64, 4), 0); math.Abs(got-want) > 1e-12 {
		t.Errorf("BaseValue %v, v(∅) %v", got, want)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for k := range 200 {
		row := []float64{rng.Float64(), rng.Float64(), rng.Float64(), rng.Float64()}
		if k%3 == 0 {
			row[rng.IntN(4)] = math.NaN()
		}
		_, phi, err := g.Explain(row)
		if err != nil {
			t.Fatal(err)
		}
		want := bruteShapley(g, row)
		for j := range phi {
			if math.Abs(phi[j]-want[j]) > 1e-10 {
				t.Fatalf("row %v feature %d: TreeSHAP %v, brute force %v", row, j, phi[j], want[j])
			}
		}
	}
}

func TestAttributionsSumToPrediction(t *testing.T) {
	d := synthPMT(6000, 20, 22)
	train, valid := mustSplit(t, d, 0.2, 22)
	p := fastParams()
	p.LearningRate = 0.1
	models := []Model{mustOLS(t, train), mustGBT(t, train, valid, p)}
	contrib := make([]float64, d.Cols())
	for _, m := range models {
		maxErr := 0.0
		for i := range valid.Rows() {
			row := valid.Row(i)
			pred, err := m.Predict(row)
			if err != nil {
				t.Fatal(err)
			}
			base, err := m.ExplainInto(row, contrib)
			if err != nil {
				t.Fatal(err)
			}
			if base != m.BaseValue() {
				t.Fatalf("%s: Explain base %v, BaseValue %v", m.Kind(), base, m.BaseValue())
			}
			s := base
			for _, c := range contrib {
				s += c
			}
			maxErr = math.Max(maxErr, math.Abs(s-pred))
		}
		t.Logf("%s: max |base + Σ contributions − prediction| = %g over %d rows", m.Kind(), maxErr, valid.Rows())
		limit := 1e-9
		if m.Kind() == KindOLS {
			limit = 0 // summed in the same order as Predict
		}
		if maxErr > limit {
			t.Errorf("%s: attributions miss the prediction by %g", m.Kind(), maxErr)
		}
	}
}

func TestGBTBaseValueIsMeanTrainingPrediction(t *testing.T) {
	d := synthPMT(3000, 12, 23)
	d.W = make([]float64, d.Rows())
	for i := range d.W {
		d.W[i] = 0.5 + float64(i%5)
	}
	p := fastParams()
	p.Rounds = 40
	p.RowSubsample = 0.6
	g := mustGBT(t, d, nil, p)
	pred, _, err := Evaluate(g, d)
	if err != nil {
		t.Fatal(err)
	}
	var s, sw float64
	for i, v := range pred {
		s += d.W[i] * v
		sw += d.W[i]
	}
	if math.Abs(s/sw-g.BaseValue()) > 1e-9 {
		t.Errorf("BaseValue %v, weighted mean training prediction %v", g.BaseValue(), s/sw)
	}
}

func TestTopFactors(t *testing.T) {
	names := []string{"a", "b", "c", "d", "e"}
	row := []float64{1, 2, math.NaN(), 4, 5}
	up, down := RankFactors(names, row, []float64{0.5, -0.2, 0, 0.5, -0.7}, 2)
	if len(up) != 2 || up[0].Feature != "a" || up[1].Feature != "d" {
		t.Errorf("up = %+v (ties by index)", up)
	}
	if len(down) != 2 || down[0].Feature != "e" || down[1].Feature != "b" || down[0].Value != 5 {
		t.Errorf("down = %+v", down)
	}
	up, down = RankFactors(names, row, []float64{0.5, -0.2, 0, 0.5, -0.7}, 10)
	if len(up) != 2 || len(down) != 2 {
		t.Errorf("zero contributions must be left out: %d up, %d down", len(up), len(down))
	}

	d := synthPMT(2000, 10, 24)
	m := mustOLS(t, d)
	up, down, err := TopFactors(m, d.Row(0), 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(up)+len(down) == 0 {
		t.Fatal("no factors")
	}
	for _, f := range up {
		if f.Contribution <= 0 || f.Feature != d.Names[f.Index] {
			t.Errorf("bad up factor %+v", f)
		}
	}
	if _, _, err := TopFactors(m, d.Row(0)[:3], 3); err == nil {
		t.Error("short row: want an error")
	}
}
