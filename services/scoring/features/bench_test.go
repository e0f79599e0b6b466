package features_test

import (
	"testing"

	"github.com/dtsen-id/dtsen/services/population/population"
	"github.com/dtsen-id/dtsen/services/scoring/features"
)

// BenchmarkBuild measures Build on generated families, one goroutine,
// reusing the output buffer as a ranking worker does. families/s is per
// core: a national re-ranking of 93 million families divides by it.
func BenchmarkBuild(b *testing.B) {
	var inputs []features.Input
	if err := generate(1024, func(_ *population.Household, in features.Input) error {
		inputs = append(inputs, in)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	var v features.Vector
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		if v, err = features.BuildInto(inputs[i%len(inputs)], v); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "families/s")
}

// BenchmarkDeriveFlags measures the data flags on the same families.
func BenchmarkDeriveFlags(b *testing.B) {
	var inputs []features.Input
	if err := generate(1024, func(_ *population.Household, in features.Input) error {
		inputs = append(inputs, in)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := features.DeriveFlags(inputs[i%len(inputs)], features.DefaultStalePolicy); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "families/s")
}
