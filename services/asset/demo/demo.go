// Package demo generates valid demo asset records for `make run`, tests and
// benchmarks. Their NIKs and KK numbers are those of the registry's demo
// families (registry/demo.Family), so once those families are imported into
// the registry the records match. No real person or asset is described.
package demo

import (
	"fmt"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	regdemo "github.com/dtsen-id/dtsen/services/registry/demo"
)

// ObservationDate is the observation date of every demo record.
const ObservationDate = "2025-01-15"

// Sources of the demo records.
const (
	SourceBPS       = "bps"
	SourceATRBPN    = "atr-bpn"
	SourceKorlantas = "korlantas"
)

// VehiclesPerFamily: Vehicle(i) belongs to member i%4 of family i/4, so
// 200,000 vehicles spread over the 50,000 families of the registry's benchmark.
const VehiclesPerFamily = 4

// Housing returns the housing record of demo family i, as BPS observed it.
func Housing(i int) *assetv1.Housing {
	f := regdemo.Family(i)
	h := &assetv1.Housing{
		KkNumber:         f.GetKkNumber(),
		Source:           SourceBPS,
		ObservationDate:  ObservationDate,
		FloorAreaSqm:     float64(24 + i%60),
		FloorMaterial:    assetv1.FloorMaterial(1 + i%9),
		FloorCondition:   assetv1.Condition(1 + i%2),
		WallMaterial:     assetv1.WallMaterial(1 + i%7),
		WallCondition:    assetv1.Condition(1 + (i/2)%2),
		RoofMaterial:     assetv1.RoofMaterial(1 + i%10),
		RoofCondition:    assetv1.Condition(1 + (i/3)%2),
		Tenure:           assetv1.Tenure_TENURE_OWNED,
		Bedrooms:         int32(1 + i%3),
		DrinkingWater:    assetv1.DrinkingWaterSource(1 + i%12),
		Lighting:         assetv1.LightingSource_LIGHTING_SOURCE_PLN_METERED,
		ElectricityPower: assetv1.ElectricityPower(2 + i%5),
		PlnCustomerId:    fmt.Sprintf("5%011d", i),
		CookingFuel:      assetv1.CookingFuel_COOKING_FUEL_LPG_3KG,
		Toilet:           assetv1.ToiletFacility_TOILET_FACILITY_PRIVATE,
		Sewage:           assetv1.SewageDisposal_SEWAGE_DISPOSAL_SEPTIC_TANK,
	}
	if i%5 == 4 { // one family in five has no electricity of its own
		h.Lighting = assetv1.LightingSource_LIGHTING_SOURCE_PLN_UNMETERED
		h.ElectricityPower = assetv1.ElectricityPower_ELECTRICITY_POWER_NONE
		h.PlnCustomerId = ""
	}
	return h
}

// Holdings returns the holdings record of demo family i.
func Holdings(i int) *assetv1.Holdings {
	f := regdemo.Family(i)
	return &assetv1.Holdings{
		KkNumber:        f.GetKkNumber(),
		Source:          SourceBPS,
		ObservationDate: ObservationDate,
		Livestock:       &assetv1.Livestock{Cattle: int32(i % 3), GoatSheep: int32(i % 5), Poultry: int32(i % 20)},
		Goods: &assetv1.DurableGoods{GasCylinderLarge: i%4 == 0, Refrigerator: i%2 == 0, Telephone: true,
			Television: i%3 != 0, Computer: i%7 == 0},
		GoldOrSavings: i%6 == 0,
	}
}

// LandParcel returns demo parcel i, owned by the head of demo family i.
func LandParcel(i int) *assetv1.LandParcel {
	f := regdemo.Family(i)
	return &assetv1.LandParcel{
		CertificateId:   fmt.Sprintf("10.%08d", i),
		OwnerNik:        f.GetHeadNik(),
		Source:          SourceATRBPN,
		ObservationDate: ObservationDate,
		AreaSqm:         float64(60 + i%940),
		NjopValue:       int64(60+i%940) * 850_000,
		RegionCode:      f.GetRegionCode(),
		HouseElsewhere:  i%10 == 9,
	}
}

var vehicleTypes = []assetv1.VehicleType{
	assetv1.VehicleType_VEHICLE_TYPE_MOTORCYCLE, assetv1.VehicleType_VEHICLE_TYPE_MOTORCYCLE,
	assetv1.VehicleType_VEHICLE_TYPE_BICYCLE, assetv1.VehicleType_VEHICLE_TYPE_MOTORCYCLE,
	assetv1.VehicleType_VEHICLE_TYPE_CAR, assetv1.VehicleType_VEHICLE_TYPE_BOAT,
	assetv1.VehicleType_VEHICLE_TYPE_TRUCK, assetv1.VehicleType_VEHICLE_TYPE_OUTBOARD_MOTOR,
}

var vehicleValues = map[assetv1.VehicleType]int64{
	assetv1.VehicleType_VEHICLE_TYPE_BICYCLE:        1_500_000,
	assetv1.VehicleType_VEHICLE_TYPE_MOTORCYCLE:     12_000_000,
	assetv1.VehicleType_VEHICLE_TYPE_CAR:            150_000_000,
	assetv1.VehicleType_VEHICLE_TYPE_TRUCK:          250_000_000,
	assetv1.VehicleType_VEHICLE_TYPE_BOAT:           30_000_000,
	assetv1.VehicleType_VEHICLE_TYPE_OUTBOARD_MOTOR: 8_000_000,
}

// Vehicle returns demo vehicle i, owned by member i%4 of demo family i/4.
func Vehicle(i int) *assetv1.Vehicle {
	f := regdemo.Family(i / VehiclesPerFamily)
	typ := vehicleTypes[i%len(vehicleTypes)]
	v := &assetv1.Vehicle{
		FrameNumber:     fmt.Sprintf("MH1JF%012d", i),
		OwnerNik:        f.GetMembers()[i%VehiclesPerFamily].GetNik(),
		Source:          SourceKorlantas,
		ObservationDate: ObservationDate,
		Type:            typ,
		Year:            int32(2005 + i%19),
		EstimatedValue:  vehicleValues[typ],
	}
	switch typ {
	case assetv1.VehicleType_VEHICLE_TYPE_MOTORCYCLE, assetv1.VehicleType_VEHICLE_TYPE_CAR, assetv1.VehicleType_VEHICLE_TYPE_TRUCK:
		v.PlateNumber = fmt.Sprintf("D %d %s", 1000+i%9000, "ABC")
	}
	return v
}
