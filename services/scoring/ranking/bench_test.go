package ranking

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
)

// provinceShares are the 38 provinces' approximate shares of Indonesia's
// families (larger Java provinces first), and provinceShift their mean log
// consumption relative to the nation: enough to give the merged histogram
// the shape of a real one, a mixture of shifted bells.
var (
	provinceShares = []float64{
		17.9, 14.9, 13.5, 5.6, 4.4, 4.0, 3.4, 3.3, 2.5, 2.2, 2.0, 2.0, 1.9, 1.8, 1.7, 1.6, 1.5, 1.4, 1.4,
		1.2, 1.1, 1.1, 1.0, 0.9, 0.9, 0.8, 0.7, 0.6, 0.5, 0.5, 0.5, 0.4, 0.4, 0.4, 0.3, 0.3, 0.3, 0.2,
	}
	provinceShift = []float64{
		0.05, -0.05, -0.1, 0.0, 0.15, 0.55, 0.0, -0.1, 0.1, 0.05, 0.2, 0.0, 0.1, -0.1, -0.15, 0.25, 0.1, -0.25, -0.2,
		0.05, 0.0, 0.15, -0.05, 0.3, -0.1, 0.05, -0.3, 0.2, -0.2, 0.1, -0.35, -0.4, 0.0, -0.15, -0.45, 0.1, -0.3, -0.2,
	}
)

// benchFamilies is the national population the merge benchmarks simulate:
// 9.3 million (a tenth of DTSEN's 93 million) unless DTSEN_BENCH_FAMILIES
// says otherwise.
func benchFamilies() int {
	if v, err := strconv.Atoi(os.Getenv("DTSEN_BENCH_FAMILIES")); err == nil && v > 0 {
		return v
	}
	return 9_300_000
}

type provinceFixture struct {
	encoded  [][]byte // each province's histogram as shipped
	families int
}

var (
	fixtureOnce sync.Once
	fixture     provinceFixture
)

func provinces(b *testing.B) provinceFixture {
	fixtureOnce.Do(func() {
		total := benchFamilies()
		var sum float64
		for _, s := range provinceShares {
			sum += s
		}
		for p, share := range provinceShares {
			rng := rand.New(rand.NewPCG(uint64(p), 1))
			n := int(float64(total) * share / sum)
			h := NewHistogram()
			for range n {
				if err := h.Add(13.8 + provinceShift[p] + 0.55*rng.NormFloat64()); err != nil {
					b.Fatal(err)
				}
			}
			data, _ := h.MarshalBinary()
			fixture.encoded = append(fixture.encoded, data)
			fixture.families += n
		}
	})
	return fixture
}

func scores(n int) []float64 {
	rng := rand.New(rand.NewPCG(1, 1))
	s := make([]float64, n)
	for i := range s {
		s[i] = 13.8 + provinceShift[i%38] + 0.55*rng.NormFloat64()
	}
	return s
}

// BenchmarkHistogramAdd is the first pass's cost per family, with the
// histogram growing to a few million distinct keys as a large province's
// does.
func BenchmarkHistogramAdd(b *testing.B) {
	s := scores(1 << 22)
	h := NewHistogram()
	b.ResetTimer()
	for i := range b.N {
		if err := h.Add(s[i&(1<<22-1)]); err != nil {
			b.Fatal(err)
		}
	}
	h.flush()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/1e6, "Mscores/s")
}

// BenchmarkCollectorAdd is the second pass's cost per family: quantise,
// compare with the nine boundary sets, read the KK number of the few in
// them.
func BenchmarkCollectorAdd(b *testing.B) {
	s := scores(1 << 20)
	kks := make([]string, len(s))
	h := NewHistogram()
	for i := range s {
		kks[i] = kkOf(11+i%84, i)
		_ = h.Add(s[i])
	}
	sel, err := h.Select(0)
	if err != nil {
		b.Fatal(err)
	}
	c := sel.Query().NewCollector()
	b.ResetTimer()
	for i := range b.N {
		j := i & (1<<20 - 1)
		if err := c.Add(s[j], kks[j]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/1e6, "Mfamilies/s")
}

// BenchmarkMergeProvinces is the coordinator's first-pass work: decode the
// 38 provinces' histograms and add them up.
func BenchmarkMergeProvinces(b *testing.B) {
	f := provinces(b)
	var bytes int
	for _, d := range f.encoded {
		bytes += len(d)
	}
	var merged *Histogram
	b.ResetTimer()
	for range b.N {
		merged = NewHistogram()
		for _, d := range f.encoded {
			var h Histogram
			if err := h.UnmarshalBinary(d); err != nil {
				b.Fatal(err)
			}
			if err := merged.Merge(&h); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	out, _ := merged.MarshalBinary()
	b.ReportMetric(float64(f.families)/1e6, "Mfamilies")
	b.ReportMetric(float64(merged.Distinct())/1e6, "Mkeys")
	b.ReportMetric(float64(bytes)/1e6, "MB-shipped")
	b.ReportMetric(float64(len(out))/1e6, "MB-merged")
}

// BenchmarkSelect is the coordinator's work between the passes: walk the
// merged national histogram to the nine boundary keys.
func BenchmarkSelect(b *testing.B) {
	f := provinces(b)
	merged := NewHistogram()
	for _, d := range f.encoded {
		var h Histogram
		if err := h.UnmarshalBinary(d); err != nil {
			b.Fatal(err)
		}
		_ = merged.Merge(&h)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := merged.Select(0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRun is a whole single-process run over 2 million families in 38
// partitions: both passes, every answer through its encoding.
func BenchmarkRun(b *testing.B) {
	const n = 2_000_000
	s := scores(n)
	parts := make([][]family, 38)
	for i, v := range s {
		parts[i%38] = append(parts[i%38], family{score: v, kk: kkOf(11+i%38, i)})
	}
	ps := make([]Partition, len(parts))
	for i, p := range parts {
		ps[i] = remote{scanner(p)}
	}
	b.ResetTimer()
	for range b.N {
		if _, err := Run(context.Background(), ps, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mfamilies/s")
}
