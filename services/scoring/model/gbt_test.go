package model

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func stepInteraction(row []float64, _ *rand.Rand) float64 {
	return 2*step(row[0] > 0.5) + step(row[1] > 0.3 && row[2] < 0.7)
}

func TestGBTFitsStepAndInteraction(t *testing.T) {
	d := gridData(6000, 5, 1, stepInteraction)
	train, valid := mustSplit(t, d, 0.25, 1)
	// With 5 features, a tree denied x0 by column sampling could only fit
	// noise, and that noise would take many rounds to wash out.
	p := fastParams()
	p.ColSubsample = 1
	m := mustGBT(t, train, valid, p)
	if r := rmseOf(t, m, valid); r > 0.02 {
		t.Errorf("GBT validation RMSE on a noiseless step/interaction = %v, want < 0.05", r)
	}
	ols := mustOLS(t, train)
	if r := rmseOf(t, ols, valid); r < 0.3 {
		t.Errorf("OLS fits the interaction too well (RMSE %v): the test data is not non-linear", r)
	}
	// Exactly on the step the value must flip.
	for _, c := range []struct {
		row  []float64
		want float64
	}{
		{[]float64{0.2, 0.5, 0.5, 0.5, 0.5}, 1},
		{[]float64{0.8, 0.5, 0.5, 0.5, 0.5}, 3},
		{[]float64{0.8, 0.1, 0.5, 0.5, 0.5}, 2},
		{[]float64{0.2, 0.5, 0.9, 0.5, 0.5}, 0},
	} {
		got, err := m.Predict(c.row)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-c.want) > 0.1 {
			t.Errorf("Predict(%v) = %v, want ≈ %v", c.row, got, c.want)
		}
	}
}

func TestGBTBeatsOLSOnNonLinearTarget(t *testing.T) {
	d := synthPMT(8000, 15, 2)
	train, valid := mustSplit(t, d, 0.25, 2)
	p := DefaultGBTParams()
	p.LearningRate = 0.1
	g := mustGBT(t, train, valid, p)
	o := mustOLS(t, train)
	rg, ro := rmseOf(t, g, valid), rmseOf(t, o, valid)
	t.Logf("validation RMSE: GBT %.4f (%d trees), OLS %.4f", rg, g.NumTrees(), ro)
	if rg > 0.93*ro {
		t.Errorf("GBT RMSE %.4f is not clearly below OLS %.4f", rg, ro)
	}

	// A sharper non-linearity, where a linear PMT has no chance.
	d = uniformData(6000, 4, 3, func(r []float64, rng *rand.Rand) float64 {
		return math.Sin(6*r[0]) + 2*r[1]*r[2] + 0.05*rng.NormFloat64()
	})
	train, valid = mustSplit(t, d, 0.25, 3)
	g = mustGBT(t, train, valid, fastParams())
	o = mustOLS(t, train)
	rg, ro = rmseOf(t, g, valid), rmseOf(t, o, valid)
	t.Logf("sin/product target: GBT %.4f, OLS %.4f", rg, ro)
	if rg > 0.5*ro {
		t.Errorf("GBT RMSE %.4f is not below half of OLS %.4f", rg, ro)
	}
}

func TestGBTMissingValues(t *testing.T) {
	// Missingness itself carries the signal: a family whose land record is
	// missing is (in this data) the richest. The trees must learn where to
	// send NaN instead of lumping it with either side.
	d := uniformData(6000, 3, 4, func(r []float64, _ *rand.Rand) float64 { return step(r[0] > 0.5) })
	for i := range d.Rows() {
		if i%4 == 0 {
			d.Row(i)[0] = math.NaN()
			d.Y[i] = 3
		}
	}
	train, valid := mustSplit(t, d, 0.25, 4)
	m := mustGBT(t, train, valid, fastParams())
	for _, c := range []struct {
		x0, want float64
	}{{math.NaN(), 3}, {0.2, 0}, {0.9, 1}} {
		got, err := m.Predict([]float64{c.x0, 0.5, 0.5})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-c.want) > 0.1 {
			t.Errorf("x0 = %v: predicted %v, want ≈ %v", c.x0, got, c.want)
		}
	}
	// Missing values the training data never had for a feature go to the
	// larger side; prediction still works.
	if _, err := m.Predict([]float64{0.9, math.NaN(), math.NaN()}); err != nil {
		t.Fatal(err)
	}
}

func TestGBTConstantAndEmptyFeatures(t *testing.T) {
	d := gridData(3000, 4, 5, stepInteraction)
	for i := range d.Rows() {
		d.Row(i)[3] = 42 // constant
	}
	names := append(slices.Clone(d.Names), "all_missing")
	x := make([]float64, 0, d.Rows()*5)
	for i := range d.Rows() {
		x = append(append(x, d.Row(i)...), math.NaN())
	}
	d, err := NewDataset(names, x, d.Y, nil)
	if err != nil {
		t.Fatal(err)
	}
	train, valid := mustSplit(t, d, 0.25, 5)
	p := fastParams()
	p.ColSubsample = 1
	m := mustGBT(t, train, valid, p)
	for i, n := range m.nodes {
		if n.left != 0 && (n.feat&featMask == 3 || n.feat&featMask == 4) {
			t.Fatalf("node %d splits on a constant or all-missing feature", i)
		}
	}
	if r := rmseOf(t, m, valid); r > 0.02 {
		t.Errorf("validation RMSE %v", r)
	}
	_, c, err := m.Explain(valid.Row(0))
	if err != nil {
		t.Fatal(err)
	}
	if c[3] != 0 || c[4] != 0 {
		t.Errorf("unused features got attributions %v", c)
	}
}

func TestGBTEarlyStopping(t *testing.T) {
	// Mostly noise: the validation RMSE bottoms out early and then climbs
	// as the trees fit the noise.
	d := uniformData(3000, 10, 6, func(r []float64, rng *rand.Rand) float64 {
		return 0.3*r[0] + rng.NormFloat64()
	})
	train, valid := mustSplit(t, d, 0.3, 6)
	p := fastParams()
	p.Rounds = 1000
	p.LearningRate = 0.3
	p.EarlyStoppingRounds = 15
	m := mustGBT(t, train, valid, p)
	tr := m.Training()
	if !tr.EarlyStopped || tr.Rounds >= p.Rounds {
		t.Fatalf("did not stop early: %d rounds", tr.Rounds)
	}
	if len(tr.ValidRMSE) != tr.Rounds || len(tr.TrainRMSE) != tr.Rounds {
		t.Fatalf("history has %d/%d entries for %d rounds", len(tr.ValidRMSE), len(tr.TrainRMSE), tr.Rounds)
	}
	best := 0
	for i, v := range tr.ValidRMSE {
		if v < tr.ValidRMSE[best] {
			best = i
		}
	}
	if tr.BestIteration != best+1 || m.NumTrees() != best+1 {
		t.Errorf("BestIteration = %d, trees = %d, want %d", tr.BestIteration, m.NumTrees(), best+1)
	}
	if tr.Rounds-tr.BestIteration != p.EarlyStoppingRounds {
		t.Errorf("stopped %d rounds after the best, want %d", tr.Rounds-tr.BestIteration, p.EarlyStoppingRounds)
	}
	if got := rmseOf(t, m, valid); math.Abs(got-tr.ValidRMSE[best]) > 1e-12 {
		t.Errorf("kept model's validation RMSE %v, recorded best %v", got, tr.ValidRMSE[best])
	}
	// Training error keeps falling past the best round: the stop was about
	// overfitting, not a stalled trainer.
	if tr.TrainRMSE[tr.Rounds-1] >= tr.TrainRMSE[best] {
		t.Errorf("training RMSE did not fall after the best round")
	}

	// Without a validation set every round is kept.
	p.Rounds = 20
	m = mustGBT(t, train, nil, p)
	if m.NumTrees() != 20 || m.Training().BestIteration != 20 || m.Training().EarlyStopped {
		t.Errorf("no validation set: %d trees, %+v", m.NumTrees(), m.Training())
	}
}

func TestGBTDeterminism(t *testing.T) {
	d := synthPMT(4000, 12, 7)
	train, valid := mustSplit(t, d, 0.25, 7)
	p := fastParams()
	p.Rounds = 60
	p.RowSubsample, p.ColSubsample = 0.7, 0.6

	encode := func(p GBTParams) []byte {
		b, err := mustGBT(t, train, valid, p).MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	p.Workers = 1
	a := encode(p)
	p.Workers = 4
	b := encode(p)
	c := encode(p)
	if !bytes.Equal(a, b) || !bytes.Equal(b, c) {
		t.Error("same seed, different models (across runs or worker counts)")
	}
	p.Seed++
	if bytes.Equal(encode(p), a) {
		t.Error("different seeds with subsampling gave the same model")
	}
}

func TestBinEdges(t *testing.T) {
	if e := binEdges(nil, 10); len(e) != 0 {
		t.Errorf("no values: %v", e)
	}
	if e := binEdges([]float64{1, 1, 2, 4}, 10); !slices.Equal(e, []float64{1.5, 3}) {
		t.Errorf("few distinct values: %v", e)
	}
	// 70% zeros (no land), the rest spread: the zeros take one bin and the
	// others share the rest evenly.
	var vals []float64
	for i := range 7000 {
		_ = i
		vals = append(vals, 0)
	}
	for i := range 3000 {
		vals = append(vals, float64(i+1))
	}
	e := binEdges(vals, 16)
	if len(e) != 15 || e[0] != 0.5 {
		t.Fatalf("edges %v", e)
	}
	for i := 1; i < len(e); i++ {
		if !(e[i] > e[i-1]) {
			t.Fatalf("edges not increasing: %v", e)
		}
		if w := e[i] - e[i-1]; w < 150 || w > 250 {
			t.Errorf("uneven bin %d of width %v: %v", i, w, e)
		}
	}
	// Adjacent floats still give an edge that separates them.
	a := 1.0
	b := math.Nextafter(a, 2)
	e = binEdges([]float64{a, b}, 4)
	if len(e) != 1 || !(a <= e[0] && b > e[0]) {
		t.Errorf("adjacent floats: %v", e)
	}
}

func TestBinningMatchesThresholds(t *testing.T) {
	// The trainer routes training rows by bin and prediction routes them by
	// threshold; the two must agree for every training row, or the recorded
	// training RMSE would not be the model's.
	d := synthPMT(3000, 12, 8)
	p := fastParams()
	p.Rounds = 30
	m := mustGBT(t, d, nil, p)
	_, r, err := Evaluate(m, d)
	if err != nil {
		t.Fatal(err)
	}
	if want := m.Training().TrainRMSE[29]; math.Abs(r-want) > 1e-12 {
		t.Errorf("RMSE by thresholds %v, by bins during training %v", r, want)
	}
}

func TestGBTWeights(t *testing.T) {
	// Duplicating a row and doubling its weight are the same thing to the
	// loss; with no subsampling both must give the same predictions.
	// Few enough rows that every distinct value gets its own bin: weighted
	// and duplicated data then share their bin edges too.
	base := synthPMT(240, 10, 9)
	p := fastParams()
	p.Rounds = 40
	p.RowSubsample, p.ColSubsample = 1, 1
	p.MinSamplesLeaf = 1
	p.MinHessianLeaf = 0

	dup := &Dataset{Names: base.Names}
	wtd := &Dataset{Names: base.Names, W: make([]float64, 0, base.Rows())}
	for i := range base.Rows() {
		k := 1 + i%2
		for range k {
			dup.X = append(dup.X, base.Row(i)...)
			dup.Y = append(dup.Y, base.Y[i])
		}
		wtd.X = append(wtd.X, base.Row(i)...)
		wtd.Y = append(wtd.Y, base.Y[i])
		wtd.W = append(wtd.W, float64(k))
	}
	a, b := mustGBT(t, dup, nil, p), mustGBT(t, wtd, nil, p)
	pa, _, _ := Evaluate(a, base)
	pb, _, _ := Evaluate(b, base)
	for i := range pa {
		if math.Abs(pa[i]-pb[i]) > 1e-9 {
			t.Fatalf("row %d: duplicated %v, weighted %v", i, pa[i], pb[i])
		}
	}
	if math.Abs(a.BaseValue()-b.BaseValue()) > 1e-9 {
		t.Errorf("base values %v and %v", a.BaseValue(), b.BaseValue())
	}
}

func TestGBTConstantLabel(t *testing.T) {
	// Nothing to learn: every tree is a single leaf, prediction is the
	// label, and no feature gets any credit.
	d := synthPMT(500, 10, 10)
	for i := range d.Y {
		d.Y[i] = 12.25
	}
	p := fastParams()
	p.Rounds = 5
	g := mustGBT(t, d, nil, p)
	if g.NumNodes() != g.NumTrees() {
		t.Errorf("%d nodes in %d trees: constant labels grew splits", g.NumNodes(), g.NumTrees())
	}
	for i := range 20 {
		got, err := g.Predict(d.Row(i))
		if err != nil {
			t.Fatal(err)
		}
		base, c, err := g.Explain(d.Row(i))
		if err != nil {
			t.Fatal(err)
		}
		if got != 12.25 || base != 12.25 || slices.ContainsFunc(c, func(v float64) bool { return v != 0 }) {
			t.Fatalf("predict %v, base %v, contributions %v", got, base, c)
		}
	}
}
