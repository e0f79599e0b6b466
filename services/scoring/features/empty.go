package features

import (
	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
)

// DropEmpty removes the summaries that hold no record at all. A source
// context answers a registered family it has nothing on with an empty
// summary, not NOT_FOUND; read as is, its counts would say "owns nothing,
// earns nothing" where the truth is "unknown". Missing data is NaN, never a
// silent 0, and training (popinput) and live scoring (adapters) must see the
// same input, so both go through here.
func DropEmpty(in Input) Input {
	if in.Assets != nil && !hasAssets(in.Assets) {
		in.Assets = nil
	}
	if in.Economics != nil && !hasEconomics(in.Economics) {
		in.Economics = nil
	}
	if in.ServiceUsage != nil && !hasServiceUsage(in.ServiceUsage) {
		in.ServiceUsage = nil
	}
	return in
}

// hasAssets: any housing, holdings, parcel or vehicle record. The totals
// count parcels and vehicles beyond the listed 1000.
func hasAssets(a *assetv1.FamilyAssets) bool {
	return a.GetHousing() != nil || a.GetHoldings() != nil || len(a.GetLandParcels()) > 0 || len(a.GetVehicles()) > 0 ||
		a.GetTotals().GetLandParcelCount() > 0 || a.GetTotals().GetVehicleCount() > 0
}

// hasEconomics: any consumption, or any member's income, employment or
// banking record.
func hasEconomics(e *incomev1.FamilyEconomics) bool {
	if len(e.GetMeasuredConsumptions()) > 0 || len(e.GetSelfDeclaredConsumptions()) > 0 {
		return true
	}
	for _, m := range e.GetMembers() {
		if len(m.GetIncomes()) > 0 || len(m.GetEmployments()) > 0 || len(m.GetBankingPatterns()) > 0 {
			return true
		}
	}
	return false
}

// hasServiceUsage: any utility month, programme, or member's health
// coverage or enrolment.
func hasServiceUsage(u *serviceusagev1.FamilyServiceUsage) bool {
	if len(u.GetUtilityUsages()) > 0 || len(u.GetProgrammeParticipations()) > 0 {
		return true
	}
	for _, m := range u.GetMembers() {
		if len(m.GetHealthCoverages()) > 0 || len(m.GetEnrolments()) > 0 {
			return true
		}
	}
	return false
}
