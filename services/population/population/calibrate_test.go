package population

import (
	"os"
	"slices"
	"strconv"
	"testing"
)

// TestCalibration recomputes welfareShift and dtksCut. It runs only when
// DTSEN_POPULATION_CALIBRATE is set to a number of households (1000000 was
// used for the committed constants):
//
//	DTSEN_POPULATION_CALIBRATE=1000000 go test -run TestCalibration -v ./population/
func TestCalibration(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("DTSEN_POPULATION_CALIBRATE"))
	if n <= 0 {
		t.Skip("set DTSEN_POPULATION_CALIBRATE=<households> to recompute the calibration constants")
	}
	g, err := New(Config{Families: n, Seed: 20250630})
	if err != nil {
		t.Fatal(err)
	}
	type wp struct{ w, persons float64 }
	ws := make([]wp, n)
	ds := make([]float64, n)
	sizes, urban := 0.0, 0.0
	err = Parallel(n, g.cfg.Workers, func(i int) *core { c := g.core(i); c.r = nil; c.members = c.members[:0:0]; return c },
		func(c *core) error {
			ws[c.index] = wp{c.w, float64(c.living)}
			ds[c.index] = c.dtksScore
			sizes += float64(c.living)
			urban += b2f(c.village.urban)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(ws, func(a, b wp) int { return cmpF(a.w, b.w) })
	total := sizes
	acc := 0.0
	for _, x := range ws {
		acc += x.persons
		if acc >= nationalPoverty*total {
			t.Logf("welfareShift should be %.4f + current %.4f = %.4f", x.w, welfareShift, x.w+welfareShift)
			break
		}
	}
	slices.Sort(ds)
	t.Logf("dtksCut should be %.4f", ds[int(0.4*float64(n))])
	t.Logf("mean living size %.3f, urban share %.3f, median w %.3f", sizes/float64(n), urban/float64(n), ws[n/2].w)
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
