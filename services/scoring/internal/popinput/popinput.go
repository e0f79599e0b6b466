// Package popinput turns a generated household (services/population) into
// the scoring context's input: what the four contexts' family summaries
// would return once its records were imported. The evaluation (make eval)
// and the feature tests use it to reach the features through the same
// messages the services serve, without running the services.
package popinput

import (
	"sort"
	"time"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	"github.com/dtsen-id/dtsen/services/population/population"
	"github.com/dtsen-id/dtsen/services/scoring/features"
)

// Assemble builds what the four contexts' family summaries would return
// for a generated household once its records are imported, following the
// services' own summary rules: members come from the registry, land,
// vehicles, incomes, jobs, banking, coverage and enrolments are found by the
// members' NIKs, family-level records by the KK; the asset summary takes
// the newest housing and holdings record, the service-usage summary the
// utility months newest first. Records naming another KK (the generator's
// KK_UNKNOWN error) are not the family's.
func Assemble(h *population.Household, ref time.Time) features.Input {
	f := h.Family
	kk := f.GetKkNumber()
	living := int32(0)
	member := map[string]*registryv1.Person{}
	for _, m := range f.GetMembers() {
		member[m.GetNik()] = m
		if m.GetVitalStatus() != registryv1.VitalStatus_VITAL_STATUS_DECEASED {
			living++
		}
	}
	deceased := func(nik string) bool {
		return member[nik].GetVitalStatus() == registryv1.VitalStatus_VITAL_STATUS_DECEASED
	}

	a := &assetv1.FamilyAssets{Name: "families/" + kk + "/assets", Family: "families/" + kk, MemberCount: living,
		Totals: &assetv1.AssetTotals{}}
	if h.Housing.GetKkNumber() == kk {
		h.Housing.MatchStatus = assetv1.MatchStatus_MATCH_STATUS_MATCHED
		a.Housing = h.Housing
		if living > 0 {
			a.FloorAreaPerCapitaSqm = h.Housing.GetFloorAreaSqm() / float64(living)
		}
	}
	if h.Holdings.GetKkNumber() == kk {
		h.Holdings.MatchStatus = assetv1.MatchStatus_MATCH_STATUS_MATCHED
		a.Holdings = h.Holdings
	}
	for _, p := range h.Land {
		if member[p.GetOwnerNik()] == nil {
			continue
		}
		p.MatchStatus, p.OwnerFamily = assetv1.MatchStatus_MATCH_STATUS_MATCHED, "families/"+kk
		a.LandParcels = append(a.LandParcels, p)
		a.Totals.LandParcelCount++
		a.Totals.LandAreaSqm += p.GetAreaSqm()
		a.Totals.LandNjopTotal += p.GetNjopValue()
		a.Totals.HouseElsewhere = a.Totals.HouseElsewhere || p.GetHouseElsewhere()
	}
	byType := map[assetv1.VehicleType]*assetv1.VehicleTypeTotal{}
	for _, v := range h.Vehicles {
		if member[v.GetOwnerNik()] == nil {
			continue
		}
		v.MatchStatus, v.OwnerFamily = assetv1.MatchStatus_MATCH_STATUS_MATCHED, "families/"+kk
		a.Vehicles = append(a.Vehicles, v)
		a.Totals.VehicleCount++
		a.Totals.VehicleValueTotal += v.GetEstimatedValue()
		t := byType[v.GetType()]
		if t == nil {
			t = &assetv1.VehicleTypeTotal{Type: v.GetType()}
			byType[v.GetType()] = t
		}
		t.Count++
		t.EstimatedValueTotal += v.GetEstimatedValue()
	}
	for _, t := range byType {
		a.Totals.VehiclesByType = append(a.Totals.VehiclesByType, t)
	}
	sort.Slice(a.Totals.VehiclesByType, func(i, j int) bool {
		return a.Totals.VehiclesByType[i].GetType() < a.Totals.VehiclesByType[j].GetType()
	})

	e := &incomev1.FamilyEconomics{Name: "families/" + kk + "/economics", KkNumber: kk, MemberCount: living}
	eco := map[string]*incomev1.MemberEconomics{}
	for _, m := range f.GetMembers() {
		me := &incomev1.MemberEconomics{Nik: m.GetNik(), Deceased: deceased(m.GetNik())}
		eco[m.GetNik()] = me
		e.Members = append(e.Members, me)
	}
	for _, x := range h.Incomes {
		if me := eco[x.GetNik()]; me != nil {
			x.MatchStatus = incomev1.MatchStatus_MATCH_STATUS_MATCHED
			me.Incomes = append(me.Incomes, x)
		}
	}
	for _, x := range h.Employment {
		if me := eco[x.GetNik()]; me != nil {
			x.MatchStatus = incomev1.MatchStatus_MATCH_STATUS_MATCHED
			me.Employments = append(me.Employments, x)
		}
	}
	for _, x := range h.Banking {
		if me := eco[x.GetNik()]; me != nil {
			x.MatchStatus = incomev1.MatchStatus_MATCH_STATUS_MATCHED
			me.BankingPatterns = append(me.BankingPatterns, x)
		}
	}
	for _, c := range h.Consumption {
		if c.GetKkNumber() != kk {
			continue
		}
		c.MatchStatus = incomev1.MatchStatus_MATCH_STATUS_MATCHED
		switch c.GetMeasurement() {
		case incomev1.Measurement_MEASUREMENT_MEASURED_BY_ENUMERATOR:
			e.MeasuredConsumptions = append(e.MeasuredConsumptions, c)
		case incomev1.Measurement_MEASUREMENT_SELF_DECLARED:
			e.SelfDeclaredConsumptions = append(e.SelfDeclaredConsumptions, c)
		}
	}

	matched := func() *serviceusagev1.RecordMeta {
		return &serviceusagev1.RecordMeta{MatchStatus: serviceusagev1.MatchStatus_MATCH_STATUS_MATCHED, Family: "families/" + kk}
	}
	s := &serviceusagev1.FamilyServiceUsage{Name: "families/" + kk + "/serviceUsage", KkNumber: kk, FamilyRegistered: true}
	use := map[string]*serviceusagev1.MemberServiceUsage{}
	for _, m := range f.GetMembers() {
		mu := &serviceusagev1.MemberServiceUsage{Nik: m.GetNik(), Deceased: deceased(m.GetNik())}
		use[m.GetNik()] = mu
		s.Members = append(s.Members, mu)
	}
	for _, x := range h.Health {
		if mu := use[x.GetNik()]; mu != nil {
			x.Meta = matched()
			mu.HealthCoverages = append(mu.HealthCoverages, x)
		}
	}
	for _, x := range h.Enrolments {
		if mu := use[x.GetNik()]; mu != nil {
			x.Meta = matched()
			mu.Enrolments = append(mu.Enrolments, x)
		}
	}
	for _, x := range h.Utilities {
		if x.GetKkNumber() == kk {
			x.Meta = matched()
			s.UtilityUsages = append(s.UtilityUsages, x)
		}
	}
	sort.Slice(s.UtilityUsages, func(i, j int) bool { return s.UtilityUsages[i].GetMonth() > s.UtilityUsages[j].GetMonth() })
	for _, x := range h.Programmes {
		if x.GetKkNumber() == kk {
			x.Meta = matched()
			s.ProgrammeParticipations = append(s.ProgrammeParticipations, x)
		}
	}
	return features.DropEmpty(features.Input{Family: f, Assets: a, Economics: e, ServiceUsage: s, ReferenceDate: ref})
}
