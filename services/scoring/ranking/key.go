package ranking

import (
	"errors"
	"fmt"
	"math"
)

// Scale is the number of keys per unit of score: a score is ranked by
// round(score·Scale), so scores that differ by less than 1e-6 tie and are
// ordered by their [TieKey]. The package doc explains why 1e-6 of log
// consumption is ample.
const Scale = 1_000_000

// MaxAbsScore bounds the scores the package accepts, so that every key and
// every coarse bucket range below fits in an int64 with room to spare. Log
// per-capita consumption in rupiah lies between about 10 and 20.
const MaxAbsScore = 1e12

// ErrInvalidScore is returned for a NaN, infinite or out-of-range score: a
// family without a usable score must not silently land in a decile.
var ErrInvalidScore = errors.New("ranking: score is not a finite number within ±1e12")

// ErrInvalidKK is returned when a tie-break key is asked of a string that is
// not a 16-digit KK number (DESIGN.md §2).
var ErrInvalidKK = errors.New("ranking: KK number must be 16 decimal digits")

// Key is a score quantised to 1/[Scale]: the first component of a family's
// place in the national order.
type Key int64

// Quantise returns round(score·Scale), rounding halves away from zero. The
// expression has no addition the compiler could fuse into a multiply-add, so
// every machine of a partitioned run maps a given float64 to the same key.
func Quantise(score float64) (Key, error) {
	if math.IsNaN(score) || math.Abs(score) > MaxAbsScore {
		return 0, fmt.Errorf("%w: %v", ErrInvalidScore, score)
	}
	return Key(math.Round(score * Scale)), nil
}

// Score is the key as a score, for display: the key stands for the scores
// within half a millionth of it.
func (k Key) Score() float64 { return float64(k) / Scale }

// TieKey orders families whose scores share a [Key]: the lower tie key is
// ranked on the poorer side.
type TieKey uint64

// TieKeyOf maps a KK number to its tie key by a fixed bijection of the
// 16-digit number (the SplitMix64 finaliser). A bijection makes the order
// total: two different KK numbers never tie. It is fixed, not salted per
// run, so a family whose score does not change keeps its side of a tie from
// one run to the next. It is a mix rather than the KK number itself because
// a KK number starts with its region code (DESIGN.md §2): ordering ties by
// raw KK would put Aceh (11) on the poorer side of every tie and Papua (9x)
// on the richer side, run after run. The mix also spreads the tie keys of a
// crowded score evenly, which the radix refinement relies on to finish in
// one extra round (see [Selection]).
func TieKeyOf(kk string) (TieKey, error) {
	if len(kk) != 16 {
		return 0, ErrInvalidKK
	}
	var n uint64
	for i := 0; i < len(kk); i++ {
		c := kk[i]
		if c < '0' || c > '9' {
			return 0, ErrInvalidKK
		}
		n = n*10 + uint64(c-'0')
	}
	return TieKey(mix(n)), nil
}

// mix is the SplitMix64 finaliser with its additive constant: each step
// (xor with a right shift, multiply by an odd constant, add) is invertible
// modulo 2^64, so the whole is a bijection.
func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Position is a family's place in the national order: by score key, then by
// tie key, both ascending (poorer first).
type Position struct {
	Score Key
	Tie   TieKey
}

// PositionOf quantises the score and derives the tie key of the KK number.
func PositionOf(score float64, kk string) (Position, error) {
	k, err := Quantise(score)
	if err != nil {
		return Position{}, err
	}
	t, err := TieKeyOf(kk)
	if err != nil {
		return Position{}, err
	}
	return Position{Score: k, Tie: t}, nil
}

// Compare returns −1, 0 or +1 as p is poorer than, level with or richer
// than q in the national order.
func (p Position) Compare(q Position) int {
	switch {
	case p.Score < q.Score:
		return -1
	case p.Score > q.Score:
		return 1
	case p.Tie < q.Tie:
		return -1
	case p.Tie > q.Tie:
		return 1
	}
	return 0
}
