package domain

// The enums mirror proto/dtsen/asset/v1/asset.proto value for value
// (0 = unspecified), so the ports layer converts with a plain cast. Valid
// rejects 0 as well as numbers the proto does not define, because a client
// built against a newer proto may send values this build cannot interpret.

// MatchStatus is the result of the registry cross-check.
type MatchStatus int32

const (
	MatchUnspecified MatchStatus = iota
	Matched
	Unmatched
)

func (x MatchStatus) Valid() bool { return x > MatchUnspecified && x <= Unmatched }

// FloorMaterial is the main floor material (jenis lantai terluas).
type FloorMaterial int32

const (
	FloorUnspecified FloorMaterial = iota
	FloorMarbleGranite
	FloorCeramic
	FloorParquetVinyl
	FloorTileTerrazzo
	FloorWoodPlank
	FloorCementBrick
	FloorBamboo
	FloorEarth
	FloorOther
)

func (x FloorMaterial) Valid() bool { return x > FloorUnspecified && x <= FloorOther }

// WallMaterial is the main wall material (jenis dinding terluas).
type WallMaterial int32

const (
	WallUnspecified WallMaterial = iota
	WallMasonry
	WallPlasteredBambooWire
	WallWoodBoard
	WallWovenBamboo
	WallLog
	WallBamboo
	WallOther
)

func (x WallMaterial) Valid() bool { return x > WallUnspecified && x <= WallOther }

// RoofMaterial is the main roof material (jenis atap terluas).
type RoofMaterial int32

const (
	RoofUnspecified RoofMaterial = iota
	RoofConcrete
	RoofClayTile
	RoofMetalTile
	RoofCementTile
	RoofWoodShingle
	RoofAsbestos
	RoofZinc
	RoofBamboo
	RoofStrawPalm
	RoofOther
)

func (x RoofMaterial) Valid() bool { return x > RoofUnspecified && x <= RoofOther }

// Condition of a floor, wall or roof.
type Condition int32

const (
	ConditionUnspecified Condition = iota
	ConditionGood
	ConditionPoor
)

func (x Condition) Valid() bool { return x > ConditionUnspecified && x <= ConditionPoor }

// Tenure is the house's ownership status.
type Tenure int32

const (
	TenureUnspecified Tenure = iota
	TenureOwned
	TenureRented
	TenureRentFree
	TenureOfficial
	TenureOther
)

func (x Tenure) Valid() bool { return x > TenureUnspecified && x <= TenureOther }

// DrinkingWaterSource is the main drinking-water source.
type DrinkingWaterSource int32

const (
	WaterUnspecified DrinkingWaterSource = iota
	WaterBottled
	WaterRefill
	WaterPipedMetered
	WaterPipedRetail
	WaterBoreWell
	WaterProtectedWell
	WaterUnprotectedWell
	WaterProtectedSpring
	WaterUnprotectedSpring
	WaterSurface
	WaterRain
	WaterOther
)

func (x DrinkingWaterSource) Valid() bool { return x > WaterUnspecified && x <= WaterOther }

// LightingSource is the main lighting source.
type LightingSource int32

const (
	LightingUnspecified LightingSource = iota
	LightingPLNMetered
	LightingPLNUnmetered
	LightingNonPLN
	LightingNoElectricity
)

func (x LightingSource) Valid() bool { return x > LightingUnspecified && x <= LightingNoElectricity }

// ElectricityPower is the installed power of the household's own PLN meter
// (DESIGN.md §2: 450/900/1300/2200/>2200 VA, or none).
type ElectricityPower int32

const (
	PowerUnspecified ElectricityPower = iota
	PowerNone
	PowerVA450
	PowerVA900
	PowerVA1300
	PowerVA2200
	PowerAbove2200
)

func (x ElectricityPower) Valid() bool { return x > PowerUnspecified && x <= PowerAbove2200 }

// CookingFuel is the main cooking fuel.
type CookingFuel int32

const (
	FuelUnspecified CookingFuel = iota
	FuelElectricity
	FuelLPGLarge
	FuelLPG3kg
	FuelCityGas
	FuelBiogas
	FuelKerosene
	FuelBriquette
	FuelCharcoal
	FuelFirewood
	FuelNone
	FuelOther
)

func (x CookingFuel) Valid() bool { return x > FuelUnspecified && x <= FuelOther }

// ToiletFacility is the household's use of a toilet.
type ToiletFacility int32

const (
	ToiletUnspecified ToiletFacility = iota
	ToiletPrivate
	ToiletShared
	ToiletPublic
	ToiletNone
)

func (x ToiletFacility) Valid() bool { return x > ToiletUnspecified && x <= ToiletNone }

// SewageDisposal is the final disposal of faeces.
type SewageDisposal int32

const (
	SewageUnspecified SewageDisposal = iota
	SewageSepticTank
	SewageTreatmentPlant
	SewagePit
	SewageSurfaceWater
	SewageOpenGround
	SewageOther
)

func (x SewageDisposal) Valid() bool { return x > SewageUnspecified && x <= SewageOther }

// VehicleType is the kind of vehicle (DESIGN.md §2: bicycle, motorcycle,
// car, boat, outboard motor; trucks are added as a distinct kind).
type VehicleType int32

const (
	VehicleUnspecified VehicleType = iota
	VehicleBicycle
	VehicleMotorcycle
	VehicleCar
	VehicleTruck
	VehicleBoat
	VehicleOutboardMotor
)

func (x VehicleType) Valid() bool { return x > VehicleUnspecified && x <= VehicleOutboardMotor }
