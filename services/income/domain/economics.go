package domain

import (
	"sort"
	"time"
)

// MemberEconomics is one family member's records.
type MemberEconomics struct {
	Member
	Incomes         []*Income
	Employments     []*Employment
	BankingPatterns []*BankingPattern
	// CurrentMonthlyIncome sums CurrentIncomes.
	CurrentMonthlyIncome int64
}

// FamilyEconomics is one family's economic summary.
type FamilyEconomics struct {
	KK      string
	Members []*MemberEconomics
	// Measured holds enumerator-measured consumption, the welfare model's
	// label; SelfDeclared holds what families declared themselves. They are
	// never merged: self-declared consumption is systematically
	// under-reported by households hoping to qualify (DESIGN.md §1, the
	// "Pak Budi" case), so a model trained on it learns the under-reporting.
	Measured, SelfDeclared []*Consumption
	// MemberCount counts living members.
	MemberCount            int32
	TotalMonthlyIncome     int64
	PerCapitaMonthlyIncome int64
}

// Name is the summary's resource name, families/{kk}/economics.
func (fe *FamilyEconomics) Name() string { return "families/" + fe.KK + "/economics" }

// RecordNames are the resource names of every stored record the summary
// shows: a read of the summary is a read of each of them, and is audited so.
func (fe *FamilyEconomics) RecordNames() []string {
	var out []string
	for _, m := range fe.Members {
		for _, x := range m.Incomes {
			out = append(out, x.Name())
		}
		for _, x := range m.Employments {
			out = append(out, x.Name())
		}
		for _, x := range m.BankingPatterns {
			out = append(out, x.Name())
		}
	}
	for _, c := range fe.Measured {
		out = append(out, c.Name())
	}
	for _, c := range fe.SelfDeclared {
		out = append(out, c.Name())
	}
	return out
}

// staleAfterMonths: an income whose period ended more than this many months
// before the current month no longer counts as current.
const staleAfterMonths = 12

// CurrentIncomes picks, for each source, the record with the latest
// period_start, and keeps it unless its period ended more than 12 months
// before the current month. Two sources are both counted (a wage and a
// business); two periods of one source are not (last year's wage and this
// year's are the same job, re-reported).
func CurrentIncomes(incomes []*Income, now time.Time) []*Income {
	latest := map[IncomeSource]*Income{}
	for _, in := range incomes {
		if cur := latest[in.Source]; cur == nil || in.PeriodStart > cur.PeriodStart {
			latest[in.Source] = in
		}
	}
	cutoff := now.In(wit).AddDate(0, -staleAfterMonths, 0).Format("2006-01")
	var out []*Income
	for _, in := range latest {
		if in.PeriodEnd == "" || in.PeriodEnd >= cutoff {
			out = append(out, in)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	return out
}

// BuildFamilyEconomics assembles the summary of family kk from its members
// (as the registry lists them) and the stored records of those members and
// of the family. Deceased members are listed with their records but neither
// counted as members nor in the income total.
func BuildFamilyEconomics(kk string, members []Member, incomes []*Income, employments []*Employment,
	banking []*BankingPattern, consumptions []*Consumption, now time.Time) *FamilyEconomics {
	fe := &FamilyEconomics{KK: kk}
	byNIK := make(map[string]*MemberEconomics, len(members))
	for _, m := range members {
		me := &MemberEconomics{Member: m}
		byNIK[m.NIK] = me
		fe.Members = append(fe.Members, me)
	}
	for _, x := range incomes {
		if me := byNIK[x.NIK]; me != nil {
			me.Incomes = append(me.Incomes, x)
		}
	}
	for _, x := range employments {
		if me := byNIK[x.NIK]; me != nil {
			me.Employments = append(me.Employments, x)
		}
	}
	for _, x := range banking {
		if me := byNIK[x.NIK]; me != nil {
			me.BankingPatterns = append(me.BankingPatterns, x)
		}
	}
	for _, me := range fe.Members {
		for _, in := range CurrentIncomes(me.Incomes, now) {
			me.CurrentMonthlyIncome += in.MonthlyAmount
		}
		if !me.Deceased {
			fe.MemberCount++
			fe.TotalMonthlyIncome += me.CurrentMonthlyIncome
		}
	}
	if fe.MemberCount > 0 {
		fe.PerCapitaMonthlyIncome = fe.TotalMonthlyIncome / int64(fe.MemberCount)
	}
	for _, c := range consumptions {
		if c.KK != kk {
			continue
		}
		switch c.Measurement {
		case MeasuredByEnumerator:
			fe.Measured = append(fe.Measured, c)
		case SelfDeclared:
			fe.SelfDeclared = append(fe.SelfDeclared, c)
		}
	}
	return fe
}
