package population_test

import (
	"fmt"
	"strings"
	"time"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	suv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	assetdomain "github.com/dtsen-id/dtsen/services/asset/domain"
	incomedomain "github.com/dtsen-id/dtsen/services/income/domain"
	"github.com/dtsen-id/dtsen/services/population/population"
	regdomain "github.com/dtsen-id/dtsen/services/registry/domain"
	sudomain "github.com/dtsen-id/dtsen/services/serviceusage/domain"
)

var sprintf = fmt.Sprintf

// The conversions below mirror each service's ports layer (proto enums and
// domain enums share their numbering), so the services' own domain rules
// judge every generated record.

func parseDate(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

func toDomainFamily(f *registryv1.Family) *regdomain.Family {
	out := &regdomain.Family{KK: f.GetKkNumber(), HeadNIK: f.GetHeadNik(), RegionCode: f.GetRegionCode(),
		Settlement: regdomain.Settlement(f.GetSettlement()),
		Address: regdomain.Address{Street: f.GetAddress().GetStreet(), RT: f.GetAddress().GetRt(), RW: f.GetAddress().GetRw(),
			PostalCode: f.GetAddress().GetPostalCode()}}
	for _, p := range f.GetMembers() {
		out.Members = append(out.Members, &regdomain.Person{NIK: p.GetNik(), FullName: p.GetFullName(), BirthPlace: p.GetBirthPlace(),
			BirthDate: parseDate(p.GetBirthDate()), Sex: regdomain.Sex(p.GetSex()), MaritalStatus: regdomain.MaritalStatus(p.GetMaritalStatus()),
			Relation: regdomain.FamilyRelation(p.GetRelationToHead()), Education: regdomain.EducationLevel(p.GetEducation()),
			Occupation: regdomain.Occupation(p.GetOccupation()), Disability: regdomain.Disability(p.GetDisability()),
			SevereDisability: p.GetSevereDisability(), Vital: regdomain.VitalStatus(p.GetVitalStatus()), DeathDate: parseDate(p.GetDeathDate())})
	}
	out.Normalize()
	return out
}

func assetRecord(src string, obs string) assetdomain.Record {
	return assetdomain.Record{Source: src, ObservationDate: parseDate(obs)}
}

func housingViolations(h *assetv1.Housing) regdomain.Violations {
	d := &assetdomain.Housing{KK: h.GetKkNumber(), FloorAreaSqm: h.GetFloorAreaSqm(),
		FloorMaterial: assetdomain.FloorMaterial(h.GetFloorMaterial()), FloorCondition: assetdomain.Condition(h.GetFloorCondition()),
		WallMaterial: assetdomain.WallMaterial(h.GetWallMaterial()), WallCondition: assetdomain.Condition(h.GetWallCondition()),
		RoofMaterial: assetdomain.RoofMaterial(h.GetRoofMaterial()), RoofCondition: assetdomain.Condition(h.GetRoofCondition()),
		Tenure: assetdomain.Tenure(h.GetTenure()), Bedrooms: h.GetBedrooms(), DrinkingWater: assetdomain.DrinkingWaterSource(h.GetDrinkingWater()),
		Lighting: assetdomain.LightingSource(h.GetLighting()), Power: assetdomain.ElectricityPower(h.GetElectricityPower()),
		PLNCustomerID: h.GetPlnCustomerId(), CookingFuel: assetdomain.CookingFuel(h.GetCookingFuel()),
		Toilet: assetdomain.ToiletFacility(h.GetToilet()), Sewage: assetdomain.SewageDisposal(h.GetSewage()),
		Record: assetRecord(h.GetSource(), h.GetObservationDate())}
	return d.Validate(ref)
}

func holdingsViolations(h *assetv1.Holdings) regdomain.Violations {
	l, g := h.GetLivestock(), h.GetGoods()
	d := &assetdomain.Holdings{KK: h.GetKkNumber(),
		Livestock: assetdomain.Livestock{Cattle: l.GetCattle(), Buffalo: l.GetBuffalo(), Horse: l.GetHorse(), Pig: l.GetPig(),
			GoatSheep: l.GetGoatSheep(), Poultry: l.GetPoultry()},
		Goods: assetdomain.DurableGoods{GasCylinderLarge: g.GetGasCylinderLarge(), Refrigerator: g.GetRefrigerator(),
			AirConditioner: g.GetAirConditioner(), WaterHeater: g.GetWaterHeater(), Telephone: g.GetTelephone(),
			Television: g.GetTelevision(), Computer: g.GetComputer()},
		GoldOrSavings10g: h.GetGoldOrSavings(), Record: assetRecord(h.GetSource(), h.GetObservationDate())}
	return d.Validate(ref)
}

func landViolations(l *assetv1.LandParcel) regdomain.Violations {
	d := &assetdomain.LandParcel{CertificateID: l.GetCertificateId(), OwnerNIK: l.GetOwnerNik(), AreaSqm: l.GetAreaSqm(),
		NJOPValue: l.GetNjopValue(), RegionCode: l.GetRegionCode(), HouseElsewhere: l.GetHouseElsewhere(),
		Record: assetRecord(l.GetSource(), l.GetObservationDate())}
	d.Normalize()
	return d.Validate(ref)
}

func vehicleViolations(v *assetv1.Vehicle) regdomain.Violations {
	d := &assetdomain.Vehicle{FrameNumber: v.GetFrameNumber(), OwnerNIK: v.GetOwnerNik(), Type: assetdomain.VehicleType(v.GetType()),
		Year: v.GetYear(), EstimatedValue: v.GetEstimatedValue(), PlateNumber: v.GetPlateNumber(),
		Record: assetRecord(v.GetSource(), v.GetObservationDate())}
	norm := *d
	norm.Normalize()
	vs := d.Validate(ref)
	if norm.FrameNumber != d.FrameNumber || norm.PlateNumber != d.PlateNumber {
		vs = append(vs, regdomain.Violation{Field: "frame_number", Reason: "NOT_NORMALISED"})
	}
	return vs
}

func prov(agency, obs string) incomedomain.Provenance {
	return incomedomain.Provenance{SourceAgency: agency, ObservationDate: obs}
}

func incomeViolations(x *incomev1.Income) regdomain.Violations {
	return (&incomedomain.Income{NIK: x.GetNik(), Source: incomedomain.IncomeSource(x.GetSource()), MonthlyAmount: x.GetMonthlyAmount(),
		PeriodStart: x.GetPeriodStart(), PeriodEnd: x.GetPeriodEnd(), Provenance: prov(x.GetSourceAgency(), x.GetObservationDate())}).Validate(ref)
}

func employmentViolations(x *incomev1.Employment) regdomain.Violations {
	return (&incomedomain.Employment{NIK: x.GetNik(), Sector: incomedomain.EmploymentSector(x.GetSector()),
		Status: incomedomain.EmploymentStatus(x.GetStatus()), HoursPerWeek: x.GetHoursPerWeek(),
		Provenance: prov(x.GetSourceAgency(), x.GetObservationDate())}).Validate(ref)
}

func consumptionViolations(x *incomev1.Consumption) regdomain.Violations {
	return (&incomedomain.Consumption{KK: x.GetKkNumber(), MonthlyExpenditure: x.GetMonthlyExpenditure(), FoodShareBP: x.GetFoodShareBp(),
		SurveyID: x.GetSurveyId(), SurveyDate: x.GetSurveyDate(), Measurement: incomedomain.Measurement(x.GetMeasurement()),
		Provenance: prov(x.GetSourceAgency(), x.GetObservationDate())}).Validate(ref)
}

func bankingViolations(x *incomev1.BankingPattern) regdomain.Violations {
	d := &incomedomain.BankingPattern{NIK: x.GetNik(), AgreementReference: x.GetAgreementReference(),
		SavingsBalanceBand: incomedomain.SavingsBalanceBand(x.GetSavingsBalanceBand()), MonthlyCardSpending: x.GetMonthlyCardSpending(),
		MonthlyEwalletSpending: x.GetMonthlyEwalletSpending(), Provenance: prov(x.GetSourceAgency(), x.GetObservationDate())}
	for _, l := range x.GetLoans() {
		d.Loans = append(d.Loans, incomedomain.Loan{LenderType: incomedomain.LenderType(l.GetLenderType()), OutstandingAmount: l.GetOutstandingAmount()})
	}
	return d.Validate(ref)
}

func common(agency, obs string) sudomain.Common {
	return sudomain.Common{SourceAgency: agency, ObservationDate: parseDate(obs)}
}

func healthViolations(m *suv1.HealthCoverage) regdomain.Violations {
	return (&sudomain.HealthCoverage{NIK: m.GetNik(), Class: sudomain.MembershipClass(m.GetMembershipClass()),
		OutpatientVisits: m.GetOutpatientVisits(), InpatientAdmissions: m.GetInpatientAdmissions(), ChronicIllness: m.GetChronicIllness(),
		Common: common(m.GetSourceAgency(), m.GetObservationDate())}).Validate(ref)
}

func enrolmentViolations(m *suv1.Enrolment) regdomain.Violations {
	return (&sudomain.Enrolment{NIK: m.GetNik(), SchoolYear: m.GetSchoolYear(), Level: sudomain.SchoolLevel(m.GetLevel()),
		Ownership: sudomain.SchoolOwnership(m.GetOwnership()), FeeBand: sudomain.FeeBand(m.GetFeeBand()), KIPRecipient: m.GetKipRecipient(),
		Common: common(m.GetSourceAgency(), m.GetObservationDate())}).Validate(ref)
}

func utilityViolations(m *suv1.UtilityUsage) regdomain.Violations {
	return (&sudomain.UtilityUsage{KK: m.GetKkNumber(), Month: m.GetMonth(), ElectricityKWh: m.GetElectricityKwh(),
		SubsidisedTariff: m.GetSubsidisedTariff(), PLNCustomerID: m.GetPlnCustomerId(), SubsidisedLPGPurchases: m.GetSubsidisedLpgPurchases(),
		Common: common(m.GetSourceAgency(), m.GetObservationDate())}).Validate(ref)
}

func programmeViolations(m *suv1.ProgrammeParticipation) regdomain.Violations {
	return (&sudomain.ProgrammeParticipation{KK: m.GetKkNumber(), NIK: m.GetNik(), Programme: sudomain.Programme(m.GetProgramme()),
		PeriodStart: parseDate(m.GetPeriodStart()), PeriodEnd: parseDate(m.GetPeriodEnd()), DisbursingAgency: m.GetDisbursingAgency(),
		Common: common(m.GetSourceAgency(), m.GetObservationDate())}).Validate(ref)
}

// checkRecords runs every record through its owning service's domain
// validation and checks that it names this household's KK (or, for
// KK_UNKNOWN, a well-formed KK the registry does not have) and its members.
func (s *stats) checkRecords(h *population.Household) {
	f := h.Family
	members := map[string]*registryv1.Person{}
	for _, p := range f.GetMembers() {
		members[p.GetNik()] = p
	}
	kkUnknown := has(h.Errors, population.ErrKKUnknown)
	nikErr := has(h.Errors, population.ErrNIKInvalid)
	kind := func(name string, vs regdomain.Violations) {
		if len(vs) > 0 {
			s.recordViolations[name]++
			s.fail(h, "%s record invalid: %v", name, vs)
		}
	}
	kk := func(name, k string) {
		switch {
		case kkUnknown && k == f.GetKkNumber():
			s.fail(h, "%s names the registered KK although the household is KK_UNKNOWN", name)
		case kkUnknown:
			s.ghostKKs[k] = true
		case k != f.GetKkNumber():
			s.fail(h, "%s names KK %s, not the family's", name, k)
		}
	}
	nik := func(name, n string) *registryv1.Person {
		p := members[n]
		if p == nil && !nikErr {
			s.fail(h, "%s names a NIK that is not a member", name)
		}
		if nikErr && !strings.HasPrefix(n, f.GetKkNumber()[:6]) {
			s.fail(h, "%s names a NIK from another district", name)
		}
		return p
	}
	kk("housing", h.Housing.GetKkNumber())
	kind("housing", housingViolations(h.Housing))
	kk("holdings", h.Holdings.GetKkNumber())
	kind("holdings", holdingsViolations(h.Holdings))
	for _, l := range h.Land {
		nik("land", l.GetOwnerNik())
		kind("land", landViolations(l))
	}
	for _, v := range h.Vehicles {
		nik("vehicle", v.GetOwnerNik())
		kind("vehicle", vehicleViolations(v))
	}
	for _, x := range h.Incomes {
		nik("income", x.GetNik())
		kind("income", incomeViolations(x))
	}
	for _, x := range h.Employment {
		if p := nik("employment", x.GetNik()); p != nil && ageOf(p.GetBirthDate()) < 15 {
			s.fail(h, "employment record for a child")
		}
		kind("employment", employmentViolations(x))
	}
	for _, x := range h.Consumption {
		kk("consumption", x.GetKkNumber())
		kind("consumption", consumptionViolations(x))
		if x.GetMeasurement() == incomev1.Measurement_MEASUREMENT_MEASURED_BY_ENUMERATOR {
			s.labelled++
			// Measured consumption is true consumption with small noise.
			truth := h.Truth.PerCapitaConsumption * float64(h.Truth.Members)
			if r := float64(x.GetMonthlyExpenditure()) / truth; r < 0.7 || r > 1.4 {
				s.fail(h, "measured consumption %.2f times the truth", r)
			}
		} else {
			s.declaring++
		}
	}
	for _, x := range h.Banking {
		nik("banking", x.GetNik())
		kind("banking", bankingViolations(x))
	}
	for _, x := range h.Health {
		nik("health", x.GetNik())
		kind("health", healthViolations(x))
	}
	for _, x := range h.Enrolments {
		p := nik("enrolment", x.GetNik())
		kind("enrolment", enrolmentViolations(x))
		if p != nil {
			age := ageOf(p.GetBirthDate())
			lo, hi := map[suv1.SchoolLevel][2]int{
				suv1.SchoolLevel_SCHOOL_LEVEL_EARLY_CHILDHOOD:  {3, 8},
				suv1.SchoolLevel_SCHOOL_LEVEL_PRIMARY:          {6, 14},
				suv1.SchoolLevel_SCHOOL_LEVEL_JUNIOR_SECONDARY: {12, 17},
				suv1.SchoolLevel_SCHOOL_LEVEL_SENIOR_SECONDARY: {15, 20},
				suv1.SchoolLevel_SCHOOL_LEVEL_HIGHER:           {18, 26},
			}[x.GetLevel()][0], map[suv1.SchoolLevel][2]int{
				suv1.SchoolLevel_SCHOOL_LEVEL_EARLY_CHILDHOOD:  {3, 8},
				suv1.SchoolLevel_SCHOOL_LEVEL_PRIMARY:          {6, 14},
				suv1.SchoolLevel_SCHOOL_LEVEL_JUNIOR_SECONDARY: {12, 17},
				suv1.SchoolLevel_SCHOOL_LEVEL_SENIOR_SECONDARY: {15, 20},
				suv1.SchoolLevel_SCHOOL_LEVEL_HIGHER:           {18, 26},
			}[x.GetLevel()][1]
			if age < lo || age > hi {
				s.fail(h, "a %d-year-old enrolled at %s", age, x.GetLevel())
			}
		}
	}
	for _, x := range h.Utilities {
		kk("utility", x.GetKkNumber())
		kind("utility", utilityViolations(x))
	}
	for _, x := range h.Programmes {
		kk("programme", x.GetKkNumber())
		kind("programme", programmeViolations(x))
	}
}
