package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestOLSRecoversCoefficients(t *testing.T) {
	beta := []float64{0.5, -1.25, 3, 0, 0.01}
	const intercept = 12.5
	rng := rand.New(rand.NewPCG(3, 3))
	d := uniformData(5000, len(beta), 1, func(row []float64, _ *rand.Rand) float64 {
		y := intercept
		for j, b := range beta {
			y += b * row[j]
		}
		return y + 0.001*rng.NormFloat64()
	})
	// Shift and scale the columns far from zero, as asset values are, to
	// exercise the centring.
	for i := range d.Rows() {
		d.Row(i)[1] = 1000 + 50*d.Row(i)[1]
	}
	beta[1] /= 50
	wantIntercept := intercept - 1000*beta[1]

	m := mustOLS(t, d)
	coef, ic, _ := m.Coefficients()
	for j, b := range beta {
		if math.Abs(coef[j]-b) > 1e-3*math.Max(1, math.Abs(b)) {
			t.Errorf("β%d = %v, want %v", j, coef[j], b)
		}
	}
	if math.Abs(ic-wantIntercept) > 1e-2 {
		t.Errorf("intercept = %v, want %v", ic, wantIntercept)
	}
	if r := m.Training().RMSE; r > 0.0011 || r < 0.0009 {
		t.Errorf("training RMSE = %v, want the noise level 0.001", r)
	}
}

func TestOLSWeighted(t *testing.T) {
	// Two populations with different slopes; the weights make the first
	// one dominate, so the fit must follow it.
	n := 2000
	d := uniformData(n, 1, 5, func(row []float64, _ *rand.Rand) float64 { return 0 })
	d.W = make([]float64, n)
	for i := range n {
		if i%2 == 0 {
			d.Y[i], d.W[i] = 2*d.X[i], 1000
		} else {
			d.Y[i], d.W[i] = -2*d.X[i], 0.001
		}
	}
	m := mustOLS(t, d)
	coef, _, _ := m.Coefficients()
	if math.Abs(coef[0]-2) > 0.01 {
		t.Errorf("weighted slope = %v, want ≈ 2", coef[0])
	}
}

func TestOLSConstantCollinearAndMissing(t *testing.T) {
	d := uniformData(3000, 4, 9, func(row []float64, _ *rand.Rand) float64 {
		return 1 + 2*row[0] - row[1]
	})
	for i := range d.Rows() {
		r := d.Row(i)
		r[2] = 7       // constant
		r[3] = r[0]    // exact duplicate of x0
		if i%10 == 0 { // missing x1 with the label as if x1 were at its mean
			r[1] = math.NaN()
			d.Y[i] = 1 + 2*r[0] - 0.5
		}
	}
	m := mustOLS(t, d)
	coef, _, means := m.Coefficients()
	if coef[2] != 0 {
		t.Errorf("constant feature got β = %v", coef[2])
	}
	if got := m.Training().ConstantFeatures; len(got) != 1 || got[0] != "x2" {
		t.Errorf("ConstantFeatures = %v", got)
	}
	if math.Abs(coef[0]+coef[3]-2) > 1e-4 || math.Abs(coef[0]-coef[3]) > 1e-4 {
		t.Errorf("duplicate columns: β0 = %v, β3 = %v, want 1 each (ridge splits evenly)", coef[0], coef[3])
	}
	if math.Abs(means[1]-0.5) > 0.02 {
		t.Errorf("mean of x1 = %v", means[1])
	}
	if math.Abs(coef[1]+1) > 0.01 {
		t.Errorf("β1 = %v, want -1", coef[1])
	}
	row := []float64{0.3, math.NaN(), 7, 0.3}
	_, c, err := m.Explain(row)
	if err != nil {
		t.Fatal(err)
	}
	if c[1] != 0 || c[2] != 0 {
		t.Errorf("missing and constant features must contribute 0, got %v", c)
	}
}

func TestOLSRidgeZeroCollinearIsAnError(t *testing.T) {
	d := uniformData(100, 2, 1, func(row []float64, _ *rand.Rand) float64 { return row[0] })
	for i := range d.Rows() {
		d.Row(i)[1] = d.Row(i)[0]
	}
	if _, err := TrainOLS(d, OLSParams{Ridge: 0}); err == nil {
		t.Fatal("exactly collinear features without ridge: want an error")
	}
}
