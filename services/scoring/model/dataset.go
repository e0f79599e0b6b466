package model

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Errors returned for bad input. They are wrapped with the detail (which row,
// which column), so test them with errors.Is.
var (
	// ErrNoRows: a dataset or training set has no rows.
	ErrNoRows = errors.New("model: no rows")
	// ErrShape: lengths disagree (features × rows vs. matrix, labels, weights,
	// or a row passed to a model that expects another width).
	ErrShape = errors.New("model: shape mismatch")
	// ErrLabel: a label is NaN or infinite.
	ErrLabel = errors.New("model: invalid label")
	// ErrWeight: a weight is not a positive finite number.
	ErrWeight = errors.New("model: invalid weight")
	// ErrValue: a feature value is infinite (NaN is allowed: it means missing).
	ErrValue = errors.New("model: invalid feature value")
	// ErrParams: a hyper-parameter is out of range.
	ErrParams = errors.New("model: invalid hyper-parameter")
	// ErrFormat: a serialised model is malformed, truncated, corrupted or of
	// an unknown format version.
	ErrFormat = errors.New("model: bad model encoding")
)

// Dataset is a dense training or validation set. X is row-major: row i is
// X[i*len(Names):(i+1)*len(Names)], which is the layout the feature store
// produces and the layout prediction reads; the tree trainer re-packs it into
// per-feature bins once, so the row-major layout costs training nothing.
//
// NaN in X means missing. Y holds the labels, log per-capita consumption
// from the survey (never self-declared consumption, see the package
// documentation). W holds optional positive weights, such as survey
// expansion weights; nil means every row weighs 1.
type Dataset struct {
	Names []string
	X     []float64
	Y     []float64
	W     []float64
}

// NewDataset checks the shapes and values and returns the dataset. The slices
// are used, not copied.
func NewDataset(names []string, x, y, w []float64) (*Dataset, error) {
	d := &Dataset{Names: names, X: x, Y: y, W: w}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return d, nil
}

// Rows is the number of rows.
func (d *Dataset) Rows() int { return len(d.Y) }

// Cols is the number of features.
func (d *Dataset) Cols() int { return len(d.Names) }

// Row returns row i, sharing memory with X.
func (d *Dataset) Row(i int) []float64 {
	p := len(d.Names)
	return d.X[i*p : (i+1)*p : (i+1)*p]
}

// Weight is the weight of row i.
func (d *Dataset) Weight(i int) float64 {
	if d.W == nil {
		return 1
	}
	return d.W[i]
}

// Validate reports the first problem that would make the dataset unusable
// for training: no rows or features, inconsistent lengths, duplicate or empty
// feature names, NaN or infinite labels, non-positive weights or infinite
// feature values.
func (d *Dataset) Validate() error {
	p := len(d.Names)
	if err := checkFeatureNames(d.Names); err != nil {
		return err
	}
	n := len(d.Y)
	if n == 0 {
		return ErrNoRows
	}
	if len(d.X) != n*p {
		return fmt.Errorf("%w: %d labels and %d features need %d values, X has %d", ErrShape, n, p, n*p, len(d.X))
	}
	if d.W != nil && len(d.W) != n {
		return fmt.Errorf("%w: %d labels but %d weights", ErrShape, n, len(d.W))
	}
	for i, y := range d.Y {
		if math.IsNaN(y) || math.IsInf(y, 0) {
			return fmt.Errorf("%w: row %d has label %v", ErrLabel, i, y)
		}
	}
	for i, w := range d.W {
		if !(w > 0) || math.IsInf(w, 0) {
			return fmt.Errorf("%w: row %d has weight %v", ErrWeight, i, w)
		}
	}
	for k, v := range d.X {
		if math.IsInf(v, 0) {
			return fmt.Errorf("%w: row %d feature %q is %v (use NaN for missing)", ErrValue, k/p, d.Names[k%p], v)
		}
	}
	return nil
}

// Split divides the rows at random into a training and a validation set, the
// latter holding round(validFraction·rows) rows (at least one of each when
// possible). The same seed and data always give the same split; rows keep
// their original order inside each part, so a sorted input stays sorted.
func (d *Dataset) Split(validFraction float64, seed uint64) (train, valid *Dataset, err error) {
	if err := d.Validate(); err != nil {
		return nil, nil, err
	}
	inValid, err := SplitMask(d.Rows(), validFraction, seed)
	if err != nil {
		return nil, nil, err
	}
	nv := 0
	for _, v := range inValid {
		if v {
			nv++
		}
	}
	return d.subset(d.Rows()-nv, inValid, false), d.subset(nv, inValid, true), nil
}

// SplitMask is which of n rows Split holds out for validation, so that a
// caller can tell which families (and which of their groups) the validation
// rows are.
func SplitMask(n int, validFraction float64, seed uint64) ([]bool, error) {
	if !(validFraction > 0 && validFraction < 1) {
		return nil, fmt.Errorf("%w: validation fraction %v is not in (0, 1)", ErrParams, validFraction)
	}
	if n < 2 {
		return nil, fmt.Errorf("%w: cannot split %d row", ErrNoRows, n)
	}
	nv := int(math.Round(validFraction * float64(n)))
	nv = max(1, min(n-1, nv))
	// A partial Fisher–Yates shuffle picks exactly nv rows; a Bernoulli draw
	// per row would make the validation size itself random.
	rng := rand.New(rand.NewPCG(seed, splitStream))
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	for i := 0; i < nv; i++ {
		k := i + rng.IntN(n-i)
		perm[i], perm[k] = perm[k], perm[i]
	}
	inValid := make([]bool, n)
	for _, r := range perm[:nv] {
		inValid[r] = true
	}
	return inValid, nil
}

// splitStream separates the split's PRNG stream from the trainer's, so the
// same user seed used for both does not correlate them.
const splitStream = 0x5d75e6a1c0ffee01

func (d *Dataset) subset(size int, mask []bool, want bool) *Dataset {
	p := d.Cols()
	out := &Dataset{
		Names: d.Names,
		X:     make([]float64, 0, size*p),
		Y:     make([]float64, 0, size),
	}
	if d.W != nil {
		out.W = make([]float64, 0, size)
	}
	for i, m := range mask {
		if m != want {
			continue
		}
		out.X = append(out.X, d.Row(i)...)
		out.Y = append(out.Y, d.Y[i])
		if d.W != nil {
			out.W = append(out.W, d.W[i])
		}
	}
	return out
}

// checkFeatureNames requires at least one feature and unique, non-empty
// names: the names are how a model's columns are matched to data.
func checkFeatureNames(names []string) error {
	if len(names) == 0 {
		return fmt.Errorf("%w: no features", ErrShape)
	}
	seen := make(map[string]int, len(names))
	for j, name := range names {
		if name == "" {
			return fmt.Errorf("%w: feature %d has an empty name", ErrShape, j)
		}
		if k, dup := seen[name]; dup {
			return fmt.Errorf("%w: features %d and %d are both named %q", ErrShape, k, j, name)
		}
		seen[name] = j
	}
	return nil
}
