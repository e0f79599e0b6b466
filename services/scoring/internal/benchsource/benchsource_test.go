package benchsource_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/dtsen-id/dtsen/services/scoring/adapters"
	"github.com/dtsen-id/dtsen/services/scoring/features"
	"github.com/dtsen-id/dtsen/services/scoring/internal/benchsource"
)

func sameInput(a, b features.Input) bool {
	return proto.Equal(a.Family, b.Family) && proto.Equal(a.Assets, b.Assets) &&
		proto.Equal(a.Economics, b.Economics) && proto.Equal(a.ServiceUsage, b.ServiceUsage) &&
		(a.Family == nil) == (b.Family == nil) && (a.Assets == nil) == (b.Assets == nil) &&
		(a.Economics == nil) == (b.Economics == nil) && (a.ServiceUsage == nil) == (b.ServiceUsage == nil) &&
		a.ReferenceDate.Equal(b.ReferenceDate)
}

// TestSource checks that both modes serve the same families, listed in KK
// order with valid KK numbers, and that the labels are the measured ones.
func TestSource(t *testing.T) {
	const households, families = 1500, 1200
	ctx := context.Background()
	lazyPop, err := benchsource.New(benchsource.Config{Seed: 3, Households: households})
	if err != nil {
		t.Fatal(err)
	}
	encPop, err := benchsource.New(benchsource.Config{Seed: 3, Households: households, Encoded: true})
	if err != nil {
		t.Fatal(err)
	}
	if lazyPop.EncodedBytes() != 0 || encPop.EncodedBytes() < households*1000 {
		t.Errorf("encoded bytes: lazy %d, encoded %d", lazyPop.EncodedBytes(), encPop.EncodedBytes())
	}
	lazy, err := lazyPop.Source(families)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := encPop.Source(families)
	if err != nil {
		t.Fatal(err)
	}
	ref := lazyPop.ReferenceDate().Add(8 * time.Hour)

	var kks []string
	if err := lazy.Each(ctx, "", func(kk string) error { kks = append(kks, kk); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(kks) != families || lazy.Len() != families {
		t.Fatalf("listed %d families (Len %d), want %d", len(kks), lazy.Len(), families)
	}
	for i, kk := range kks {
		if len(kk) != 16 || strings.Trim(kk, "0123456789") != "" || (i > 0 && kk <= kks[i-1]) {
			t.Fatalf("KK %d %q: not a 16-digit number listed after %q", i, kk, kks[max(i-1, 0)])
		}
	}
	labelled := map[string]bool{}
	if err := enc.MeasuredFamilies(ctx, func(kk string) error { labelled[kk] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(labelled) == 0 || len(labelled) != enc.Measured() {
		t.Errorf("%d measured families listed, Measured() = %d", len(labelled), enc.Measured())
	}
	for _, kk := range kks {
		a, err := lazy.Fetch(ctx, kk, ref)
		if err != nil {
			t.Fatal(err)
		}
		b, err := enc.Fetch(ctx, kk, ref)
		if err != nil {
			t.Fatal(err)
		}
		if !sameInput(a, b) {
			t.Fatalf("family %s: the encoded and the lazy source differ", kk)
		}
		if got, err := b.KK(); err != nil || got != kk {
			t.Fatalf("family %s: input names %q (%v)", kk, got, err)
		}
		if _, ok := features.Label(b.Economics); ok != labelled[kk] {
			t.Fatalf("family %s: has a label %v, listed as measured %v", kk, ok, labelled[kk])
		}
	}

	province := kks[0][:2]
	n := 0
	if err := enc.Each(ctx, province, func(kk string) error {
		if !strings.HasPrefix(kk, province) {
			t.Errorf("%s listed in province %s", kk, province)
		}
		n++
		return nil
	}); err != nil || n == 0 {
		t.Errorf("province %s: %d families, %v", province, n, err)
	}
	if err := enc.Each(ctx, "32.04.12.2001", func(string) error { return nil }); err == nil {
		t.Error("a village filter was accepted")
	}
	if _, err := enc.Fetch(ctx, "3204120101990001", ref); !errors.Is(err, adapters.ErrFamilyNotFound) {
		t.Errorf("unknown KK: %v, want ErrFamilyNotFound", err)
	}
	if _, err := encPop.Source(households + 1); err == nil {
		t.Error("a source larger than the population was accepted")
	}
}
