package domain

import regdomain "github.com/dtsen-id/dtsen/services/registry/domain"

// Violation and Violations are the registry's: one problem with one field,
// with an UPPER_SNAKE reason. Sharing the type keeps reasons such as
// NIK_INVALID_LENGTH identical across contexts.
type (
	Violation  = regdomain.Violation
	Violations = regdomain.Violations
)

// Reasons are part of the API contract (DESIGN.md §5): clients branch on
// them, so they never change spelling. NIK_*, KK_* and DATE_INVALID come from
// the registry's domain.
const (
	ReasonSourceAgencyInvalid     = "SOURCE_AGENCY_INVALID"
	ReasonObservationDateInFuture = "OBSERVATION_DATE_IN_FUTURE"
	ReasonObservationDateTooEarly = "OBSERVATION_DATE_TOO_EARLY"
	ReasonIncomeSourceInvalid     = "INCOME_SOURCE_INVALID"
	ReasonIncomeAmountNegative    = "INCOME_AMOUNT_NEGATIVE"
	ReasonIncomeAmountTooLarge    = "INCOME_AMOUNT_TOO_LARGE"
	ReasonIncomePeriodInvalid     = "INCOME_PERIOD_INVALID"
	ReasonIncomePeriodEndBefore   = "INCOME_PERIOD_END_BEFORE_START"
	ReasonIncomePeriodInFuture    = "INCOME_PERIOD_START_IN_FUTURE"
	ReasonEmploymentSectorInvalid = "EMPLOYMENT_SECTOR_INVALID"
	ReasonEmploymentStatusInvalid = "EMPLOYMENT_STATUS_INVALID"
	ReasonEmploymentHoursRange    = "EMPLOYMENT_HOURS_OUT_OF_RANGE"
	ReasonEmploymentStatusSector  = "EMPLOYMENT_STATUS_SECTOR_MISMATCH"
	ReasonConsumptionNotPositive  = "CONSUMPTION_EXPENDITURE_NOT_POSITIVE"
	ReasonConsumptionTooLarge     = "CONSUMPTION_EXPENDITURE_TOO_LARGE"
	ReasonConsumptionFoodShare    = "CONSUMPTION_FOOD_SHARE_OUT_OF_RANGE"
	ReasonConsumptionSurveyID     = "CONSUMPTION_SURVEY_ID_INVALID"
	ReasonConsumptionSurveyFuture = "CONSUMPTION_SURVEY_DATE_IN_FUTURE"
	ReasonConsumptionMeasurement  = "CONSUMPTION_MEASUREMENT_INVALID"
	ReasonBankingAgreementInvalid = "BANKING_AGREEMENT_REFERENCE_INVALID"
	ReasonBankingSavingsBand      = "BANKING_SAVINGS_BAND_INVALID"
	ReasonBankingLenderType       = "BANKING_LENDER_TYPE_INVALID"
	ReasonBankingLoanNotPositive  = "BANKING_LOAN_AMOUNT_NOT_POSITIVE"
	ReasonBankingLoanTooLarge     = "BANKING_LOAN_AMOUNT_TOO_LARGE"
	ReasonBankingTooManyLoans     = "BANKING_TOO_MANY_LOANS"
	ReasonBankingSpendingNegative = "BANKING_SPENDING_NEGATIVE"
	ReasonBankingSpendingTooLarge = "BANKING_SPENDING_TOO_LARGE"
	ReasonRecordEmpty             = "IMPORT_RECORD_EMPTY"
	ReasonRecordDuplicateInBatch  = "RECORD_DUPLICATE_IN_BATCH"
	ReasonResourceNameInvalid     = "RESOURCE_NAME_INVALID"

	// Match reasons: why a record is UNMATCHED (not rejections).
	MatchNIKNotRegistered = "NIK_NOT_REGISTERED"
	MatchKKNotRegistered  = "KK_NOT_REGISTERED"
)
