package population

import (
	"fmt"
	"math"
	"time"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
)

// utilityMonths is how many months of PLN and LPG usage each family has,
// ending with the reference month.
const utilityMonths = 3

func (g *Generator) serviceUsageRecords(c *core, h *Household, kk string) {
	r, w, ref := c.r, c.w, g.cfg.ReferenceDate
	recent := func(maxDays int) string { return date(ref.AddDate(0, 0, -intBetween(r, 0, maxDays))) }

	// BPJS Kesehatan: one class for the family. PBI (the state pays the
	// premium) follows the DTKS list, so the poor are mostly PBI, with the
	// list's errors; formal workers' families are PPU (class 1-2).
	formal, formalW := false, 0.0
	for _, m := range c.members {
		if m.formal && !m.deceased {
			formal = true
			formalW = math.Max(formalW, m.earnings)
		}
	}
	var class serviceusagev1.HealthMembershipClass
	const (
		pbiN  = serviceusagev1.HealthMembershipClass_HEALTH_MEMBERSHIP_CLASS_PBI_APBN
		pbiD  = serviceusagev1.HealthMembershipClass_HEALTH_MEMBERSHIP_CLASS_PBI_APBD
		c1    = serviceusagev1.HealthMembershipClass_HEALTH_MEMBERSHIP_CLASS_CLASS_1
		c2    = serviceusagev1.HealthMembershipClass_HEALTH_MEMBERSHIP_CLASS_CLASS_2
		c3    = serviceusagev1.HealthMembershipClass_HEALTH_MEMBERSHIP_CLASS_CLASS_3
		cNone = serviceusagev1.HealthMembershipClass_HEALTH_MEMBERSHIP_CLASS_NONE
	)
	switch {
	case c.dtks && bernoulli(r, 0.92):
		class = pbiN
	case formal:
		class = c2
		if formalW > 6_000_000 {
			class = c1
		}
	case w < 0.6 && bernoulli(r, 0.4):
		class = pbiD
	default:
		x := w + 0.5*r.NormFloat64()
		switch {
		case bernoulli(r, 0.13):
			class = cNone
		case x > 2.2:
			class = c1
		case x > 1.3:
			class = c2
		default:
			class = c3
		}
	}
	for _, m := range c.members {
		if m.deceased && !bernoulli(r, 0.5) {
			continue // the other half is still an active member: flagged on import
		}
		cl := class
		if m.age == 0 && bernoulli(r, 0.3) {
			cl = cNone // newborns are registered late
		}
		chronic := bernoulli(r, clamp(0.02+0.006*float64(m.age-35), 0.01, 0.4))
		visits := poisson(r, (0.6+3*b2f(chronic)+0.02*float64(m.age))*(1-0.6*b2f(cl == cNone)))
		h.Health = append(h.Health, &serviceusagev1.HealthCoverage{Nik: m.nik, SourceAgency: "bpjs-kesehatan", ObservationDate: recent(30),
			MembershipClass: cl, OutpatientVisits: int32(min(visits, 365)), InpatientAdmissions: int32(min(poisson(r, 0.04+0.3*b2f(chronic)), 52)),
			ChronicIllness: chronic})
	}

	// School enrolment (Dapodik / EMIS / PDDikti) for this school year.
	start := schoolYearStart(ref)
	schoolYear := fmt.Sprintf("%d/%d", start, start+1)
	for _, m := range c.members {
		if m.school == serviceusagev1.SchoolLevel_SCHOOL_LEVEL_UNSPECIFIED || m.deceased {
			continue
		}
		e := &serviceusagev1.Enrolment{Nik: m.nik, SourceAgency: "kemendikdasmen", ObservationDate: recent(60), SchoolYear: schoolYear,
			Level: m.school, Ownership: serviceusagev1.SchoolOwnership_SCHOOL_OWNERSHIP_PUBLIC}
		pPrivate := 0.15 + 0.5*logistic((w-1.8)/0.5)
		switch m.school {
		case serviceusagev1.SchoolLevel_SCHOOL_LEVEL_EARLY_CHILDHOOD:
			pPrivate = 0.8
		case serviceusagev1.SchoolLevel_SCHOOL_LEVEL_HIGHER:
			pPrivate = 0.6
			e.SourceAgency = "kemdiktisaintek"
		}
		private := bernoulli(r, pPrivate)
		if private {
			e.Ownership = serviceusagev1.SchoolOwnership_SCHOOL_OWNERSHIP_PRIVATE
			if m.school != serviceusagev1.SchoolLevel_SCHOOL_LEVEL_HIGHER && bernoulli(r, 0.4) {
				e.SourceAgency = "kemenag" // a private madrasah
			}
		}
		x := w + 0.5*r.NormFloat64()
		switch {
		case !private && m.school <= serviceusagev1.SchoolLevel_SCHOOL_LEVEL_JUNIOR_SECONDARY:
			e.FeeBand = serviceusagev1.SchoolFeeBand_SCHOOL_FEE_BAND_FREE
			if x > 2 && bernoulli(r, 0.2) {
				e.FeeBand = serviceusagev1.SchoolFeeBand_SCHOOL_FEE_BAND_LOW
			}
		case !private && m.school == serviceusagev1.SchoolLevel_SCHOOL_LEVEL_SENIOR_SECONDARY:
			e.FeeBand = []serviceusagev1.SchoolFeeBand{serviceusagev1.SchoolFeeBand_SCHOOL_FEE_BAND_FREE,
				serviceusagev1.SchoolFeeBand_SCHOOL_FEE_BAND_LOW, serviceusagev1.SchoolFeeBand_SCHOOL_FEE_BAND_MEDIUM}[pick(r, []float64{5, 3, 2 * b2f(x > 1)})]
		case !private:
			e.FeeBand = serviceusagev1.SchoolFeeBand_SCHOOL_FEE_BAND_MEDIUM
			if x > 1.5 {
				e.FeeBand = serviceusagev1.SchoolFeeBand_SCHOOL_FEE_BAND_HIGH
			}
		default:
			switch {
			case x < 0.8:
				e.FeeBand = serviceusagev1.SchoolFeeBand_SCHOOL_FEE_BAND_LOW
			case x < 1.8:
				e.FeeBand = serviceusagev1.SchoolFeeBand_SCHOOL_FEE_BAND_MEDIUM
			case x < 2.6:
				e.FeeBand = serviceusagev1.SchoolFeeBand_SCHOOL_FEE_BAND_HIGH
			default:
				e.FeeBand = serviceusagev1.SchoolFeeBand_SCHOOL_FEE_BAND_VERY_HIGH
			}
		}
		if m.school != serviceusagev1.SchoolLevel_SCHOOL_LEVEL_EARLY_CHILDHOOD {
			p := 0.02
			switch {
			case c.dtks:
				p = 0.55
			case w < 0.2:
				p = 0.1
			}
			e.KipRecipient = bernoulli(r, p)
		}
		h.Enrolments = append(h.Enrolments, e)
	}

	// Electricity (PLN) and 3 kg LPG bought with the NIK (Pertamina).
	hs := h.Housing
	metered := hs.Lighting == assetv1.LightingSource_LIGHTING_SOURCE_PLN_METERED
	lpg := hs.CookingFuel == assetv1.CookingFuel_COOKING_FUEL_LPG_3KG
	if metered || lpg {
		var kwhMean float64
		switch hs.ElectricityPower {
		case assetv1.ElectricityPower_ELECTRICITY_POWER_VA_450:
			kwhMean = 70
		case assetv1.ElectricityPower_ELECTRICITY_POWER_VA_900:
			kwhMean = 120
		case assetv1.ElectricityPower_ELECTRICITY_POWER_VA_1300:
			kwhMean = 190
		case assetv1.ElectricityPower_ELECTRICITY_POWER_VA_2200:
			kwhMean = 320
		case assetv1.ElectricityPower_ELECTRICITY_POWER_ABOVE_2200:
			kwhMean = 650
		}
		kwhMean *= math.Exp(0.15 * clamp(w, -2, 4))
		// 450 VA is subsidised for all; 900 VA only for poor households on
		// the DTKS list (the "900 VA RTM" tariff).
		subsidised := hs.ElectricityPower == assetv1.ElectricityPower_ELECTRICITY_POWER_VA_450 ||
			(hs.ElectricityPower == assetv1.ElectricityPower_ELECTRICITY_POWER_VA_900 && c.dtks)
		customer := hs.PlnCustomerId
		if customer == "" && metered {
			customer = plnCustomerID(c)
		}
		refMonth := time.Date(ref.Year(), ref.Month(), 1, 0, 0, 0, 0, time.UTC)
		for k := utilityMonths - 1; k >= 0; k-- {
			mStart := refMonth.AddDate(0, -k, 0)
			obs := mStart.AddDate(0, 1, -1)
			if obs.After(ref) {
				obs = ref
			}
			u := &serviceusagev1.UtilityUsage{KkNumber: kk, SourceAgency: "pln", ObservationDate: date(obs), Month: month(mStart)}
			if metered {
				u.ElectricityKwh = int32(math.Max(0, kwhMean*math.Exp(0.2*r.NormFloat64())))
				u.SubsidisedTariff = subsidised
				u.PlnCustomerId = customer
			} else {
				u.SourceAgency = "pertamina"
			}
			if lpg {
				u.SubsidisedLpgPurchases = int32(min(poisson(r, 2+0.3*float64(c.living)), 100))
			}
			h.Utilities = append(h.Utilities, u)
		}
	}

	// Social programmes, which followed the DTKS list.
	qualifying := false
	for _, m := range c.members {
		if !m.deceased && (m.age < 6 || (m.age <= 18 && m.school != serviceusagev1.SchoolLevel_SCHOOL_LEVEL_UNSPECIFIED) || m.age >= 70 || m.severe) {
			qualifying = true
		}
	}
	programme := func(p serviceusagev1.SocialProgramme, startDate time.Time, end time.Time, agency, disburser string) {
		pp := &serviceusagev1.ProgrammeParticipation{KkNumber: kk, SourceAgency: agency, ObservationDate: recent(30), Programme: p,
			PeriodStart: date(startDate), DisbursingAgency: disburser}
		if !end.IsZero() {
			pp.PeriodEnd = date(end)
		}
		h.Programmes = append(h.Programmes, pp)
	}
	quarterStart := func(yearsBack int) time.Time {
		y := ref.Year() - intBetween(r, 0, yearsBack)
		q := time.Date(y, time.Month(1+3*r.IntN(4)), 1, 0, 0, 0, 0, time.UTC)
		for q.After(ref) {
			q = q.AddDate(0, -3, 0)
		}
		return q
	}
	bank := []string{"bank-himbara", "pos-indonesia"}
	if c.dtks {
		if bernoulli(r, 0.85) {
			programme(serviceusagev1.SocialProgramme_SOCIAL_PROGRAMME_SEMBAKO_BPNT, quarterStart(4), time.Time{}, "kemensos", bank[r.IntN(2)])
		}
		if qualifying && bernoulli(r, 0.5) {
			programme(serviceusagev1.SocialProgramme_SOCIAL_PROGRAMME_PKH, quarterStart(6), time.Time{}, "kemensos", bank[r.IntN(2)])
		}
		if class == pbiN {
			programme(serviceusagev1.SocialProgramme_SOCIAL_PROGRAMME_PBI_JK, quarterStart(8), time.Time{}, "kemensos", "bpjs-kesehatan")
		}
	} else if w < 1 && bernoulli(r, 0.03) {
		// A family that graduated from PKH years ago.
		s := quarterStart(6).AddDate(-2, 0, 0)
		programme(serviceusagev1.SocialProgramme_SOCIAL_PROGRAMME_PKH, s, s.AddDate(2, 0, -1), "kemensos", "bank-himbara")
	}
	if !c.village.urban && w < 0.3 && bernoulli(r, 0.12) {
		programme(serviceusagev1.SocialProgramme_SOCIAL_PROGRAMME_BLT, time.Date(ref.Year(), time.January, 1, 0, 0, 0, 0, time.UTC),
			time.Time{}, "kemendes", "pemdes")
	}
}
