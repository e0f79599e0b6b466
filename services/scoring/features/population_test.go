package features_test

import (
	"math"
	"sync"
	"testing"

	"github.com/dtsen-id/dtsen/services/population/population"
	"github.com/dtsen-id/dtsen/services/scoring/features"
)

// populationSample is the generated population the signal tests use: large
// enough for correlations of 0.05 to be told from noise (the standard error
// at n = 2000 is about 0.022), small enough to generate in a fraction of a
// second.
const populationSample = 2000

type sample struct {
	x [][]float64 // one vector per family
	y []float64   // ln true consumption per capita
}

var (
	sampleOnce  sync.Once
	sampleCache sample
	sampleErr   error
)

// buildSample generates the sample once for all the tests that read it.
func buildSample(t testing.TB) sample {
	t.Helper()
	sampleOnce.Do(func() { sampleCache, sampleErr = generateSample() })
	if sampleErr != nil {
		t.Fatal(sampleErr)
	}
	return sampleCache
}

func generateSample() (sample, error) {
	var s sample
	err := generate(populationSample, func(h *population.Household, in features.Input) error {
		if len(h.Errors) > 0 {
			return nil // the registry rejects these families: nothing to score
		}
		v, err := features.Build(in)
		if err != nil {
			return err
		}
		s.x = append(s.x, v)
		s.y = append(s.y, math.Log(h.Truth.PerCapitaConsumption))
		return nil
	})
	return s, err
}

// pearson over the families whose feature is not missing.
func pearson(s sample, j int) (r float64, n int) {
	var sx, sy, sxx, syy, sxy float64
	for i, row := range s.x {
		x := row[j]
		if math.IsNaN(x) {
			continue
		}
		y := s.y[i]
		n++
		sx, sy, sxx, syy, sxy = sx+x, sy+y, sxx+x*x, syy+y*y, sxy+x*y
	}
	if n < 3 {
		return math.NaN(), n
	}
	fn := float64(n)
	cov := sxy/fn - sx/fn*sy/fn
	vx, vy := sxx/fn-sx/fn*sx/fn, syy/fn-sy/fn*sy/fn
	if vx <= 0 || vy <= 0 {
		return math.NaN(), n
	}
	return cov / math.Sqrt(vx*vy), n
}

// TestPopulationSignal checks, over a generated population, that features
// move with the latent true welfare in the direction the PMT literature
// expects: a feature that does not carry signal (or carries it backwards)
// is computed wrongly or from the wrong field.
func TestPopulationSignal(t *testing.T) {
	s := buildSample(t)
	// Expected sign of the correlation with ln true consumption per capita;
	// each must reach |r| >= 0.1 (over four standard errors at n = 2000).
	want := map[string]float64{
		"installed_power_va":                 +1,
		"cars":                               +1,
		"log_formal_income_per_capita":       +1,
		"log_tax_declared_income_per_capita": +1,
		"formal_wage_earners":                +1,
		"floor_ceramic":                      +1,
		"floor_area_per_capita_sqm":          +1,
		"wall_quality":                       +1,
		"roof_quality":                       +1,
		"owns_refrigerator":                  +1,
		"owns_air_conditioner":               +1,
		"owns_computer":                      +1,
		"owns_gas_cylinder_large":            +1,
		"gold_or_savings_10g":                +1,
		"house_elsewhere":                    +1,
		"log_vehicle_value":                  +1,
		"head_education_years":               +1,
		"max_adult_education_years":          +1,
		"urban":                              +1,
		"max_savings_band":                   +1,
		"savings_account_holders":            +1,
		"log_card_spending_per_capita":       +1,
		"log_ewallet_spending_per_capita":    +1,
		"health_class_1_2":                   +1,
		"electricity_kwh_per_capita":         +1,
		"max_school_fee_band":                +1,
		"private_school_share":               +1,
		"toilet_private":                     +1,
		"sewage_septic_tank":                 +1,
		"public_sector_workers":              +1,
		"head_formal_employment":             +1,
		"floor_earth":                        -1,
		"housing_poor_condition_count":       -1,
		"cooking_firewood_charcoal":          -1,
		"drinking_water_unimproved":          -1,
		"household_size":                     -1,
		"dependency_ratio":                   -1,
		"children_0_6":                       -1,
		"head_agriculture":                   -1,
		"informal_workers":                   -1,
		"livestock_poultry":                  -1,
		"health_pbi":                         -1,
		"subsidised_electricity":             -1,
		"programme_sembako":                  -1,
		"programme_pkh":                      -1,
		"kip_recipients":                     -1,
	}
	for j, name := range features.Names() {
		r, n := pearson(s, j)
		sign, checked := want[name]
		t.Logf("%-36s r=%+.3f n=%d", name, r, n)
		if checked && !(r*sign >= 0.1) {
			t.Errorf("%s: r = %+.3f over %d families, want %+.0f·(≥ 0.1)", name, r, n, sign)
		}
	}
	for name := range want {
		if _, ok := features.Index(name); !ok {
			t.Errorf("expectation for unknown feature %s", name)
		}
	}
}

// TestPopulationJointSignal fits a ridge regression on 70% of the families
// and scores the rest: the vector as a whole must explain most of the
// variance of ln true consumption, with and without the features that
// record past targeting.
func TestPopulationJointSignal(t *testing.T) {
	s := buildSample(t)
	train := len(s.y) * 7 / 10
	r2 := ridgeR2(s, train, 1)
	var untargeted []string
	for _, d := range features.Definitions() {
		if !d.Targeting {
			untargeted = append(untargeted, d.Name)
		}
	}
	p, err := features.NewProjection(untargeted)
	if err != nil {
		t.Fatal(err)
	}
	narrow := sample{y: s.y}
	for _, row := range s.x {
		narrow.x = append(narrow.x, p.Apply(row, nil))
	}
	r2Narrow := ridgeR2(narrow, train, 1)
	t.Logf("held-out R²: %.3f with all %d features, %.3f with the %d non-targeting ones", r2, features.Len(), r2Narrow, len(untargeted))
	if r2 < 0.6 || r2Narrow < 0.6 {
		t.Errorf("held-out R² %.3f (all) and %.3f (non-targeting), want both ≥ 0.6", r2, r2Narrow)
	}
}

// ridgeR2 fits a ridge regression of y on the standardised,
// mean-imputed features of the first families and returns R² on the rest:
// the features together carry most of the welfare signal.
func ridgeR2(s sample, train int, lambda float64) float64 {
	p := len(s.x[0])
	mean, sd := make([]float64, p), make([]float64, p)
	for j := 0; j < p; j++ {
		var sum, sq float64
		n := 0
		for i := 0; i < train; i++ {
			if x := s.x[i][j]; !math.IsNaN(x) {
				sum, sq, n = sum+x, sq+x*x, n+1
			}
		}
		if n > 0 {
			mean[j] = sum / float64(n)
			sd[j] = math.Sqrt(math.Max(sq/float64(n)-mean[j]*mean[j], 0))
		}
		if sd[j] == 0 {
			sd[j] = 1
		}
	}
	z := func(i, j int) float64 {
		x := s.x[i][j]
		if math.IsNaN(x) {
			return 0
		}
		return (x - mean[j]) / sd[j]
	}
	ybar := 0.0
	for i := 0; i < train; i++ {
		ybar += s.y[i]
	}
	ybar /= float64(train)
	a := make([][]float64, p)
	b := make([]float64, p)
	for j := range a {
		a[j] = make([]float64, p)
		a[j][j] = lambda
	}
	for i := 0; i < train; i++ {
		for j := 0; j < p; j++ {
			zj := z(i, j)
			b[j] += zj * (s.y[i] - ybar)
			for k := 0; k <= j; k++ {
				a[j][k] += zj * z(i, k)
			}
		}
	}
	// Cholesky: a = L Lᵀ, in place in the lower triangle.
	for j := 0; j < p; j++ {
		for k := 0; k < j; k++ {
			a[j][j] -= a[j][k] * a[j][k]
		}
		a[j][j] = math.Sqrt(a[j][j])
		for i := j + 1; i < p; i++ {
			for k := 0; k < j; k++ {
				a[i][j] -= a[i][k] * a[j][k]
			}
			a[i][j] /= a[j][j]
		}
	}
	beta := make([]float64, p)
	copy(beta, b)
	for j := 0; j < p; j++ {
		for k := 0; k < j; k++ {
			beta[j] -= a[j][k] * beta[k]
		}
		beta[j] /= a[j][j]
	}
	for j := p - 1; j >= 0; j-- {
		for k := j + 1; k < p; k++ {
			beta[j] -= a[k][j] * beta[k]
		}
		beta[j] /= a[j][j]
	}
	var ssRes, ssTot, testMean float64
	for i := train; i < len(s.y); i++ {
		testMean += s.y[i]
	}
	testMean /= float64(len(s.y) - train)
	for i := train; i < len(s.y); i++ {
		pred := ybar
		for j := 0; j < p; j++ {
			pred += beta[j] * z(i, j)
		}
		ssRes += (s.y[i] - pred) * (s.y[i] - pred)
		ssTot += (s.y[i] - testMean) * (s.y[i] - testMean)
	}
	return 1 - ssRes/ssTot
}
