package domain

import "testing"

func TestApplyMatch(t *testing.T) {
	persons := map[string]PersonIdentity{
		nikMale:            {Registered: true, FamilyKK: kk},
		"3204124101720001": {Registered: true, FamilyKK: kk, Deceased: true},
	}
	families := map[string]bool{kk: true}

	x := validIncome()
	if !ApplyMatch(x, persons, families) || x.Match.Status != Matched || x.Match.Reason != "" || x.Match.FamilyKK != kk {
		t.Fatalf("registered: %+v", x.Match)
	}
	if ApplyMatch(x, persons, families) {
		t.Fatal("second ApplyMatch reported a change: reconciliation would not be idempotent")
	}
	x.NIK = "3204120202700001"
	if !ApplyMatch(x, persons, families) || x.Match.Status != Unmatched || x.Match.Reason != MatchNIKNotRegistered || x.Match.FamilyKK != "" {
		t.Fatalf("unknown NIK: %+v", x.Match)
	}
	x.NIK = "3204124101720001"
	if !ApplyMatch(x, persons, families) || x.Match.Status != Matched || !x.Match.Flags.Has(FlagOwnerDeceased) {
		t.Fatalf("deceased: %+v", x.Match)
	}
	c := validConsumption()
	if ApplyMatch(c, persons, families); c.Match.Status != Matched {
		t.Fatalf("registered KK: %+v", c.Match)
	}
	c.KK = "3204120000000002"
	if ApplyMatch(c, persons, families); c.Match.Status != Unmatched || c.Match.Reason != MatchKKNotRegistered {
		t.Fatalf("unknown KK: %+v", c.Match)
	}
}

func TestFlags(t *testing.T) {
	var f Flags
	if f.Has(FlagOwnerDeceased) || len(f.List()) != 0 {
		t.Fatal("empty set")
	}
	f = f.With(FlagOwnerDeceased)
	if !f.Has(FlagOwnerDeceased) || len(f.List()) != 1 || f.List()[0] != FlagOwnerDeceased {
		t.Fatalf("got %v", f.List())
	}
}

func TestCurrentIncomes(t *testing.T) {
	in := func(src IncomeSource, start, end string, amount int64) *Income {
		return &Income{NIK: nikMale, Source: src, PeriodStart: start, PeriodEnd: end, MonthlyAmount: amount}
	}
	got := CurrentIncomes([]*Income{
		in(IncomeSourceFormalWage, "2024-01", "2024-12", 2_000_000),
		in(IncomeSourceFormalWage, "2025-01", "", 2_500_000), // latest wage wins
		in(IncomeSourceBusiness, "2025-06", "2025-12", 700_000),
		in(IncomeSourcePension, "2020-01", "2025-10", 900_000), // ended > 12 months before Nov 2026
	}, now)
	if len(got) != 2 || got[0].MonthlyAmount != 2_500_000 || got[1].MonthlyAmount != 700_000 {
		t.Fatalf("got %v", got)
	}
}

func TestBuildFamilyEconomics(t *testing.T) {
	const spouse, child = "3204124101720001", "3204120101100001"
	members := []Member{{NIK: nikMale}, {NIK: spouse}, {NIK: child, Deceased: true}}
	incomes := []*Income{
		{NIK: nikMale, Source: IncomeSourceFormalWage, PeriodStart: "2026-01", MonthlyAmount: 3_000_000},
		{NIK: spouse, Source: IncomeSourceBusiness, PeriodStart: "2026-01", MonthlyAmount: 1_000_001},
		{NIK: child, Source: IncomeSourceTransfer, PeriodStart: "2026-01", MonthlyAmount: 500_000},
		{NIK: "3204120202700001", Source: IncomeSourceFormalWage, PeriodStart: "2026-01", MonthlyAmount: 9_000_000}, // not a member
	}
	consumptions := []*Consumption{
		{KK: kk, SurveyID: "a", Measurement: MeasuredByEnumerator, MonthlyExpenditure: 4_000_000},
		{KK: kk, SurveyID: "b", Measurement: SelfDeclared, MonthlyExpenditure: 1_500_000},
	}
	fe := BuildFamilyEconomics(kk, members, incomes, []*Employment{validEmployment()}, []*BankingPattern{validBanking()}, consumptions, now)
	if fe.MemberCount != 2 {
		t.Fatalf("member count %d: the deceased child is not a member for per-capita", fe.MemberCount)
	}
	if fe.TotalMonthlyIncome != 4_000_001 || fe.PerCapitaMonthlyIncome != 2_000_000 {
		t.Fatalf("total %d per capita %d", fe.TotalMonthlyIncome, fe.PerCapitaMonthlyIncome)
	}
	if len(fe.Members) != 3 || fe.Members[2].CurrentMonthlyIncome != 500_000 || len(fe.Members[0].Employments) != 1 || len(fe.Members[0].BankingPatterns) != 1 {
		t.Fatalf("members %+v", fe.Members)
	}
	if len(fe.Measured) != 1 || fe.Measured[0].SurveyID != "a" || len(fe.SelfDeclared) != 1 || fe.SelfDeclared[0].SurveyID != "b" {
		t.Fatalf("measured and self-declared must stay apart: %v / %v", fe.Measured, fe.SelfDeclared)
	}
	empty := BuildFamilyEconomics(kk, nil, nil, nil, nil, nil, now)
	if empty.MemberCount != 0 || empty.PerCapitaMonthlyIncome != 0 {
		t.Fatalf("empty family: %+v", empty)
	}
}
