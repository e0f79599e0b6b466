package ports_test

import (
	"testing"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	"github.com/dtsen-id/dtsen/services/asset/domain"
)

// TestEnumsMirrorProto pins each domain enum to its proto enum: the ports
// convert with a cast, so every proto value must have the domain constant of
// the same number and name, and Valid must accept exactly the non-zero values.
func TestEnumsMirrorProto(t *testing.T) {
	type pin struct {
		name string
		num  int32
	}
	cases := map[string]struct {
		proto map[int32]string
		last  pin // the highest value, by name
		valid func(int32) bool
	}{
		"MatchStatus": {assetv1.MatchStatus_name, pin{"MATCH_STATUS_UNMATCHED", int32(domain.Unmatched)},
			func(v int32) bool { return domain.MatchStatus(v).Valid() }},
		"FloorMaterial": {assetv1.FloorMaterial_name, pin{"FLOOR_MATERIAL_OTHER", int32(domain.FloorOther)},
			func(v int32) bool { return domain.FloorMaterial(v).Valid() }},
		"WallMaterial": {assetv1.WallMaterial_name, pin{"WALL_MATERIAL_OTHER", int32(domain.WallOther)},
			func(v int32) bool { return domain.WallMaterial(v).Valid() }},
		"RoofMaterial": {assetv1.RoofMaterial_name, pin{"ROOF_MATERIAL_OTHER", int32(domain.RoofOther)},
			func(v int32) bool { return domain.RoofMaterial(v).Valid() }},
		"Condition": {assetv1.Condition_name, pin{"CONDITION_POOR", int32(domain.ConditionPoor)},
			func(v int32) bool { return domain.Condition(v).Valid() }},
		"Tenure": {assetv1.Tenure_name, pin{"TENURE_OTHER", int32(domain.TenureOther)},
			func(v int32) bool { return domain.Tenure(v).Valid() }},
		"DrinkingWaterSource": {assetv1.DrinkingWaterSource_name, pin{"DRINKING_WATER_SOURCE_OTHER", int32(domain.WaterOther)},
			func(v int32) bool { return domain.DrinkingWaterSource(v).Valid() }},
		"LightingSource": {assetv1.LightingSource_name, pin{"LIGHTING_SOURCE_NO_ELECTRICITY", int32(domain.LightingNoElectricity)},
			func(v int32) bool { return domain.LightingSource(v).Valid() }},
		"ElectricityPower": {assetv1.ElectricityPower_name, pin{"ELECTRICITY_POWER_ABOVE_2200", int32(domain.PowerAbove2200)},
			func(v int32) bool { return domain.ElectricityPower(v).Valid() }},
		"CookingFuel": {assetv1.CookingFuel_name, pin{"COOKING_FUEL_OTHER", int32(domain.FuelOther)},
			func(v int32) bool { return domain.CookingFuel(v).Valid() }},
		"ToiletFacility": {assetv1.ToiletFacility_name, pin{"TOILET_FACILITY_NONE", int32(domain.ToiletNone)},
			func(v int32) bool { return domain.ToiletFacility(v).Valid() }},
		"SewageDisposal": {assetv1.SewageDisposal_name, pin{"SEWAGE_DISPOSAL_OTHER", int32(domain.SewageOther)},
			func(v int32) bool { return domain.SewageDisposal(v).Valid() }},
		"VehicleType": {assetv1.VehicleType_name, pin{"VEHICLE_TYPE_OUTBOARD_MOTOR", int32(domain.VehicleOutboardMotor)},
			func(v int32) bool { return domain.VehicleType(v).Valid() }},
	}
	for name, c := range cases {
		if c.proto[c.last.num] != c.last.name || int(c.last.num) != len(c.proto)-1 {
			t.Errorf("%s: domain's last value %d is %q in the proto, which has %d values", name, c.last.num, c.proto[c.last.num], len(c.proto))
		}
		for v := int32(-1); v <= int32(len(c.proto)); v++ {
			_, defined := c.proto[v]
			if c.valid(v) != (defined && v != 0) {
				t.Errorf("%s: Valid(%d) = %v", name, v, c.valid(v))
			}
		}
	}
	// Spot checks in the middle of the longer enums.
	if assetv1.ElectricityPower_ELECTRICITY_POWER_VA_900 != assetv1.ElectricityPower(domain.PowerVA900) ||
		assetv1.LightingSource_LIGHTING_SOURCE_PLN_METERED != assetv1.LightingSource(domain.LightingPLNMetered) ||
		assetv1.VehicleType_VEHICLE_TYPE_CAR != assetv1.VehicleType(domain.VehicleCar) ||
		assetv1.CookingFuel_COOKING_FUEL_LPG_3KG != assetv1.CookingFuel(domain.FuelLPG3kg) ||
		assetv1.DrinkingWaterSource_DRINKING_WATER_SOURCE_BORE_WELL != assetv1.DrinkingWaterSource(domain.WaterBoreWell) ||
		assetv1.FloorMaterial_FLOOR_MATERIAL_EARTH != assetv1.FloorMaterial(domain.FloorEarth) {
		t.Error("a domain enum constant does not mirror its proto value")
	}
}
