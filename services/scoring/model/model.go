package model

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Model kinds, as returned by Kind and stored in the encoding.
const (
	KindOLS = "ols"
	KindGBT = "gbt"
)

// Model is what the ranking and the explanation pages need from a trained
// welfare model. A row is one family's feature vector in FeatureNames order,
// NaN for a missing value; the prediction is log per-capita consumption.
//
// The methods return an error instead of panicking on a row of the wrong
// width, because rows come from other contexts' data (DESIGN.md §7: bad input
// gets a reason, not a crash). Models are immutable after training or
// loading, so every method is safe for concurrent use.
type Model interface {
	// Kind is KindOLS or KindGBT.
	Kind() string
	// FeatureNames are the names of the row's columns, in order. The caller
	// must not modify the slice.
	FeatureNames() []string
	// Predict scores one row.
	Predict(row []float64) (float64, error)
	// PredictBatch scores len(out) rows stored row-major in rows, which must
	// hold exactly len(out)·len(FeatureNames()) values. It allocates nothing.
	PredictBatch(rows, out []float64) error
	// BaseValue is the explanation's starting point: the prediction at the
	// training mean for OLS, the mean training prediction for the trees.
	BaseValue() float64
	// Explain returns the base value and one contribution per feature, with
	// base + Σ contributions equal to Predict(row) up to float rounding.
	Explain(row []float64) (base float64, contributions []float64, err error)
	// ExplainInto is Explain writing into contributions, which must have one
	// element per feature; it allows scoring many rows without allocating.
	ExplainInto(row, contributions []float64) (base float64, err error)
	// MarshalBinary encodes the model in its versioned format; Unmarshal
	// reads it back and predicts bit-for-bit the same.
	MarshalBinary() ([]byte, error)
}

// Factor is one feature's share in an explanation.
type Factor struct {
	Feature      string  `json:"feature"`
	Index        int     `json:"index"`
	Value        float64 `json:"value"` // the family's value, NaN if missing
	Contribution float64 `json:"contribution"`
}

// TopFactors explains row and returns the k features that pushed the
// prediction up the most and the k that pushed it down the most, largest
// first. These are what a citizen sees next to a decile and may contest
// (DESIGN.md §1.6). Features that did not move the prediction are in
// neither list.
func TopFactors(m Model, row []float64, k int) (up, down []Factor, err error) {
	_, contrib, err := m.Explain(row)
	if err != nil {
		return nil, nil, err
	}
	up, down = RankFactors(m.FeatureNames(), row, contrib, k)
	return up, down, nil
}

// RankFactors orders an existing explanation the way TopFactors does: up by
// decreasing contribution, down by increasing (most negative first). Ties go
// to the lower feature index, so the order is reproducible. names, row and
// contributions have one entry per feature, as Explain returns them.
func RankFactors(names []string, row, contributions []float64, k int) (up, down []Factor) {
	if k <= 0 {
		return nil, nil
	}
	for j, c := range contributions {
		if c == 0 || math.IsNaN(c) {
			continue
		}
		f := Factor{Feature: names[j], Index: j, Value: row[j], Contribution: c}
		if c > 0 {
			up = append(up, f)
		} else {
			down = append(down, f)
		}
	}
	slices.SortFunc(up, func(a, b Factor) int {
		return cmp.Or(cmp.Compare(b.Contribution, a.Contribution), cmp.Compare(a.Index, b.Index))
	})
	slices.SortFunc(down, func(a, b Factor) int {
		return cmp.Or(cmp.Compare(a.Contribution, b.Contribution), cmp.Compare(a.Index, b.Index))
	})
	return up[:min(k, len(up))], down[:min(k, len(down))]
}

// Unmarshal reads a model written by MarshalBinary, of either kind.
func Unmarshal(data []byte) (Model, error) {
	switch {
	case bytes.HasPrefix(data, []byte(gbtMagic)):
		return UnmarshalGBT(data)
	case bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("{")):
		return UnmarshalOLS(data)
	}
	return nil, fmt.Errorf("%w: neither a tree ensemble nor a regression model", ErrFormat)
}

// RMSE is the (weighted, if w is not nil) root mean squared error of pred
// against y, the metric early stopping watches.
func RMSE(pred, y, w []float64) float64 {
	var se, sw float64
	for i := range y {
		e := pred[i] - y[i]
		wi := 1.0
		if w != nil {
			wi = w[i]
		}
		se += wi * e * e
		sw += wi
	}
	if sw == 0 {
		return math.NaN()
	}
	return math.Sqrt(se / sw)
}

// Evaluate predicts every row of d and returns the predictions and their
// RMSE against d's labels.
func Evaluate(m Model, d *Dataset) (pred []float64, rmse float64, err error) {
	if err := checkNames(m.FeatureNames(), d.Names); err != nil {
		return nil, 0, err
	}
	pred = make([]float64, d.Rows())
	if err := m.PredictBatch(d.X, pred); err != nil {
		return nil, 0, err
	}
	return pred, RMSE(pred, d.Y, d.W), nil
}

// checkNames rejects data whose columns are not the model's: a model applied
// to columns in another order would silently score nonsense.
func checkNames(want, got []string) error {
	if len(want) != len(got) {
		return fmt.Errorf("%w: model has %d features, data has %d", ErrShape, len(want), len(got))
	}
	for j := range want {
		if want[j] != got[j] {
			return fmt.Errorf("%w: feature %d is %q in the model but %q in the data", ErrShape, j, want[j], got[j])
		}
	}
	return nil
}

func checkRow(row []float64, p int) error {
	if len(row) != p {
		return fmt.Errorf("%w: row has %d values, model expects %d", ErrShape, len(row), p)
	}
	return nil
}

func checkBatch(rows, out []float64, p int) error {
	if len(rows) != len(out)*p {
		return fmt.Errorf("%w: %d rows of %d features need %d values, got %d", ErrShape, len(out), p, len(out)*p, len(rows))
	}
	return nil
}
