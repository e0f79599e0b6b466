package features_test

import (
	"math"
	"time"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	"github.com/dtsen-id/dtsen/services/scoring/features"
)

// The hand-built families of the tests. Every value a feature should take
// is worked out by hand in the expectations next to each family.

var refDate = time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)

var nan = math.NaN()

const (
	poorKK = "3201012501200001"
	richKK = "3171011507150002"
)

var matchedMeta = &serviceusagev1.RecordMeta{MatchStatus: serviceusagev1.MatchStatus_MATCH_STATUS_MATCHED}

type personSpec struct {
	nik, birth string
	female     bool
	rel        registryv1.FamilyRelation
	marital    registryv1.MaritalStatus
	edu        registryv1.EducationLevel
	occ        registryv1.Occupation
	disab      registryv1.Disability
	severe     bool
	deceased   string // death date
}

func family(kk, region string, s registryv1.Settlement, ps ...personSpec) *registryv1.Family {
	f := &registryv1.Family{Name: "families/" + kk, KkNumber: kk, HeadNik: ps[0].nik, RegionCode: region, Settlement: s,
		Address: &registryv1.Address{Street: "Jl. Merdeka No. 1", Rt: "001", Rw: "002", PostalCode: "40111"}}
	for _, p := range ps {
		m := &registryv1.Person{Nik: p.nik, BirthDate: p.birth, Sex: registryv1.Sex_SEX_MALE, RelationToHead: p.rel,
			MaritalStatus: p.marital, Education: p.edu, Occupation: p.occ, Disability: p.disab, SevereDisability: p.severe,
			VitalStatus: registryv1.VitalStatus_VITAL_STATUS_ALIVE, Family: "families/" + kk}
		if m.Disability == registryv1.Disability_DISABILITY_UNSPECIFIED {
			m.Disability = registryv1.Disability_DISABILITY_NONE
		}
		if p.female {
			m.Sex = registryv1.Sex_SEX_FEMALE
		}
		if p.deceased != "" {
			m.VitalStatus, m.DeathDate = registryv1.VitalStatus_VITAL_STATUS_DECEASED, p.deceased
		}
		f.Members = append(f.Members, m)
	}
	return f
}

func job(nik, obs string, st incomev1.EmploymentStatus, sec incomev1.EmploymentSector) *incomev1.Employment {
	return &incomev1.Employment{Nik: nik, Status: st, Sector: sec, HoursPerWeek: 40, SourceAgency: "bps", ObservationDate: obs,
		MatchStatus: incomev1.MatchStatus_MATCH_STATUS_MATCHED}
}

func income(nik string, src incomev1.IncomeSource, amount int64, start, end string) *incomev1.Income {
	return &incomev1.Income{Nik: nik, Source: src, MonthlyAmount: amount, PeriodStart: start, PeriodEnd: end,
		SourceAgency: "bpjs-tk", ObservationDate: "2025-06-01", MatchStatus: incomev1.MatchStatus_MATCH_STATUS_MATCHED}
}

func coverage(nik string, class serviceusagev1.HealthMembershipClass, outpatient, inpatient int32, chronic bool) *serviceusagev1.HealthCoverage {
	return &serviceusagev1.HealthCoverage{Nik: nik, SourceAgency: "bpjs-kesehatan", ObservationDate: "2025-06-01",
		MembershipClass: class, OutpatientVisits: outpatient, InpatientAdmissions: inpatient, ChronicIllness: chronic, Meta: matchedMeta}
}

func consumption(kk string, amount int64, m incomev1.Measurement, date, survey string) *incomev1.Consumption {
	return &incomev1.Consumption{KkNumber: kk, MonthlyExpenditure: amount, FoodShareBp: 6000, SurveyId: survey, SurveyDate: date,
		Measurement: m, SourceAgency: "bps", ObservationDate: date, MatchStatus: incomev1.MatchStatus_MATCH_STATUS_MATCHED}
}

// poorFamily is a rural farming family of five in West Java: an earth
// floor, bamboo walls, a thatched roof, no meter, firewood, no toilet; a
// grandmother with a severe disability; PBI, PKH, Sembako and BLT.
func poorFamily() features.Input {
	const head, spouse, child12, child5, grandma = "3201011005800001", "3201014102840002", "3201011509120003", "3201014303200004", "3201014101500005"
	f := family(poorKK, "32.01.01.2001", registryv1.Settlement_SETTLEMENT_RURAL,
		personSpec{nik: head, birth: "1980-05-10", rel: registryv1.FamilyRelation_FAMILY_RELATION_HEAD,
			marital: registryv1.MaritalStatus_MARITAL_STATUS_MARRIED, edu: registryv1.EducationLevel_EDUCATION_LEVEL_PRIMARY,
			occ: registryv1.Occupation_OCCUPATION_FARMER},
		personSpec{nik: spouse, birth: "1984-02-01", female: true, rel: registryv1.FamilyRelation_FAMILY_RELATION_SPOUSE,
			marital: registryv1.MaritalStatus_MARITAL_STATUS_MARRIED, edu: registryv1.EducationLevel_EDUCATION_LEVEL_PRIMARY_INCOMPLETE,
			occ: registryv1.Occupation_OCCUPATION_HOMEMAKER},
		personSpec{nik: child12, birth: "2012-09-15", rel: registryv1.FamilyRelation_FAMILY_RELATION_CHILD,
			marital: registryv1.MaritalStatus_MARITAL_STATUS_SINGLE, edu: registryv1.EducationLevel_EDUCATION_LEVEL_PRIMARY_INCOMPLETE,
			occ: registryv1.Occupation_OCCUPATION_STUDENT},
		personSpec{nik: child5, birth: "2020-03-03", female: true, rel: registryv1.FamilyRelation_FAMILY_RELATION_CHILD,
			marital: registryv1.MaritalStatus_MARITAL_STATUS_SINGLE, edu: registryv1.EducationLevel_EDUCATION_LEVEL_NONE,
			occ: registryv1.Occupation_OCCUPATION_NOT_WORKING},
		personSpec{nik: grandma, birth: "1950-01-01", female: true, rel: registryv1.FamilyRelation_FAMILY_RELATION_PARENT,
			marital: registryv1.MaritalStatus_MARITAL_STATUS_WIDOWED, edu: registryv1.EducationLevel_EDUCATION_LEVEL_NONE,
			occ: registryv1.Occupation_OCCUPATION_NOT_WORKING, disab: registryv1.Disability_DISABILITY_PHYSICAL, severe: true},
	)
	a := &assetv1.FamilyAssets{Name: "families/" + poorKK + "/assets", Family: "families/" + poorKK, MemberCount: 5,
		Housing: &assetv1.Housing{KkNumber: poorKK, Source: "bps", ObservationDate: "2025-01-20", FloorAreaSqm: 30,
			FloorMaterial: assetv1.FloorMaterial_FLOOR_MATERIAL_EARTH, FloorCondition: assetv1.Condition_CONDITION_POOR,
			WallMaterial: assetv1.WallMaterial_WALL_MATERIAL_WOVEN_BAMBOO, WallCondition: assetv1.Condition_CONDITION_POOR,
			RoofMaterial: assetv1.RoofMaterial_ROOF_MATERIAL_STRAW_PALM, RoofCondition: assetv1.Condition_CONDITION_GOOD,
			Tenure: assetv1.Tenure_TENURE_OWNED, Bedrooms: 1, DrinkingWater: assetv1.DrinkingWaterSource_DRINKING_WATER_SOURCE_UNPROTECTED_WELL,
			Lighting: assetv1.LightingSource_LIGHTING_SOURCE_PLN_UNMETERED, ElectricityPower: assetv1.ElectricityPower_ELECTRICITY_POWER_NONE,
			CookingFuel: assetv1.CookingFuel_COOKING_FUEL_FIREWOOD, Toilet: assetv1.ToiletFacility_TOILET_FACILITY_NONE,
			Sewage: assetv1.SewageDisposal_SEWAGE_DISPOSAL_OPEN_GROUND, MatchStatus: assetv1.MatchStatus_MATCH_STATUS_MATCHED},
		FloorAreaPerCapitaSqm: 6,
		Holdings: &assetv1.Holdings{KkNumber: poorKK, Source: "bps", ObservationDate: "2025-01-20",
			Livestock: &assetv1.Livestock{Poultry: 7, GoatSheep: 2}, Goods: &assetv1.DurableGoods{Telephone: true},
			MatchStatus: assetv1.MatchStatus_MATCH_STATUS_MATCHED},
		LandParcels: []*assetv1.LandParcel{{CertificateId: "SHM-320101-1", OwnerNik: head, Source: "atr-bpn", ObservationDate: "2025-05-01",
			AreaSqm: 800, NjopValue: 40_000_000, RegionCode: "32.01.01.2001", MatchStatus: assetv1.MatchStatus_MATCH_STATUS_MATCHED}},
		Vehicles: []*assetv1.Vehicle{{FrameNumber: "SRV-1-0000000001-01", OwnerNik: head, Source: "bps", ObservationDate: "2025-01-20",
			Type: assetv1.VehicleType_VEHICLE_TYPE_BICYCLE, Year: 2019, EstimatedValue: 500_000, MatchStatus: assetv1.MatchStatus_MATCH_STATUS_MATCHED}},
		Totals: &assetv1.AssetTotals{LandParcelCount: 1, LandAreaSqm: 800, LandNjopTotal: 40_000_000, VehicleCount: 1, VehicleValueTotal: 500_000,
			VehiclesByType: []*assetv1.VehicleTypeTotal{{Type: assetv1.VehicleType_VEHICLE_TYPE_BICYCLE, Count: 1, EstimatedValueTotal: 500_000}}},
	}
	e := &incomev1.FamilyEconomics{Name: "families/" + poorKK + "/economics", KkNumber: poorKK, MemberCount: 5,
		Members: []*incomev1.MemberEconomics{
			{Nik: head,
				Incomes: []*incomev1.Income{
					income(head, incomev1.IncomeSource_INCOME_SOURCE_SURVEY_SELF_REPORT, 1_200_000, "2025-03", "2025-03"),
					income(head, incomev1.IncomeSource_INCOME_SOURCE_TRANSFER, 500_000, "2024-01", ""),
				},
				Employments: []*incomev1.Employment{job(head, "2025-02-15", incomev1.EmploymentStatus_EMPLOYMENT_STATUS_SELF_EMPLOYED,
					incomev1.EmploymentSector_EMPLOYMENT_SECTOR_AGRICULTURE)},
				BankingPatterns: []*incomev1.BankingPattern{{Nik: head, AgreementReference: "pks-ojk-2024", ObservationDate: "2025-06-10",
					SavingsBalanceBand: incomev1.SavingsBalanceBand_SAVINGS_BALANCE_BAND_NO_ACCOUNT, SourceAgency: "ojk",
					Loans:       []*incomev1.Loan{{LenderType: incomev1.LenderType_LENDER_TYPE_ONLINE_LENDING, OutstandingAmount: 1_000_000}},
					MatchStatus: incomev1.MatchStatus_MATCH_STATUS_MATCHED}},
			},
			{Nik: spouse, Employments: []*incomev1.Employment{job(spouse, "2025-02-15", incomev1.EmploymentStatus_EMPLOYMENT_STATUS_UNPAID_FAMILY_WORKER,
				incomev1.EmploymentSector_EMPLOYMENT_SECTOR_AGRICULTURE)}},
			{Nik: child12},
			{Nik: child5},
			{Nik: grandma, Employments: []*incomev1.Employment{job(grandma, "2025-02-15", incomev1.EmploymentStatus_EMPLOYMENT_STATUS_NOT_WORKING,
				incomev1.EmploymentSector_EMPLOYMENT_SECTOR_NONE)}},
		},
		MeasuredConsumptions: []*incomev1.Consumption{consumption(poorKK, 2_000_000, incomev1.Measurement_MEASUREMENT_MEASURED_BY_ENUMERATOR,
			"2025-03-12", "susenas-2025-03")},
		SelfDeclaredConsumptions: []*incomev1.Consumption{consumption(poorKK, 1_500_000, incomev1.Measurement_MEASUREMENT_SELF_DECLARED,
			"2025-04-02", "dtsen-selfdeclare-2025")},
		TotalMonthlyIncome: 1_700_000, PerCapitaMonthlyIncome: 340_000,
	}
	pbi := serviceusagev1.HealthMembershipClass_HEALTH_MEMBERSHIP_CLASS_PBI_APBN
	s := &serviceusagev1.FamilyServiceUsage{Name: "families/" + poorKK + "/serviceUsage", KkNumber: poorKK, FamilyRegistered: true,
		Members: []*serviceusagev1.MemberServiceUsage{
			{Nik: head, HealthCoverages: []*serviceusagev1.HealthCoverage{coverage(head, pbi, 1, 0, false)}},
			{Nik: spouse, HealthCoverages: []*serviceusagev1.HealthCoverage{coverage(spouse, pbi, 2, 0, false)}},
			{Nik: child12, HealthCoverages: []*serviceusagev1.HealthCoverage{coverage(child12, pbi, 0, 0, false)},
				Enrolments: []*serviceusagev1.Enrolment{{Nik: child12, SourceAgency: "kemendikdasmen", ObservationDate: "2025-05-01",
					SchoolYear: "2024/2025", Level: serviceusagev1.SchoolLevel_SCHOOL_LEVEL_PRIMARY,
					Ownership: serviceusagev1.SchoolOwnership_SCHOOL_OWNERSHIP_PUBLIC, FeeBand: serviceusagev1.SchoolFeeBand_SCHOOL_FEE_BAND_FREE,
					KipRecipient: true, Meta: matchedMeta}}},
			{Nik: child5, HealthCoverages: []*serviceusagev1.HealthCoverage{coverage(child5, pbi, 1, 0, false)}},
			{Nik: grandma, HealthCoverages: []*serviceusagev1.HealthCoverage{coverage(grandma, pbi, 6, 1, true)}},
		},
		ProgrammeParticipations: []*serviceusagev1.ProgrammeParticipation{
			{KkNumber: poorKK, SourceAgency: "kemensos", ObservationDate: "2025-06-01", Programme: serviceusagev1.SocialProgramme_SOCIAL_PROGRAMME_PKH,
				PeriodStart: "2023-01-01", DisbursingAgency: "bank-himbara", Meta: matchedMeta},
			{KkNumber: poorKK, SourceAgency: "kemensos", ObservationDate: "2025-06-01", Programme: serviceusagev1.SocialProgramme_SOCIAL_PROGRAMME_SEMBAKO_BPNT,
				PeriodStart: "2022-04-01", DisbursingAgency: "pos-indonesia", Meta: matchedMeta},
			{KkNumber: poorKK, SourceAgency: "kemendes", ObservationDate: "2025-06-01", Programme: serviceusagev1.SocialProgramme_SOCIAL_PROGRAMME_BLT,
				PeriodStart: "2025-01-01", PeriodEnd: "2025-12-31", DisbursingAgency: "pemdes", Meta: matchedMeta},
		},
		Totals: &serviceusagev1.FamilyServiceUsageTotals{MemberCount: 5, ChildrenEnrolled: 1, ActiveProgrammes: 3, CurrentSchoolYear: "2024/2025"},
	}
	return features.Input{Family: f, Assets: a, Economics: e, ServiceUsage: s, ReferenceDate: refDate}
}

// poorExpected is every feature of poorFamily, worked out by hand.
var poorExpected = map[string]float64{
	"floor_area_per_capita_sqm":    6, // 30 m² / 5
	"floor_earth":                  1,
	"floor_ceramic":                0,
	"wall_quality":                 1, // WOVEN_BAMBOO
	"roof_quality":                 0, // STRAW_PALM
	"housing_poor_condition_count": 2,
	"tenure_owned":                 1,
	"tenure_rented":                0,
	"drinking_water_bottled":       0,
	"drinking_water_piped":         0,
	"drinking_water_unimproved":    1,
	"lighting_pln":                 1, // a neighbour's meter is still PLN
	"installed_power_va":           0,
	"cooking_firewood_charcoal":    1,
	"cooking_lpg_3kg":              0,
	"toilet_private":               0,
	"sewage_septic_tank":           0,

	"livestock_cattle": 0, "livestock_buffalo": 0, "livestock_horse": 0, "livestock_pig": 0,
	"livestock_goat_sheep": 2, "livestock_poultry": 7,
	"owns_gas_cylinder_large": 0, "owns_refrigerator": 0, "owns_air_conditioner": 0, "owns_water_heater": 0,
	"owns_telephone": 1, "owns_television": 0, "owns_computer": 0, "gold_or_savings_10g": 0,

	"land_parcels":      1,
	"log_land_area_sqm": math.Log(801),
	"log_land_njop":     math.Log(40_000_001),
	"house_elsewhere":   0,
	"motorcycles":       0, "cars": 0, "trucks": 0, "bicycles": 1, "boats": 0, "outboard_motors": 0,
	"log_vehicle_value": math.Log(500_001),

	"household_size":    5,
	"dependency_ratio":  1.5, // 12- and 5-year-old, 75-year-old ÷ head and spouse
	"head_age":          45,
	"head_female":       0,
	"head_married":      1,
	"children_0_6":      1,
	"elderly_60_plus":   1,
	"household_helpers": 0,
	"urban":             0,

	"head_education_years":       6,
	"max_adult_education_years":  6,
	"school_enrolment_rate_7_18": 1, // the 12-year-old, the only child of 7–18
	"private_school_share":       0,
	"max_school_fee_band":        0,
	"higher_education_students":  0,
	"kip_recipients":             1,

	"members_with_disability":   1,
	"members_severe_disability": 1,
	"members_chronic_illness":   1,

	"formal_wage_earners":                0,
	"log_formal_income_per_capita":       0,
	"log_tax_declared_income_per_capita": 0,
	"log_business_income_per_capita":     0,
	"log_pension_per_capita":             0,
	"log_transfer_income_per_capita":     math.Log(100_001), // 500,000 / 5; the self-report is not read
	"working_members":                    2,
	"informal_workers":                   2,
	"head_not_working":                   0,
	"head_agriculture":                   1,
	"head_formal_employment":             0,
	"public_sector_workers":              0,

	"max_savings_band":                0,
	"savings_account_holders":         0,
	"log_bank_loans":                  0,
	"has_kur_loan":                    0,
	"has_leasing_loan":                0,
	"has_online_loan":                 1,
	"log_card_spending_per_capita":    0,
	"log_ewallet_spending_per_capita": 0,

	"health_pbi":                   1,
	"health_class_1_2":             0,
	"health_uninsured_share":       0,
	"outpatient_visits_per_capita": 2, // (1+2+0+1+6) / 5
	"inpatient_admissions":         1,
	"electricity_kwh_per_capita":   nan, // no PLN month
	"subsidised_electricity":       nan,
	"lpg_3kg_per_month":            nan,
	"programme_pkh":                1,
	"programme_sembako":            1,
	"programme_blt":                1,
}

// richFamily is an urban civil servant's family in Jakarta with a live-in
// helper: a ceramic floor, 2,200 VA, a car, two parcels, formal wages,
// savings of Rp 100–500 million, BPJS class 1 and private schools.
func richFamily() features.Input {
	const head, spouse, child19, child15, helper = "3171012011750001", "3171014107780002", "3171011008050003", "3171013006100004", "3171014101900005"
	f := family(richKK, "31.71.01.1001", registryv1.Settlement_SETTLEMENT_URBAN,
		personSpec{nik: head, birth: "1975-11-20", rel: registryv1.FamilyRelation_FAMILY_RELATION_HEAD,
			marital: registryv1.MaritalStatus_MARITAL_STATUS_MARRIED, edu: registryv1.EducationLevel_EDUCATION_LEVEL_BACHELOR,
			occ: registryv1.Occupation_OCCUPATION_CIVIL_SERVANT},
		personSpec{nik: spouse, birth: "1978-07-01", female: true, rel: registryv1.FamilyRelation_FAMILY_RELATION_SPOUSE,
			marital: registryv1.MaritalStatus_MARITAL_STATUS_MARRIED, edu: registryv1.EducationLevel_EDUCATION_LEVEL_MASTER,
			occ: registryv1.Occupation_OCCUPATION_PRIVATE_EMPLOYEE},
		personSpec{nik: child19, birth: "2005-08-10", rel: registryv1.FamilyRelation_FAMILY_RELATION_CHILD,
			marital: registryv1.MaritalStatus_MARITAL_STATUS_SINGLE, edu: registryv1.EducationLevel_EDUCATION_LEVEL_SENIOR_SECONDARY,
			occ: registryv1.Occupation_OCCUPATION_STUDENT},
		personSpec{nik: child15, birth: "2010-06-30", female: true, rel: registryv1.FamilyRelation_FAMILY_RELATION_CHILD,
			marital: registryv1.MaritalStatus_MARITAL_STATUS_SINGLE, edu: registryv1.EducationLevel_EDUCATION_LEVEL_PRIMARY,
			occ: registryv1.Occupation_OCCUPATION_STUDENT},
		personSpec{nik: helper, birth: "1990-01-01", female: true, rel: registryv1.FamilyRelation_FAMILY_RELATION_HOUSEHOLD_HELPER,
			marital: registryv1.MaritalStatus_MARITAL_STATUS_SINGLE, edu: registryv1.EducationLevel_EDUCATION_LEVEL_JUNIOR_SECONDARY,
			occ: registryv1.Occupation_OCCUPATION_OTHER},
	)
	good := assetv1.Condition_CONDITION_GOOD
	a := &assetv1.FamilyAssets{Name: "families/" + richKK + "/assets", Family: "families/" + richKK, MemberCount: 5,
		Housing: &assetv1.Housing{KkNumber: richKK, Source: "bps", ObservationDate: "2024-11-02", FloorAreaSqm: 180,
			FloorMaterial: assetv1.FloorMaterial_FLOOR_MATERIAL_CERAMIC, FloorCondition: good,
			WallMaterial: assetv1.WallMaterial_WALL_MATERIAL_MASONRY, WallCondition: good,
			RoofMaterial: assetv1.RoofMaterial_ROOF_MATERIAL_CONCRETE, RoofCondition: good,
			Tenure: assetv1.Tenure_TENURE_OWNED, Bedrooms: 4, DrinkingWater: assetv1.DrinkingWaterSource_DRINKING_WATER_SOURCE_BOTTLED,
			Lighting: assetv1.LightingSource_LIGHTING_SOURCE_PLN_METERED, ElectricityPower: assetv1.ElectricityPower_ELECTRICITY_POWER_VA_2200,
			PlnCustomerId: "531000000001", CookingFuel: assetv1.CookingFuel_COOKING_FUEL_LPG_LARGE,
			Toilet: assetv1.ToiletFacility_TOILET_FACILITY_PRIVATE, Sewage: assetv1.SewageDisposal_SEWAGE_DISPOSAL_SEPTIC_TANK,
			MatchStatus: assetv1.MatchStatus_MATCH_STATUS_MATCHED},
		FloorAreaPerCapitaSqm: 36,
		Holdings: &assetv1.Holdings{KkNumber: richKK, Source: "bps", ObservationDate: "2024-11-02",
			Livestock: &assetv1.Livestock{},
			Goods: &assetv1.DurableGoods{GasCylinderLarge: true, Refrigerator: true, AirConditioner: true, Telephone: true,
				Television: true, Computer: true},
			GoldOrSavings: true, MatchStatus: assetv1.MatchStatus_MATCH_STATUS_MATCHED},
		LandParcels: []*assetv1.LandParcel{
			{CertificateId: "SHM-317101-1", OwnerNik: head, Source: "atr-bpn", ObservationDate: "2025-05-01", AreaSqm: 300,
				NjopValue: 1_500_000_000, RegionCode: "31.71.01.1001", MatchStatus: assetv1.MatchStatus_MATCH_STATUS_MATCHED},
			{CertificateId: "SHM-320401-7", OwnerNik: spouse, Source: "atr-bpn", ObservationDate: "2025-05-01", AreaSqm: 150,
				NjopValue: 600_000_000, RegionCode: "32.04.01.2001", HouseElsewhere: true, MatchStatus: assetv1.MatchStatus_MATCH_STATUS_MATCHED},
		},
		Vehicles: []*assetv1.Vehicle{
			{FrameNumber: "MHF3000000000101", OwnerNik: head, Source: "korlantas", ObservationDate: "2025-05-15",
				Type: assetv1.VehicleType_VEHICLE_TYPE_CAR, Year: 2022, EstimatedValue: 250_000_000, MatchStatus: assetv1.MatchStatus_MATCH_STATUS_MATCHED},
			{FrameNumber: "MH12000000000102", OwnerNik: child19, Source: "korlantas", ObservationDate: "2025-05-15",
				Type: assetv1.VehicleType_VEHICLE_TYPE_MOTORCYCLE, Year: 2023, EstimatedValue: 15_000_000, MatchStatus: assetv1.MatchStatus_MATCH_STATUS_MATCHED},
			{FrameNumber: "MH12000000000103", OwnerNik: helper, Source: "korlantas", ObservationDate: "2025-05-15",
				Type: assetv1.VehicleType_VEHICLE_TYPE_MOTORCYCLE, Year: 2018, EstimatedValue: 10_000_000, MatchStatus: assetv1.MatchStatus_MATCH_STATUS_MATCHED},
		},
		Totals: &assetv1.AssetTotals{LandParcelCount: 2, LandAreaSqm: 450, LandNjopTotal: 2_100_000_000, HouseElsewhere: true,
			VehicleCount: 3, VehicleValueTotal: 275_000_000,
			VehiclesByType: []*assetv1.VehicleTypeTotal{
				{Type: assetv1.VehicleType_VEHICLE_TYPE_MOTORCYCLE, Count: 2, EstimatedValueTotal: 25_000_000},
				{Type: assetv1.VehicleType_VEHICLE_TYPE_CAR, Count: 1, EstimatedValueTotal: 250_000_000},
			}},
	}
	e := &incomev1.FamilyEconomics{Name: "families/" + richKK + "/economics", KkNumber: richKK, MemberCount: 5,
		Members: []*incomev1.MemberEconomics{
			{Nik: head,
				Incomes: []*incomev1.Income{
					income(head, incomev1.IncomeSource_INCOME_SOURCE_FORMAL_WAGE, 8_000_000, "2024-01", "2024-12"), // last year's: superseded
					income(head, incomev1.IncomeSource_INCOME_SOURCE_FORMAL_WAGE, 9_000_000, "2025-01", ""),
					income(head, incomev1.IncomeSource_INCOME_SOURCE_TAX_DECLARATION, 10_000_000, "2024-01", "2024-12"),
					income(head, incomev1.IncomeSource_INCOME_SOURCE_BUSINESS, 3_000_000, "2022-01", "2023-06"), // ended 24 months ago
					income(head, incomev1.IncomeSource_INCOME_SOURCE_PENSION, 4_000_000, "2025-09", ""),         // not started yet
				},
				Employments: []*incomev1.Employment{
					job(head, "2024-08-15", incomev1.EmploymentStatus_EMPLOYMENT_STATUS_SELF_EMPLOYED, incomev1.EmploymentSector_EMPLOYMENT_SECTOR_TRADE),
					job(head, "2025-02-15", incomev1.EmploymentStatus_EMPLOYMENT_STATUS_EMPLOYEE, incomev1.EmploymentSector_EMPLOYMENT_SECTOR_PUBLIC_ADMINISTRATION),
				},
				BankingPatterns: []*incomev1.BankingPattern{
					{Nik: head, AgreementReference: "pks-a", ObservationDate: "2024-06-01", SourceAgency: "ojk",
						SavingsBalanceBand: incomev1.SavingsBalanceBand_SAVINGS_BALANCE_BAND_ONE_TO_TEN_MILLION, MonthlyCardSpending: 9_999_000,
						MatchStatus: incomev1.MatchStatus_MATCH_STATUS_MATCHED},
					{Nik: head, AgreementReference: "pks-a", ObservationDate: "2025-06-01", SourceAgency: "ojk",
						SavingsBalanceBand:  incomev1.SavingsBalanceBand_SAVINGS_BALANCE_BAND_HUNDRED_TO_FIVE_HUNDRED_MILLION,
						Loans:               []*incomev1.Loan{{LenderType: incomev1.LenderType_LENDER_TYPE_BANK, OutstandingAmount: 300_000_000}},
						MonthlyCardSpending: 5_000_000, MatchStatus: incomev1.MatchStatus_MATCH_STATUS_MATCHED},
				},
			},
			{Nik: spouse,
				Incomes: []*incomev1.Income{
					income(spouse, incomev1.IncomeSource_INCOME_SOURCE_FORMAL_WAGE, 7_000_000, "2025-01", ""),
					income(spouse, incomev1.IncomeSource_INCOME_SOURCE_SURVEY_SELF_REPORT, 100_000, "2025-03", "2025-03"),
				},
				Employments: []*incomev1.Employment{job(spouse, "2025-02-15", incomev1.EmploymentStatus_EMPLOYMENT_STATUS_EMPLOYEE,
					incomev1.EmploymentSector_EMPLOYMENT_SECTOR_FINANCE)},
				BankingPatterns: []*incomev1.BankingPattern{
					{Nik: spouse, AgreementReference: "pks-b", ObservationDate: "2025-05-01", SourceAgency: "ojk",
						SavingsBalanceBand:     incomev1.SavingsBalanceBand_SAVINGS_BALANCE_BAND_TEN_TO_FIFTY_MILLION,
						Loans:                  []*incomev1.Loan{{LenderType: incomev1.LenderType_LENDER_TYPE_LEASING, OutstandingAmount: 50_000_000}},
						MonthlyEwalletSpending: 1_000_000, MatchStatus: incomev1.MatchStatus_MATCH_STATUS_MATCHED},
					{Nik: spouse, AgreementReference: "pks-c", ObservationDate: "2025-05-01", SourceAgency: "ojk",
						SavingsBalanceBand:     incomev1.SavingsBalanceBand_SAVINGS_BALANCE_BAND_NO_ACCOUNT,
						MonthlyEwalletSpending: 500_000, MatchStatus: incomev1.MatchStatus_MATCH_STATUS_MATCHED},
				},
			},
			{Nik: child19, Employments: []*incomev1.Employment{job(child19, "2025-02-15", incomev1.EmploymentStatus_EMPLOYMENT_STATUS_NOT_WORKING,
				incomev1.EmploymentSector_EMPLOYMENT_SECTOR_NONE)}},
			{Nik: child15, Employments: []*incomev1.Employment{job(child15, "2025-02-15", incomev1.EmploymentStatus_EMPLOYMENT_STATUS_NOT_WORKING,
				incomev1.EmploymentSector_EMPLOYMENT_SECTOR_NONE)}},
			{Nik: helper, Employments: []*incomev1.Employment{job(helper, "2025-02-15", incomev1.EmploymentStatus_EMPLOYMENT_STATUS_EMPLOYEE,
				incomev1.EmploymentSector_EMPLOYMENT_SECTOR_OTHER_SERVICES)}},
		},
		SelfDeclaredConsumptions: []*incomev1.Consumption{consumption(richKK, 4_000_000, incomev1.Measurement_MEASUREMENT_SELF_DECLARED,
			"2025-04-02", "dtsen-selfdeclare-2025")},
	}
	c1 := serviceusagev1.HealthMembershipClass_HEALTH_MEMBERSHIP_CLASS_CLASS_1
	enrol := func(nik, year string, l serviceusagev1.SchoolLevel, o serviceusagev1.SchoolOwnership, fb serviceusagev1.SchoolFeeBand) *serviceusagev1.Enrolment {
		return &serviceusagev1.Enrolment{Nik: nik, SourceAgency: "kemendikdasmen", ObservationDate: "2025-05-01", SchoolYear: year,
			Level: l, Ownership: o, FeeBand: fb, Meta: matchedMeta}
	}
	util := func(m string, kwh int32) *serviceusagev1.UtilityUsage {
		return &serviceusagev1.UtilityUsage{KkNumber: richKK, SourceAgency: "pln", ObservationDate: m + "-28", Month: m,
			ElectricityKwh: kwh, PlnCustomerId: "531000000001", Meta: matchedMeta}
	}
	private := serviceusagev1.SchoolOwnership_SCHOOL_OWNERSHIP_PRIVATE
	s := &serviceusagev1.FamilyServiceUsage{Name: "families/" + richKK + "/serviceUsage", KkNumber: richKK, FamilyRegistered: true,
		Members: []*serviceusagev1.MemberServiceUsage{
			{Nik: head, HealthCoverages: []*serviceusagev1.HealthCoverage{coverage(head, c1, 2, 0, false)}},
			{Nik: spouse, HealthCoverages: []*serviceusagev1.HealthCoverage{coverage(spouse, c1, 3, 0, false)}},
			{Nik: child19, HealthCoverages: []*serviceusagev1.HealthCoverage{coverage(child19, c1, 1, 0, false)},
				Enrolments: []*serviceusagev1.Enrolment{enrol(child19, "2024/2025", serviceusagev1.SchoolLevel_SCHOOL_LEVEL_HIGHER, private,
					serviceusagev1.SchoolFeeBand_SCHOOL_FEE_BAND_VERY_HIGH)}},
			{Nik: child15, HealthCoverages: []*serviceusagev1.HealthCoverage{coverage(child15, c1, 0, 0, false)},
				Enrolments: []*serviceusagev1.Enrolment{
					enrol(child15, "2024/2025", serviceusagev1.SchoolLevel_SCHOOL_LEVEL_JUNIOR_SECONDARY, private, serviceusagev1.SchoolFeeBand_SCHOOL_FEE_BAND_HIGH),
					enrol(child15, "2023/2024", serviceusagev1.SchoolLevel_SCHOOL_LEVEL_JUNIOR_SECONDARY, serviceusagev1.SchoolOwnership_SCHOOL_OWNERSHIP_PUBLIC,
						serviceusagev1.SchoolFeeBand_SCHOOL_FEE_BAND_FREE),
				}},
			{Nik: helper}, // no BPJS record: uninsured
		},
		UtilityUsages: []*serviceusagev1.UtilityUsage{util("2025-07", 9999), util("2025-06", 500), util("2025-05", 450), util("2025-04", 400),
			util("2024-06", 9999)},
		ProgrammeParticipations: []*serviceusagev1.ProgrammeParticipation{
			{KkNumber: richKK, SourceAgency: "kemensos", ObservationDate: "2020-01-10", Programme: serviceusagev1.SocialProgramme_SOCIAL_PROGRAMME_PKH,
				PeriodStart: "2015-01-01", PeriodEnd: "2019-12-31", DisbursingAgency: "bank-himbara", Meta: matchedMeta},
		},
	}
	return features.Input{Family: f, Assets: a, Economics: e, ServiceUsage: s, ReferenceDate: refDate}
}

// richExpected is every feature of richFamily, worked out by hand.
var richExpected = map[string]float64{
	"floor_area_per_capita_sqm":    36,
	"floor_earth":                  0,
	"floor_ceramic":                1,
	"wall_quality":                 4,
	"roof_quality":                 4,
	"housing_poor_condition_count": 0,
	"tenure_owned":                 1,
	"tenure_rented":                0,
	"drinking_water_bottled":       1,
	"drinking_water_piped":         0,
	"drinking_water_unimproved":    0,
	"lighting_pln":                 1,
	"installed_power_va":           2200,
	"cooking_firewood_charcoal":    0,
	"cooking_lpg_3kg":              0,
	"toilet_private":               1,
	"sewage_septic_tank":           1,

	"livestock_cattle": 0, "livestock_buffalo": 0, "livestock_horse": 0, "livestock_pig": 0,
	"livestock_goat_sheep": 0, "livestock_poultry": 0,
	"owns_gas_cylinder_large": 1, "owns_refrigerator": 1, "owns_air_conditioner": 1, "owns_water_heater": 0,
	"owns_telephone": 1, "owns_television": 1, "owns_computer": 1, "gold_or_savings_10g": 1,

	"land_parcels":      2,
	"log_land_area_sqm": math.Log(451),
	"log_land_njop":     math.Log(2_100_000_001),
	"house_elsewhere":   1,
	"motorcycles":       2, "cars": 1, "trucks": 0, "bicycles": 0, "boats": 0, "outboard_motors": 0,
	"log_vehicle_value": math.Log(275_000_001),

	"household_size":    5,
	"dependency_ratio":  0, // the youngest turns 15 on the reference date
	"head_age":          49,
	"head_female":       0,
	"head_married":      1,
	"children_0_6":      0,
	"elderly_60_plus":   0,
	"household_helpers": 1,
	"urban":             1,

	"head_education_years":       16,
	"max_adult_education_years":  18,
	"school_enrolment_rate_7_18": 1, // the 15-year-old; the 19-year-old is past 18
	"private_school_share":       1,
	"max_school_fee_band":        4,
	"higher_education_students":  1,
	"kip_recipients":             0,

	"members_with_disability":   0,
	"members_severe_disability": 0,
	"members_chronic_illness":   0,

	"formal_wage_earners":                2,
	"log_formal_income_per_capita":       math.Log(3_200_001), // (9M + 7M) / 5
	"log_tax_declared_income_per_capita": math.Log(2_000_001), // 10M / 5
	"log_business_income_per_capita":     0,
	"log_pension_per_capita":             0,
	"log_transfer_income_per_capita":     0,
	"working_members":                    3,
	"informal_workers":                   0,
	"head_not_working":                   0,
	"head_agriculture":                   0,
	"head_formal_employment":             1,
	"public_sector_workers":              1,

	"max_savings_band":                5,
	"savings_account_holders":         2,
	"log_bank_loans":                  math.Log(300_000_001),
	"has_kur_loan":                    0,
	"has_leasing_loan":                1,
	"has_online_loan":                 0,
	"log_card_spending_per_capita":    math.Log(1_000_001), // 5M / 5; the superseded report is not read
	"log_ewallet_spending_per_capita": math.Log(300_001),   // (1M + 0.5M) / 5

	"health_pbi":                   0,
	"health_class_1_2":             1,
	"health_uninsured_share":       0.2,
	"outpatient_visits_per_capita": 1.5, // 6 visits over the 4 members with a record
	"inpatient_admissions":         0,
	"electricity_kwh_per_capita":   90, // (500 + 450 + 400) / 3 / 5
	"subsidised_electricity":       0,
	"lpg_3kg_per_month":            0,
	"programme_pkh":                0,
	"programme_sembako":            0,
	"programme_blt":                0,
}
