package domain

// Reasons are part of the API contract (DESIGN.md §5): clients branch on
// them, so they are constants and never change spelling. NIK, KK, region and
// date reasons are the registry's (regdomain.Reason*), reused as they are.
const (
	// Provenance, common to every record.
	ReasonSourceInvalid              = "SOURCE_INVALID"
	ReasonSourceMismatch             = "SOURCE_MISMATCH"
	ReasonObservationDateRequired    = "OBSERVATION_DATE_REQUIRED"
	ReasonObservationDateOutOfRange  = "OBSERVATION_DATE_OUT_OF_RANGE"
	ReasonObservationOlderThanStored = "OBSERVATION_OLDER_THAN_STORED"
	ReasonRecordEmpty                = "IMPORT_RECORD_EMPTY"
	ReasonRecordDuplicateInBatch     = "RECORD_DUPLICATE_IN_BATCH"

	// Housing.
	ReasonHousingFloorAreaInvalid        = "HOUSING_FLOOR_AREA_INVALID"
	ReasonHousingFloorMaterialInvalid    = "HOUSING_FLOOR_MATERIAL_INVALID"
	ReasonHousingFloorConditionInvalid   = "HOUSING_FLOOR_CONDITION_INVALID"
	ReasonHousingWallMaterialInvalid     = "HOUSING_WALL_MATERIAL_INVALID"
	ReasonHousingWallConditionInvalid    = "HOUSING_WALL_CONDITION_INVALID"
	ReasonHousingRoofMaterialInvalid     = "HOUSING_ROOF_MATERIAL_INVALID"
	ReasonHousingRoofConditionInvalid    = "HOUSING_ROOF_CONDITION_INVALID"
	ReasonHousingTenureInvalid           = "HOUSING_TENURE_INVALID"
	ReasonHousingBedroomsInvalid         = "HOUSING_BEDROOMS_INVALID"
	ReasonHousingDrinkingWaterInvalid    = "HOUSING_DRINKING_WATER_INVALID"
	ReasonHousingLightingInvalid         = "HOUSING_LIGHTING_INVALID"
	ReasonHousingPowerInvalid            = "HOUSING_ELECTRICITY_POWER_INVALID"
	ReasonHousingPowerLightingMismatch   = "HOUSING_ELECTRICITY_POWER_LIGHTING_MISMATCH"
	ReasonHousingPLNCustomerIDInvalid    = "HOUSING_PLN_CUSTOMER_ID_INVALID"
	ReasonHousingPLNCustomerIDUnexpected = "HOUSING_PLN_CUSTOMER_ID_UNEXPECTED"
	ReasonHousingCookingFuelInvalid      = "HOUSING_COOKING_FUEL_INVALID"
	ReasonHousingToiletInvalid           = "HOUSING_TOILET_INVALID"
	ReasonHousingSewageInvalid           = "HOUSING_SEWAGE_INVALID"

	// Land parcels.
	ReasonLandCertificateIDInvalid = "LAND_CERTIFICATE_ID_INVALID"
	ReasonLandAreaInvalid          = "LAND_AREA_INVALID"
	ReasonLandNJOPInvalid          = "LAND_NJOP_INVALID"

	// Vehicles.
	ReasonVehicleFrameNumberInvalid = "VEHICLE_FRAME_NUMBER_INVALID"
	ReasonVehicleTypeInvalid        = "VEHICLE_TYPE_INVALID"
	ReasonVehicleYearInvalid        = "VEHICLE_YEAR_INVALID"
	ReasonVehicleValueInvalid       = "VEHICLE_VALUE_INVALID"
	ReasonVehiclePlateInvalid       = "VEHICLE_PLATE_NUMBER_INVALID"

	// Holdings.
	ReasonLivestockCountInvalid = "LIVESTOCK_COUNT_INVALID"
)

// Match reasons explain an UNMATCHED record (Record.MatchReason).
const (
	MatchNIKNotRegistered = "NIK_NOT_REGISTERED"
	MatchKKNotRegistered  = "KK_NOT_REGISTERED"
)

// Flags mark a record for verification without rejecting it.
const (
	// FlagOwnerDeceased: the registry records the owner as deceased. The
	// record is kept (the asset still exists and may have passed to the
	// heirs) but flagged for field verification.
	FlagOwnerDeceased = "OWNER_DECEASED"
)
