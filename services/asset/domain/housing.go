package domain

import (
	"time"

	regdomain "github.com/dtsen-id/dtsen/services/registry/domain"
)

// Housing is the house a family lives in as one source observed it, keyed
// by (KK number, source).
type Housing struct {
	KK             string
	FloorAreaSqm   float64
	FloorMaterial  FloorMaterial
	FloorCondition Condition
	WallMaterial   WallMaterial
	WallCondition  Condition
	RoofMaterial   RoofMaterial
	RoofCondition  Condition
	Tenure         Tenure
	Bedrooms       int32
	DrinkingWater  DrinkingWaterSource
	Lighting       LightingSource
	Power          ElectricityPower
	PLNCustomerID  string
	CookingFuel    CookingFuel
	Toilet         ToiletFacility
	Sewage         SewageDisposal
	Record
}

// Bounds of plausible housing values. A house above 10,000 m² or with more
// than 50 bedrooms is a keying error, not a household.
const (
	MaxFloorAreaSqm = 10_000
	MaxBedrooms     = 50
)

// Validate checks one housing record on its own.
func (h *Housing) Validate(now time.Time) Violations {
	var vs Violations
	add := func(field, reason, desc string) {
		vs = append(vs, Violation{Field: field, Reason: reason, Description: desc})
	}
	if v := kkViolation(h.KK); v != nil {
		vs = append(vs, *v)
	}
	vs = append(vs, h.validateRecord(now)...)
	if !finite(h.FloorAreaSqm) || h.FloorAreaSqm <= 0 || h.FloorAreaSqm > MaxFloorAreaSqm {
		add("floor_area_sqm", ReasonHousingFloorAreaInvalid, "the floor area must be more than 0 and at most 10,000 m²")
	}
	if !h.FloorMaterial.Valid() {
		add("floor_material", ReasonHousingFloorMaterialInvalid, "floor_material must be a defined value")
	}
	if !h.FloorCondition.Valid() {
		add("floor_condition", ReasonHousingFloorConditionInvalid, "floor_condition must be GOOD or POOR")
	}
	if !h.WallMaterial.Valid() {
		add("wall_material", ReasonHousingWallMaterialInvalid, "wall_material must be a defined value")
	}
	if !h.WallCondition.Valid() {
		add("wall_condition", ReasonHousingWallConditionInvalid, "wall_condition must be GOOD or POOR")
	}
	if !h.RoofMaterial.Valid() {
		add("roof_material", ReasonHousingRoofMaterialInvalid, "roof_material must be a defined value")
	}
	if !h.RoofCondition.Valid() {
		add("roof_condition", ReasonHousingRoofConditionInvalid, "roof_condition must be GOOD or POOR")
	}
	if !h.Tenure.Valid() {
		add("tenure", ReasonHousingTenureInvalid, "tenure must be a defined value")
	}
	if h.Bedrooms < 0 || h.Bedrooms > MaxBedrooms {
		add("bedrooms", ReasonHousingBedroomsInvalid, "bedrooms must be 0-50")
	}
	if !h.DrinkingWater.Valid() {
		add("drinking_water", ReasonHousingDrinkingWaterInvalid, "drinking_water must be a defined value")
	}
	if !h.Lighting.Valid() {
		add("lighting", ReasonHousingLightingInvalid, "lighting must be a defined value")
	}
	if !h.Power.Valid() {
		add("electricity_power", ReasonHousingPowerInvalid, "electricity_power must be a defined value (NONE when there is no meter)")
	}
	// Installed power belongs to the household's own PLN meter: a metered
	// PLN connection has a power rating, and nothing else has one.
	if h.Lighting.Valid() && h.Power.Valid() && (h.Lighting == LightingPLNMetered) != (h.Power != PowerNone) {
		add("electricity_power", ReasonHousingPowerLightingMismatch,
			"installed power is given exactly when lighting is PLN_METERED (otherwise it is NONE)")
	}
	if h.PLNCustomerID != "" {
		switch {
		case !regdomain.IsDigits(h.PLNCustomerID, 12):
			add("pln_customer_id", ReasonHousingPLNCustomerIDInvalid, "a PLN customer id is 12 digits")
		case h.Lighting != LightingPLNMetered:
			add("pln_customer_id", ReasonHousingPLNCustomerIDUnexpected, "a PLN customer id belongs to a PLN_METERED connection")
		}
	}
	if !h.CookingFuel.Valid() {
		add("cooking_fuel", ReasonHousingCookingFuelInvalid, "cooking_fuel must be a defined value")
	}
	if !h.Toilet.Valid() {
		add("toilet", ReasonHousingToiletInvalid, "toilet must be a defined value")
	}
	if !h.Sewage.Valid() {
		add("sewage", ReasonHousingSewageInvalid, "sewage must be a defined value")
	}
	return vs
}

// SameData reports whether two housing records hold the same observation
// (everything but the cross-check and the version).
func (h *Housing) SameData(o *Housing) bool {
	return h.KK == o.KK && h.FloorAreaSqm == o.FloorAreaSqm && h.FloorMaterial == o.FloorMaterial &&
		h.FloorCondition == o.FloorCondition && h.WallMaterial == o.WallMaterial && h.WallCondition == o.WallCondition &&
		h.RoofMaterial == o.RoofMaterial && h.RoofCondition == o.RoofCondition && h.Tenure == o.Tenure &&
		h.Bedrooms == o.Bedrooms && h.DrinkingWater == o.DrinkingWater && h.Lighting == o.Lighting &&
		h.Power == o.Power && h.PLNCustomerID == o.PLNCustomerID && h.CookingFuel == o.CookingFuel &&
		h.Toilet == o.Toilet && h.Sewage == o.Sewage && h.Source == o.Source && h.ObservationDate.Equal(o.ObservationDate)
}
