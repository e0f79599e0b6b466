package features

import (
	"math"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
)

// The ordinal scales. Each orders categories by what they cost to build or
// buy, the way the PMT forms rank them (DESIGN.md §2, "Housing and asset
// variables"); categories that cannot be ranked (OTHER) are missing.
var (
	wallLevels = []level[assetv1.WallMaterial]{
		{assetv1.WallMaterial_WALL_MATERIAL_BAMBOO, 0},
		{assetv1.WallMaterial_WALL_MATERIAL_WOVEN_BAMBOO, 1},
		{assetv1.WallMaterial_WALL_MATERIAL_LOG, 1},
		{assetv1.WallMaterial_WALL_MATERIAL_WOOD_BOARD, 2},
		{assetv1.WallMaterial_WALL_MATERIAL_PLASTERED_BAMBOO_WIRE, 3},
		{assetv1.WallMaterial_WALL_MATERIAL_MASONRY, 4},
	}
	roofLevels = []level[assetv1.RoofMaterial]{
		{assetv1.RoofMaterial_ROOF_MATERIAL_STRAW_PALM, 0},
		{assetv1.RoofMaterial_ROOF_MATERIAL_BAMBOO, 0},
		{assetv1.RoofMaterial_ROOF_MATERIAL_WOOD_SHINGLE, 1},
		{assetv1.RoofMaterial_ROOF_MATERIAL_ZINC, 1},
		{assetv1.RoofMaterial_ROOF_MATERIAL_ASBESTOS, 2},
		{assetv1.RoofMaterial_ROOF_MATERIAL_CLAY_TILE, 3},
		{assetv1.RoofMaterial_ROOF_MATERIAL_CEMENT_TILE, 3},
		{assetv1.RoofMaterial_ROOF_MATERIAL_METAL_TILE, 3},
		{assetv1.RoofMaterial_ROOF_MATERIAL_CONCRETE, 4},
	}
	// ABOVE_2200 is taken as 3,500 VA, the next tariff step PLN sells.
	powerLevels = []level[assetv1.ElectricityPower]{
		{assetv1.ElectricityPower_ELECTRICITY_POWER_NONE, 0},
		{assetv1.ElectricityPower_ELECTRICITY_POWER_VA_450, 450},
		{assetv1.ElectricityPower_ELECTRICITY_POWER_VA_900, 900},
		{assetv1.ElectricityPower_ELECTRICITY_POWER_VA_1300, 1300},
		{assetv1.ElectricityPower_ELECTRICITY_POWER_VA_2200, 2200},
		{assetv1.ElectricityPower_ELECTRICITY_POWER_ABOVE_2200, 3500},
	}
	// Years of schooling of the highest diploma (D I/II: 13 or 14 years).
	educationYears = []level[registryv1.EducationLevel]{
		{registryv1.EducationLevel_EDUCATION_LEVEL_NONE, 0},
		{registryv1.EducationLevel_EDUCATION_LEVEL_PRIMARY_INCOMPLETE, 3},
		{registryv1.EducationLevel_EDUCATION_LEVEL_PRIMARY, 6},
		{registryv1.EducationLevel_EDUCATION_LEVEL_JUNIOR_SECONDARY, 9},
		{registryv1.EducationLevel_EDUCATION_LEVEL_SENIOR_SECONDARY, 12},
		{registryv1.EducationLevel_EDUCATION_LEVEL_DIPLOMA_I_II, 13.5},
		{registryv1.EducationLevel_EDUCATION_LEVEL_DIPLOMA_III, 15},
		{registryv1.EducationLevel_EDUCATION_LEVEL_BACHELOR, 16},
		{registryv1.EducationLevel_EDUCATION_LEVEL_MASTER, 18},
		{registryv1.EducationLevel_EDUCATION_LEVEL_DOCTORATE, 21},
	}
)

// The category sets of indicator features.
var (
	floorCeramic = []assetv1.FloorMaterial{assetv1.FloorMaterial_FLOOR_MATERIAL_CERAMIC,
		assetv1.FloorMaterial_FLOOR_MATERIAL_MARBLE_GRANITE, assetv1.FloorMaterial_FLOOR_MATERIAL_PARQUET_VINYL}
	waterPiped = []assetv1.DrinkingWaterSource{assetv1.DrinkingWaterSource_DRINKING_WATER_SOURCE_PIPED_METERED,
		assetv1.DrinkingWaterSource_DRINKING_WATER_SOURCE_PIPED_RETAIL}
	waterUnimproved = []assetv1.DrinkingWaterSource{assetv1.DrinkingWaterSource_DRINKING_WATER_SOURCE_UNPROTECTED_WELL,
		assetv1.DrinkingWaterSource_DRINKING_WATER_SOURCE_UNPROTECTED_SPRING, assetv1.DrinkingWaterSource_DRINKING_WATER_SOURCE_SURFACE_WATER}
	lightingPLN = []assetv1.LightingSource{assetv1.LightingSource_LIGHTING_SOURCE_PLN_METERED,
		assetv1.LightingSource_LIGHTING_SOURCE_PLN_UNMETERED}
	fuelSolid = []assetv1.CookingFuel{assetv1.CookingFuel_COOKING_FUEL_FIREWOOD, assetv1.CookingFuel_COOKING_FUEL_CHARCOAL,
		assetv1.CookingFuel_COOKING_FUEL_BRIQUETTE}
	sewageSafe = []assetv1.SewageDisposal{assetv1.SewageDisposal_SEWAGE_DISPOSAL_SEPTIC_TANK,
		assetv1.SewageDisposal_SEWAGE_DISPOSAL_TREATMENT_PLANT}
	publicSector = []registryv1.Occupation{registryv1.Occupation_OCCUPATION_CIVIL_SERVANT, registryv1.Occupation_OCCUPATION_MILITARY,
		registryv1.Occupation_OCCUPATION_POLICE, registryv1.Occupation_OCCUPATION_STATE_ENTERPRISE_EMPLOYEE}
)

const (
	floorPrefix   = "FLOOR_MATERIAL_"
	nanNoHousing  = " NaN without a housing record or when the field is UNSPECIFIED."
	nanNoHoldings = " NaN without a holdings record."
	nanNoAssets   = " 0 when the asset context has none; NaN when it has no data for the family."
	nanNoRegistry = " NaN without the registry's family."
	nanNoIncome   = " NaN when the income context has no data for the family."
	nanNoUsage    = " NaN when the service-usage context has no data for the family."
	nanNoMembers  = " NaN when the service-usage context has no data or does not know the members (KK not registered)."
)

var (
	regOnly   = []Context{ContextRegistry}
	assetOnly = []Context{ContextAsset}
	assetReg  = []Context{ContextAsset, ContextRegistry}
	incOnly   = []Context{ContextIncome}
	incReg    = []Context{ContextIncome, ContextRegistry}
	useOnly   = []Context{ContextServiceUsage}
	useReg    = []Context{ContextServiceUsage, ContextRegistry}
)

func housingFeature(f func(h *assetv1.Housing) float64) func(*view) float64 {
	return func(v *view) float64 {
		if v.housing == nil {
			return math.NaN()
		}
		return f(v.housing)
	}
}

func livestock(f func(l *assetv1.Livestock) int32) func(*view) float64 {
	return func(v *view) float64 {
		l := v.holdings.GetLivestock()
		if l == nil {
			return math.NaN()
		}
		return float64(f(l))
	}
}

func good(f func(g *assetv1.DurableGoods) bool) func(*view) float64 {
	return func(v *view) float64 {
		g := v.holdings.GetGoods()
		if g == nil {
			return math.NaN()
		}
		return b2f(f(g))
	}
}

func assetValue(f func(v *view) float64) func(*view) float64 {
	return func(v *view) float64 {
		if !v.assets {
			return math.NaN()
		}
		return f(v)
	}
}

func vehicleCount(t assetv1.VehicleType) func(*view) float64 {
	return assetValue(func(v *view) float64 { return v.vehicles[t].count })
}

// countMembers counts living registry members with a property.
func countMembers(f func(p *person) bool) func(*view) float64 {
	return func(v *view) float64 {
		if !v.registry {
			return math.NaN()
		}
		n := 0
		for i := range v.persons {
			if p := &v.persons[i]; !p.deceased && f(p) {
				n++
			}
		}
		return float64(n)
	}
}

func ageBetween(lo, hi int) func(p *person) bool {
	return func(p *person) bool { return p.ageKnown && p.age >= lo && p.age <= hi }
}

func headFeature(f func(h *person) float64) func(*view) float64 {
	return func(v *view) float64 {
		if v.head == nil {
			return math.NaN()
		}
		return f(v.head)
	}
}

func econ(f func(v *view) float64) func(*view) float64 {
	return func(v *view) float64 {
		if !v.econ {
			return math.NaN()
		}
		return f(v)
	}
}

// logPerCapita is ln(1 + x / household_size): money is compared in
// proportions, and zero (no such income) stays a meaningful 0.
func logPerCapita(v *view, x float64) float64 {
	if math.IsNaN(v.size) || v.size <= 0 {
		return math.NaN()
	}
	return math.Log1p(x / v.size)
}

func incomePerCapita(s incomev1.IncomeSource) func(*view) float64 {
	return econ(func(v *view) float64 { return logPerCapita(v, v.income[s]) })
}

func headJob(f func(j *incomev1.Employment) float64) func(*view) float64 {
	return func(v *view) float64 {
		if !v.econ || v.headJob == nil {
			return math.NaN()
		}
		return f(v.headJob)
	}
}

func usage(f func(v *view) float64) func(*view) float64 {
	return func(v *view) float64 {
		if !v.usage {
			return math.NaN()
		}
		return f(v)
	}
}

func usageMembers(f func(v *view) float64) func(*view) float64 {
	return func(v *view) float64 {
		if !v.usage || !v.usageMembers {
			return math.NaN()
		}
		return f(v)
	}
}

func coverage(f func(v *view) float64) func(*view) float64 {
	return usageMembers(func(v *view) float64 {
		if v.health.recorded == 0 {
			return math.NaN()
		}
		return f(v)
	})
}

func programme(p serviceusagev1.SocialProgramme) func(*view) float64 {
	return usage(func(v *view) float64 { return b2f(v.programmes[p]) })
}

// definitions is the feature table: the one declaration of every feature,
// in vector order. Append new features at the end of their group's block
// and never rename one (stored models refer to names).
var definitions = []Definition{
	// --- housing: the house the family lives in (asset context, newest
	// housing record of any source).
	{
		Name: "floor_area_per_capita_sqm", Group: GroupHousing, Unit: "m²/person", Sources: assetReg,
		DescriptionEN: "Floor area per person", DescriptionID: "Luas lantai per orang",
		Computation: "housing.floor_area_sqm ÷ household_size. NaN without a housing record, a positive area or a known household size.",
		compute: func(v *view) float64 {
			if v.housing == nil || v.housing.GetFloorAreaSqm() <= 0 || math.IsNaN(v.size) {
				return math.NaN()
			}
			return v.housing.GetFloorAreaSqm() / v.size
		},
	},
	{
		Name: "floor_earth", Group: GroupHousing, Unit: "0/1", Sources: assetOnly,
		DescriptionEN: "Earth floor", DescriptionID: "Lantai rumah tanah",
		Computation: "1 when housing.floor_material is EARTH." + nanNoHousing,
		compute: housingFeature(func(h *assetv1.Housing) float64 {
			return oneOf(h.GetFloorMaterial(), assetv1.FloorMaterial_FLOOR_MATERIAL_EARTH)
		}),
	},
	{
		Name: "floor_ceramic", Group: GroupHousing, Unit: "0/1", Sources: assetOnly,
		DescriptionEN: "Ceramic, marble/granite or parquet/vinyl floor", DescriptionID: "Lantai rumah keramik, marmer/granit atau parket/vinil",
		Computation: "1 when housing.floor_material is one of " + setText(floorPrefix, floorCeramic...) + "." + nanNoHousing,
		compute: housingFeature(func(h *assetv1.Housing) float64 {
			return oneOf(h.GetFloorMaterial(), floorCeramic...)
		}),
	},
	{
		Name: "wall_quality", Group: GroupHousing, Unit: "ordinal 0–4", Sources: assetOnly,
		DescriptionEN: "Quality of the main wall material (0 bamboo … 4 masonry)", DescriptionID: "Kualitas bahan dinding terluas (0 bambu … 4 tembok)",
		Computation: "housing.wall_material: " + levelText("WALL_MATERIAL_", wallLevels) + "; OTHER or UNSPECIFIED → NaN. NaN without a housing record.",
		compute:     housingFeature(func(h *assetv1.Housing) float64 { return ordinal(h.GetWallMaterial(), wallLevels) }),
	},
	{
		Name: "roof_quality", Group: GroupHousing, Unit: "ordinal 0–4", Sources: assetOnly,
		DescriptionEN: "Quality of the main roof material (0 straw/palm … 4 concrete)", DescriptionID: "Kualitas bahan atap terluas (0 jerami/ijuk … 4 beton)",
		Computation: "housing.roof_material: " + levelText("ROOF_MATERIAL_", roofLevels) + "; OTHER or UNSPECIFIED → NaN. NaN without a housing record.",
		compute:     housingFeature(func(h *assetv1.Housing) float64 { return ordinal(h.GetRoofMaterial(), roofLevels) }),
	},
	{
		Name: "housing_poor_condition_count", Group: GroupHousing, Unit: "count 0–3", Sources: assetOnly,
		DescriptionEN: "Floor, wall and roof in poor condition (how many)", DescriptionID: "Jumlah lantai, dinding dan atap berkondisi jelek",
		Computation: "Number of floor_condition, wall_condition, roof_condition that are POOR, among those stated. NaN without a housing record or when none is stated.",
		compute: housingFeature(func(h *assetv1.Housing) float64 {
			stated, poor := 0, 0
			for _, c := range []assetv1.Condition{h.GetFloorCondition(), h.GetWallCondition(), h.GetRoofCondition()} {
				if c != assetv1.Condition_CONDITION_UNSPECIFIED {
					stated++
				}
				if c == assetv1.Condition_CONDITION_POOR {
					poor++
				}
			}
			if stated == 0 {
				return math.NaN()
			}
			return float64(poor)
		}),
	},
	{
		Name: "tenure_owned", Group: GroupHousing, Unit: "0/1", Sources: assetOnly,
		DescriptionEN: "House owned by the family", DescriptionID: "Rumah milik sendiri",
		Computation: "1 when housing.tenure is OWNED." + nanNoHousing,
		compute:     housingFeature(func(h *assetv1.Housing) float64 { return oneOf(h.GetTenure(), assetv1.Tenure_TENURE_OWNED) }),
	},
	{
		Name: "tenure_rented", Group: GroupHousing, Unit: "0/1", Sources: assetOnly,
		DescriptionEN: "House rented", DescriptionID: "Rumah kontrak/sewa",
		Computation: "1 when housing.tenure is RENTED." + nanNoHousing,
		compute:     housingFeature(func(h *assetv1.Housing) float64 { return oneOf(h.GetTenure(), assetv1.Tenure_TENURE_RENTED) }),
	},
	{
		Name: "drinking_water_bottled", Group: GroupHousing, Unit: "0/1", Sources: assetOnly,
		DescriptionEN: "Drinks branded bottled water", DescriptionID: "Air minum utama air kemasan bermerk",
		Computation: "1 when housing.drinking_water is BOTTLED." + nanNoHousing,
		compute: housingFeature(func(h *assetv1.Housing) float64 {
			return oneOf(h.GetDrinkingWater(), assetv1.DrinkingWaterSource_DRINKING_WATER_SOURCE_BOTTLED)
		}),
	},
	{
		Name: "drinking_water_piped", Group: GroupHousing, Unit: "0/1", Sources: assetOnly,
		DescriptionEN: "Piped drinking water (metered or bought retail)", DescriptionID: "Air minum utama leding (meteran atau eceran)",
		Computation: "1 when housing.drinking_water is one of " + setText("DRINKING_WATER_SOURCE_", waterPiped...) + "." + nanNoHousing,
		compute:     housingFeature(func(h *assetv1.Housing) float64 { return oneOf(h.GetDrinkingWater(), waterPiped...) }),
	},
	{
		Name: "drinking_water_unimproved", Group: GroupHousing, Unit: "0/1", Sources: assetOnly,
		DescriptionEN: "Drinks from an unprotected well or spring, or surface water", DescriptionID: "Air minum dari sumur/mata air tak terlindung atau air permukaan",
		Computation: "1 when housing.drinking_water is one of " + setText("DRINKING_WATER_SOURCE_", waterUnimproved...) + "." + nanNoHousing,
		compute:     housingFeature(func(h *assetv1.Housing) float64 { return oneOf(h.GetDrinkingWater(), waterUnimproved...) }),
	},
	{
		Name: "lighting_pln", Group: GroupHousing, Unit: "0/1", Sources: assetOnly,
		DescriptionEN: "Lit by PLN electricity", DescriptionID: "Sumber penerangan listrik PLN",
		Computation: "1 when housing.lighting is one of " + setText("LIGHTING_SOURCE_", lightingPLN...) + "." + nanNoHousing,
		compute:     housingFeature(func(h *assetv1.Housing) float64 { return oneOf(h.GetLighting(), lightingPLN...) }),
	},
	{
		Name: "installed_power_va", Group: GroupHousing, Unit: "VA", Sources: assetOnly,
		DescriptionEN: "Installed PLN power", DescriptionID: "Daya listrik PLN terpasang",
		Computation: "housing.electricity_power: " + levelText("ELECTRICITY_POWER_", powerLevels) + " (the next PLN tariff step). NaN without a housing record or when UNSPECIFIED.",
		compute:     housingFeature(func(h *assetv1.Housing) float64 { return ordinal(h.GetElectricityPower(), powerLevels) }),
	},
	{
		Name: "cooking_firewood_charcoal", Group: GroupHousing, Unit: "0/1", Sources: assetOnly,
		DescriptionEN: "Cooks with firewood, charcoal or briquettes", DescriptionID: "Memasak dengan kayu bakar, arang atau briket",
		Computation: "1 when housing.cooking_fuel is one of " + setText("COOKING_FUEL_", fuelSolid...) + "." + nanNoHousing,
		compute:     housingFeature(func(h *assetv1.Housing) float64 { return oneOf(h.GetCookingFuel(), fuelSolid...) }),
	},
	{
		Name: "cooking_lpg_3kg", Group: GroupHousing, Unit: "0/1", Sources: assetOnly,
		DescriptionEN: "Cooks with subsidised 3 kg LPG", DescriptionID: "Memasak dengan elpiji 3 kg",
		Computation: "1 when housing.cooking_fuel is LPG_3KG." + nanNoHousing,
		compute: housingFeature(func(h *assetv1.Housing) float64 {
			return oneOf(h.GetCookingFuel(), assetv1.CookingFuel_COOKING_FUEL_LPG_3KG)
		}),
	},
	{
		Name: "toilet_private", Group: GroupHousing, Unit: "0/1", Sources: assetOnly,
		DescriptionEN: "Has its own toilet", DescriptionID: "Memiliki fasilitas buang air besar sendiri",
		Computation: "1 when housing.toilet is PRIVATE." + nanNoHousing,
		compute: housingFeature(func(h *assetv1.Housing) float64 {
			return oneOf(h.GetToilet(), assetv1.ToiletFacility_TOILET_FACILITY_PRIVATE)
		}),
	},
	{
		Name: "sewage_septic_tank", Group: GroupHousing, Unit: "0/1", Sources: assetOnly,
		DescriptionEN: "Faeces go to a septic tank or treatment plant", DescriptionID: "Pembuangan akhir tinja ke tangki septik atau IPAL",
		Computation: "1 when housing.sewage is one of " + setText("SEWAGE_DISPOSAL_", sewageSafe...) + "." + nanNoHousing,
		compute:     housingFeature(func(h *assetv1.Housing) float64 { return oneOf(h.GetSewage(), sewageSafe...) }),
	},

	// --- assets: livestock, durable goods, gold or savings (asset context,
	// newest holdings record).
	{
		Name: "livestock_cattle", Group: GroupAssets, Unit: "animals", Sources: assetOnly,
		DescriptionEN: "Cattle owned", DescriptionID: "Jumlah sapi",
		Computation: "holdings.livestock.cattle." + nanNoHoldings,
		compute:     livestock((*assetv1.Livestock).GetCattle),
	},
	{
		Name: "livestock_buffalo", Group: GroupAssets, Unit: "animals", Sources: assetOnly,
		DescriptionEN: "Buffalo owned", DescriptionID: "Jumlah kerbau",
		Computation: "holdings.livestock.buffalo." + nanNoHoldings,
		compute:     livestock((*assetv1.Livestock).GetBuffalo),
	},
	{
		Name: "livestock_horse", Group: GroupAssets, Unit: "animals", Sources: assetOnly,
		DescriptionEN: "Horses owned", DescriptionID: "Jumlah kuda",
		Computation: "holdings.livestock.horse." + nanNoHoldings,
		compute:     livestock((*assetv1.Livestock).GetHorse),
	},
	{
		Name: "livestock_pig", Group: GroupAssets, Unit: "animals", Sources: assetOnly,
		DescriptionEN: "Pigs owned", DescriptionID: "Jumlah babi",
		Computation: "holdings.livestock.pig." + nanNoHoldings,
		compute:     livestock((*assetv1.Livestock).GetPig),
	},
	{
		Name: "livestock_goat_sheep", Group: GroupAssets, Unit: "animals", Sources: assetOnly,
		DescriptionEN: "Goats and sheep owned", DescriptionID: "Jumlah kambing/domba",
		Computation: "holdings.livestock.goat_sheep." + nanNoHoldings,
		compute:     livestock((*assetv1.Livestock).GetGoatSheep),
	},
	{
		Name: "livestock_poultry", Group: GroupAssets, Unit: "animals", Sources: assetOnly,
		DescriptionEN: "Poultry owned", DescriptionID: "Jumlah unggas",
		Computation: "holdings.livestock.poultry." + nanNoHoldings,
		compute:     livestock((*assetv1.Livestock).GetPoultry),
	},
	{
		Name: "owns_gas_cylinder_large", Group: GroupAssets, Unit: "0/1", Sources: assetOnly,
		DescriptionEN: "Owns an LPG cylinder of 5.5 kg or more", DescriptionID: "Memiliki tabung gas 5,5 kg atau lebih",
		Computation: "holdings.goods.gas_cylinder_large." + nanNoHoldings,
		compute:     good((*assetv1.DurableGoods).GetGasCylinderLarge),
	},
	{
		Name: "owns_refrigerator", Group: GroupAssets, Unit: "0/1", Sources: assetOnly,
		DescriptionEN: "Owns a refrigerator", DescriptionID: "Memiliki lemari es/kulkas",
		Computation: "holdings.goods.refrigerator." + nanNoHoldings,
		compute:     good((*assetv1.DurableGoods).GetRefrigerator),
	},
	{
		Name: "owns_air_conditioner", Group: GroupAssets, Unit: "0/1", Sources: assetOnly,
		DescriptionEN: "Owns an air conditioner", DescriptionID: "Memiliki AC",
		Computation: "holdings.goods.air_conditioner." + nanNoHoldings,
		compute:     good((*assetv1.DurableGoods).GetAirConditioner),
	},
	{
		Name: "owns_water_heater", Group: GroupAssets, Unit: "0/1", Sources: assetOnly,
		DescriptionEN: "Owns a water heater", DescriptionID: "Memiliki pemanas air",
		Computation: "holdings.goods.water_heater." + nanNoHoldings,
		compute:     good((*assetv1.DurableGoods).GetWaterHeater),
	},
	{
		Name: "owns_telephone", Group: GroupAssets, Unit: "0/1", Sources: assetOnly,
		DescriptionEN: "Owns a telephone", DescriptionID: "Memiliki telepon",
		Computation: "holdings.goods.telephone." + nanNoHoldings,
		compute:     good((*assetv1.DurableGoods).GetTelephone),
	},
	{
		Name: "owns_television", Group: GroupAssets, Unit: "0/1", Sources: assetOnly,
		DescriptionEN: "Owns a television", DescriptionID: "Memiliki televisi",
		Computation: "holdings.goods.television." + nanNoHoldings,
		compute:     good((*assetv1.DurableGoods).GetTelevision),
	},
	{
		Name: "owns_computer", Group: GroupAssets, Unit: "0/1", Sources: assetOnly,
		DescriptionEN: "Owns a computer", DescriptionID: "Memiliki komputer/laptop",
		Computation: "holdings.goods.computer." + nanNoHoldings,
		compute:     good((*assetv1.DurableGoods).GetComputer),
	},
	{
		Name: "gold_or_savings_10g", Group: GroupAssets, Unit: "0/1", Sources: assetOnly,
		DescriptionEN: "Gold or savings worth at least 10 g of gold", DescriptionID: "Memiliki emas atau tabungan senilai minimal 10 gram emas",
		Computation: "holdings.gold_or_savings." + nanNoHoldings,
		compute: func(v *view) float64 {
			if v.holdings == nil {
				return math.NaN()
			}
			return b2f(v.holdings.GetGoldOrSavings())
		},
	},

	// --- land_vehicles: certified land (ATR/BPN) and vehicles (Korlantas,
	// surveys) of every member, from the asset context's totals.
	{
		Name: "land_parcels", Group: GroupLandVehicles, Unit: "parcels", Sources: assetOnly,
		DescriptionEN: "Certified land parcels owned", DescriptionID: "Jumlah bidang tanah bersertifikat yang dimiliki",
		Computation: "totals.land_parcel_count (or the listed parcels when totals are absent)." + nanNoAssets,
		compute:     assetValue(func(v *view) float64 { return v.land.parcels }),
	},
	{
		Name: "log_land_area_sqm", Group: GroupLandVehicles, Unit: "ln(1 + m²)", Sources: assetOnly,
		DescriptionEN: "Area of the land owned", DescriptionID: "Luas tanah yang dimiliki",
		Computation: "ln(1 + totals.land_area_sqm)." + nanNoAssets,
		compute:     assetValue(func(v *view) float64 { return math.Log1p(v.land.areaSqm) }),
	},
	{
		Name: "log_land_njop", Group: GroupLandVehicles, Unit: "ln(1 + Rp)", Sources: assetOnly,
		DescriptionEN: "NJOP value of the land owned", DescriptionID: "Nilai NJOP tanah yang dimiliki",
		Computation: "ln(1 + totals.land_njop_total)." + nanNoAssets,
		compute:     assetValue(func(v *view) float64 { return math.Log1p(v.land.njop) }),
	},
	{
		Name: "house_elsewhere", Group: GroupLandVehicles, Unit: "0/1", Sources: assetOnly,
		DescriptionEN: "Owns a house elsewhere", DescriptionID: "Memiliki rumah di tempat lain",
		Computation: "totals.house_elsewhere: a parcel of a member holds a house other than the family's home." + nanNoAssets,
		compute:     assetValue(func(v *view) float64 { return b2f(v.land.houseElsewhere) }),
	},
	{
		Name: "motorcycles", Group: GroupLandVehicles, Unit: "vehicles", Sources: assetOnly,
		DescriptionEN: "Motorcycles owned", DescriptionID: "Jumlah sepeda motor",
		Computation: "totals.vehicles_by_type count of MOTORCYCLE." + nanNoAssets,
		compute:     vehicleCount(assetv1.VehicleType_VEHICLE_TYPE_MOTORCYCLE),
	},
	{
		Name: "cars", Group: GroupLandVehicles, Unit: "vehicles", Sources: assetOnly,
		DescriptionEN: "Cars owned", DescriptionID: "Jumlah mobil",
		Computation: "totals.vehicles_by_type count of CAR." + nanNoAssets,
		compute:     vehicleCount(assetv1.VehicleType_VEHICLE_TYPE_CAR),
	},
	{
		Name: "trucks", Group: GroupLandVehicles, Unit: "vehicles", Sources: assetOnly,
		DescriptionEN: "Trucks owned", DescriptionID: "Jumlah truk",
		Computation: "totals.vehicles_by_type count of TRUCK." + nanNoAssets,
		compute:     vehicleCount(assetv1.VehicleType_VEHICLE_TYPE_TRUCK),
	},
	{
		Name: "bicycles", Group: GroupLandVehicles, Unit: "vehicles", Sources: assetOnly,
		DescriptionEN: "Bicycles owned", DescriptionID: "Jumlah sepeda",
		Computation: "totals.vehicles_by_type count of BICYCLE." + nanNoAssets,
		compute:     vehicleCount(assetv1.VehicleType_VEHICLE_TYPE_BICYCLE),
	},
	{
		Name: "boats", Group: GroupLandVehicles, Unit: "vehicles", Sources: assetOnly,
		DescriptionEN: "Boats owned", DescriptionID: "Jumlah perahu",
		Computation: "totals.vehicles_by_type count of BOAT." + nanNoAssets,
		compute:     vehicleCount(assetv1.VehicleType_VEHICLE_TYPE_BOAT),
	},
	{
		Name: "outboard_motors", Group: GroupLandVehicles, Unit: "vehicles", Sources: assetOnly,
		DescriptionEN: "Outboard motors owned", DescriptionID: "Jumlah motor tempel",
		Computation: "totals.vehicles_by_type count of OUTBOARD_MOTOR." + nanNoAssets,
		compute:     vehicleCount(assetv1.VehicleType_VEHICLE_TYPE_OUTBOARD_MOTOR),
	},
	{
		Name: "log_vehicle_value", Group: GroupLandVehicles, Unit: "ln(1 + Rp)", Sources: assetOnly,
		DescriptionEN: "Estimated value of all vehicles", DescriptionID: "Perkiraan nilai seluruh kendaraan",
		Computation: "ln(1 + Σ totals.vehicles_by_type.estimated_value_total)." + nanNoAssets,
		compute:     assetValue(func(v *view) float64 { return math.Log1p(v.vehicleValue()) }),
	},

	// --- demographics: the KK (registry context). Ages are completed years
	// on the reference date; deceased members still on the KK are not
	// counted.
	{
		Name: "household_size", Group: GroupDemographics, Unit: "persons", Sources: []Context{ContextRegistry, ContextAsset, ContextIncome, ContextServiceUsage},
		DescriptionEN: "Household size (living members)", DescriptionID: "Jumlah anggota keluarga yang masih hidup",
		Computation: "Members whose vital_status is not DECEASED. Without the registry's family, the member_count the asset, income or service-usage context reports (in that order); NaN when none does.",
		compute:     func(v *view) float64 { return v.size },
	},
	{
		Name: "dependency_ratio", Group: GroupDemographics, Unit: "ratio", Sources: regOnly,
		DescriptionEN: "Dependants (under 15 or 65 and over) per member aged 15–64", DescriptionID: "Rasio ketergantungan: anggota di bawah 15 dan 65 tahun ke atas per anggota usia 15–64",
		Computation: "Living members aged < 15 or ≥ 65 ÷ max(1, living members aged 15–64); members of unknown age are left out." + nanNoRegistry,
		compute: func(v *view) float64 {
			if !v.registry {
				return math.NaN()
			}
			dep, work := 0, 0
			for i := range v.persons {
				p := &v.persons[i]
				if p.deceased || !p.ageKnown {
					continue
				}
				if p.age < 15 || p.age >= 65 {
					dep++
				} else {
					work++
				}
			}
			return float64(dep) / float64(max(work, 1))
		},
	},
	{
		Name: "head_age", Group: GroupDemographics, Unit: "years", Sources: regOnly,
		DescriptionEN: "Age of the head of family", DescriptionID: "Umur kepala keluarga",
		Computation: "Completed years of the member named by head_nik (or related as HEAD). NaN without the registry's family or a valid birth date.",
		compute: headFeature(func(h *person) float64 {
			if !h.ageKnown {
				return math.NaN()
			}
			return float64(h.age)
		}),
	},
	{
		Name: "head_female", Group: GroupDemographics, Unit: "0/1", Sources: regOnly,
		DescriptionEN: "Female head of family", DescriptionID: "Kepala keluarga perempuan",
		Computation: "1 when the head's sex is FEMALE. NaN without the registry's family or when UNSPECIFIED.",
		compute:     headFeature(func(h *person) float64 { return oneOf(h.sex, registryv1.Sex_SEX_FEMALE) }),
	},
	{
		Name: "head_married", Group: GroupDemographics, Unit: "0/1", Sources: regOnly,
		DescriptionEN: "Head of family is married", DescriptionID: "Kepala keluarga berstatus kawin",
		Computation: "1 when the head's marital_status is MARRIED. NaN without the registry's family or when UNSPECIFIED.",
		compute: headFeature(func(h *person) float64 {
			return oneOf(h.marital, registryv1.MaritalStatus_MARITAL_STATUS_MARRIED)
		}),
	},
	{
		Name: "children_0_6", Group: GroupDemographics, Unit: "persons", Sources: regOnly,
		DescriptionEN: "Children aged 0–6", DescriptionID: "Jumlah anak usia 0–6 tahun",
		Computation: "Living members aged 0–6." + nanNoRegistry,
		compute:     countMembers(ageBetween(0, 6)),
	},
	{
		Name: "elderly_60_plus", Group: GroupDemographics, Unit: "persons", Sources: regOnly,
		DescriptionEN: "Members aged 60 and over", DescriptionID: "Jumlah lansia (60 tahun ke atas)",
		Computation: "Living members aged 60 or more." + nanNoRegistry,
		compute:     countMembers(ageBetween(60, 200)),
	},
	{
		Name: "household_helpers", Group: GroupDemographics, Unit: "persons", Sources: regOnly,
		DescriptionEN: "Household helpers living with the family", DescriptionID: "Jumlah pembantu rumah tangga dalam KK",
		Computation: "Living members whose relation_to_head is HOUSEHOLD_HELPER." + nanNoRegistry,
		compute: countMembers(func(p *person) bool {
			return p.relation == registryv1.FamilyRelation_FAMILY_RELATION_HOUSEHOLD_HELPER
		}),
	},
	{
		Name: "urban", Group: GroupDemographics, Unit: "0/1", Sources: regOnly,
		DescriptionEN: "Lives in an urban area", DescriptionID: "Tinggal di wilayah perkotaan",
		Computation: "1 when the family's settlement is URBAN. NaN without the registry's family or when UNSPECIFIED.",
		compute: func(v *view) float64 {
			if !v.registry {
				return math.NaN()
			}
			return oneOf(v.reg.GetSettlement(), registryv1.Settlement_SETTLEMENT_URBAN)
		},
	},

	// --- schooling: diplomas (registry) and this school year's enrolments
	// (service-usage context). The school year starts in July.
	{
		Name: "head_education_years", Group: GroupSchooling, Unit: "years", Sources: regOnly,
		DescriptionEN: "Years of schooling of the head of family", DescriptionID: "Lama sekolah kepala keluarga (tahun)",
		Computation: "The head's education as years: " + levelText("EDUCATION_LEVEL_", educationYears) + ". NaN without the registry's family or when UNSPECIFIED.",
		compute:     headFeature(func(h *person) float64 { return ordinal(h.education, educationYears) }),
	},
	{
		Name: "max_adult_education_years", Group: GroupSchooling, Unit: "years", Sources: regOnly,
		DescriptionEN: "Most years of schooling of any adult member", DescriptionID: "Lama sekolah tertinggi anggota dewasa (tahun)",
		Computation: "Maximum of the education years (as head_education_years) over living members aged 18 or more. NaN without the registry's family or when no adult's education is stated.",
		compute: func(v *view) float64 {
			best := math.NaN()
			for i := range v.persons {
				p := &v.persons[i]
				if p.deceased || !p.ageKnown || p.age < 18 {
					continue
				}
				if y := ordinal(p.education, educationYears); !math.IsNaN(y) && (math.IsNaN(best) || y > best) {
					best = y
				}
			}
			return best
		},
	},
	{
		Name: "school_enrolment_rate_7_18", Group: GroupSchooling, Unit: "share 0–1", Sources: useReg,
		DescriptionEN: "Share of children aged 7–18 enrolled in school", DescriptionID: "Proporsi anak usia 7–18 tahun yang bersekolah",
		Computation: "Living registry members aged 7–18 with an enrolment for the current school year ÷ living members aged 7–18. NaN without either context, without the members, or without children of that age.",
		compute: usageMembers(func(v *view) float64 {
			if !v.registry {
				return math.NaN()
			}
			kids, enrolled := 0, 0
			for i := range v.persons {
				p := &v.persons[i]
				if p.deceased || !p.ageKnown || p.age < 7 || p.age > 18 {
					continue
				}
				kids++
				if p.enrolment != nil {
					enrolled++
				}
			}
			if kids == 0 {
				return math.NaN()
			}
			return float64(enrolled) / float64(kids)
		}),
	},
	{
		Name: "private_school_share", Group: GroupSchooling, Unit: "share 0–1", Sources: useOnly,
		DescriptionEN: "Share of pupils in private schools", DescriptionID: "Proporsi anak yang bersekolah di sekolah swasta",
		Computation: "Current-year enrolments whose ownership is PRIVATE ÷ those whose ownership is stated." + nanNoMembers + " NaN without a pupil.",
		compute: usageMembers(func(v *view) float64 {
			if v.school.ownershipSeen == 0 {
				return math.NaN()
			}
			return float64(v.school.private) / float64(v.school.ownershipSeen)
		}),
	},
	{
		Name: "max_school_fee_band", Group: GroupSchooling, Unit: "ordinal 0–4", Sources: useOnly,
		DescriptionEN: "Highest school-fee band paid (0 free … 4 Rp 1.5 million a month or more)", DescriptionID: "Golongan biaya sekolah tertinggi (0 gratis … 4 Rp1,5 juta per bulan atau lebih)",
		Computation: "Maximum fee_band over current-year enrolments: FREE=0, LOW=1, MEDIUM=2, HIGH=3, VERY_HIGH=4." + nanNoMembers + " NaN without a pupil whose band is stated.",
		compute:     usageMembers(func(v *view) float64 { return v.school.maxFee }),
	},
	{
		Name: "higher_education_students", Group: GroupSchooling, Unit: "persons", Sources: useOnly,
		DescriptionEN: "Members enrolled in higher education", DescriptionID: "Jumlah anggota yang kuliah",
		Computation: "Living members with a current-year enrolment at level HIGHER." + nanNoMembers,
		compute:     usageMembers(func(v *view) float64 { return float64(v.school.higher) }),
	},
	{
		Name: "kip_recipients", Group: GroupSchooling, Unit: "persons", Sources: useOnly, Targeting: true,
		DescriptionEN: "Pupils receiving Kartu Indonesia Pintar (KIP)", DescriptionID: "Jumlah anak penerima Kartu Indonesia Pintar (KIP)",
		Computation: "Living members with a current-year enrolment whose kip_recipient is set." + nanNoMembers,
		compute:     usageMembers(func(v *view) float64 { return float64(v.school.kip) }),
	},

	// --- disability and chronic illness.
	{
		Name: "members_with_disability", Group: GroupDisability, Unit: "persons", Sources: regOnly,
		DescriptionEN: "Members with a disability", DescriptionID: "Jumlah anggota penyandang disabilitas",
		Computation: "Living members whose disability is neither NONE nor UNSPECIFIED." + nanNoRegistry,
		compute: countMembers(func(p *person) bool {
			return p.disability != registryv1.Disability_DISABILITY_NONE && p.disability != registryv1.Disability_DISABILITY_UNSPECIFIED
		}),
	},
	{
		Name: "members_severe_disability", Group: GroupDisability, Unit: "persons", Sources: regOnly,
		DescriptionEN: "Members with a severe disability", DescriptionID: "Jumlah anggota dengan disabilitas berat",
		Computation: "Living members with severe_disability set." + nanNoRegistry,
		compute:     countMembers(func(p *person) bool { return p.severe }),
	},
	{
		Name: "members_chronic_illness", Group: GroupDisability, Unit: "persons", Sources: useOnly,
		DescriptionEN: "Members with a chronic illness", DescriptionID: "Jumlah anggota berpenyakit kronis",
		Computation: "Living members whose newest health-coverage record has chronic_illness set." + nanNoMembers + " NaN when no living member has a coverage record.",
		compute:     coverage(func(v *view) float64 { return float64(v.health.chronic) }),
	},

	// --- work_income: administrative incomes and Sakernas employment
	// (income context). Self-reported survey income is deliberately not a
	// feature: like self-declared consumption it is under-reported by the
	// households hoping to qualify (DESIGN.md §1.3, "Pak Budi").
	{
		Name: "formal_wage_earners", Group: GroupWorkIncome, Unit: "persons", Sources: incOnly,
		DescriptionEN: "Members earning a formal wage", DescriptionID: "Jumlah anggota berpenghasilan upah formal",
		Computation: "Living members with a current FORMAL_WAGE income above 0 (BPJS Ketenagakerjaan, BKN, ASABRI). Current: per source the record with the latest period_start not after the reference month, unless its period ended more than 12 months before it." + nanNoIncome,
		compute:     econ(func(v *view) float64 { return float64(v.formalEarners) }),
	},
	{
		Name: "log_formal_income_per_capita", Group: GroupWorkIncome, Unit: "ln(1 + Rp/person/month)", Sources: incReg,
		DescriptionEN: "Formal wage income per person", DescriptionID: "Penghasilan upah formal per orang",
		Computation: "ln(1 + Σ living members' current FORMAL_WAGE monthly_amount ÷ household_size)." + nanNoIncome,
		compute:     incomePerCapita(incomev1.IncomeSource_INCOME_SOURCE_FORMAL_WAGE),
	},
	{
		Name: "log_tax_declared_income_per_capita", Group: GroupWorkIncome, Unit: "ln(1 + Rp/person/month)", Sources: incReg,
		DescriptionEN: "Income declared to the tax office, per person", DescriptionID: "Penghasilan yang dilaporkan dalam SPT pajak per orang",
		Computation: "ln(1 + Σ living members' current TAX_DECLARATION monthly_amount ÷ household_size)." + nanNoIncome,
		compute:     incomePerCapita(incomev1.IncomeSource_INCOME_SOURCE_TAX_DECLARATION),
	},
	{
		Name: "log_business_income_per_capita", Group: GroupWorkIncome, Unit: "ln(1 + Rp/person/month)", Sources: incReg,
		DescriptionEN: "Business income per person", DescriptionID: "Penghasilan usaha per orang",
		Computation: "ln(1 + Σ living members' current BUSINESS monthly_amount ÷ household_size)." + nanNoIncome,
		compute:     incomePerCapita(incomev1.IncomeSource_INCOME_SOURCE_BUSINESS),
	},
	{
		Name: "log_pension_per_capita", Group: GroupWorkIncome, Unit: "ln(1 + Rp/person/month)", Sources: incReg,
		DescriptionEN: "Pension per person", DescriptionID: "Uang pensiun per orang",
		Computation: "ln(1 + Σ living members' current PENSION monthly_amount ÷ household_size); a pension still paid on a deceased member is not counted." + nanNoIncome,
		compute:     incomePerCapita(incomev1.IncomeSource_INCOME_SOURCE_PENSION),
	},
	{
		Name: "log_transfer_income_per_capita", Group: GroupWorkIncome, Unit: "ln(1 + Rp/person/month)", Sources: incReg,
		DescriptionEN: "Transfers received (such as remittances) per person", DescriptionID: "Kiriman uang yang diterima per orang",
		Computation: "ln(1 + Σ living members' current TRANSFER monthly_amount ÷ household_size)." + nanNoIncome,
		compute:     incomePerCapita(incomev1.IncomeSource_INCOME_SOURCE_TRANSFER),
	},
	{
		Name: "working_members", Group: GroupWorkIncome, Unit: "persons", Sources: incOnly,
		DescriptionEN: "Working members", DescriptionID: "Jumlah anggota yang bekerja",
		Computation: "Living members whose newest employment record has a status other than NOT_WORKING or UNSPECIFIED." + nanNoIncome,
		compute:     econ(func(v *view) float64 { return float64(v.working) }),
	},
	{
		Name: "informal_workers", Group: GroupWorkIncome, Unit: "persons", Sources: incOnly,
		DescriptionEN: "Members working informally", DescriptionID: "Jumlah anggota yang bekerja di sektor informal",
		Computation: "Living members whose newest employment status is SELF_EMPLOYED, SELF_EMPLOYED_WITH_TEMPORARY_HELP, CASUAL_AGRICULTURAL, CASUAL_NON_AGRICULTURAL or UNPAID_FAMILY_WORKER (BPS's informal statuses)." + nanNoIncome,
		compute:     econ(func(v *view) float64 { return float64(v.informal) }),
	},
	{
		Name: "head_not_working", Group: GroupWorkIncome, Unit: "0/1", Sources: incReg,
		DescriptionEN: "Head of family not working", DescriptionID: "Kepala keluarga tidak bekerja",
		Computation: "1 when the head's newest employment status is NOT_WORKING. NaN without the head's employment record or when UNSPECIFIED.",
		compute: headJob(func(j *incomev1.Employment) float64 {
			return oneOf(j.GetStatus(), incomev1.EmploymentStatus_EMPLOYMENT_STATUS_NOT_WORKING)
		}),
	},
	{
		Name: "head_agriculture", Group: GroupWorkIncome, Unit: "0/1", Sources: incReg,
		DescriptionEN: "Head of family works in agriculture or fishery", DescriptionID: "Kepala keluarga bekerja di sektor pertanian atau perikanan",
		Computation: "1 when the head's newest employment sector is AGRICULTURE or FISHERY. NaN without the head's employment record or when UNSPECIFIED.",
		compute: headJob(func(j *incomev1.Employment) float64 {
			return oneOf(j.GetSector(), incomev1.EmploymentSector_EMPLOYMENT_SECTOR_AGRICULTURE, incomev1.EmploymentSector_EMPLOYMENT_SECTOR_FISHERY)
		}),
	},
	{
		Name: "head_formal_employment", Group: GroupWorkIncome, Unit: "0/1", Sources: incReg,
		DescriptionEN: "Head of family is an employee or an employer", DescriptionID: "Kepala keluarga buruh/karyawan/pegawai atau berusaha dibantu buruh tetap",
		Computation: "1 when the head's newest employment status is EMPLOYEE or EMPLOYER. NaN without the head's employment record or when UNSPECIFIED.",
		compute: headJob(func(j *incomev1.Employment) float64 {
			return oneOf(j.GetStatus(), incomev1.EmploymentStatus_EMPLOYMENT_STATUS_EMPLOYEE, incomev1.EmploymentStatus_EMPLOYMENT_STATUS_EMPLOYER)
		}),
	},
	{
		Name: "public_sector_workers", Group: GroupWorkIncome, Unit: "persons", Sources: regOnly,
		DescriptionEN: "Members who are civil servants, TNI, Polri or state-enterprise staff", DescriptionID: "Jumlah anggota ASN, TNI, Polri atau pegawai BUMN/BUMD",
		Computation: "Living members whose occupation is " + setText("OCCUPATION_", publicSector...) + "." + nanNoRegistry,
		compute: countMembers(func(p *person) bool {
			return oneOf(p.occupation, publicSector...) == 1
		}),
	},

	// --- banking: patterns shared with OJK by institutions (income
	// context). Per member and agreement the newest report counts; reports
	// under different agreements add up. No report for any member means no
	// account, loan or e-wallet is known.
	{
		Name: "max_savings_band", Group: GroupBanking, Unit: "ordinal 0–6", Sources: incOnly,
		DescriptionEN: "Highest savings balance band (0 no account … 6 Rp 500 million or more)", DescriptionID: "Golongan saldo tabungan tertinggi (0 tanpa rekening … 6 Rp500 juta atau lebih)",
		Computation: "Maximum savings_balance_band over living members: NO_ACCOUNT=0, BELOW_ONE_MILLION=1, ONE_TO_TEN_MILLION=2, TEN_TO_FIFTY_MILLION=3, FIFTY_TO_HUNDRED_MILLION=4, HUNDRED_TO_FIVE_HUNDRED_MILLION=5, FIVE_HUNDRED_MILLION_OR_MORE=6; 0 without any report. NaN when the income context has no data, or when reports exist but none states a band.",
		compute:     econ(func(v *view) float64 { return v.bank.maxBand }),
	},
	{
		Name: "savings_account_holders", Group: GroupBanking, Unit: "persons", Sources: incOnly,
		DescriptionEN: "Members with a savings account", DescriptionID: "Jumlah anggota yang memiliki rekening tabungan",
		Computation: "Living members with a report whose band is BELOW_ONE_MILLION or higher." + nanNoIncome,
		compute:     econ(func(v *view) float64 { return float64(v.bank.holders) }),
	},
	{
		Name: "log_bank_loans", Group: GroupBanking, Unit: "ln(1 + Rp)", Sources: incOnly,
		DescriptionEN: "Outstanding bank loans", DescriptionID: "Sisa pinjaman bank",
		Computation: "ln(1 + Σ outstanding_amount of loans whose lender_type is BANK)." + nanNoIncome,
		compute:     econ(func(v *view) float64 { return math.Log1p(v.bank.bankLoans) }),
	},
	{
		Name: "has_kur_loan", Group: GroupBanking, Unit: "0/1", Sources: incOnly,
		DescriptionEN: "Has a KUR micro-business loan", DescriptionID: "Memiliki pinjaman Kredit Usaha Rakyat (KUR)",
		Computation: "1 when a member has a loan whose lender_type is KUR." + nanNoIncome,
		compute:     econ(func(v *view) float64 { return b2f(v.bank.kur) }),
	},
	{
		Name: "has_leasing_loan", Group: GroupBanking, Unit: "0/1", Sources: incOnly,
		DescriptionEN: "Has leasing or multi-finance credit", DescriptionID: "Memiliki kredit leasing/pembiayaan",
		Computation: "1 when a member has a loan whose lender_type is LEASING." + nanNoIncome,
		compute:     econ(func(v *view) float64 { return b2f(v.bank.leasing) }),
	},
	{
		Name: "has_online_loan", Group: GroupBanking, Unit: "0/1", Sources: incOnly,
		DescriptionEN: "Has an online loan", DescriptionID: "Memiliki pinjaman online (pinjol)",
		Computation: "1 when a member has a loan whose lender_type is ONLINE_LENDING." + nanNoIncome,
		compute:     econ(func(v *view) float64 { return b2f(v.bank.online) }),
	},
	{
		Name: "log_card_spending_per_capita", Group: GroupBanking, Unit: "ln(1 + Rp/person/month)", Sources: incReg,
		DescriptionEN: "Debit and credit card spending per person", DescriptionID: "Belanja kartu debit dan kredit per orang",
		Computation: "ln(1 + Σ monthly_card_spending ÷ household_size)." + nanNoIncome,
		compute:     econ(func(v *view) float64 { return logPerCapita(v, v.bank.card) }),
	},
	{
		Name: "log_ewallet_spending_per_capita", Group: GroupBanking, Unit: "ln(1 + Rp/person/month)", Sources: incReg,
		DescriptionEN: "E-wallet spending per person", DescriptionID: "Belanja dompet digital per orang",
		Computation: "ln(1 + Σ monthly_ewallet_spending ÷ household_size)." + nanNoIncome,
		compute:     econ(func(v *view) float64 { return logPerCapita(v, v.bank.ewallet) }),
	},

	// --- service_usage: BPJS Kesehatan, PLN, 3 kg LPG and programmes
	// (service-usage context).
	{
		Name: "health_pbi", Group: GroupServiceUsage, Unit: "0/1", Sources: useOnly, Targeting: true,
		DescriptionEN: "A member's BPJS Kesehatan premium is paid by the state (PBI)", DescriptionID: "Ada anggota peserta PBI JK (iuran BPJS Kesehatan dibayar pemerintah)",
		Computation: "1 when a living member's newest coverage record has class PBI_APBN or PBI_APBD." + nanNoMembers + " NaN when no living member has a coverage record.",
		compute:     coverage(func(v *view) float64 { return b2f(v.health.pbi) }),
	},
	{
		Name: "health_class_1_2", Group: GroupServiceUsage, Unit: "0/1", Sources: useOnly,
		DescriptionEN: "A member is in BPJS Kesehatan class 1 or 2", DescriptionID: "Ada anggota peserta BPJS Kesehatan kelas 1 atau 2",
		Computation: "1 when a living member's newest coverage record has class CLASS_1 or CLASS_2." + nanNoMembers + " NaN when no living member has a coverage record.",
		compute:     coverage(func(v *view) float64 { return b2f(v.health.class12) }),
	},
	{
		Name: "health_uninsured_share", Group: GroupServiceUsage, Unit: "share 0–1", Sources: useOnly,
		DescriptionEN: "Share of members without health coverage", DescriptionID: "Proporsi anggota tanpa jaminan kesehatan",
		Computation: "Living members without a coverage record of a class other than NONE ÷ living members." + nanNoMembers,
		compute: usageMembers(func(v *view) float64 {
			if v.health.living == 0 {
				return math.NaN()
			}
			return float64(v.health.uninsured) / float64(v.health.living)
		}),
	},
	{
		Name: "outpatient_visits_per_capita", Group: GroupServiceUsage, Unit: "visits/person/year", Sources: useOnly,
		DescriptionEN: "Outpatient visits in the past 12 months, per person", DescriptionID: "Kunjungan rawat jalan 12 bulan terakhir per orang",
		Computation: "Σ outpatient_visits of living members' newest coverage records ÷ the members with such a record." + nanNoMembers + " NaN when no living member has a coverage record.",
		compute:     coverage(func(v *view) float64 { return v.health.outpatient / float64(v.health.recorded) }),
	},
	{
		Name: "inpatient_admissions", Group: GroupServiceUsage, Unit: "admissions/year", Sources: useOnly,
		DescriptionEN: "Hospital admissions in the past 12 months", DescriptionID: "Jumlah rawat inap 12 bulan terakhir",
		Computation: "Σ inpatient_admissions of living members' newest coverage records." + nanNoMembers + " NaN when no living member has a coverage record.",
		compute:     coverage(func(v *view) float64 { return v.health.inpatient }),
	},
	{
		Name: "electricity_kwh_per_capita", Group: GroupServiceUsage, Unit: "kWh/person/month", Sources: []Context{ContextServiceUsage, ContextRegistry},
		DescriptionEN: "Electricity used per person per month", DescriptionID: "Pemakaian listrik per orang per bulan",
		Computation: "Mean electricity_kwh over the PLN months (a PLN customer id, kWh above 0 or a subsidised tariff) among the 12 months up to the reference month, ÷ household_size. NaN without such a month.",
		compute: usage(func(v *view) float64 {
			if v.util.elecMonths == 0 || math.IsNaN(v.size) {
				return math.NaN()
			}
			return v.util.kwh / float64(v.util.elecMonths) / v.size
		}),
	},
	{
		Name: "subsidised_electricity", Group: GroupServiceUsage, Unit: "0/1", Sources: useOnly, Targeting: true,
		DescriptionEN: "Billed on a subsidised PLN tariff", DescriptionID: "Pelanggan listrik PLN bertarif subsidi",
		Computation: "subsidised_tariff of the newest PLN month among the 12 months up to the reference month. NaN without such a month.",
		compute: usage(func(v *view) float64 {
			if v.util.elecMonths == 0 {
				return math.NaN()
			}
			return b2f(v.util.subsidised)
		}),
	},
	{
		Name: "lpg_3kg_per_month", Group: GroupServiceUsage, Unit: "cylinders/month", Sources: useOnly,
		DescriptionEN: "Subsidised 3 kg LPG cylinders bought per month", DescriptionID: "Pembelian elpiji 3 kg bersubsidi per bulan",
		Computation: "Mean subsidised_lpg_purchases over the utility months among the 12 months up to the reference month. NaN without a utility month.",
		compute: usage(func(v *view) float64 {
			if v.util.months == 0 {
				return math.NaN()
			}
			return v.util.lpg / float64(v.util.months)
		}),
	},
	{
		Name: "programme_pkh", Group: GroupServiceUsage, Unit: "0/1", Sources: useOnly, Targeting: true,
		DescriptionEN: "Receives PKH", DescriptionID: "Menerima PKH",
		Computation: "1 when a PKH participation's period includes the reference date." + nanNoUsage,
		compute:     programme(serviceusagev1.SocialProgramme_SOCIAL_PROGRAMME_PKH),
	},
	{
		Name: "programme_sembako", Group: GroupServiceUsage, Unit: "0/1", Sources: useOnly, Targeting: true,
		DescriptionEN: "Receives Sembako/BPNT food assistance", DescriptionID: "Menerima bantuan Sembako/BPNT",
		Computation: "1 when a SEMBAKO_BPNT participation's period includes the reference date." + nanNoUsage,
		compute:     programme(serviceusagev1.SocialProgramme_SOCIAL_PROGRAMME_SEMBAKO_BPNT),
	},
	{
		Name: "programme_blt", Group: GroupServiceUsage, Unit: "0/1", Sources: useOnly, Targeting: true,
		DescriptionEN: "Receives BLT cash transfers", DescriptionID: "Menerima Bantuan Langsung Tunai (BLT)",
		Computation: "1 when a BLT participation's period includes the reference date." + nanNoUsage,
		compute:     programme(serviceusagev1.SocialProgramme_SOCIAL_PROGRAMME_BLT),
	},
}
