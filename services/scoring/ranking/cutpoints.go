package ranking

import (
	"fmt"
	"math/bits"
)

// BoundaryRank is the 0-based national rank of the richest family of desil
// k (1 ≤ k ≤ 9) among n ≥ 1 families: ⌈k·n/10⌉−1. It is where desil k ends
// under [DesilOfRank].
func BoundaryRank(k int, n uint64) uint64 {
	hi, lo := bits.Mul64(uint64(k), n)
	lo, carry := bits.Add64(lo, 9, 0)
	q, _ := bits.Div64(hi+carry, lo, 10)
	return q - 1
}

// DesilOfRank is the definition of a decile: the family at 0-based rank
// r < n of n (poorest first) is in desil ⌊10·r/n⌋+1. Desil k then holds the ranks
// from ⌈(k−1)·n/10⌉ to ⌈k·n/10⌉−1, so when n is not a multiple of ten the
// spare families go to the poorer deciles (n = 11: desil 1 holds two, the
// others one each; n = 19: desils 1–9 hold two, desil 10 one), and "desil
// ≤ k" always covers at least k·n/10 families, never fewer: the rounding
// errs towards including a family in a programme, not excluding it.
func DesilOfRank(r, n uint64) int {
	hi, lo := bits.Mul64(r, 10)
	q, _ := bits.Div64(hi, lo, n)
	return int(q) + 1
}

// CutPoints are the national decile boundaries of one ranking run:
// Thresholds[k−1] is the position of the richest family of desil k. A
// position (score key, then tie key) is in desil 1 + the number of
// thresholds it lies above, so any family, ranked in the run or re-scored
// since, is placed by its score and KK number alone (DESIGN.md §1.5: a
// changed family is re-scored at once and placed against the last run's
// cut-points until the next national re-ranking).
type CutPoints struct {
	// N is the number of families the run ranked.
	N uint64
	// Thresholds are non-decreasing. When N < 10 some coincide and the
	// deciles between them are empty.
	Thresholds [9]Position
}

// Assign returns the desil (1–10) of a family with this score and KK
// number. A score that cannot be ranked (NaN, infinite) is an error, never
// a desil.
func (c *CutPoints) Assign(score float64, kk string) (int, error) {
	p, err := PositionOf(score, kk)
	if err != nil {
		return 0, err
	}
	return c.AssignPosition(p), nil
}

// AssignPosition returns the desil (1–10) of a position.
func (c *CutPoints) AssignPosition(p Position) int {
	d := 1
	for _, t := range c.Thresholds {
		if p.Compare(t) > 0 {
			d++
		}
	}
	return d
}

// MarshalBinary encodes the cut-points, for the run's record.
func (c *CutPoints) MarshalBinary() ([]byte, error) {
	e := newEncoder(kindCutPoints, 9*18+16)
	e.uvarint(c.N)
	for _, t := range c.Thresholds {
		e.varint(int64(t.Score))
		e.u64(uint64(t.Tie))
	}
	return e.finish(), nil
}

// UnmarshalBinary replaces c with decoded cut-points, checking that the
// thresholds do not decrease.
func (c *CutPoints) UnmarshalBinary(data []byte) error {
	d := newDecoder(kindCutPoints, data)
	out := CutPoints{N: d.uvarint()}
	if d.err == nil && out.N == 0 {
		d.fail("no families")
	}
	for k := range out.Thresholds {
		out.Thresholds[k] = Position{Score: d.key(), Tie: TieKey(d.u64())}
		if d.err == nil && k > 0 && out.Thresholds[k].Compare(out.Thresholds[k-1]) < 0 {
			d.fail("threshold %d below threshold %d", k+1, k)
		}
	}
	if err := d.end(); err != nil {
		return err
	}
	*c = out
	return nil
}

// String shows the thresholds as scores, for logs.
func (c *CutPoints) String() string {
	s := fmt.Sprintf("%d families:", c.N)
	for k, t := range c.Thresholds {
		s += fmt.Sprintf(" d%d≤%.6f/%016x", k+1, t.Score.Score(), uint64(t.Tie))
	}
	return s
}
