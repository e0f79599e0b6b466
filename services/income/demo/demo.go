// Package demo generates valid demo records of the income context for `make
// run`, tests and benchmarks. They belong to the registry's demo families
// (registry/demo.Family), so imported after those families they all match.
// The figures are deterministic and plausible for rural West and Central
// Java; no real person is described.
package demo

import (
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	regdemo "github.com/dtsen-id/dtsen/services/registry/demo"
)

// MembersPerFamily is the size of every registry demo family.
const MembersPerFamily = 4

// NIK returns the NIK of member m (0 head, 1 spouse, 2-3 children) of demo
// family f.
func NIK(f, m int) string { return regdemo.Family(f).GetMembers()[m].GetNik() }

// KK returns the KK number of demo family f.
func KK(f int) string { return regdemo.Family(f).GetKkNumber() }

// Income returns the i-th demo income record: person i%4 of family i/4, so
// incomes 0..4n-1 give every member of families 0..n-1 one income. Heads
// earn a formal wage, spouses a business income, children a small transfer.
func Income(i int) *incomev1.Income {
	return IncomeOf(regdemo.Family(i / MembersPerFamily).GetMembers()[i%MembersPerFamily].GetNik(), i)
}

// IncomeOf returns demo income i for an explicit NIK.
func IncomeOf(nik string, i int) *incomev1.Income {
	src, agency := incomev1.IncomeSource_INCOME_SOURCE_FORMAL_WAGE, "bpjs-tk"
	amount := int64(2_500_000 + (i%97)*25_000) // around the 2025 West Java minimum wages
	switch i % MembersPerFamily {
	case 1:
		src, agency, amount = incomev1.IncomeSource_INCOME_SOURCE_BUSINESS, "djp", int64(1_200_000+(i%53)*10_000)
	case 2, 3:
		src, agency, amount = incomev1.IncomeSource_INCOME_SOURCE_TRANSFER, "bps", int64(100_000+(i%7)*50_000)
	}
	return &incomev1.Income{
		Nik: nik, Source: src, MonthlyAmount: amount, PeriodStart: "2025-01", PeriodEnd: "2025-12",
		SourceAgency: agency, ObservationDate: "2026-01-15",
	}
}

// Employment returns the employment record of the head of demo family f:
// a rice farmer working on his own land.
func Employment(f int) *incomev1.Employment {
	return &incomev1.Employment{
		Nik: NIK(f, 0), Sector: incomev1.EmploymentSector_EMPLOYMENT_SECTOR_AGRICULTURE,
		Status:       incomev1.EmploymentStatus_EMPLOYMENT_STATUS_SELF_EMPLOYED_WITH_TEMPORARY_HELP,
		HoursPerWeek: int32(30 + f%20), SourceAgency: "bps", ObservationDate: "2026-02-01",
	}
}

// Consumption returns the consumption of demo family f in one Susenas round;
// even families were measured by an enumerator, odd ones self-declared.
func Consumption(f int) *incomev1.Consumption {
	m := incomev1.Measurement_MEASUREMENT_MEASURED_BY_ENUMERATOR
	if f%2 == 1 {
		m = incomev1.Measurement_MEASUREMENT_SELF_DECLARED
	}
	return &incomev1.Consumption{
		KkNumber: KK(f), MonthlyExpenditure: int64(3_000_000 + (f%41)*50_000), FoodShareBp: int32(5500 + f%1500),
		SurveyId: "susenas-2026-03", SurveyDate: "2026-03-10", Measurement: m,
		SourceAgency: "bps", ObservationDate: "2026-04-01",
	}
}

// BankingPattern returns the spouse of demo family f's banking pattern: a
// small savings balance and, for every third family, a motorcycle lease.
func BankingPattern(f int) *incomev1.BankingPattern {
	b := &incomev1.BankingPattern{
		Nik: NIK(f, 1), AgreementReference: "pks-ojk-2026-001",
		SavingsBalanceBand:  incomev1.SavingsBalanceBand_SAVINGS_BALANCE_BAND_ONE_TO_TEN_MILLION,
		MonthlyCardSpending: 0, MonthlyEwalletSpending: int64(150_000 + (f%11)*10_000),
		SourceAgency: "ojk", ObservationDate: "2026-03-31",
	}
	if f%3 == 0 {
		b.Loans = []*incomev1.Loan{{LenderType: incomev1.LenderType_LENDER_TYPE_LEASING, OutstandingAmount: 9_800_000}}
	}
	return b
}
