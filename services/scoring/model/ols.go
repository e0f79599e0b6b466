package model

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
)

// OLSParams are the regression PMT's settings.
type OLSParams struct {
	// Ridge is added to the diagonal of the standardised normal equations,
	// relative to their diagonal (which is the total weight). It only has to
	// be large enough to make exactly collinear features solvable (two
	// indicator columns that always agree, such as "owns a refrigerator" in a
	// region where every household with electricity has one): the default
	// 1e-9 biases a well-determined coefficient by about one part in 10⁹ and
	// splits an undetermined one evenly between its collinear columns.
	Ridge float64 `json:"ridge"`
}

// DefaultOLSParams returns the settings used when nothing else is chosen.
func DefaultOLSParams() OLSParams { return OLSParams{Ridge: 1e-9} }

// OLSTraining describes the data an OLS model was fitted on.
type OLSTraining struct {
	Rows      int     `json:"rows"`
	WeightSum float64 `json:"weight_sum"`
	RMSE      float64 `json:"rmse"`
	// ConstantFeatures had no variation in the training data (after mean
	// imputation) and got a zero coefficient.
	ConstantFeatures []string `json:"constant_features,omitempty"`
}

// OLS is the regression proxy means test: y = base + Σ β_j·(x_j − mean_j),
// with a missing x_j replaced by mean_j. Writing the model around the means
// makes the explanation fall out of the prediction itself: each term of the
// sum is a feature's contribution, and base is the prediction for the average
// training family.
type OLS struct {
	names     []string
	coef      []float64
	means     []float64
	base      float64
	intercept float64
	params    OLSParams
	training  OLSTraining
}

var _ Model = (*OLS)(nil)

// TrainOLS fits weighted least squares of d.Y on d.X with an intercept.
//
// How it is solved, and why it is stable enough: every column is centred on
// its (weighted) training mean, which removes the intercept from the system
// and with it the main source of ill-conditioning (asset counts and areas
// have means far from zero), and scaled to unit root-mean-square, so the
// normal equations ZᵀWZ have a unit diagonal relative to the total weight
// and their condition number is that of the features' correlation matrix.
// Columns that do not vary are dropped (β = 0). The system, with the tiny
// ridge of OLSParams.Ridge on the diagonal, is then solved by Cholesky. One
// pass over the rows accumulates the p×p cross-products, which is cheaper
// than a QR of the n×p matrix and good to about 10⁻⁷ relative even for a
// correlation-matrix condition number of 10⁹ (float64 has 16 digits).
func TrainOLS(d *Dataset, params OLSParams) (*OLS, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if !(params.Ridge >= 0) || math.IsInf(params.Ridge, 0) {
		return nil, fmt.Errorf("%w: ridge %v must be a finite number ≥ 0", ErrParams, params.Ridge)
	}
	n, p := d.Rows(), d.Cols()

	// Means over the observed values of each column: the imputed value for
	// a missing entry, so imputation leaves the mean unchanged.
	means := make([]float64, p)
	seen := make([]float64, p)
	var sw, ybar float64
	for i := range n {
		w := d.Weight(i)
		sw += w
		ybar += w * d.Y[i]
		for j, v := range d.Row(i) {
			if v == v {
				means[j] += w * v
				seen[j] += w
			}
		}
	}
	ybar /= sw
	for j := range means {
		if seen[j] > 0 {
			means[j] /= seen[j]
		}
	}

	// Root-mean-square of the centred columns, to scale them to one.
	scale := make([]float64, p)
	for i := range n {
		w := d.Weight(i)
		for j, v := range d.Row(i) {
			if v == v {
				z := v - means[j]
				scale[j] += w * z * z
			}
		}
	}
	var keep []int
	var constant []string
	for j := range scale {
		scale[j] = math.Sqrt(scale[j] / sw)
		// Relative to the mean's magnitude: a column whose spread is lost in
		// the rounding of its mean carries no information.
		if scale[j] > 1e-12*math.Max(1, math.Abs(means[j])) {
			keep = append(keep, j)
		} else {
			constant = append(constant, d.Names[j])
		}
	}

	k := len(keep)
	a := make([]float64, k*k) // lower triangle of ZᵀWZ
	b := make([]float64, k)   // ZᵀW(y − ȳ)
	z := make([]float64, k)
	for i := range n {
		w := d.Weight(i)
		row := d.Row(i)
		for c, j := range keep {
			v := row[j]
			if v == v {
				z[c] = (v - means[j]) / scale[j]
			} else {
				z[c] = 0
			}
		}
		ry := w * (d.Y[i] - ybar)
		for r := range k {
			wz := w * z[r]
			if wz == 0 {
				continue
			}
			ar := a[r*k : r*k+r+1]
			for c := range ar {
				ar[c] += wz * z[c]
			}
			b[r] += ry * z[r]
		}
	}
	for r := range k {
		a[r*k+r] += params.Ridge * sw
	}
	sol, err := solveCholesky(a, b, k)
	if err != nil {
		return nil, fmt.Errorf("model: OLS normal equations: %w (features are collinear; raise OLSParams.Ridge)", err)
	}

	coef := make([]float64, p)
	intercept := ybar
	for c, j := range keep {
		coef[j] = sol[c] / scale[j]
		intercept -= coef[j] * means[j]
	}
	m := &OLS{
		names:     slices.Clone(d.Names),
		coef:      coef,
		means:     means,
		base:      ybar,
		intercept: intercept,
		params:    params,
		training:  OLSTraining{Rows: n, WeightSum: sw, ConstantFeatures: constant},
	}
	pred := make([]float64, n)
	if err := m.PredictBatch(d.X, pred); err != nil {
		return nil, err
	}
	m.training.RMSE = RMSE(pred, d.Y, d.W)
	return m, nil
}

// solveCholesky solves a·x = b for a symmetric positive definite k×k matrix
// given by its lower triangle (row-major). a is overwritten by its factor.
// A pivot that falls below 10⁻¹³ of its diagonal entry is rounding noise
// from a singular matrix, not information, so it is an error rather than a
// wild solution.
func solveCholesky(a, b []float64, k int) ([]float64, error) {
	for j := range k {
		s := a[j*k+j]
		floor := 1e-13 * s
		for c := range j {
			s -= a[j*k+c] * a[j*k+c]
		}
		if !(s > floor) {
			return nil, fmt.Errorf("matrix singular at column %d", j)
		}
		d := math.Sqrt(s)
		a[j*k+j] = d
		for r := j + 1; r < k; r++ {
			s := a[r*k+j]
			for c := range j {
				s -= a[r*k+c] * a[j*k+c]
			}
			a[r*k+j] = s / d
		}
	}
	x := slices.Clone(b)
	for r := range k { // L·y = b
		s := x[r]
		for c := range r {
			s -= a[r*k+c] * x[c]
		}
		x[r] = s / a[r*k+r]
	}
	for r := k - 1; r >= 0; r-- { // Lᵀ·x = y
		s := x[r]
		for c := r + 1; c < k; c++ {
			s -= a[c*k+r] * x[c]
		}
		x[r] = s / a[r*k+r]
	}
	return x, nil
}

// Kind implements Model.
func (m *OLS) Kind() string { return KindOLS }

// FeatureNames implements Model.
func (m *OLS) FeatureNames() []string { return m.names }

// BaseValue implements Model: the prediction for a family at the training
// means, which is the weighted mean of the training labels.
func (m *OLS) BaseValue() float64 { return m.base }

// Coefficients returns β (per unit of each feature), the intercept and the
// imputation means, for reports that print the PMT formula.
func (m *OLS) Coefficients() (coef []float64, intercept float64, means []float64) {
	return slices.Clone(m.coef), m.intercept, slices.Clone(m.means)
}

// Params returns the settings the model was trained with.
func (m *OLS) Params() OLSParams { return m.params }

// Training returns what the model was fitted on.
func (m *OLS) Training() OLSTraining {
	t := m.training
	t.ConstantFeatures = slices.Clone(t.ConstantFeatures)
	return t
}

// Predict implements Model. Summing the contributions in feature order
// after the base, exactly as Explain's caller would, makes
// base + Σ contributions equal the prediction bit for bit.
func (m *OLS) Predict(row []float64) (float64, error) {
	if err := checkRow(row, len(m.coef)); err != nil {
		return 0, err
	}
	return m.predict(row), nil
}

func (m *OLS) predict(row []float64) float64 {
	s := m.base
	means := m.means[:len(m.coef)]
	row = row[:len(m.coef)]
	for j, b := range m.coef {
		if v := row[j]; v == v {
			// The conversion forbids fusing the multiply into the add
			// (the Go spec allows it, and arm64 does it), so a stored
			// model scores the same on every architecture and the sum
			// equals base + Σ contributions exactly.
			s += float64(b * (v - means[j]))
		}
	}
	return s
}

// PredictBatch implements Model.
func (m *OLS) PredictBatch(rows, out []float64) error {
	p := len(m.coef)
	if err := checkBatch(rows, out, p); err != nil {
		return err
	}
	for i := range out {
		out[i] = m.predict(rows[i*p : (i+1)*p])
	}
	return nil
}

// Explain implements Model: contribution_j = β_j·(x_j − mean_j), zero for a
// missing x_j since it was imputed with the mean.
func (m *OLS) Explain(row []float64) (float64, []float64, error) {
	c := make([]float64, len(m.coef))
	base, err := m.ExplainInto(row, c)
	if err != nil {
		return 0, nil, err
	}
	return base, c, nil
}

// ExplainInto implements Model.
func (m *OLS) ExplainInto(row, contributions []float64) (float64, error) {
	p := len(m.coef)
	if err := checkRow(row, p); err != nil {
		return 0, err
	}
	if err := checkRow(contributions, p); err != nil {
		return 0, fmt.Errorf("contributions: %w", err)
	}
	for j, b := range m.coef {
		contributions[j] = 0
		if v := row[j]; v == v {
			contributions[j] = b * (v - m.means[j])
		}
	}
	return m.base, nil
}

// modelFormat names the encodings of both kinds; olsVersion is bumped on
// any change a reader of the previous version would misread.
const (
	modelFormat = "dtsen.scoring.welfare-model"
	olsVersion  = 1
)

type olsJSON struct {
	Format       string      `json:"format"`
	Kind         string      `json:"kind"`
	Version      int         `json:"version"`
	Target       string      `json:"target"`
	Features     []string    `json:"features"`
	Base         float64     `json:"base"`
	Intercept    float64     `json:"intercept"`
	Coefficients []float64   `json:"coefficients"`
	Means        []float64   `json:"means"`
	Params       OLSParams   `json:"params"`
	Training     OLSTraining `json:"training"`
}

// MarshalBinary implements Model with indented JSON: the PMT formula stays
// readable by an auditor. encoding/json writes every float64 in the
// shortest form that parses back to the same bits, so the round trip is
// exact.
func (m *OLS) MarshalBinary() ([]byte, error) {
	return json.MarshalIndent(olsJSON{
		Format:       modelFormat,
		Kind:         KindOLS,
		Version:      olsVersion,
		Target:       targetName,
		Features:     m.names,
		Base:         m.base,
		Intercept:    m.intercept,
		Coefficients: m.coef,
		Means:        m.means,
		Params:       m.params,
		Training:     m.training,
	}, "", "  ")
}

// targetName records what the prediction means, for whoever opens a stored
// model in a year's time.
const targetName = "log per-capita consumption (survey-measured)"

// UnmarshalOLS reads an OLS model written by MarshalBinary.
func UnmarshalOLS(data []byte) (*OLS, error) {
	var j olsJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	switch {
	case j.Format != modelFormat || j.Kind != KindOLS:
		return nil, fmt.Errorf("%w: format %q kind %q is not an OLS welfare model", ErrFormat, j.Format, j.Kind)
	case j.Version != olsVersion:
		return nil, fmt.Errorf("%w: OLS format version %d is not supported (this build reads %d)", ErrFormat, j.Version, olsVersion)
	case len(j.Coefficients) != len(j.Features) || len(j.Means) != len(j.Features):
		return nil, fmt.Errorf("%w: %d features, %d coefficients, %d means", ErrFormat, len(j.Features), len(j.Coefficients), len(j.Means))
	}
	if err := checkFeatureNames(j.Features); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	return &OLS{
		names:     j.Features,
		coef:      j.Coefficients,
		means:     j.Means,
		base:      j.Base,
		intercept: j.Intercept,
		params:    j.Params,
		training:  j.Training,
	}, nil
}
