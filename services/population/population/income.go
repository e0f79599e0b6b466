package population

import (
	"fmt"
	"math"
	"time"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
)

// Income-context survey identifiers.
const (
	// SurveyMeasured is the Susenas-style consumption module (the labels).
	surveyMeasuredPrefix = "susenas-"
	// surveySelfDeclared is the household's own declaration at registration.
	surveySelfDeclaredPrefix = "dtsen-selfdeclare-"
	// BankingAgreement is the data-sharing agreement banking records carry.
	bankingAgreementPrefix = "pks-ojk-kemensos-"
)

func month(t time.Time) string { return t.Format("2006-01") }

func rupiah(x float64) int64 { return int64(roundTo(math.Max(x, 0), 1000)) }

// sakernasDate is the Sakernas round before ref: February or August.
func sakernasDate(ref time.Time) time.Time {
	feb := time.Date(ref.Year(), time.February, 15, 0, 0, 0, 0, time.UTC)
	aug := time.Date(ref.Year(), time.August, 15, 0, 0, 0, 0, time.UTC)
	switch {
	case !aug.After(ref):
		return aug
	case !feb.After(ref):
		return feb
	}
	return time.Date(ref.Year()-1, time.August, 15, 0, 0, 0, 0, time.UTC)
}

// susenasDate is the March Susenas round not after ref.
func susenasMonth(ref time.Time) time.Time {
	mar := time.Date(ref.Year(), time.March, 1, 0, 0, 0, 0, time.UTC)
	if ref.Before(mar.AddDate(0, 1, 0)) {
		return mar.AddDate(-1, 0, 0)
	}
	return mar
}

func employmentOf(m *member, urban bool, r interface {
	IntN(int) int
	Float64() float64
}) (incomev1.EmploymentStatus, incomev1.EmploymentSector, int32) {
	hours := func(lo, hi int) int32 { return int32(lo + r.IntN(hi-lo+1)) }
	pickSector := func(ss ...incomev1.EmploymentSector) incomev1.EmploymentSector { return ss[r.IntN(len(ss))] }
	switch m.occ {
	case registryv1.Occupation_OCCUPATION_FARMER:
		st := incomev1.EmploymentStatus_EMPLOYMENT_STATUS_SELF_EMPLOYED_WITH_TEMPORARY_HELP
		if r.Float64() < 0.45 {
			st = incomev1.EmploymentStatus_EMPLOYMENT_STATUS_SELF_EMPLOYED
		}
		return st, incomev1.EmploymentSector_EMPLOYMENT_SECTOR_AGRICULTURE, hours(20, 48)
	case registryv1.Occupation_OCCUPATION_FISHER:
		return incomev1.EmploymentStatus_EMPLOYMENT_STATUS_SELF_EMPLOYED, incomev1.EmploymentSector_EMPLOYMENT_SECTOR_FISHERY, hours(25, 60)
	case registryv1.Occupation_OCCUPATION_LABORER:
		if m.formal {
			return incomev1.EmploymentStatus_EMPLOYMENT_STATUS_EMPLOYEE, pickSector(incomev1.EmploymentSector_EMPLOYMENT_SECTOR_MANUFACTURING,
				incomev1.EmploymentSector_EMPLOYMENT_SECTOR_CONSTRUCTION), hours(40, 56)
		}
		if !urban && r.Float64() < 0.6 {
			return incomev1.EmploymentStatus_EMPLOYMENT_STATUS_CASUAL_AGRICULTURAL, incomev1.EmploymentSector_EMPLOYMENT_SECTOR_AGRICULTURE, hours(15, 45)
		}
		return incomev1.EmploymentStatus_EMPLOYMENT_STATUS_CASUAL_NON_AGRICULTURAL, pickSector(incomev1.EmploymentSector_EMPLOYMENT_SECTOR_CONSTRUCTION,
			incomev1.EmploymentSector_EMPLOYMENT_SECTOR_MANUFACTURING, incomev1.EmploymentSector_EMPLOYMENT_SECTOR_TRADE,
			incomev1.EmploymentSector_EMPLOYMENT_SECTOR_TRANSPORT), hours(20, 56)
	case registryv1.Occupation_OCCUPATION_TRADER:
		return incomev1.EmploymentStatus_EMPLOYMENT_STATUS_SELF_EMPLOYED, incomev1.EmploymentSector_EMPLOYMENT_SECTOR_TRADE, hours(30, 70)
	case registryv1.Occupation_OCCUPATION_SELF_EMPLOYED:
		st := incomev1.EmploymentStatus_EMPLOYMENT_STATUS_SELF_EMPLOYED
		if m.earnings > 8_000_000 && r.Float64() < 0.5 {
			st = incomev1.EmploymentStatus_EMPLOYMENT_STATUS_EMPLOYER
		}
		return st, pickSector(incomev1.EmploymentSector_EMPLOYMENT_SECTOR_TRANSPORT, incomev1.EmploymentSector_EMPLOYMENT_SECTOR_HOSPITALITY,
			incomev1.EmploymentSector_EMPLOYMENT_SECTOR_OTHER_SERVICES, incomev1.EmploymentSector_EMPLOYMENT_SECTOR_TRADE,
			incomev1.EmploymentSector_EMPLOYMENT_SECTOR_CONSTRUCTION), hours(25, 70)
	case registryv1.Occupation_OCCUPATION_PRIVATE_EMPLOYEE:
		return incomev1.EmploymentStatus_EMPLOYMENT_STATUS_EMPLOYEE, pickSector(incomev1.EmploymentSector_EMPLOYMENT_SECTOR_MANUFACTURING,
			incomev1.EmploymentSector_EMPLOYMENT_SECTOR_TRADE, incomev1.EmploymentSector_EMPLOYMENT_SECTOR_FINANCE,
			incomev1.EmploymentSector_EMPLOYMENT_SECTOR_INFORMATION_COMMUNICATION, incomev1.EmploymentSector_EMPLOYMENT_SECTOR_HOSPITALITY,
			incomev1.EmploymentSector_EMPLOYMENT_SECTOR_TRANSPORT, incomev1.EmploymentSector_EMPLOYMENT_SECTOR_EDUCATION,
			incomev1.EmploymentSector_EMPLOYMENT_SECTOR_HEALTH, incomev1.EmploymentSector_EMPLOYMENT_SECTOR_MINING), hours(35, 56)
	case registryv1.Occupation_OCCUPATION_CIVIL_SERVANT:
		return incomev1.EmploymentStatus_EMPLOYMENT_STATUS_EMPLOYEE, pickSector(incomev1.EmploymentSector_EMPLOYMENT_SECTOR_PUBLIC_ADMINISTRATION,
			incomev1.EmploymentSector_EMPLOYMENT_SECTOR_EDUCATION, incomev1.EmploymentSector_EMPLOYMENT_SECTOR_HEALTH), hours(37, 45)
	case registryv1.Occupation_OCCUPATION_MILITARY, registryv1.Occupation_OCCUPATION_POLICE:
		return incomev1.EmploymentStatus_EMPLOYMENT_STATUS_EMPLOYEE, incomev1.EmploymentSector_EMPLOYMENT_SECTOR_PUBLIC_ADMINISTRATION, hours(40, 60)
	case registryv1.Occupation_OCCUPATION_STATE_ENTERPRISE_EMPLOYEE:
		return incomev1.EmploymentStatus_EMPLOYMENT_STATUS_EMPLOYEE, pickSector(incomev1.EmploymentSector_EMPLOYMENT_SECTOR_FINANCE,
			incomev1.EmploymentSector_EMPLOYMENT_SECTOR_UTILITIES, incomev1.EmploymentSector_EMPLOYMENT_SECTOR_MINING,
			incomev1.EmploymentSector_EMPLOYMENT_SECTOR_TRANSPORT), hours(38, 50)
	case registryv1.Occupation_OCCUPATION_OTHER:
		return incomev1.EmploymentStatus_EMPLOYMENT_STATUS_EMPLOYEE, incomev1.EmploymentSector_EMPLOYMENT_SECTOR_OTHER_SERVICES, hours(20, 50)
	}
	return incomev1.EmploymentStatus_EMPLOYMENT_STATUS_NOT_WORKING, incomev1.EmploymentSector_EMPLOYMENT_SECTOR_NONE, 0
}

func (g *Generator) incomeRecords(c *core, h *Household, kk string) {
	r, w, ref := c.r, c.w, g.cfg.ReferenceDate
	urban := c.village.urban
	recent := func(maxDays int) string { return date(ref.AddDate(0, 0, -intBetween(r, 0, maxDays))) }
	thisYear := time.Date(ref.Year(), time.January, 1, 0, 0, 0, 0, time.UTC)
	lastYear := thisYear.AddDate(-1, 0, 0)
	taxObs := time.Date(ref.Year(), time.March, 31, 0, 0, 0, 0, time.UTC)
	if taxObs.After(ref) {
		taxObs = taxObs.AddDate(-1, 0, 0)
	}
	sak := date(sakernasDate(ref))
	farmerSpouse := c.head().occ == registryv1.Occupation_OCCUPATION_FARMER

	for _, m := range c.members {
		if m.deceased {
			// A pension often runs on after a death until the heirs report it.
			if m.occ == registryv1.Occupation_OCCUPATION_RETIRED && bernoulli(r, 0.4) {
				h.Incomes = append(h.Incomes, &incomev1.Income{Nik: m.nik, Source: incomev1.IncomeSource_INCOME_SOURCE_PENSION,
					MonthlyAmount: rupiah(uniform(r, 1.5e6, 4e6)), PeriodStart: month(lastYear), SourceAgency: "taspen", ObservationDate: recent(30)})
			}
			continue
		}
		if m.age >= 15 {
			st, sec, hrs := employmentOf(m, urban, r)
			if m.occ == registryv1.Occupation_OCCUPATION_HOMEMAKER && farmerSpouse && m.rel == registryv1.FamilyRelation_FAMILY_RELATION_SPOUSE && bernoulli(r, 0.4) {
				// On the KK a homemaker; in Sakernas she works the family farm.
				st, sec, hrs = incomev1.EmploymentStatus_EMPLOYMENT_STATUS_UNPAID_FAMILY_WORKER, incomev1.EmploymentSector_EMPLOYMENT_SECTOR_AGRICULTURE, int32(intBetween(r, 8, 30))
			}
			h.Employment = append(h.Employment, &incomev1.Employment{Nik: m.nik, Sector: sec, Status: st, HoursPerWeek: hrs,
				SourceAgency: "bps", ObservationDate: sak})
		}
		if m.earnings <= 0 {
			continue
		}
		e := m.earnings
		switch {
		case m.formal:
			agency := "bpjs-tk"
			switch m.occ {
			case registryv1.Occupation_OCCUPATION_CIVIL_SERVANT:
				agency = "bkn"
			case registryv1.Occupation_OCCUPATION_MILITARY, registryv1.Occupation_OCCUPATION_POLICE:
				agency = "asabri"
			}
			// Last year's wage and this year's: the same job re-reported.
			h.Incomes = append(h.Incomes,
				&incomev1.Income{Nik: m.nik, Source: incomev1.IncomeSource_INCOME_SOURCE_FORMAL_WAGE, MonthlyAmount: rupiah(e * uniform(r, 0.8, 0.95)),
					PeriodStart: month(lastYear), PeriodEnd: month(thisYear.AddDate(0, -1, 0)), SourceAgency: agency, ObservationDate: recent(30)},
				&incomev1.Income{Nik: m.nik, Source: incomev1.IncomeSource_INCOME_SOURCE_FORMAL_WAGE, MonthlyAmount: rupiah(e * uniform(r, 0.85, 1.0)),
					PeriodStart: month(thisYear), SourceAgency: agency, ObservationDate: recent(30)})
		case m.occ == registryv1.Occupation_OCCUPATION_RETIRED:
			agency := "taspen"
			if m.years < 12 {
				agency = "bpjs-tk"
			}
			h.Incomes = append(h.Incomes, &incomev1.Income{Nik: m.nik, Source: incomev1.IncomeSource_INCOME_SOURCE_PENSION,
				MonthlyAmount: rupiah(e), PeriodStart: month(lastYear), SourceAgency: agency, ObservationDate: recent(30)})
		case m.occ == registryv1.Occupation_OCCUPATION_TRADER || m.occ == registryv1.Occupation_OCCUPATION_SELF_EMPLOYED:
			if bernoulli(r, 0.45) {
				h.Incomes = append(h.Incomes, &incomev1.Income{Nik: m.nik, Source: incomev1.IncomeSource_INCOME_SOURCE_BUSINESS,
					MonthlyAmount: rupiah(e * math.Exp(-0.2+0.3*r.NormFloat64())), PeriodStart: month(thisYear),
					SourceAgency: "kemenkop-ukm", ObservationDate: recent(90)})
			}
		}
		if e > 5_000_000 && bernoulli(r, 0.7) { // above PTKP: an annual tax return
			h.Incomes = append(h.Incomes, &incomev1.Income{Nik: m.nik, Source: incomev1.IncomeSource_INCOME_SOURCE_TAX_DECLARATION,
				MonthlyAmount: rupiah(e * uniform(r, 0.75, 1.0)), PeriodStart: month(time.Date(taxObs.Year()-1, 1, 1, 0, 0, 0, 0, time.UTC)),
				PeriodEnd: month(time.Date(taxObs.Year()-1, 12, 1, 0, 0, 0, 0, time.UTC)), SourceAgency: "djp", ObservationDate: date(taxObs)})
		}
		if !m.formal && m.occ != registryv1.Occupation_OCCUPATION_RETIRED && c.declares && bernoulli(r, 0.7) {
			f := math.Exp(-0.15 + 0.3*r.NormFloat64())
			if c.under {
				f *= uniform(r, 0.35, 0.65)
			}
			survey := ref.AddDate(0, 0, -intBetween(r, 10, 170))
			h.Incomes = append(h.Incomes, &incomev1.Income{Nik: m.nik, Source: incomev1.IncomeSource_INCOME_SOURCE_SURVEY_SELF_REPORT,
				MonthlyAmount: rupiah(e * f), PeriodStart: month(survey), PeriodEnd: month(survey), SourceAgency: "bps", ObservationDate: date(survey)})
		}
	}
	// Remittances from a migrant worker abroad, mostly NTB, NTT and East Java.
	migrant := map[string]float64{"52": 3, "53": 2, "35": 2, "32": 1.5}[c.prov.code]
	if bernoulli(r, 0.04*math.Max(migrant, 1)*logistic(-(w-0.8)/0.5)) {
		h.Incomes = append(h.Incomes, &incomev1.Income{Nik: c.head().nik, Source: incomev1.IncomeSource_INCOME_SOURCE_TRANSFER,
			MonthlyAmount: rupiah(uniform(r, 500_000, 2_500_000)), PeriodStart: month(lastYear), SourceAgency: "bp2mi", ObservationDate: recent(60)})
	}

	// Consumption: measured by an enumerator (the label) for about 1% of
	// households at random; self-declared for most, honestly or not.
	total := c.pc * float64(max(c.living, 1))
	// Engel's law: the food share falls as welfare rises.
	foodShare := func() int32 {
		return int32(roundTo(clamp(0.72-0.09*w+0.05*r.NormFloat64(), 0.25, 0.9)*10000, 1))
	}
	if c.labelled {
		sm := susenasMonth(ref)
		day := sm.AddDate(0, 0, intBetween(r, 0, 27))
		h.Consumption = append(h.Consumption, &incomev1.Consumption{KkNumber: kk, MonthlyExpenditure: rupiah(total * math.Exp(0.08*r.NormFloat64())),
			FoodShareBp: foodShare(), SurveyId: fmt.Sprintf("%s%d-03", surveyMeasuredPrefix, sm.Year()), SurveyDate: date(day),
			Measurement: incomev1.Measurement_MEASUREMENT_MEASURED_BY_ENUMERATOR, SourceAgency: "bps", ObservationDate: date(day)})
	}
	if c.declares {
		f := math.Exp(-0.05 + 0.2*r.NormFloat64())
		if c.under {
			f = math.Exp(-uniform(r, 0.5, 1.1)) // declares a third to three fifths of what it spends
		}
		day := ref.AddDate(0, 0, -intBetween(r, 10, 170))
		h.Consumption = append(h.Consumption, &incomev1.Consumption{KkNumber: kk, MonthlyExpenditure: max(rupiah(total*f), 1000),
			FoodShareBp: foodShare(), SurveyId: fmt.Sprintf("%s%d", surveySelfDeclaredPrefix, day.Year()), SurveyDate: date(day),
			Measurement: incomev1.Measurement_MEASUREMENT_SELF_DECLARED, SourceAgency: "kemensos", ObservationDate: date(day)})
	}

	// Banking patterns shared with OJK: only people with an account, a loan
	// or an e-wallet appear.
	agreement := fmt.Sprintf("%s%d", bankingAgreementPrefix, ref.Year()-1)
	hasMoto := false
	for _, v := range h.Vehicles {
		if v.Type == assetv1.VehicleType_VEHICLE_TYPE_MOTORCYCLE {
			hasMoto = true
		}
	}
	for k, m := range c.members {
		if m.deceased || m.age < 17 || (k > 0 && m.rel != registryv1.FamilyRelation_FAMILY_RELATION_SPOUSE && !m.formal) {
			continue
		}
		bp := &incomev1.BankingPattern{Nik: m.nik, AgreementReference: agreement, SourceAgency: "ojk", ObservationDate: recent(30),
			SavingsBalanceBand: incomev1.SavingsBalanceBand_SAVINGS_BALANCE_BAND_NO_ACCOUNT}
		if m.formal || bernoulli(r, logistic((w-0.3)/0.5)*(1-0.3*b2f(k > 0))) {
			z := w + 0.7*r.NormFloat64()
			bands := []float64{0.3, 1.3, 2.2, 2.8, 3.4}
			band := 0
			for band < len(bands) && z >= bands[band] {
				band++
			}
			bp.SavingsBalanceBand = incomev1.SavingsBalanceBand(2 + band)
		}
		if k == 0 && hasMoto && bernoulli(r, 0.25) {
			bp.Loans = append(bp.Loans, &incomev1.Loan{LenderType: incomev1.LenderType_LENDER_TYPE_LEASING, OutstandingAmount: rupiah(uniform(r, 3e6, 20e6))})
		}
		if (m.occ == registryv1.Occupation_OCCUPATION_FARMER || m.occ == registryv1.Occupation_OCCUPATION_TRADER ||
			m.occ == registryv1.Occupation_OCCUPATION_SELF_EMPLOYED) && bernoulli(r, 0.12) {
			bp.Loans = append(bp.Loans, &incomev1.Loan{LenderType: incomev1.LenderType_LENDER_TYPE_KUR, OutstandingAmount: rupiah(uniform(r, 1e7, 1e8))})
		}
		if m.formal && bernoulli(r, 0.2) {
			bp.Loans = append(bp.Loans, &incomev1.Loan{LenderType: incomev1.LenderType_LENDER_TYPE_BANK,
				OutstandingAmount: rupiah(math.Max(m.earnings, 2e6) * uniform(r, 10, 80))})
		}
		if bernoulli(r, 0.08*math.Exp(-math.Pow(w-0.7, 2))) {
			bp.Loans = append(bp.Loans, &incomev1.Loan{LenderType: incomev1.LenderType_LENDER_TYPE_ONLINE_LENDING,
				OutstandingAmount: rupiah(uniform(r, 5e5, 1e7))})
		}
		if bernoulli(r, logistic((w-2.2)/0.4)) {
			bp.MonthlyCardSpending = rupiah(total * uniform(r, 0.05, 0.3))
		}
		if bernoulli(r, logistic((w-0.8)/0.6)*(0.6+0.4*b2f(urban))*(0.6+0.6*b2f(m.age < 45))) {
			bp.MonthlyEwalletSpending = rupiah(total * uniform(r, 0.02, 0.15))
		}
		if bp.SavingsBalanceBand == incomev1.SavingsBalanceBand_SAVINGS_BALANCE_BAND_NO_ACCOUNT && len(bp.Loans) == 0 && bp.MonthlyEwalletSpending == 0 {
			continue
		}
		h.Banking = append(h.Banking, bp)
	}
}
