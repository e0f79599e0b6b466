package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// compactPredict is the reference semantics: the serialised trees, walked
// node by node.
func compactPredict(g *GBT, row []float64) float64 {
	s := g.baseScore
	for _, r := range g.roots {
		s += leafValue(g.nodes, r, row)
	}
	return s
}

// trickyRows returns rows that sit exactly on every threshold the model
// uses, just either side of them, at ±Inf and missing, mixed at random.
func trickyRows(g *GBT, n int, seed uint64) []float64 {
	p := len(g.names)
	var vals [][]float64 = make([][]float64, p)
	for _, nd := range g.nodes {
		if nd.left == 0 {
			continue
		}
		f := nd.feat & featMask
		vals[f] = append(vals[f], nd.thr, math.Nextafter(nd.thr, math.Inf(1)), math.Nextafter(nd.thr, math.Inf(-1)))
	}
	special := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.MaxFloat64, 0}
	rng := rand.New(rand.NewPCG(seed, 1))
	rows := make([]float64, n*p)
	for i := range rows {
		f := i % p
		if len(vals[f]) > 0 && rng.IntN(4) > 0 {
			rows[i] = vals[f][rng.IntN(len(vals[f]))]
		} else {
			rows[i] = special[rng.IntN(len(special))]
		}
	}
	return rows
}

func TestDenseLayoutMatchesCompactTrees(t *testing.T) {
	d := synthPMT(4000, 12, 61)
	// Two columns missing only in some rows, so that some splits learn
	// "missing right" and the all-observed-left split appears.
	for i := range d.Rows() {
		if i%3 == 0 {
			d.Row(i)[10] = math.NaN()
			d.Y[i] += 0.5
		}
	}
	for _, depth := range []int{1, 3, 6, denseMaxDepth, denseMaxDepth + 2} {
		p := fastParams()
		p.Rounds = 40
		p.MaxDepth = depth
		p.MinSamplesLeaf = 3
		g := mustGBT(t, d, nil, p)
		if dense := g.dense.depth > 0; dense != (g.depth <= denseMaxDepth) {
			t.Fatalf("depth %d: dense layout used = %v", g.depth, dense)
		}
		var missRight, observedLeft int
		for _, nd := range g.nodes {
			if nd.left != 0 && nd.feat&defaultLeft == 0 {
				missRight++
			}
			if nd.left != 0 && nd.thr == math.MaxFloat64 {
				observedLeft++
			}
		}
		if missRight == 0 || observedLeft == 0 {
			t.Fatalf("depth %d: %d missing-right splits, %d missing-only splits: the test data no longer exercises them", depth, missRight, observedLeft)
		}
		rows := append(trickyRows(g, 3000, uint64(depth)), d.X...)
		out := make([]float64, len(rows)/d.Cols())
		if err := g.PredictBatch(rows, out); err != nil {
			t.Fatal(err)
		}
		for i := range out {
			row := rows[i*d.Cols() : (i+1)*d.Cols()]
			want := compactPredict(g, row)
			one, err := g.Predict(row)
			if err != nil {
				t.Fatal(err)
			}
			if math.Float64bits(out[i]) != math.Float64bits(want) || math.Float64bits(one) != math.Float64bits(want) {
				t.Fatalf("depth %d, row %v: batch %v, single %v, compact trees %v", depth, row, out[i], one, want)
			}
		}
	}
}

func TestPredictWideRows(t *testing.T) {
	// Rows wider than the stack buffer of Predict take the pooled path.
	d := synthPMT(1500, stackFeatures+20, 62)
	p := fastParams()
	p.Rounds = 10
	g := mustGBT(t, d, nil, p)
	out := make([]float64, d.Rows())
	if err := g.PredictBatch(d.X, out); err != nil {
		t.Fatal(err)
	}
	for i := range out {
		got, err := g.Predict(d.Row(i))
		if err != nil {
			t.Fatal(err)
		}
		if got != out[i] || got != compactPredict(g, d.Row(i)) {
			t.Fatalf("row %d: %v vs %v", i, got, out[i])
		}
	}
}
