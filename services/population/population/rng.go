package population

import (
	"math"
	"math/rand/v2"
)

// splitmix64 is the SplitMix64 finaliser. It turns structured inputs (a seed,
// a household index, a stream tag) into well-mixed PCG seeds, so the streams
// of neighbouring households are unrelated.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Stream tags: each aspect of a household draws from its own PCG stream, so
// that (for example) whether a household carries an error can be computed
// without generating the household, and adding a draw to one aspect does not
// shift every other aspect.
const (
	streamHousehold uint64 = 0x68682d6d61696e // "hh-main"
	streamErrors    uint64 = 0x68682d6572726f // "hh-erro"
	streamSchedule  uint64 = 0x7363686564756c // "schedul"
)

// newRand returns the PCG stream (seed, index, tag): any household's stream
// can be built on its own, which is what makes parallel and partial
// generation possible.
func newRand(seed uint64, index int, tag uint64) *rand.Rand {
	a := splitmix64(seed ^ splitmix64(tag))
	b := splitmix64(uint64(index) ^ splitmix64(a+tag))
	return rand.New(rand.NewPCG(a, b))
}

// hashUnit is a deterministic uniform [0,1) number from a key; geography uses
// it so that region codes and their urban class do not depend on the seed.
func hashUnit(keys ...uint64) float64 {
	h := uint64(0x2545f4914f6cdd1d)
	for _, k := range keys {
		h = splitmix64(h ^ k)
	}
	return float64(h>>11) / (1 << 53)
}

func bernoulli(r *rand.Rand, p float64) bool { return r.Float64() < p }

func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

func intBetween(r *rand.Rand, lo, hi int) int { // inclusive
	if hi <= lo {
		return lo
	}
	return lo + r.IntN(hi-lo+1)
}

// pick draws an index with the given (unnormalised) weights.
func pick(r *rand.Rand, weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := r.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

func poisson(r *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }

// probit is the standard normal quantile function.
func probit(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }
