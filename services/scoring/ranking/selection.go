package ranking

import (
	"errors"
	"fmt"
	"slices"
)

// DefaultExactLimit is the largest candidate set of a boundary whose
// families' positions are collected as such (16 bytes each, 1 MiB at most
// per boundary); a larger one is first narrowed by a radix round.
const DefaultExactLimit = 1 << 16

// radixBits is how many bits of a key or tie key one radix round resolves:
// at most 2^16 digit counts per boundary (a partition sends only the digits
// it holds) narrow even a tie shared by all 93 million families to about
// 1,400 candidates.
const radixBits = 16

// ErrEmpty is returned when asked for the cut-points of no families.
var ErrEmpty = errors.New("ranking: no families to rank")

// ErrInconsistent is returned when the families a round counts do not add
// up to what the previous round counted: a score changed between passes, a
// partition was left out or counted twice. A run must rank one snapshot of
// scores; restart it on a consistent one.
var ErrInconsistent = errors.New("ranking: partitions reported a different population from one pass to the next")

// spec is a candidate set: the families whose score key lies in
// [keyLo, keyLo+2^keyBits) and whose tie key starts with the tieBits-bit
// tiePrefix. A set is narrowed on the key's bits first (only a coarse
// histogram leaves any), then on the tie key's, from the top. step is what
// a query asks of the set: the number of next bits to count families by, or
// 0 to collect their positions.
type spec struct {
	keyLo     Key
	keyBits   uint8
	tiePrefix uint64
	tieBits   uint8
	step      uint8
}

func (s spec) contains(p Position) bool {
	if uint64(p.Score-s.keyLo) >= 1<<s.keyBits {
		return false
	}
	return s.tieBits == 0 || uint64(p.Tie)>>(64-s.tieBits) == s.tiePrefix
}

// digit is the value of the step bits that follow what the set fixes.
func (s spec) digit(p Position) uint64 {
	if s.keyBits > 0 {
		return uint64(p.Score-s.keyLo) >> (s.keyBits - s.step)
	}
	return (uint64(p.Tie) << s.tieBits) >> (64 - s.step)
}

// radixStep is the step of a set too large to collect.
func (s spec) radixStep() uint8 {
	if s.keyBits > 0 {
		return min(radixBits, s.keyBits)
	}
	return min(radixBits, 64-s.tieBits)
}

// narrow fixes the next step bits to d.
func (s spec) narrow(d uint64) spec {
	if s.keyBits > 0 {
		s.keyLo += Key(d << (s.keyBits - s.step))
		s.keyBits -= s.step
	} else {
		s.tiePrefix = s.tiePrefix<<s.step | d
		s.tieBits += s.step
	}
	s.step = 0
	return s
}

func (s spec) resolved() bool { return s.keyBits == 0 && s.tieBits == 64 }

// target is the search for one decile boundary: the family at national
// rank `rank`, known to be the resid-th (0-based) of the count families in
// set.
type target struct {
	rank, resid, count uint64
	set                spec
	entry              int // index of set in the current query
	done               bool
	pos                Position
}

// Selection finds the nine decile boundaries of a merged histogram, exactly,
// without any node holding more than the histogram and a few small sets.
// Each boundary is a rank; the histogram tells which key (or coarse
// bucket) holds it. While that candidate set is larger than the exact
// limit, a [Query] asks every partition to count its members of the set by
// the next 16 bits of score key, then of tie key, and the set narrows to the
// 16-bit digit that holds the rank. Once the set is small, the query asks
// for the members' positions, and the boundary is the one at the right rank
// among them, sorted. With the default exact keys, a real population's
// boundary keys hold a few dozen families each, so one collecting round
// follows the histogram; a tie shared by every family takes one radix round
// more, because tie keys are evenly spread (see [TieKeyOf]).
//
// The boundaries depend only on the multiset of positions, never on how the
// families are split into partitions or on the exact limit, so a
// partitioned run and a single-node run give the same [CutPoints].
type Selection struct {
	n          uint64
	exactLimit uint64
	targets    [9]target
	rounds     int
	query      *Query
}

// Select starts the search for the decile boundaries of the families
// counted in h. exactLimit ≤ 0 means [DefaultExactLimit].
func (h *Histogram) Select(exactLimit int) (*Selection, error) {
	if h.total == 0 {
		return nil, ErrEmpty
	}
	if exactLimit <= 0 {
		exactLimit = DefaultExactLimit
	}
	h.flush()
	s := &Selection{n: h.total, exactLimit: uint64(exactLimit)}
	var cum uint64
	i := 0
	for k := range s.targets {
		r := BoundaryRank(k+1, s.n)
		for cum+h.counts[i] <= r {
			cum += h.counts[i]
			i++
		}
		s.targets[k] = target{
			rank:  r,
			resid: r - cum,
			count: h.counts[i],
			set:   spec{keyLo: unflip(h.keys[i]) << h.shift, keyBits: uint8(h.shift)},
		}
	}
	s.plan()
	return s, nil
}

// N is the number of families being ranked.
func (s *Selection) N() uint64 { return s.n }

// Rounds is the number of queries issued so far.
func (s *Selection) Rounds() int { return s.rounds }

// Done reports whether every boundary is found.
func (s *Selection) Done() bool { return s.query == nil }

// Query is what every partition must answer next (with a [Collector]), or
// nil when the selection is done.
func (s *Selection) Query() *Query { return s.query }

// plan resolves what is already determined and issues the next query, one
// set per distinct candidate set (boundaries that share a set share its
// answer).
func (s *Selection) plan() {
	q := &Query{round: uint32(s.rounds + 1)}
	for k := range s.targets {
		t := &s.targets[k]
		if t.done {
			continue
		}
		if t.set.resolved() {
			t.done, t.pos = true, Position{Score: t.set.keyLo, Tie: TieKey(t.set.tiePrefix)}
			continue
		}
		sp := t.set
		if t.count > s.exactLimit {
			sp.step = sp.radixStep()
		}
		t.entry = slices.Index(q.specs, sp)
		if t.entry < 0 {
			t.entry = len(q.specs)
			q.specs = append(q.specs, sp)
		}
	}
	if len(q.specs) == 0 {
		s.query = nil
		return
	}
	s.rounds++
	s.query = q
}

// Absorb takes the answer to the current query, merged over every
// partition, and moves on. The collector's position lists are sorted in
// place. After an error the selection is spent: start the run again.
func (s *Selection) Absorb(c *Collector) error {
	if s.query == nil {
		return errors.New("ranking: selection is already done")
	}
	if c.round != s.query.round || !slices.Equal(c.specs, s.query.specs) {
		return fmt.Errorf("ranking: collector answers round %d, selection is at round %d", c.round, s.query.round)
	}
	for e, sp := range s.query.specs {
		if sp.step == 0 {
			slices.SortFunc(c.positions[e], Position.Compare)
		}
	}
	for k := range s.targets {
		t := &s.targets[k]
		if t.done {
			continue
		}
		sp := s.query.specs[t.entry]
		if sp.step == 0 {
			ps := c.positions[t.entry]
			if uint64(len(ps)) != t.count {
				return fmt.Errorf("%w: boundary %d: %d families in its set, expected %d", ErrInconsistent, k+1, len(ps), t.count)
			}
			t.done, t.pos = true, ps[t.resid]
			continue
		}
		var sum, below uint64
		digit := -1
		for _, d := range c.digits(t.entry) {
			n := c.counts[t.entry][d]
			if digit < 0 && sum+n > t.resid {
				digit, below = int(d), sum
			}
			sum += n
		}
		if sum != t.count {
			return fmt.Errorf("%w: boundary %d: %d families in its set, expected %d", ErrInconsistent, k+1, sum, t.count)
		}
		t.set, t.resid, t.count = sp.narrow(uint64(digit)), t.resid-below, c.counts[t.entry][uint16(digit)]
	}
	s.plan()
	return nil
}

// CutPoints returns the result once [Selection.Done].
func (s *Selection) CutPoints() (*CutPoints, error) {
	if s.query != nil {
		return nil, errors.New("ranking: selection is not done")
	}
	cp := &CutPoints{N: s.n}
	for k, t := range s.targets {
		cp.Thresholds[k] = t.pos
	}
	return cp, nil
}
