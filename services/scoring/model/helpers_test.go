package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// synthPMT generates PMT-like families: p features of which the first ten
// carry signal (housing, assets, land, household size, schooling, work,
// electricity) and the rest are noise, with a label that is non-linear in
// them (a car counts more in a village, schooling only pays in town, land
// has diminishing returns) plus noise. About 5% of the floor area, land
// and schooling values are missing.
func synthPMT(n, p int, seed uint64) *Dataset {
	if p < 10 {
		panic("synthPMT needs at least 10 features")
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	names := []string{
		"floor_area_per_capita", "household_size", "urban", "owns_car", "motorcycles",
		"land_m2", "electricity_va", "head_schooling_years", "head_works_formal", "has_savings",
	}
	for j := len(names); j < p; j++ {
		names = append(names, fmt.Sprintf("noise_%02d", j))
	}
	x := make([]float64, n*p)
	y := make([]float64, n)
	bern := func(pr float64) float64 {
		if rng.Float64() < pr {
			return 1
		}
		return 0
	}
	for i := range n {
		row := x[i*p : (i+1)*p]
		z := rng.NormFloat64() // latent welfare
		urban := bern(0.45)
		hh := float64(1 + rng.IntN(8))
		floor := math.Exp(2.3 + 0.4*z + 0.3*rng.NormFloat64())
		car := bern(1 / (1 + math.Exp(-(1.5*z - 2.5 + 0.5*urban))))
		moto := math.Min(3, math.Floor(math.Max(0, 1+0.8*z+rng.NormFloat64())))
		land := 0.0
		if rng.Float64() < 0.4+0.3*(1-urban) {
			land = math.Exp(5 + 0.8*z + rng.NormFloat64())
		}
		va := []float64{450, 900, 1300, 2200, 3500}[min(4, max(0, int(math.Round(1.2+z+0.5*rng.NormFloat64()))))]
		edu := math.Max(0, math.Min(16, math.Round(8+3*z+2*rng.NormFloat64())))
		formal := bern(1 / (1 + math.Exp(-(z - 0.5 + urban))))
		savings := bern(1 / (1 + math.Exp(-(1.2*z - 0.8))))
		row[0], row[1], row[2], row[3], row[4] = floor, hh, urban, car, moto
		row[5], row[6], row[7], row[8], row[9] = land, va, edu, formal, savings
		for j := 10; j < p; j++ {
			row[j] = rng.NormFloat64()
		}
		carEffect := 0.3
		if urban == 0 {
			carEffect = 0.6
		}
		eduEffect := 0.01 * edu
		if urban == 1 && edu >= 12 {
			eduEffect += 0.25
		}
		y[i] = 13 + 0.35*math.Log(floor) + carEffect*car + 0.12*math.Min(moto, 2) +
			0.05*math.Log1p(land) + 0.15*step(va >= 1300) - 0.3*math.Log(hh) + eduEffect +
			0.15*formal + 0.1*savings + 0.1*urban + 0.2*rng.NormFloat64()
		for _, j := range []int{0, 5, 7} {
			if rng.Float64() < 0.05 {
				row[j] = math.NaN()
			}
		}
	}
	return &Dataset{Names: names, X: x, Y: y}
}

func step(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// gridData is uniformData with every value on the grid k/100, as coded
// survey answers are: with fewer distinct values than bins, a histogram
// split can sit exactly on a step.
func gridData(n, p int, seed uint64, f func(row []float64, rng *rand.Rand) float64) *Dataset {
	return uniformData(n, p, seed, func(row []float64, rng *rand.Rand) float64 {
		for j := range row {
			row[j] = math.Floor(row[j]*100) / 100
		}
		return f(row, rng)
	})
}

// uniformData has p features uniform on [0, 1) and labels f(row).
func uniformData(n, p int, seed uint64, f func(row []float64, rng *rand.Rand) float64) *Dataset {
	rng := rand.New(rand.NewPCG(seed, 11))
	names := make([]string, p)
	for j := range names {
		names[j] = fmt.Sprintf("x%d", j)
	}
	x := make([]float64, n*p)
	y := make([]float64, n)
	for i := range n {
		row := x[i*p : (i+1)*p]
		for j := range row {
			row[j] = rng.Float64()
		}
		y[i] = f(row, rng)
	}
	return &Dataset{Names: names, X: x, Y: y}
}

func mustSplit(t testing.TB, d *Dataset, frac float64, seed uint64) (*Dataset, *Dataset) {
	t.Helper()
	tr, va, err := d.Split(frac, seed)
	if err != nil {
		t.Fatal(err)
	}
	return tr, va
}

func mustOLS(t testing.TB, d *Dataset) *OLS {
	t.Helper()
	m, err := TrainOLS(d, DefaultOLSParams())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustGBT(t testing.TB, train, valid *Dataset, p GBTParams) *GBT {
	t.Helper()
	m, err := TrainGBT(train, valid, p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func rmseOf(t testing.TB, m Model, d *Dataset) float64 {
	t.Helper()
	_, r, err := Evaluate(m, d)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fastParams are small-data settings that keep the suite quick.
func fastParams() GBTParams {
	p := DefaultGBTParams()
	p.Rounds = 300
	p.LearningRate = 0.2
	p.MinSamplesLeaf = 5
	return p
}
