package ranking

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

// frame builds an encoding with a valid checksum around a hand-made body,
// to reach the checks behind the checksum.
func frame(kind, version byte, body func(e *encoder)) []byte {
	e := newEncoder(kind, 64)
	e.b[1] = version
	body(e)
	return e.finish()
}

func TestHistogramEncodingRejectsCorruption(t *testing.T) {
	h := NewHistogram()
	for _, s := range []float64{13.1, 13.1, 13.2, -4, 15} {
		if err := h.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	data, _ := h.MarshalBinary()
	var back Histogram
	if err := back.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	again, _ := back.MarshalBinary()
	if !slices.Equal(data, again) || back.Count() != 5 || back.Distinct() != 4 {
		t.Fatalf("round trip: %x vs %x", data, again)
	}
	for i := range data {
		bad := slices.Clone(data)
		bad[i] ^= 0x20
		if err := new(Histogram).UnmarshalBinary(bad); !errors.Is(err, errCorrupt) {
			t.Errorf("byte %d flipped: %v", i, err)
		}
	}
	for name, bad := range map[string][]byte{
		"truncated":  data[:len(data)-1],
		"empty":      nil,
		"version 2":  frame(kindHistogram, 2, func(e *encoder) { e.uvarint(0); e.uvarint(0); e.uvarint(0) }),
		"wrong kind": frame(kindQuery, encodingVersion, func(e *encoder) { e.uvarint(0); e.uvarint(0); e.uvarint(0) }),
		"zero count": frame(kindHistogram, encodingVersion, func(e *encoder) { e.uvarint(0); e.uvarint(0); e.uvarint(1); e.varint(5); e.uvarint(0) }),
		"repeated key": frame(kindHistogram, encodingVersion, func(e *encoder) {
			e.uvarint(0)
			e.uvarint(2)
			e.uvarint(2)
			e.varint(5)
			e.uvarint(1)
			e.uvarint(0)
			e.uvarint(1)
		}),
		"total mismatch": frame(kindHistogram, encodingVersion, func(e *encoder) { e.uvarint(0); e.uvarint(3); e.uvarint(1); e.varint(5); e.uvarint(2) }),
		"key range":      frame(kindHistogram, encodingVersion, func(e *encoder) { e.uvarint(0); e.uvarint(1); e.uvarint(1); e.varint(int64(maxKey) + 1); e.uvarint(1) }),
		"huge count":     frame(kindHistogram, encodingVersion, func(e *encoder) { e.uvarint(0); e.uvarint(0); e.uvarint(1 << 40) }),
		"trailing bytes": frame(kindHistogram, encodingVersion, func(e *encoder) { e.uvarint(0); e.uvarint(0); e.uvarint(0); e.uvarint(7) }),
		"shift":          frame(kindHistogram, encodingVersion, func(e *encoder) { e.uvarint(MaxCoarseShift + 1); e.uvarint(0); e.uvarint(0) }),
	} {
		if err := new(Histogram).UnmarshalBinary(bad); !errors.Is(err, errCorrupt) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestCutPointsEncoding(t *testing.T) {
	fams := normalFamilies(rand.New(rand.NewPCG(8, 9)), 777)
	cp := singleNode(t, fams, Options{})
	data, _ := cp.MarshalBinary()
	var back CutPoints
	if err := back.UnmarshalBinary(data); err != nil || back != *cp {
		t.Fatalf("round trip: %v, %v vs %v", err, &back, cp)
	}
	decreasing := frame(kindCutPoints, encodingVersion, func(e *encoder) {
		e.uvarint(10)
		for k := range 9 {
			e.varint(int64(100 - k))
			e.u64(0)
		}
	})
	if err := back.UnmarshalBinary(decreasing); !errors.Is(err, errCorrupt) {
		t.Errorf("decreasing thresholds: %v", err)
	}
}

func TestQueryAndCollectorEncodingAndMatching(t *testing.T) {
	fams := make([]family, 500)
	for i := range fams {
		fams[i] = family{score: 14, kk: kkOf(33, i)}
	}
	h, _ := scanner(fams).Histogram(context.Background(), 0)
	sel, err := h.Select(10) // 500 tied families: a radix round comes first
	if err != nil {
		t.Fatal(err)
	}
	q := sel.Query()
	if q.Round() != 1 || q.specs[0].step != radixBits {
		t.Fatalf("first query: round %d, %+v", q.Round(), q.specs)
	}
	data, _ := q.MarshalBinary()
	var q2 Query
	if err := q2.UnmarshalBinary(data); err != nil || q2.round != q.round || !slices.Equal(q2.specs, q.specs) {
		t.Fatalf("query round trip: %v", err)
	}
	c, _ := scanner(fams).Collect(context.Background(), &q2)
	data, _ = c.MarshalBinary()
	var c2 Collector
	if err := c2.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	data2, _ := c2.MarshalBinary()
	if !slices.Equal(data, data2) {
		t.Fatal("collector round trip changed it")
	}
	if err := sel.Absorb(&c2); err != nil {
		t.Fatal(err)
	}
	// The old round's answer is refused by the next round, and cannot be
	// merged with the next round's answer.
	if err := sel.Absorb(c); err == nil {
		t.Fatal("a stale answer was absorbed")
	}
	if sel.Done() {
		t.Fatal("done after one radix round of 500 ties")
	}
	next := sel.Query().NewCollector()
	if err := next.Merge(c); err == nil {
		t.Fatal("answers to different rounds merged")
	}
	if _, err := sel.CutPoints(); err == nil {
		t.Fatal("cut-points before the selection is done")
	}
	for name, bad := range map[string][]byte{
		"ten sets": frame(kindQuery, encodingVersion, func(e *encoder) {
			e.uvarint(1)
			e.uvarint(10)
			for range 10 {
				e.varint(0)
				e.uvarint(0)
				e.uvarint(0)
				e.uvarint(0)
				e.uvarint(0)
			}
		}),
		"wide prefix": frame(kindQuery, encodingVersion, func(e *encoder) {
			e.uvarint(1)
			e.uvarint(1)
			e.varint(0)
			e.uvarint(0)
			e.uvarint(4)
			e.uvarint(2)
			e.uvarint(0)
		}),
		"step": frame(kindQuery, encodingVersion, func(e *encoder) {
			e.uvarint(1)
			e.uvarint(1)
			e.varint(0)
			e.uvarint(0)
			e.uvarint(0)
			e.uvarint(0)
			e.uvarint(3)
		}),
	} {
		if err := new(Query).UnmarshalBinary(bad); !errors.Is(err, errCorrupt) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A position outside its set is refused.
	outside := frame(kindCollector, encodingVersion, func(e *encoder) {
		e.uvarint(1)
		e.uvarint(1)
		e.varint(14_000_000)
		e.uvarint(0)
		e.uvarint(0)
		e.uvarint(0)
		e.uvarint(0)
		e.uvarint(1)
		e.varint(14_000_001)
		e.u64(0)
	})
	if err := new(Collector).UnmarshalBinary(outside); !errors.Is(err, errCorrupt) {
		t.Errorf("position outside its set: %v", err)
	}
}
