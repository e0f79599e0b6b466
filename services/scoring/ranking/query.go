package ranking

import (
	"fmt"
	"maps"
	"slices"
)

// Query is one refinement round of a [Selection]: at most nine candidate
// sets, each either counted by its next 16-bit digit or collected. The
// coordinator ships it ([Query.MarshalBinary]) to every partition; each
// answers with a [Collector] over all its families.
type Query struct {
	round uint32
	specs []spec
}

// Round numbers the queries of a selection from 1.
func (q *Query) Round() int { return int(q.round) }

// NewCollector returns an empty answer to q.
func (q *Query) NewCollector() *Collector {
	c := &Collector{
		round:     q.round,
		specs:     slices.Clone(q.specs),
		counts:    make([]map[uint16]uint64, len(q.specs)),
		positions: make([][]Position, len(q.specs)),
	}
	c.bounds()
	return c
}

// MarshalBinary encodes the query.
func (q *Query) MarshalBinary() ([]byte, error) {
	e := newEncoder(kindQuery, 16*len(q.specs)+8)
	encodeSpecs(e, q.round, q.specs)
	return e.finish(), nil
}

// UnmarshalBinary replaces q with the decoded query.
func (q *Query) UnmarshalBinary(data []byte) error {
	d := newDecoder(kindQuery, data)
	round, specs := decodeSpecs(d)
	if err := d.end(); err != nil {
		return err
	}
	*q = Query{round: round, specs: specs}
	return nil
}

func encodeSpecs(e *encoder, round uint32, specs []spec) {
	e.uvarint(uint64(round))
	e.uvarint(uint64(len(specs)))
	for _, sp := range specs {
		e.varint(int64(sp.keyLo))
		e.uvarint(uint64(sp.keyBits))
		e.uvarint(sp.tiePrefix)
		e.uvarint(uint64(sp.tieBits))
		e.uvarint(uint64(sp.step))
	}
}

// decodeSpecs reads what encodeSpecs wrote and checks that each set is one
// a selection could have issued, so a collector built from it cannot index
// out of range.
func decodeSpecs(d *decoder) (uint32, []spec) {
	round := d.uvarint()
	if round == 0 || round > 1<<20 {
		d.fail("round %d", round)
	}
	n := d.length(5)
	if n > 9 {
		d.fail("%d candidate sets, at most 9", n)
	}
	if d.err != nil {
		return 0, nil
	}
	specs := make([]spec, n)
	for i := range specs {
		keyLo := d.key()
		keyBits, tiePrefix, tieBits, step := d.uvarint(), d.uvarint(), d.uvarint(), d.uvarint()
		sp := spec{keyLo: keyLo, keyBits: uint8(keyBits), tiePrefix: tiePrefix, tieBits: uint8(tieBits), step: uint8(step)}
		switch {
		case keyBits > MaxCoarseShift || tieBits > 64 || step > radixBits:
			d.fail("candidate set %d: bits %d/%d/%d", i, keyBits, tieBits, step)
		case keyBits > 0 && tieBits > 0:
			d.fail("candidate set %d fixes tie bits before the key", i)
		case tieBits < 64 && tiePrefix>>tieBits != 0:
			d.fail("candidate set %d: tie prefix wider than %d bits", i, tieBits)
		case sp.resolved() || (sp.step > 0 && sp.step != sp.radixStep()):
			d.fail("candidate set %d: step %d", i, step)
		}
		specs[i] = sp
	}
	return uint32(round), specs
}

// Collector is one partition's answer to a [Query]: for each candidate set,
// its members counted by digit, or their positions. Collectors of the same
// query merge by addition and concatenation, in any order. A Collector is
// not safe for concurrent use.
type Collector struct {
	round     uint32
	specs     []spec
	lo, hi    Key                 // the range of keys any set can hold, to skip the rest cheaply
	counts    []map[uint16]uint64 // by digit, for the sets counted by digit
	positions [][]Position
}

func (c *Collector) bounds() {
	for i, sp := range c.specs {
		hi := sp.keyLo + Key(1)<<sp.keyBits - 1
		if i == 0 || sp.keyLo < c.lo {
			c.lo = sp.keyLo
		}
		if i == 0 || hi > c.hi {
			c.hi = hi
		}
	}
}

// Add considers one family. Only a family whose score key falls in a
// candidate set has its KK number read, so a family away from the
// boundaries costs a quantisation and a few comparisons.
func (c *Collector) Add(score float64, kk string) error {
	k, err := Quantise(score)
	if err != nil {
		return err
	}
	if k < c.lo || k > c.hi || !c.keyInSet(k) {
		return nil
	}
	t, err := TieKeyOf(kk)
	if err != nil {
		return err
	}
	c.AddPosition(Position{Score: k, Tie: t})
	return nil
}

func (c *Collector) keyInSet(k Key) bool {
	for _, sp := range c.specs {
		if uint64(k-sp.keyLo) < 1<<sp.keyBits {
			return true
		}
	}
	return false
}

// AddPosition considers one family by its position.
func (c *Collector) AddPosition(p Position) {
	if p.Score < c.lo || p.Score > c.hi {
		return
	}
	for i, sp := range c.specs {
		if !sp.contains(p) {
			continue
		}
		if sp.step == 0 {
			c.positions[i] = append(c.positions[i], p)
		} else {
			if c.counts[i] == nil {
				c.counts[i] = make(map[uint16]uint64)
			}
			c.counts[i][uint16(sp.digit(p))]++
		}
	}
}

// Merge adds o's answer into c; both must answer the same query.
func (c *Collector) Merge(o *Collector) error {
	if o.round != c.round || !slices.Equal(o.specs, c.specs) {
		return fmt.Errorf("ranking: cannot merge the answer to round %d into one to round %d", o.round, c.round)
	}
	if o == c {
		o = o.clone()
	}
	for i := range c.specs {
		if c.counts[i] == nil && len(o.counts[i]) > 0 {
			c.counts[i] = make(map[uint16]uint64, len(o.counts[i]))
		}
		for d, n := range o.counts[i] {
			c.counts[i][d] += n
		}
		c.positions[i] = append(c.positions[i], o.positions[i]...)
	}
	return nil
}

func (c *Collector) clone() *Collector {
	o := *c
	o.counts = make([]map[uint16]uint64, len(c.counts))
	o.positions = make([][]Position, len(c.positions))
	for i := range c.counts {
		o.counts[i] = maps.Clone(c.counts[i])
		o.positions[i] = slices.Clone(c.positions[i])
	}
	return &o
}

// digits lists the nonzero digits of set i in increasing order.
func (c *Collector) digits(i int) []uint16 {
	return slices.Sorted(maps.Keys(c.counts[i]))
}

// MarshalBinary encodes the answer: nonzero digit counts as gaps from the
// previous nonzero digit, and positions as score key and 8-byte tie key.
func (c *Collector) MarshalBinary() ([]byte, error) {
	size := 64
	for i := range c.specs {
		size += 12 * len(c.positions[i])
	}
	e := newEncoder(kindCollector, size)
	encodeSpecs(e, c.round, c.specs)
	for i, sp := range c.specs {
		if sp.step > 0 {
			digits := c.digits(i)
			e.uvarint(uint64(len(digits)))
			prev := -1
			for _, d := range digits {
				e.uvarint(uint64(int(d) - prev))
				e.uvarint(c.counts[i][d])
				prev = int(d)
			}
			continue
		}
		e.uvarint(uint64(len(c.positions[i])))
		for _, p := range c.positions[i] {
			e.varint(int64(p.Score))
			e.u64(uint64(p.Tie))
		}
	}
	return e.finish(), nil
}

// UnmarshalBinary replaces c with the decoded answer, checking that every
// digit and position lies in its candidate set.
func (c *Collector) UnmarshalBinary(data []byte) error {
	d := newDecoder(kindCollector, data)
	round, specs := decodeSpecs(d)
	if d.err != nil {
		return d.err
	}
	q := Query{round: round, specs: specs}
	out := q.NewCollector()
	for i, sp := range specs {
		if sp.step > 0 {
			nonzero := d.length(2)
			if nonzero > 0 {
				out.counts[i] = make(map[uint16]uint64, nonzero)
			}
			prev := -1
			for range nonzero {
				gap, n := d.uvarint(), d.uvarint()
				if gap == 0 || gap > uint64(1<<sp.step-1-prev) || n == 0 {
					d.fail("candidate set %d: digit gap %d, count %d", i, gap, n)
				}
				if d.err != nil {
					return d.err
				}
				prev += int(gap)
				out.counts[i][uint16(prev)] = n
			}
			continue
		}
		n := d.length(9)
		if d.err != nil {
			return d.err
		}
		ps := make([]Position, n)
		for j := range ps {
			ps[j] = Position{Score: d.key(), Tie: TieKey(d.u64())}
			if d.err == nil && !sp.contains(ps[j]) {
				d.fail("candidate set %d: position outside the set", i)
			}
		}
		out.positions[i] = ps
	}
	if err := d.end(); err != nil {
		return err
	}
	*c = *out
	return nil
}
