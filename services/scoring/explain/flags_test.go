package explain

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/dtsen-id/dtsen/services/scoring/features"
)

func TestDeclaredConsumption(t *testing.T) {
	predicted := math.Log(1_800_000) // what Pak Budi's car, land and savings predict
	for _, c := range []struct {
		name     string
		declared float64
		has      bool
		want     bool
	}{
		{"Pak Budi declares far less", 400_000, true, true},
		{"close to the prediction", 1_500_000, true, false},
		{"just above half", 900_001, true, false},
		{"no declaration", 0, false, false},
		{"declared amount without the ok", 400_000, false, false},
	} {
		flags := Assess(nil, predicted, features.Consumption{PerCapita: c.declared}, c.has)
		if got := len(flags) == 1; got != c.want || len(flags) > 1 {
			t.Errorf("%s: flags %+v, want flagged = %v", c.name, flags, c.want)
			continue
		}
		if !c.want {
			continue
		}
		f := flags[0]
		if f.Code != features.FlagDeclaredConsumptionInconsistent || f.Context != features.ContextIncome || !f.FieldVerification {
			t.Errorf("%s: flag %+v", c.name, f)
		}
		for _, want := range []string{"Rp400.000", "Rp1.800.000", "lapangan"} {
			if !strings.Contains(f.Text.ID, want) {
				t.Errorf("%s: ID text %q lacks %q", c.name, f.Text.ID, want)
			}
		}
		for _, want := range []string{"Rp400,000", "Rp1,800,000", "field"} {
			if !strings.Contains(f.Text.EN, want) {
				t.Errorf("%s: EN text %q lacks %q", c.name, f.Text.EN, want)
			}
		}
	}
	if flags := Assess(nil, math.NaN(), features.Consumption{PerCapita: 1}, true); len(flags) != 0 {
		t.Errorf("NaN prediction flagged: %+v", flags)
	}
	// A finding of the same flag is decided again here, not repeated.
	dup := []features.Finding{{Flag: features.FlagDeclaredConsumptionInconsistent, Context: features.ContextIncome}}
	if flags := Assess(dup, predicted, features.Consumption{PerCapita: 1_500_000}, true); len(flags) != 0 {
		t.Errorf("stale declared finding kept: %+v", flags)
	}
}

func TestFindingFlags(t *testing.T) {
	cases := []struct {
		x      features.Finding
		verify bool
		id, en string
	}{
		{features.Finding{Flag: features.FlagMemberDeceased, Context: features.ContextRegistry, Count: 1},
			true, "Ada 1 anggota keluarga yang tercatat meninggal dunia.", "1 family member is recorded as deceased."},
		{features.Finding{Flag: features.FlagMemberDeceased, Context: features.ContextRegistry, Count: 2},
			true, "Ada 2 anggota", "2 family members are"},
		{features.Finding{Flag: features.FlagUnmatchedRecords, Context: features.ContextAsset, Count: 3},
			true, "Ada 3 catatan data aset", "3 asset records could not be matched"},
		{features.Finding{Flag: features.FlagDataStale, Context: features.ContextServiceUsage, Newest: "2025-02-03", AgeDays: 400},
			false, "terakhir diperbarui 3 Februari 2025, 400 hari", "last updated on 3 February 2025, 400 days"},
		{features.Finding{Flag: features.FlagDataStale, Context: features.ContextAsset, Newest: "2023-01-01", AgeDays: StaleVerificationDays + 1},
			true, "Data aset keluarga", "asset data"},
		{features.Finding{Flag: "ADDRESS_NOT_FOUND", Context: features.ContextRegistry},
			true, "(ADDRESS_NOT_FOUND)", "(ADDRESS_NOT_FOUND)"},
	}
	for _, c := range cases {
		flags := Assess([]features.Finding{c.x}, math.NaN(), features.Consumption{}, false)
		if len(flags) != 1 {
			t.Fatalf("%+v: %d flags", c.x, len(flags))
		}
		f := flags[0]
		if f.Code != c.x.Flag || f.Context != c.x.Context || f.FieldVerification != c.verify {
			t.Errorf("%+v: flag %+v, want verification %v", c.x, f, c.verify)
		}
		if !strings.Contains(f.Text.ID, c.id) || !strings.Contains(f.Text.EN, c.en) {
			t.Errorf("%+v: text %+v, want %q / %q", c.x, f.Text, c.id, c.en)
		}
		if NeedsFieldVerification(flags) != c.verify {
			t.Errorf("%+v: NeedsFieldVerification disagrees", c.x)
		}
	}
}

func TestFlagOrderIsStable(t *testing.T) {
	findings := []features.Finding{
		{Flag: features.FlagMemberDeceased, Context: features.ContextRegistry, Count: 1},
		{Flag: features.FlagUnmatchedRecords, Context: features.ContextAsset, Count: 1},
		{Flag: features.FlagUnmatchedRecords, Context: features.ContextServiceUsage, Count: 4},
		{Flag: features.FlagDataStale, Context: features.ContextIncome, Newest: "2024-01-01", AgeDays: 500},
		{Flag: features.FlagDataStale, Context: features.ContextAsset, Newest: "2023-01-01", AgeDays: 900},
	}
	declared := features.Consumption{PerCapita: 300_000}
	want := Assess(findings, math.Log(1_500_000), declared, true)
	var order []string
	for _, f := range want {
		order = append(order, string(f.Code)+"/"+string(f.Context))
	}
	wantOrder := []string{
		"DECLARED_CONSUMPTION_INCONSISTENT/income", "MEMBER_DECEASED/registry",
		"UNMATCHED_RECORDS/asset", "UNMATCHED_RECORDS/serviceusage",
		"DATA_STALE/asset", "DATA_STALE/income",
	}
	if !reflect.DeepEqual(order, wantOrder) {
		t.Fatalf("order %v, want %v", order, wantOrder)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	for range 20 {
		shuffled := append([]features.Finding(nil), findings...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if got := Assess(shuffled, math.Log(1_500_000), declared, true); !reflect.DeepEqual(got, want) {
			t.Fatalf("order depends on the findings' order: %+v", got)
		}
	}
}
