package domain

import (
	"strings"
	"testing"
	"time"
)

// now is fixed so "in the future" is deterministic: 26 Nov 2026, 20:00 UTC,
// which is already 27 Nov in WIT (UTC+9).
var now = time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC)

const (
	nikMale = "3204120101700001" // Kab. Bandung, born 1 Jan 1970, male
	kk      = "3204120000000001"
)

func prov() Provenance { return Provenance{SourceAgency: "bpjs-tk", ObservationDate: "2026-01-15"} }

func validIncome() *Income {
	return &Income{NIK: nikMale, Source: IncomeSourceFormalWage, MonthlyAmount: 2_500_000,
		PeriodStart: "2025-01", PeriodEnd: "2025-12", Provenance: prov()}
}

func validEmployment() *Employment {
	return &Employment{NIK: nikMale, Sector: SectorAgriculture, Status: StatusSelfEmployed, HoursPerWeek: 40, Provenance: prov()}
}

func validConsumption() *Consumption {
	return &Consumption{KK: kk, MonthlyExpenditure: 3_000_000, FoodShareBP: 6500, SurveyID: "susenas-2026-03",
		SurveyDate: "2026-03-10", Measurement: MeasuredByEnumerator, Provenance: prov()}
}

func validBanking() *BankingPattern {
	return &BankingPattern{NIK: nikMale, AgreementReference: "pks-ojk-2026-001", SavingsBalanceBand: SavingsBelowOneMillion,
		Loans: []Loan{{LenderType: LenderKUR, OutstandingAmount: 5_000_000}}, MonthlyEwalletSpending: 100_000, Provenance: prov()}
}

// wantOnly asserts vs is exactly one violation on field with reason; an
// empty field and reason assert no violation.
func wantOnly(t *testing.T, vs Violations, field, reason string) {
	t.Helper()
	if reason == "" {
		if len(vs) != 0 {
			t.Fatalf("want valid, got %v", vs)
		}
		return
	}
	if len(vs) != 1 || vs[0].Field != field || vs[0].Reason != reason {
		t.Fatalf("want only %s %s, got %v", field, reason, vs)
	}
}

func TestIncomeValidate(t *testing.T) {
	for _, tc := range []struct {
		name          string
		mut           func(x *Income)
		field, reason string
	}{
		{"valid", func(*Income) {}, "", ""},
		{"ongoing, no end", func(x *Income) { x.PeriodEnd = "" }, "", ""},
		{"zero amount", func(x *Income) { x.MonthlyAmount = 0 }, "", ""},
		{"amount at the bound", func(x *Income) { x.MonthlyAmount = MaxMonthlyAmount }, "", ""},
		{"start this month in WIT", func(x *Income) { x.PeriodStart, x.PeriodEnd = "2026-11", "" }, "", ""},
		{"observed today in WIT", func(x *Income) { x.ObservationDate = "2026-11-27" }, "", ""},
		{"nik short", func(x *Income) { x.NIK = "320412" }, "nik", "NIK_INVALID_LENGTH"},
		{"nik letters", func(x *Income) { x.NIK = "32041201017000AB" }, "nik", "NIK_NOT_NUMERIC"},
		{"nik serial 0000", func(x *Income) { x.NIK = "3204120101700000" }, "nik", "NIK_INVALID_SERIAL"},
		{"nik province", func(x *Income) { x.NIK = "9904120101700001" }, "nik", "NIK_INVALID_PROVINCE"},
		{"source unspecified", func(x *Income) { x.Source = 0 }, "source", ReasonIncomeSourceInvalid},
		{"source undefined", func(x *Income) { x.Source = 99 }, "source", ReasonIncomeSourceInvalid},
		{"amount negative", func(x *Income) { x.MonthlyAmount = -1 }, "monthly_amount", ReasonIncomeAmountNegative},
		{"amount too large", func(x *Income) { x.MonthlyAmount = MaxMonthlyAmount + 1 }, "monthly_amount", ReasonIncomeAmountTooLarge},
		{"start empty", func(x *Income) { x.PeriodStart = "" }, "period_start", ReasonIncomePeriodInvalid},
		{"start a date", func(x *Income) { x.PeriodStart = "2025-01-01" }, "period_start", ReasonIncomePeriodInvalid},
		{"start month 13", func(x *Income) { x.PeriodStart = "2025-13" }, "period_start", ReasonIncomePeriodInvalid},
		{"start next month", func(x *Income) { x.PeriodStart, x.PeriodEnd = "2026-12", "" }, "period_start", ReasonIncomePeriodInFuture},
		{"end malformed", func(x *Income) { x.PeriodEnd = "2025/12" }, "period_end", ReasonIncomePeriodInvalid},
		{"end before start", func(x *Income) { x.PeriodEnd = "2024-12" }, "period_end", ReasonIncomePeriodEndBefore},
		{"agency empty", func(x *Income) { x.SourceAgency = "" }, "source_agency", ReasonSourceAgencyInvalid},
		{"agency upper case", func(x *Income) { x.SourceAgency = "BPJS" }, "source_agency", ReasonSourceAgencyInvalid},
		{"agency too long", func(x *Income) { x.SourceAgency = strings.Repeat("a", 65) }, "source_agency", ReasonSourceAgencyInvalid},
		{"observation empty", func(x *Income) { x.ObservationDate = "" }, "observation_date", "DATE_INVALID"},
		{"observation 30 Feb", func(x *Income) { x.ObservationDate = "2026-02-30" }, "observation_date", "DATE_INVALID"},
		{"observation tomorrow in WIT", func(x *Income) { x.ObservationDate = "2026-11-28" }, "observation_date", ReasonObservationDateInFuture},
		{"observation 1989", func(x *Income) { x.ObservationDate = "1989-12-31" }, "observation_date", ReasonObservationDateTooEarly},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := validIncome()
			tc.mut(x)
			wantOnly(t, x.Validate(now), tc.field, tc.reason)
		})
	}
}

func TestEmploymentValidate(t *testing.T) {
	for _, tc := range []struct {
		name          string
		mut           func(x *Employment)
		field, reason string
	}{
		{"valid", func(*Employment) {}, "", ""},
		{"not working", func(x *Employment) { x.Status, x.Sector, x.HoursPerWeek = StatusNotWorking, SectorNone, 0 }, "", ""},
		{"casual fishery worker", func(x *Employment) { x.Status, x.Sector = StatusCasualAgricultural, SectorFishery }, "", ""},
		{"98 hours", func(x *Employment) { x.HoursPerWeek = 98 }, "", ""},
		{"0 hours, temporarily absent", func(x *Employment) { x.HoursPerWeek = 0 }, "", ""},
		{"nik bad date", func(x *Employment) { x.NIK = "3204123102700001" }, "nik", "NIK_INVALID_BIRTH_DATE"},
		{"sector unspecified", func(x *Employment) { x.Sector = 0 }, "sector", ReasonEmploymentSectorInvalid},
		{"sector undefined", func(x *Employment) { x.Sector = 17 }, "sector", ReasonEmploymentSectorInvalid},
		{"status unspecified", func(x *Employment) { x.Status = 0 }, "status", ReasonEmploymentStatusInvalid},
		{"status undefined", func(x *Employment) { x.Status = 9 }, "status", ReasonEmploymentStatusInvalid},
		{"hours negative", func(x *Employment) { x.HoursPerWeek = -1 }, "hours_per_week", ReasonEmploymentHoursRange},
		{"hours 99", func(x *Employment) { x.HoursPerWeek = 99 }, "hours_per_week", ReasonEmploymentHoursRange},
		{"worker without sector", func(x *Employment) { x.Sector = SectorNone }, "sector", ReasonEmploymentStatusSector},
		{"not working with sector", func(x *Employment) { x.Status, x.HoursPerWeek = StatusNotWorking, 0 }, "sector", ReasonEmploymentStatusSector},
		{"not working with hours", func(x *Employment) { x.Status, x.Sector = StatusNotWorking, SectorNone }, "hours_per_week", ReasonEmploymentStatusSector},
		{"casual agricultural in trade", func(x *Employment) { x.Status, x.Sector = StatusCasualAgricultural, SectorTrade }, "sector", ReasonEmploymentStatusSector},
		{"agency bad", func(x *Employment) { x.SourceAgency = "b ps" }, "source_agency", ReasonSourceAgencyInvalid},
		{"observation future", func(x *Employment) { x.ObservationDate = "2027-01-01" }, "observation_date", ReasonObservationDateInFuture},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := validEmployment()
			tc.mut(x)
			wantOnly(t, x.Validate(now), tc.field, tc.reason)
		})
	}
}

func TestConsumptionValidate(t *testing.T) {
	for _, tc := range []struct {
		name          string
		mut           func(x *Consumption)
		field, reason string
	}{
		{"valid", func(*Consumption) {}, "", ""},
		{"self-declared", func(x *Consumption) { x.Measurement = SelfDeclared }, "", ""},
		{"food share bounds", func(x *Consumption) { x.FoodShareBP = 10000 }, "", ""},
		{"kk short", func(x *Consumption) { x.KK = "32041200000001" }, "kk_number", "KK_INVALID_LENGTH"},
		{"kk region", func(x *Consumption) { x.KK = "3200120000000001" }, "kk_number", "KK_INVALID_REGION"},
		{"kk serial", func(x *Consumption) { x.KK = "3204120000000000" }, "kk_number", "KK_INVALID_SERIAL"},
		{"expenditure zero", func(x *Consumption) { x.MonthlyExpenditure = 0 }, "monthly_expenditure", ReasonConsumptionNotPositive},
		{"expenditure too large", func(x *Consumption) { x.MonthlyExpenditure = MaxMonthlyAmount + 1 }, "monthly_expenditure", ReasonConsumptionTooLarge},
		{"food share negative", func(x *Consumption) { x.FoodShareBP = -1 }, "food_share_bp", ReasonConsumptionFoodShare},
		{"food share over 100%", func(x *Consumption) { x.FoodShareBP = 10001 }, "food_share_bp", ReasonConsumptionFoodShare},
		{"survey id empty", func(x *Consumption) { x.SurveyID = "" }, "survey_id", ReasonConsumptionSurveyID},
		{"survey id with slash", func(x *Consumption) { x.SurveyID = "susenas/2026" }, "survey_id", ReasonConsumptionSurveyID},
		{"survey id upper case", func(x *Consumption) { x.SurveyID = "SUSENAS" }, "survey_id", ReasonConsumptionSurveyID},
		{"survey date malformed", func(x *Consumption) { x.SurveyDate = "10-03-2026" }, "survey_date", "DATE_INVALID"},
		{"survey date future", func(x *Consumption) { x.SurveyDate = "2026-12-01" }, "survey_date", ReasonConsumptionSurveyFuture},
		{"measurement unspecified", func(x *Consumption) { x.Measurement = 0 }, "measurement", ReasonConsumptionMeasurement},
		{"measurement undefined", func(x *Consumption) { x.Measurement = 3 }, "measurement", ReasonConsumptionMeasurement},
		{"agency bad", func(x *Consumption) { x.SourceAgency = "_bps" }, "source_agency", ReasonSourceAgencyInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := validConsumption()
			tc.mut(x)
			wantOnly(t, x.Validate(now), tc.field, tc.reason)
		})
	}
}

func TestBankingValidate(t *testing.T) {
	for _, tc := range []struct {
		name          string
		mut           func(x *BankingPattern)
		field, reason string
	}{
		{"valid", func(*BankingPattern) {}, "", ""},
		{"no loans", func(x *BankingPattern) { x.Loans = nil }, "", ""},
		{"50 loans", func(x *BankingPattern) { x.Loans = make([]Loan, 50); fill(x.Loans) }, "", ""},
		{"nik female day 72", func(x *BankingPattern) { x.NIK = "3204127201700001" }, "nik", "NIK_INVALID_BIRTH_DATE"},
		{"agreement empty", func(x *BankingPattern) { x.AgreementReference = "" }, "agreement_reference", ReasonBankingAgreementInvalid},
		{"agreement with slash", func(x *BankingPattern) { x.AgreementReference = "pks/1" }, "agreement_reference", ReasonBankingAgreementInvalid},
		{"band unspecified", func(x *BankingPattern) { x.SavingsBalanceBand = 0 }, "savings_balance_band", ReasonBankingSavingsBand},
		{"band undefined", func(x *BankingPattern) { x.SavingsBalanceBand = 8 }, "savings_balance_band", ReasonBankingSavingsBand},
		{"51 loans", func(x *BankingPattern) { x.Loans = make([]Loan, 51); fill(x.Loans) }, "loans", ReasonBankingTooManyLoans},
		{"lender unspecified", func(x *BankingPattern) { x.Loans[0].LenderType = 0 }, "loans[0].lender_type", ReasonBankingLenderType},
		{"lender undefined", func(x *BankingPattern) { x.Loans[0].LenderType = 5 }, "loans[0].lender_type", ReasonBankingLenderType},
		{"loan zero", func(x *BankingPattern) { x.Loans[0].OutstandingAmount = 0 }, "loans[0].outstanding_amount", ReasonBankingLoanNotPositive},
		{"loan too large", func(x *BankingPattern) { x.Loans[0].OutstandingAmount = MaxLoanOutstanding + 1 }, "loans[0].outstanding_amount", ReasonBankingLoanTooLarge},
		{"card negative", func(x *BankingPattern) { x.MonthlyCardSpending = -5 }, "monthly_card_spending", ReasonBankingSpendingNegative},
		{"card too large", func(x *BankingPattern) { x.MonthlyCardSpending = MaxMonthlyAmount + 1 }, "monthly_card_spending", ReasonBankingSpendingTooLarge},
		{"ewallet negative", func(x *BankingPattern) { x.MonthlyEwalletSpending = -1 }, "monthly_ewallet_spending", ReasonBankingSpendingNegative},
		{"ewallet too large", func(x *BankingPattern) { x.MonthlyEwalletSpending = MaxMonthlyAmount + 1 }, "monthly_ewallet_spending", ReasonBankingSpendingTooLarge},
		{"observation bad", func(x *BankingPattern) { x.ObservationDate = "2026-1-1" }, "observation_date", "DATE_INVALID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := validBanking()
			tc.mut(x)
			wantOnly(t, x.Validate(now), tc.field, tc.reason)
		})
	}
}

func fill(loans []Loan) {
	for i := range loans {
		loans[i] = Loan{LenderType: LenderBank, OutstandingAmount: 1_000_000}
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	x := &Income{NIK: "x", MonthlyAmount: -1, PeriodStart: "bad"}
	vs := x.Validate(now)
	got := map[string]string{}
	for _, v := range vs {
		got[v.Field] = v.Reason
	}
	for field, reason := range map[string]string{"nik": "NIK_INVALID_LENGTH", "source": ReasonIncomeSourceInvalid,
		"monthly_amount": ReasonIncomeAmountNegative, "period_start": ReasonIncomePeriodInvalid,
		"source_agency": ReasonSourceAgencyInvalid, "observation_date": "DATE_INVALID"} {
		if got[field] != reason {
			t.Errorf("%s: got %q, want %s (all: %v)", field, got[field], reason, vs)
		}
	}
}
