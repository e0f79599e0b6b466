package domain

import (
	"time"

	regdomain "github.com/dtsen-id/dtsen/services/registry/domain"
)

// The patterns below run on every imported record, so they are written as
// plain byte loops rather than regular expressions (a regexp match was a
// tenth of the import's validation time); pattern_test.go checks each
// against the regular expression it spells out.
var (
	// `^[a-z][a-z0-9_-]{0,63}$`
	agencyPattern = matcher(func(s string) bool { return charset(s, 64, isLower, agencyChar) })
	// `^[a-z0-9][a-z0-9._-]{0,63}$`. Survey ids and agreement references
	// appear in resource names, so they are restricted to characters that
	// need no escaping in a URL path.
	idPattern = matcher(func(s string) bool { return charset(s, 64, idFirst, idChar) })
	// `^[0-9]{4}-(0[1-9]|1[0-2])$`
	monthPattern = matcher(isMonth)
)

// matcher is a compiled pattern with regexp's MatchString method.
type matcher func(string) bool

func (m matcher) MatchString(s string) bool { return m(s) }

func isLower(c byte) bool    { return c >= 'a' && c <= 'z' }
func isDigit(c byte) bool    { return c >= '0' && c <= '9' }
func agencyChar(c byte) bool { return isLower(c) || isDigit(c) || c == '_' || c == '-' }
func idFirst(c byte) bool    { return isLower(c) || isDigit(c) }
func idChar(c byte) bool     { return idFirst(c) || c == '.' || c == '_' || c == '-' }

// charset reports whether s is 1..max bytes, the first satisfying first and
// the others rest.
func charset(s string, max int, first, rest func(byte) bool) bool {
	if len(s) == 0 || len(s) > max || !first(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !rest(s[i]) {
			return false
		}
	}
	return true
}

func isMonth(s string) bool {
	if len(s) != 7 || s[4] != '-' {
		return false
	}
	for _, i := range []int{0, 1, 2, 3, 5, 6} {
		if !isDigit(s[i]) {
			return false
		}
	}
	m := int(s[5]-'0')*10 + int(s[6]-'0')
	return m >= 1 && m <= 12
}

// wit is Waktu Indonesia Timur (UTC+9), the first Indonesian zone to reach a
// new day: "today" is WIT's date, so a record observed today anywhere in
// Indonesia is never "in the future" because the server runs in UTC. The
// registry uses the same rule.
var wit = time.FixedZone("WIT", 9*60*60)

// Today is now's calendar date in WIT, as YYYY-MM-DD.
func Today(now time.Time) string { return now.In(wit).Format(time.DateOnly) }

func violation(field, reason, description string) Violation {
	return Violation{Field: field, Reason: reason, Description: description}
}

func checkNIK(vs Violations, nik string, now time.Time) Violations {
	if _, v := regdomain.ParseNIK(nik, now); v != nil {
		return append(vs, *v) // Field "nik"
	}
	return vs
}

func checkKK(vs Violations, kk string) Violations {
	if v := regdomain.ValidateKK(kk); v != nil {
		return append(vs, *v) // Field "kk_number"
	}
	return vs
}

// checkPastDate checks a required YYYY-MM-DD date that is not after today
// and not before 1990 (no electronic source data predates it).
func checkPastDate(vs Violations, field, s string, now time.Time, futureReason string) Violations {
	if _, v := regdomain.ParseDate(field, s); v != nil {
		return append(vs, *v)
	}
	if s > Today(now) {
		return append(vs, violation(field, futureReason, "the date is after today"))
	}
	if s < earliestObservation {
		return append(vs, violation(field, ReasonObservationDateTooEarly, "the date is before 1990-01-01"))
	}
	return vs
}

func (p Provenance) validate(vs Violations, now time.Time) Violations {
	if !agencyPattern.MatchString(p.SourceAgency) {
		vs = append(vs, violation("source_agency", ReasonSourceAgencyInvalid,
			"source_agency must be 1-64 lowercase letters, digits, '-' or '_', starting with a letter"))
	}
	return checkPastDate(vs, "observation_date", p.ObservationDate, now, ReasonObservationDateInFuture)
}

// Validate implements Record.
func (x *Income) Validate(now time.Time) Violations {
	vs := checkNIK(nil, x.NIK, now)
	if !x.Source.Valid() {
		vs = append(vs, violation("source", ReasonIncomeSourceInvalid, "source must be a defined income source"))
	}
	switch {
	case x.MonthlyAmount < 0:
		vs = append(vs, violation("monthly_amount", ReasonIncomeAmountNegative, "monthly_amount must not be negative"))
	case x.MonthlyAmount > MaxMonthlyAmount:
		vs = append(vs, violation("monthly_amount", ReasonIncomeAmountTooLarge,
			"monthly_amount is above Rp 10,000,000,000: most likely a unit error (sen, or an annual figure)"))
	}
	startOK := monthPattern.MatchString(x.PeriodStart)
	if !startOK {
		vs = append(vs, violation("period_start", ReasonIncomePeriodInvalid, "period_start must be a month YYYY-MM"))
	} else if x.PeriodStart > Today(now)[:7] {
		vs = append(vs, violation("period_start", ReasonIncomePeriodInFuture, "period_start is after the current month"))
	}
	if x.PeriodEnd != "" {
		switch {
		case !monthPattern.MatchString(x.PeriodEnd):
			vs = append(vs, violation("period_end", ReasonIncomePeriodInvalid, "period_end must be a month YYYY-MM, or empty while ongoing"))
		case startOK && x.PeriodEnd < x.PeriodStart:
			vs = append(vs, violation("period_end", ReasonIncomePeriodEndBefore, "period_end must not be before period_start"))
		}
	}
	return x.Provenance.validate(vs, now)
}

// Validate implements Record. Besides each field's range, the Sakernas
// status and the sector must agree: a person not working has sector NONE and
// works no hours, a worker has a sector, and a casual agricultural worker
// (pekerja bebas di pertanian) works in agriculture or fishery.
func (x *Employment) Validate(now time.Time) Violations {
	vs := checkNIK(nil, x.NIK, now)
	sectorOK, statusOK := x.Sector.Valid(), x.Status.Valid()
	if !sectorOK {
		vs = append(vs, violation("sector", ReasonEmploymentSectorInvalid, "sector must be a defined sector"))
	}
	if !statusOK {
		vs = append(vs, violation("status", ReasonEmploymentStatusInvalid, "status must be a defined Sakernas status"))
	}
	if x.HoursPerWeek < 0 || x.HoursPerWeek > MaxHoursPerWeek {
		vs = append(vs, violation("hours_per_week", ReasonEmploymentHoursRange, "hours_per_week must be 0-98"))
	}
	if sectorOK && statusOK {
		notWorking := x.Status == StatusNotWorking
		switch {
		case notWorking != (x.Sector == SectorNone):
			vs = append(vs, violation("sector", ReasonEmploymentStatusSector,
				"sector NONE goes with status NOT_WORKING, and only with it"))
		case notWorking && x.HoursPerWeek != 0:
			vs = append(vs, violation("hours_per_week", ReasonEmploymentStatusSector, "a person not working works 0 hours"))
		case x.Status == StatusCasualAgricultural && x.Sector != SectorAgriculture && x.Sector != SectorFishery:
			vs = append(vs, violation("sector", ReasonEmploymentStatusSector,
				"a casual agricultural worker works in agriculture or fishery"))
		}
	}
	return x.Provenance.validate(vs, now)
}

// Validate implements Record.
func (x *Consumption) Validate(now time.Time) Violations {
	vs := checkKK(nil, x.KK)
	switch {
	case x.MonthlyExpenditure <= 0:
		vs = append(vs, violation("monthly_expenditure", ReasonConsumptionNotPositive,
			"monthly_expenditure must be positive: every household consumes"))
	case x.MonthlyExpenditure > MaxMonthlyAmount:
		vs = append(vs, violation("monthly_expenditure", ReasonConsumptionTooLarge,
			"monthly_expenditure is above Rp 10,000,000,000: most likely a unit error"))
	}
	if x.FoodShareBP < 0 || x.FoodShareBP > MaxFoodShareBP {
		vs = append(vs, violation("food_share_bp", ReasonConsumptionFoodShare, "food_share_bp must be 0-10000 basis points"))
	}
	if !idPattern.MatchString(x.SurveyID) {
		vs = append(vs, violation("survey_id", ReasonConsumptionSurveyID,
			"survey_id must be 1-64 lowercase letters, digits, '.', '_' or '-'"))
	}
	vs = checkPastDate(vs, "survey_date", x.SurveyDate, now, ReasonConsumptionSurveyFuture)
	if !x.Measurement.Valid() {
		vs = append(vs, violation("measurement", ReasonConsumptionMeasurement,
			"measurement must be MEASURED_BY_ENUMERATOR or SELF_DECLARED"))
	}
	return x.Provenance.validate(vs, now)
}

// Validate implements Record.
func (x *BankingPattern) Validate(now time.Time) Violations {
	vs := checkNIK(nil, x.NIK, now)
	if !idPattern.MatchString(x.AgreementReference) {
		vs = append(vs, violation("agreement_reference", ReasonBankingAgreementInvalid,
			"agreement_reference must be 1-64 lowercase letters, digits, '.', '_' or '-'"))
	}
	if !x.SavingsBalanceBand.Valid() {
		vs = append(vs, violation("savings_balance_band", ReasonBankingSavingsBand, "savings_balance_band must be a defined band"))
	}
	if len(x.Loans) > MaxLoansPerPattern {
		vs = append(vs, violation("loans", ReasonBankingTooManyLoans, "at most 50 loans per banking pattern"))
	} else {
		for i, l := range x.Loans {
			f := "loans[" + itoa(i) + "]"
			if !l.LenderType.Valid() {
				vs = append(vs, violation(f+".lender_type", ReasonBankingLenderType, "lender_type must be a defined lender type"))
			}
			switch {
			case l.OutstandingAmount <= 0:
				vs = append(vs, violation(f+".outstanding_amount", ReasonBankingLoanNotPositive,
					"outstanding_amount must be positive; leave repaid loans out"))
			case l.OutstandingAmount > MaxLoanOutstanding:
				vs = append(vs, violation(f+".outstanding_amount", ReasonBankingLoanTooLarge,
					"outstanding_amount is above Rp 100,000,000,000: not a household loan"))
			}
		}
	}
	for _, s := range []struct {
		field string
		v     int64
	}{{"monthly_card_spending", x.MonthlyCardSpending}, {"monthly_ewallet_spending", x.MonthlyEwalletSpending}} {
		switch {
		case s.v < 0:
			vs = append(vs, violation(s.field, ReasonBankingSpendingNegative, s.field+" must not be negative"))
		case s.v > MaxMonthlyAmount:
			vs = append(vs, violation(s.field, ReasonBankingSpendingTooLarge,
				s.field+" is above Rp 10,000,000,000: most likely a unit error"))
		}
	}
	return x.Provenance.validate(vs, now)
}

func parseDate(s string) (time.Time, *Violation) { return regdomain.ParseDate("", s) }
