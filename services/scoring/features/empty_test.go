package features_test

import (
	"testing"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	"github.com/dtsen-id/dtsen/services/scoring/features"
)

// An empty summary is "no data", not "owns nothing": DropEmpty makes it nil
// so its features are NaN; a summary with one record is kept.
func TestDropEmpty(t *testing.T) {
	empty := features.DropEmpty(features.Input{
		Assets:       &assetv1.FamilyAssets{Name: "families/3204120101100001/assets", Totals: &assetv1.AssetTotals{}},
		Economics:    &incomev1.FamilyEconomics{Members: []*incomev1.MemberEconomics{{Nik: "3204121505900001"}}},
		ServiceUsage: &serviceusagev1.FamilyServiceUsage{Members: []*serviceusagev1.MemberServiceUsage{{Nik: "3204121505900001"}}},
	})
	if empty.Assets != nil || empty.Economics != nil || empty.ServiceUsage != nil {
		t.Fatalf("empty summaries kept: %+v", empty)
	}
	kept := features.DropEmpty(features.Input{
		Assets:       &assetv1.FamilyAssets{Vehicles: []*assetv1.Vehicle{{}}},
		Economics:    &incomev1.FamilyEconomics{Members: []*incomev1.MemberEconomics{{Incomes: []*incomev1.Income{{}}}}},
		ServiceUsage: &serviceusagev1.FamilyServiceUsage{UtilityUsages: []*serviceusagev1.UtilityUsage{{}}},
	})
	if kept.Assets == nil || kept.Economics == nil || kept.ServiceUsage == nil {
		t.Fatalf("summaries with records dropped: %+v", kept)
	}
}
