package model

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"
)

func TestBadTrainingInput(t *testing.T) {
	names := []string{"a", "b"}
	cases := []struct {
		name string
		d    *Dataset
		want error
	}{
		{"no rows", &Dataset{Names: names}, ErrNoRows},
		{"no features", &Dataset{Y: []float64{1}}, ErrShape},
		{"label count", &Dataset{Names: names, X: []float64{1, 2, 3, 4}, Y: []float64{1}}, ErrShape},
		{"NaN label", &Dataset{Names: names, X: []float64{1, 2, 3, 4}, Y: []float64{1, math.NaN()}}, ErrLabel},
		{"infinite label", &Dataset{Names: names, X: []float64{1, 2, 3, 4}, Y: []float64{math.Inf(1), 1}}, ErrLabel},
		{"weight count", &Dataset{Names: names, X: []float64{1, 2, 3, 4}, Y: []float64{1, 2}, W: []float64{1}}, ErrShape},
		{"zero weight", &Dataset{Names: names, X: []float64{1, 2, 3, 4}, Y: []float64{1, 2}, W: []float64{1, 0}}, ErrWeight},
		{"NaN weight", &Dataset{Names: names, X: []float64{1, 2, 3, 4}, Y: []float64{1, 2}, W: []float64{math.NaN(), 1}}, ErrWeight},
		{"infinite value", &Dataset{Names: names, X: []float64{1, math.Inf(-1), 3, 4}, Y: []float64{1, 2}}, ErrValue},
		{"duplicate names", &Dataset{Names: []string{"a", "a"}, X: []float64{1, 2}, Y: []float64{1}}, ErrShape},
	}
	for _, c := range cases {
		if _, err := TrainOLS(c.d, DefaultOLSParams()); !errors.Is(err, c.want) {
			t.Errorf("OLS %s: err = %v, want %v", c.name, err, c.want)
		}
		if _, err := TrainGBT(c.d, nil, DefaultGBTParams()); !errors.Is(err, c.want) {
			t.Errorf("GBT %s: err = %v, want %v", c.name, err, c.want)
		}
		if _, err := NewDataset(c.d.Names, c.d.X, c.d.Y, c.d.W); !errors.Is(err, c.want) {
			t.Errorf("NewDataset %s: err = %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := TrainGBT(nil, nil, DefaultGBTParams()); !errors.Is(err, ErrNoRows) {
		t.Errorf("nil training set: %v", err)
	}
	good := &Dataset{Names: names, X: []float64{1, 2, 3, 4}, Y: []float64{1, 2}}
	other := &Dataset{Names: []string{"b", "a"}, X: []float64{1, 2}, Y: []float64{1}}
	if _, err := TrainGBT(good, other, DefaultGBTParams()); !errors.Is(err, ErrShape) {
		t.Errorf("validation set with other columns: %v", err)
	}
	if _, err := TrainOLS(good, OLSParams{Ridge: -1}); !errors.Is(err, ErrParams) {
		t.Errorf("negative ridge: %v", err)
	}
	for name, mut := range map[string]func(*GBTParams){
		"zero params":    func(p *GBTParams) { *p = GBTParams{} },
		"learning rate":  func(p *GBTParams) { p.LearningRate = 0 },
		"NaN L2":         func(p *GBTParams) { p.L2 = math.NaN() },
		"depth":          func(p *GBTParams) { p.MaxDepth = 40 },
		"bins":           func(p *GBTParams) { p.MaxBins = 256 },
		"subsample":      func(p *GBTParams) { p.RowSubsample = 1.5 },
		"colsample":      func(p *GBTParams) { p.ColSubsample = 0 },
		"min leaf":       func(p *GBTParams) { p.MinSamplesLeaf = 0 },
		"early stopping": func(p *GBTParams) { p.EarlyStoppingRounds = -1 },
	} {
		p := DefaultGBTParams()
		mut(&p)
		if _, err := TrainGBT(good, nil, p); !errors.Is(err, ErrParams) {
			t.Errorf("%s: err = %v, want ErrParams", name, err)
		}
	}
}

func TestBadPredictionInput(t *testing.T) {
	d := synthPMT(500, 10, 41)
	p := fastParams()
	p.Rounds = 5
	for _, m := range []Model{mustOLS(t, d), mustGBT(t, d, nil, p)} {
		for _, row := range [][]float64{nil, make([]float64, 9), make([]float64, 11)} {
			if _, err := m.Predict(row); !errors.Is(err, ErrShape) {
				t.Errorf("%s Predict(%d values): %v", m.Kind(), len(row), err)
			}
			if _, _, err := m.Explain(row); !errors.Is(err, ErrShape) {
				t.Errorf("%s Explain(%d values): %v", m.Kind(), len(row), err)
			}
		}
		if _, err := m.ExplainInto(d.Row(0), make([]float64, 3)); !errors.Is(err, ErrShape) {
			t.Errorf("%s ExplainInto short output: %v", m.Kind(), err)
		}
		if err := m.PredictBatch(d.X[:25], make([]float64, 3)); !errors.Is(err, ErrShape) {
			t.Errorf("%s PredictBatch ragged: %v", m.Kind(), err)
		}
		if err := m.PredictBatch(nil, nil); err != nil {
			t.Errorf("%s PredictBatch of nothing: %v", m.Kind(), err)
		}
		renamed := *d
		renamed.Names = slices.Clone(d.Names)
		renamed.Names[0], renamed.Names[1] = renamed.Names[1], renamed.Names[0]
		if _, _, err := Evaluate(m, &renamed); !errors.Is(err, ErrShape) {
			t.Errorf("%s Evaluate on reordered columns: %v", m.Kind(), err)
		}
	}
}

func TestSplit(t *testing.T) {
	d := synthPMT(1000, 10, 51)
	d.W = make([]float64, d.Rows())
	for i := range d.W {
		d.W[i] = float64(i + 1) // identifies the row
	}
	tr, va := mustSplit(t, d, 0.2, 9)
	if tr.Rows() != 800 || va.Rows() != 200 {
		t.Fatalf("split %d/%d", tr.Rows(), va.Rows())
	}
	all := append(slices.Clone(tr.W), va.W...)
	slices.Sort(all)
	for i, w := range all {
		if w != float64(i+1) {
			t.Fatalf("rows lost or repeated")
		}
	}
	if !slices.IsSorted(tr.W) || !slices.IsSorted(va.W) {
		t.Error("split does not keep row order")
	}
	for i := range tr.Rows() {
		orig := int(tr.W[i]) - 1
		if !slices.Equal(tr.Row(i)[1:3], d.Row(orig)[1:3]) || tr.Y[i] != d.Y[orig] {
			t.Fatal("row contents moved")
		}
	}
	tr2, _ := mustSplit(t, d, 0.2, 9)
	if !slices.Equal(tr.W, tr2.W) {
		t.Error("same seed, different split")
	}
	tr3, _ := mustSplit(t, d, 0.2, 10)
	if slices.Equal(tr.W, tr3.W) {
		t.Error("different seeds, same split")
	}
	for _, f := range []float64{0, 1, -0.5, math.NaN()} {
		if _, _, err := d.Split(f, 1); !errors.Is(err, ErrParams) {
			t.Errorf("fraction %v: %v", f, err)
		}
	}
	one := &Dataset{Names: []string{"a"}, X: []float64{1}, Y: []float64{1}}
	if _, _, err := one.Split(0.5, 1); !errors.Is(err, ErrNoRows) {
		t.Errorf("one row: %v", err)
	}
}

func TestTrainGBTCancelled(t *testing.T) {
	d := synthPMT(500, 10, 42)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := TrainGBTContext(ctx, d, nil, fastParams()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
	// Cancelled mid-way: 1000 rounds on 5,000 rows take far longer than
	// the deadline.
	d = synthPMT(5000, 10, 43)
	p := fastParams()
	p.Rounds, p.EarlyStoppingRounds = 1000, 0
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := TrainGBTContext(ctx, d, nil, p); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: %v", err)
	}
}
