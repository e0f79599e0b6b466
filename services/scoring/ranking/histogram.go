package ranking

import (
	"errors"
	"fmt"
	"iter"
	"slices"
)

// MaxCoarseShift bounds the coarse-bucket width of a [Histogram] to 2^48
// keys (2.8·10^8 units of score), far wider than any use needs.
const MaxCoarseShift = 48

// maxKey is the largest |key| that [Quantise] returns.
const maxKey = Key(MaxAbsScore * Scale)

// Flushes of the pending buffer: at least minFlush keys, and otherwise as
// many as the histogram holds distinct keys (so that merging the sorted
// buffer into the sorted histogram costs O(1) per key, amortised), up to
// maxFlush keys (32 MiB) so the buffer stays small beside the histogram
// when the keys are spread very wide.
const (
	minFlush = 1 << 16
	maxFlush = 1 << 22
)

// Histogram counts families by score key: the first pass of a ranking run.
// Each partition builds one over its own families, ships it
// ([Histogram.MarshalBinary]), and the coordinator adds them together
// ([Histogram.Merge]). Merging is addition of counts per key, so it is
// associative and commutative, and the merged histogram is the same as the
// one a single node would build over all families.
//
// With a coarse shift s > 0 ([NewCoarseHistogram]) it counts key>>s (a
// bucket 2^s keys wide) instead, trading a smaller histogram for an extra
// refinement round in the [Selection].
//
// Memory is 16 bytes per distinct key held, plus a pending buffer of up to
// as many keys again (8 bytes each) while adding. A Histogram is not safe
// for concurrent use: a partition that scans in parallel builds one per
// goroutine and merges them.
type Histogram struct {
	shift uint
	total uint64
	// Keys are held as flip(key), so that unsigned order is key order and
	// the radix sort needs no sign handling.
	keys   []uint64 // strictly increasing
	counts []uint64 // counts[i] ≥ 1 families have key keys[i]
	buf    []uint64 // added since the last flush, unsorted
	radix  []uint64 // scratch for sorting buf
}

// flip maps a signed key to an unsigned one of the same order; unflip
// reverses it.
func flip(k Key) uint64   { return uint64(k) ^ signBit }
func unflip(u uint64) Key { return Key(u ^ signBit) }

// NewHistogram returns an empty histogram of exact score keys.
func NewHistogram() *Histogram { return &Histogram{} }

// NewCoarseHistogram returns an empty histogram of buckets 2^shift keys
// wide.
func NewCoarseHistogram(shift uint) (*Histogram, error) {
	if shift > MaxCoarseShift {
		return nil, fmt.Errorf("ranking: coarse shift %d exceeds %d", shift, MaxCoarseShift)
	}
	return &Histogram{shift: shift}, nil
}

// Shift is the coarse shift: 0 for exact keys.
func (h *Histogram) Shift() uint { return h.shift }

// Count is the number of families added, directly or through merges.
func (h *Histogram) Count() uint64 { return h.total }

// Distinct is the number of distinct keys (or coarse buckets) held.
func (h *Histogram) Distinct() int {
	h.flush()
	return len(h.keys)
}

// All yields each key (or coarse bucket) and its count, in increasing key
// order.
func (h *Histogram) All() iter.Seq2[Key, uint64] {
	h.flush()
	return func(yield func(Key, uint64) bool) {
		for i, u := range h.keys {
			if !yield(unflip(u), h.counts[i]) {
				return
			}
		}
	}
}

// Add counts one family's score.
func (h *Histogram) Add(score float64) error {
	k, err := Quantise(score)
	if err != nil {
		return err
	}
	h.AddKey(k)
	return nil
}

// AddKey counts one family by its score key; the key comes from
// [Quantise].
func (h *Histogram) AddKey(k Key) {
	h.buf = append(h.buf, flip(k>>h.shift))
	h.total++
	if len(h.buf) >= min(max(minFlush, len(h.keys)), maxFlush) {
		h.flush()
	}
}

// Merge adds the counts of o into h. The shifts must match. o is left
// holding the same counts.
func (h *Histogram) Merge(o *Histogram) error {
	if o.shift != h.shift {
		return fmt.Errorf("ranking: cannot merge a histogram of shift %d into one of shift %d", o.shift, h.shift)
	}
	o.flush()
	if o == h {
		for i := range h.counts {
			h.counts[i] *= 2
		}
		h.total *= 2
		return nil
	}
	h.mergeSorted(o.keys, o.counts)
	h.total += o.total
	return nil
}

// flush sorts the pending buffer and folds it into the sorted arrays.
func (h *Histogram) flush() {
	if len(h.buf) == 0 {
		return
	}
	h.radix = sortKeys(h.buf, h.radix)
	// Run-length encode in place: the buffer's keys slots are reused for the
	// distinct keys and the scratch slots for their counts.
	keys, counts := h.buf[:0], h.radix[:0]
	for i := 0; i < len(h.buf); {
		j := i + 1
		for j < len(h.buf) && h.buf[j] == h.buf[i] {
			j++
		}
		keys = append(keys, h.buf[i])
		counts = append(counts, uint64(j-i))
		i = j
	}
	h.mergeSorted(keys, counts)
	h.buf = h.buf[:0]
}

// mergeSorted adds strictly increasing (rk, rc) into the histogram's arrays
// in place, so no second copy of the histogram is needed. A read-only scan
// first counts the keys that are new; the arrays grow by exactly that many
// and are merged from the back, which stops once every new key is placed
// (the rest of rk then only adds to counts in place). Galloping searches
// and block moves were tried and lost: the new keys of a population are
// spread through the whole histogram, not bunched.
func (h *Histogram) mergeSorted(rk, rc []uint64) {
	m := len(rk)
	if m == 0 {
		return
	}
	n := len(h.keys)
	fresh, i := 0, 0
	for _, k := range rk {
		for i < n && h.keys[i] < k {
			i++
		}
		if i == n || h.keys[i] != k {
			fresh++
		}
	}
	h.keys = slices.Grow(h.keys, fresh)[:n+fresh]
	h.counts = slices.Grow(h.counts, fresh)[:n+fresh]
	keys, counts := h.keys, h.counts
	i, j, w := n-1, m-1, n+fresh-1
	for j >= 0 && w > i {
		switch {
		case i >= 0 && keys[i] > rk[j]:
			keys[w], counts[w] = keys[i], counts[i]
			i--
		case i >= 0 && keys[i] == rk[j]:
			keys[w], counts[w] = keys[i], counts[i]+rc[j]
			i--
			j--
		default:
			keys[w], counts[w] = rk[j], rc[j]
			j--
		}
		w--
	}
	for ; j >= 0; j-- {
		for keys[i] != rk[j] {
			i--
		}
		counts[i] += rc[j]
	}
}

// sortKeys sorts keys in place by least-significant-digit radix sort on
// bytes, skipping the bytes on which every key agrees (the keys of a real
// population span 2^22–2^25 values, so three of the eight passes remain).
// scratch is reused when large enough and returned for the next call.
func sortKeys(keys, scratch []uint64) []uint64 {
	n := len(keys)
	if n < 256 {
		slices.Sort(keys)
		return scratch
	}
	if cap(scratch) < n {
		scratch = make([]uint64, n)
	}
	src, dst := keys, scratch[:n]
	// Only the bytes in which some key differs from the first need a pass.
	var differ uint64
	for _, k := range src {
		differ |= k ^ src[0]
	}
	var hist [8][256]int
	for d := range 8 {
		if byte(differ>>(8*d)) == 0 {
			continue
		}
		h, shift := &hist[d], 8*d
		for _, k := range src {
			h[byte(k>>shift)]++
		}
	}
	for d := range 8 {
		shift := 8 * d
		if byte(differ>>shift) == 0 {
			continue
		}
		offset := 0
		for b := range 256 {
			c := hist[d][b]
			hist[d][b] = offset
			offset += c
		}
		for _, k := range src {
			b := byte(k >> shift)
			dst[hist[d][b]] = k
			hist[d][b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
	return scratch
}

// signBit flips the order of negative int64 keys read as uint64 so that
// unsigned byte order matches signed key order.
const signBit = 1 << 63

// errCorrupt is wrapped by every decoding error.
var errCorrupt = errors.New("ranking: corrupt encoding")

// MarshalBinary encodes the histogram for shipping to the coordinator: keys
// as deltas from the previous key, so a histogram of a real population
// costs about two bytes per distinct key.
func (h *Histogram) MarshalBinary() ([]byte, error) {
	h.flush()
	e := newEncoder(kindHistogram, 3*len(h.keys)+24)
	e.uvarint(uint64(h.shift))
	e.uvarint(h.total)
	e.uvarint(uint64(len(h.keys)))
	for i, u := range h.keys {
		if i == 0 {
			e.varint(int64(unflip(u)))
		} else {
			e.uvarint(u - h.keys[i-1])
		}
		e.uvarint(h.counts[i])
	}
	return e.finish(), nil
}

// UnmarshalBinary replaces h with the decoded histogram, after checking
// the checksum, that keys strictly increase within range, that no count is
// zero and that the counts add up to the total.
func (h *Histogram) UnmarshalBinary(data []byte) error {
	d := newDecoder(kindHistogram, data)
	shift := d.uvarint()
	if shift > MaxCoarseShift {
		d.fail("shift %d", shift)
	}
	total := d.uvarint()
	n := d.length(2)
	if d.err != nil {
		return d.err
	}
	keys, counts := make([]uint64, n), make([]uint64, n)
	var sum uint64
	for i := range n {
		if i == 0 {
			keys[0] = flip(d.key())
		} else {
			delta := d.uvarint()
			if delta == 0 || delta > flip(maxKey)-keys[i-1] {
				d.fail("key delta %d", delta)
			}
			keys[i] = keys[i-1] + delta
		}
		counts[i] = d.uvarint()
		if counts[i] == 0 || sum+counts[i] < sum {
			d.fail("count %d", counts[i])
		}
		sum += counts[i]
		if d.err != nil {
			return d.err
		}
	}
	if err := d.end(); err != nil {
		return err
	}
	if sum != total {
		return fmt.Errorf("%w: counts add up to %d, header says %d", errCorrupt, sum, total)
	}
	*h = Histogram{shift: uint(shift), total: total, keys: keys, counts: counts}
	return nil
}
