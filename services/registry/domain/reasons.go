package domain

// Reasons are part of the API contract (DESIGN.md §5): clients branch on
// them, so they are constants and never change spelling.
const (
	// NIK and KK structure (DESIGN.md §2).
	ReasonNIKInvalidLength     = "NIK_INVALID_LENGTH"
	ReasonNIKNotNumeric        = "NIK_NOT_NUMERIC"
	ReasonNIKInvalidProvince   = "NIK_INVALID_PROVINCE"
	ReasonNIKInvalidRegency    = "NIK_INVALID_REGENCY"
	ReasonNIKInvalidDistrict   = "NIK_INVALID_DISTRICT"
	ReasonNIKInvalidBirthDate  = "NIK_INVALID_BIRTH_DATE"
	ReasonNIKInvalidSerial     = "NIK_INVALID_SERIAL"
	ReasonNIKSexMismatch       = "NIK_SEX_MISMATCH"
	ReasonNIKBirthDateMismatch = "NIK_BIRTH_DATE_MISMATCH"

	ReasonKKInvalidLength = "KK_INVALID_LENGTH"
	ReasonKKNotNumeric    = "KK_NOT_NUMERIC"
	ReasonKKInvalidRegion = "KK_INVALID_REGION"
	ReasonKKInvalidSerial = "KK_INVALID_SERIAL"

	// Region codes.
	ReasonRegionCodeInvalid     = "REGION_CODE_INVALID"
	ReasonRegionProvinceUnknown = "REGION_PROVINCE_UNKNOWN"
	ReasonRegionCodeNotVillage  = "REGION_CODE_NOT_VILLAGE"

	// Address.
	ReasonAddressRTInvalid         = "ADDRESS_RT_INVALID"
	ReasonAddressRWInvalid         = "ADDRESS_RW_INVALID"
	ReasonAddressPostalCodeInvalid = "ADDRESS_POSTAL_CODE_INVALID"
	ReasonAddressStreetTooLong     = "ADDRESS_STREET_TOO_LONG"
	ReasonAddressStreetInvalid     = "ADDRESS_STREET_INVALID"

	// Person fields.
	ReasonPersonBirthDateRequired       = "PERSON_BIRTH_DATE_REQUIRED"
	ReasonPersonBirthDateInvalid        = "PERSON_BIRTH_DATE_INVALID"
	ReasonPersonNameInvalid             = "PERSON_NAME_INVALID"
	ReasonPersonBirthPlaceInvalid       = "PERSON_BIRTH_PLACE_INVALID"
	ReasonPersonSexInvalid              = "PERSON_SEX_INVALID"
	ReasonPersonMaritalInvalid          = "PERSON_MARITAL_STATUS_INVALID"
	ReasonPersonRelationInvalid         = "PERSON_RELATION_INVALID"
	ReasonPersonEducationInvalid        = "PERSON_EDUCATION_INVALID"
	ReasonPersonOccupationInvalid       = "PERSON_OCCUPATION_INVALID"
	ReasonPersonDisabilityInvalid       = "PERSON_DISABILITY_INVALID"
	ReasonPersonVitalStatusInvalid      = "PERSON_VITAL_STATUS_INVALID"
	ReasonPersonSevereWithoutDisability = "PERSON_SEVERE_DISABILITY_WITHOUT_DISABILITY"
	ReasonPersonDeathDateInvalid        = "PERSON_DEATH_DATE_INVALID"
	ReasonPersonRequired                = "PERSON_REQUIRED"

	// Family record.
	ReasonFamilySettlementInvalid    = "FAMILY_SETTLEMENT_INVALID"
	ReasonFamilyNoMembers            = "FAMILY_NO_MEMBERS"
	ReasonFamilyTooManyMembers       = "FAMILY_TOO_MANY_MEMBERS"
	ReasonFamilyMemberMissing        = "FAMILY_MEMBER_MISSING"
	ReasonPersonDuplicateInFamily    = "PERSON_DUPLICATE_IN_FAMILY"
	ReasonFamilyHeadNotMember        = "FAMILY_HEAD_NOT_MEMBER"
	ReasonFamilyHeadRelationMismatch = "FAMILY_HEAD_RELATION_MISMATCH"

	// State conflicts (Precondition).
	ReasonPersonAlreadyDeceased    = "PERSON_ALREADY_DECEASED"
	ReasonPersonNotMember          = "PERSON_NOT_MEMBER"
	ReasonPersonAlreadyMember      = "PERSON_ALREADY_MEMBER"
	ReasonPersonDeceased           = "PERSON_DECEASED"
	ReasonFamilyHeadMustBeReplaced = "FAMILY_HEAD_MUST_BE_REPLACED"
	ReasonFamilyWouldBeEmpty       = "FAMILY_WOULD_BE_EMPTY"
	ReasonFamilyAlreadyHasHead     = "FAMILY_ALREADY_HAS_HEAD"

	// Dates on the wire.
	ReasonDateInvalid = "DATE_INVALID"
)
