package ports

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	"github.com/dtsen-id/dtsen/services/income/domain"
)

// The domain enums mirror the proto numbering, so conversion is a cast; a
// test pins every value so the two cannot drift apart.

func timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func flagsToProto(f domain.Flags) []incomev1.RecordFlag {
	var out []incomev1.RecordFlag
	for _, x := range f.List() {
		out = append(out, incomev1.RecordFlag(x))
	}
	return out
}

func incomeToProto(x *domain.Income) *incomev1.Income {
	return &incomev1.Income{
		Name: x.Name(), Nik: x.NIK, Source: incomev1.IncomeSource(x.Source), MonthlyAmount: x.MonthlyAmount,
		PeriodStart: x.PeriodStart, PeriodEnd: x.PeriodEnd, SourceAgency: x.SourceAgency, ObservationDate: x.ObservationDate,
		MatchStatus: incomev1.MatchStatus(x.Match.Status), MatchReason: x.Match.Reason, Flags: flagsToProto(x.Match.Flags),
		CreateTime: timestamp(x.CreateTime), UpdateTime: timestamp(x.UpdateTime),
	}
}

func incomeFromProto(p *incomev1.Income) *domain.Income {
	return &domain.Income{
		NIK: p.GetNik(), Source: domain.IncomeSource(p.GetSource()), MonthlyAmount: p.GetMonthlyAmount(),
		PeriodStart: p.GetPeriodStart(), PeriodEnd: p.GetPeriodEnd(),
		Provenance: domain.Provenance{SourceAgency: p.GetSourceAgency(), ObservationDate: p.GetObservationDate()},
	}
}

func employmentToProto(x *domain.Employment) *incomev1.Employment {
	return &incomev1.Employment{
		Name: x.Name(), Nik: x.NIK, Sector: incomev1.EmploymentSector(x.Sector), Status: incomev1.EmploymentStatus(x.Status),
		HoursPerWeek: x.HoursPerWeek, SourceAgency: x.SourceAgency, ObservationDate: x.ObservationDate,
		MatchStatus: incomev1.MatchStatus(x.Match.Status), MatchReason: x.Match.Reason, Flags: flagsToProto(x.Match.Flags),
		CreateTime: timestamp(x.CreateTime), UpdateTime: timestamp(x.UpdateTime),
	}
}

func employmentFromProto(p *incomev1.Employment) *domain.Employment {
	return &domain.Employment{
		NIK: p.GetNik(), Sector: domain.EmploymentSector(p.GetSector()), Status: domain.EmploymentStatus(p.GetStatus()),
		HoursPerWeek: p.GetHoursPerWeek(),
		Provenance:   domain.Provenance{SourceAgency: p.GetSourceAgency(), ObservationDate: p.GetObservationDate()},
	}
}

func consumptionToProto(x *domain.Consumption) *incomev1.Consumption {
	return &incomev1.Consumption{
		Name: x.Name(), KkNumber: x.KK, MonthlyExpenditure: x.MonthlyExpenditure, FoodShareBp: x.FoodShareBP,
		SurveyId: x.SurveyID, SurveyDate: x.SurveyDate, Measurement: incomev1.Measurement(x.Measurement),
		SourceAgency: x.SourceAgency, ObservationDate: x.ObservationDate,
		MatchStatus: incomev1.MatchStatus(x.Match.Status), MatchReason: x.Match.Reason, Flags: flagsToProto(x.Match.Flags),
		CreateTime: timestamp(x.CreateTime), UpdateTime: timestamp(x.UpdateTime),
	}
}

func consumptionFromProto(p *incomev1.Consumption) *domain.Consumption {
	return &domain.Consumption{
		KK: p.GetKkNumber(), MonthlyExpenditure: p.GetMonthlyExpenditure(), FoodShareBP: p.GetFoodShareBp(),
		SurveyID: p.GetSurveyId(), SurveyDate: p.GetSurveyDate(), Measurement: domain.Measurement(p.GetMeasurement()),
		Provenance: domain.Provenance{SourceAgency: p.GetSourceAgency(), ObservationDate: p.GetObservationDate()},
	}
}

func bankingToProto(x *domain.BankingPattern) *incomev1.BankingPattern {
	out := &incomev1.BankingPattern{
		Name: x.Name(), Nik: x.NIK, AgreementReference: x.AgreementReference,
		SavingsBalanceBand:  incomev1.SavingsBalanceBand(x.SavingsBalanceBand),
		MonthlyCardSpending: x.MonthlyCardSpending, MonthlyEwalletSpending: x.MonthlyEwalletSpending,
		SourceAgency: x.SourceAgency, ObservationDate: x.ObservationDate,
		MatchStatus: incomev1.MatchStatus(x.Match.Status), MatchReason: x.Match.Reason, Flags: flagsToProto(x.Match.Flags),
		CreateTime: timestamp(x.CreateTime), UpdateTime: timestamp(x.UpdateTime),
	}
	for _, l := range x.Loans {
		out.Loans = append(out.Loans, &incomev1.Loan{LenderType: incomev1.LenderType(l.LenderType), OutstandingAmount: l.OutstandingAmount})
	}
	return out
}

func bankingFromProto(p *incomev1.BankingPattern) *domain.BankingPattern {
	x := &domain.BankingPattern{
		NIK: p.GetNik(), AgreementReference: p.GetAgreementReference(),
		SavingsBalanceBand:  domain.SavingsBalanceBand(p.GetSavingsBalanceBand()),
		MonthlyCardSpending: p.GetMonthlyCardSpending(), MonthlyEwalletSpending: p.GetMonthlyEwalletSpending(),
		Provenance: domain.Provenance{SourceAgency: p.GetSourceAgency(), ObservationDate: p.GetObservationDate()},
	}
	for _, l := range p.GetLoans() {
		x.Loans = append(x.Loans, domain.Loan{LenderType: domain.LenderType(l.GetLenderType()), OutstandingAmount: l.GetOutstandingAmount()})
	}
	return x
}

func economicsToProto(fe *domain.FamilyEconomics) *incomev1.FamilyEconomics {
	out := &incomev1.FamilyEconomics{
		Name: fe.Name(), KkNumber: fe.KK, MemberCount: fe.MemberCount,
		TotalMonthlyIncome: fe.TotalMonthlyIncome, PerCapitaMonthlyIncome: fe.PerCapitaMonthlyIncome,
	}
	for _, m := range fe.Members {
		pm := &incomev1.MemberEconomics{Nik: m.NIK, Deceased: m.Deceased, CurrentMonthlyIncome: m.CurrentMonthlyIncome}
		for _, x := range m.Incomes {
			pm.Incomes = append(pm.Incomes, incomeToProto(x))
		}
		for _, x := range m.Employments {
			pm.Employments = append(pm.Employments, employmentToProto(x))
		}
		for _, x := range m.BankingPatterns {
			pm.BankingPatterns = append(pm.BankingPatterns, bankingToProto(x))
		}
		out.Members = append(out.Members, pm)
	}
	for _, c := range fe.Measured {
		out.MeasuredConsumptions = append(out.MeasuredConsumptions, consumptionToProto(c))
	}
	for _, c := range fe.SelfDeclared {
		out.SelfDeclaredConsumptions = append(out.SelfDeclaredConsumptions, consumptionToProto(c))
	}
	return out
}
