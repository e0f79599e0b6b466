package domain

// Reasons are part of the API contract (DESIGN.md §5); NIK, KK and date
// reasons are the registry's (services/registry/domain).
const (
	ReasonSourceAgencyInvalid       = "SOURCE_AGENCY_INVALID"
	ReasonObservationDateRequired   = "OBSERVATION_DATE_REQUIRED"
	ReasonObservationDateInFuture   = "OBSERVATION_DATE_IN_FUTURE"
	ReasonObservationDateTooOld     = "OBSERVATION_DATE_TOO_OLD"
	ReasonObservationOlderThanStore = "OBSERVATION_OLDER_THAN_STORED"
	ReasonRecordDuplicateInBatch    = "RECORD_DUPLICATE_IN_BATCH"
	ReasonRecordRequired            = "RECORD_REQUIRED"
	ReasonNIKRequired               = "NIK_REQUIRED"
	ReasonKKRequired                = "KK_REQUIRED"

	ReasonHealthClassInvalid    = "HEALTH_MEMBERSHIP_CLASS_INVALID"
	ReasonHealthOutpatientRange = "HEALTH_OUTPATIENT_VISITS_OUT_OF_RANGE"
	ReasonHealthInpatientRange  = "HEALTH_INPATIENT_ADMISSIONS_OUT_OF_RANGE"

	ReasonSchoolYearInvalid      = "SCHOOL_YEAR_INVALID"
	ReasonSchoolYearInFuture     = "SCHOOL_YEAR_IN_FUTURE"
	ReasonEnrolmentLevelInvalid  = "ENROLMENT_LEVEL_INVALID"
	ReasonEnrolmentOwnerInvalid  = "ENROLMENT_OWNERSHIP_INVALID"
	ReasonEnrolmentFeeInvalid    = "ENROLMENT_FEE_BAND_INVALID"
	ReasonEnrolmentAgeImplausble = "ENROLMENT_AGE_IMPLAUSIBLE"

	ReasonUtilityMonthInvalid  = "UTILITY_MONTH_INVALID"
	ReasonUtilityMonthInFuture = "UTILITY_MONTH_IN_FUTURE"
	ReasonUtilityKWhRange      = "UTILITY_ELECTRICITY_KWH_OUT_OF_RANGE"
	ReasonUtilityLPGRange      = "UTILITY_LPG_PURCHASES_OUT_OF_RANGE"
	ReasonUtilityPLNInvalid    = "UTILITY_PLN_CUSTOMER_ID_INVALID"
	ReasonUtilityPLNRequired   = "UTILITY_PLN_CUSTOMER_ID_REQUIRED"

	ReasonProgrammeInvalid        = "PROGRAMME_INVALID"
	ReasonProgrammeStartRequired  = "PROGRAMME_PERIOD_START_REQUIRED"
	ReasonProgrammeStartInFuture  = "PROGRAMME_PERIOD_START_IN_FUTURE"
	ReasonProgrammeStartTooOld    = "PROGRAMME_PERIOD_START_TOO_OLD"
	ReasonProgrammeEndBeforeStart = "PROGRAMME_PERIOD_END_BEFORE_START"
	ReasonDisbursingAgencyInvalid = "DISBURSING_AGENCY_INVALID"
	ReasonResourceNameInvalid     = "RESOURCE_NAME_INVALID"

	// Cross-check outcomes (stored on the record, not rejections).
	ReasonNIKNotRegistered = "NIK_NOT_REGISTERED"
	ReasonKKNotRegistered  = "KK_NOT_REGISTERED"
)
