package features

import (
	"math"
	"strings"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
)

// view is one family in the scoring context's own terms: the four source
// contexts' API messages translated once (the anti-corruption layer of
// DESIGN.md §3, "Bounded contexts"), so that every feature, flag and fact
// reads settled values instead of re-interpreting protobuf.
type view struct {
	ref refDate
	// size is the number of living members, the per-capita denominator;
	// NaN when no context knows the membership.
	size float64

	registry bool
	reg      *registryv1.Family
	persons  []person
	head     *person

	assets   bool
	housing  *assetv1.Housing
	holdings *assetv1.Holdings
	land     landTotals
	vehicles [vehicleKinds]vehicleTotal

	econ          bool
	income        [incomeKinds]float64
	formalEarners int
	working       int
	informal      int
	headJob       *incomev1.Employment
	bank          bankTotals

	usage bool
	// usageMembers is false when the service-usage context does not know
	// the family's members (the registry does not know the KK): its
	// member-level counts are then unknown, not zero.
	usageMembers bool
	health       healthTotals
	school       schoolTotals
	util         utilityTotals
	programmes   [programmeKinds]bool
}

// person is one registry member.
type person struct {
	nik        string
	relation   registryv1.FamilyRelation
	sex        registryv1.Sex
	age        int
	ageKnown   bool
	marital    registryv1.MaritalStatus
	education  registryv1.EducationLevel
	occupation registryv1.Occupation
	disability registryv1.Disability
	severe     bool
	deceased   bool
	// enrolment is the member's enrolment in the school year running on the
	// reference date, from the service-usage context; nil when none.
	enrolment *serviceusagev1.Enrolment
}

type landTotals struct {
	parcels        float64
	areaSqm        float64
	njop           float64
	houseElsewhere bool
}

const vehicleKinds = int(assetv1.VehicleType_VEHICLE_TYPE_OUTBOARD_MOTOR) + 1

type vehicleTotal struct {
	count, value float64
}

func (v *view) vehicleValue() float64 {
	s := 0.0
	for _, t := range v.vehicles {
		s += t.value
	}
	return s
}

const incomeKinds = int(incomev1.IncomeSource_INCOME_SOURCE_SURVEY_SELF_REPORT) + 1

type bankTotals struct {
	patterns  int
	maxBand   float64 // NaN when no pattern states a band
	holders   int
	bankLoans float64
	kur       bool
	leasing   bool
	online    bool
	card      float64
	ewallet   float64
}

type healthTotals struct {
	living     int // living members
	recorded   int // living members with a coverage record
	pbi        bool
	class12    bool
	uninsured  int
	outpatient float64
	inpatient  float64
	chronic    int
}

type schoolTotals struct {
	ownershipSeen int
	private       int
	maxFee        float64 // NaN when no pupil's fee band is known
	higher        int
	kip           int
}

type utilityTotals struct {
	months     int
	lpg        float64
	elecMonths int
	kwh        float64
	subsidised bool // on the newest month with electricity
}

const programmeKinds = int(serviceusagev1.SocialProgramme_SOCIAL_PROGRAMME_BLT) + 1

func newView(in *Input) *view {
	v := &view{ref: newRefDate(in.ReferenceDate), size: math.NaN()}
	v.fromRegistry(in.Family)
	v.fromAssets(in.Assets)
	v.fromEconomics(in.Economics)
	v.fromServiceUsage(in.ServiceUsage)
	v.settleSize(in)
	return v
}

func (v *view) fromRegistry(f *registryv1.Family) {
	if f == nil {
		return
	}
	v.registry, v.reg = true, f
	v.persons = make([]person, len(f.GetMembers()))
	for i, m := range f.GetMembers() {
		p := &v.persons[i]
		*p = person{
			nik:        m.GetNik(),
			relation:   m.GetRelationToHead(),
			sex:        m.GetSex(),
			marital:    m.GetMaritalStatus(),
			education:  m.GetEducation(),
			occupation: m.GetOccupation(),
			disability: m.GetDisability(),
			severe:     m.GetSevereDisability(),
			deceased:   m.GetVitalStatus() == registryv1.VitalStatus_VITAL_STATUS_DECEASED,
		}
		p.age, p.ageKnown = v.ref.ageAt(m.GetBirthDate())
	}
	// The head is the member head_nik names, the relation the fallback for
	// a record without it. A head who has died stays the head until
	// Dukcapil issues a new KK; their age and schooling still describe the
	// household, their (ended) job and income no longer count.
	for i := range v.persons {
		if f.GetHeadNik() != "" && v.persons[i].nik == f.GetHeadNik() {
			v.head = &v.persons[i]
			return
		}
	}
	for i := range v.persons {
		if v.persons[i].relation == registryv1.FamilyRelation_FAMILY_RELATION_HEAD {
			v.head = &v.persons[i]
			return
		}
	}
}

func (v *view) living() int {
	n := 0
	for i := range v.persons {
		if !v.persons[i].deceased {
			n++
		}
	}
	return n
}

// settleSize picks the per-capita denominator: the registry's living
// members, which every context defers to; without the registry, the member
// count another context reports (they too take it from the registry).
func (v *view) settleSize(in *Input) {
	if v.registry {
		if n := v.living(); n > 0 {
			v.size = float64(n)
		}
		return
	}
	switch {
	case in.Assets.GetMemberCount() > 0:
		v.size = float64(in.Assets.GetMemberCount())
	case in.Economics.GetMemberCount() > 0:
		v.size = float64(in.Economics.GetMemberCount())
	case v.usageMembers && v.health.living > 0:
		v.size = float64(v.health.living)
	}
}

func (v *view) fromAssets(a *assetv1.FamilyAssets) {
	if a == nil {
		return
	}
	v.assets = true
	v.housing, v.holdings = a.GetHousing(), a.GetHoldings()
	// The totals cover every parcel and vehicle, also those cut from the
	// lists at 1000; the lists are the fallback for a summary without them.
	if t := a.GetTotals(); t != nil {
		v.land = landTotals{
			parcels:        float64(t.GetLandParcelCount()),
			areaSqm:        t.GetLandAreaSqm(),
			njop:           float64(t.GetLandNjopTotal()),
			houseElsewhere: t.GetHouseElsewhere(),
		}
		for _, vt := range t.GetVehiclesByType() {
			if k := int(vt.GetType()); k > 0 && k < vehicleKinds {
				v.vehicles[k].count += float64(vt.GetCount())
				v.vehicles[k].value += float64(vt.GetEstimatedValueTotal())
			}
		}
		return
	}
	for _, p := range a.GetLandParcels() {
		v.land.parcels++
		v.land.areaSqm += p.GetAreaSqm()
		v.land.njop += float64(p.GetNjopValue())
		v.land.houseElsewhere = v.land.houseElsewhere || p.GetHouseElsewhere()
	}
	for _, veh := range a.GetVehicles() {
		if k := int(veh.GetType()); k > 0 && k < vehicleKinds {
			v.vehicles[k].count++
			v.vehicles[k].value += float64(veh.GetEstimatedValue())
		}
	}
}

// incomeStaleMonths: an income whose period ended more than this many
// months before the reference month is no longer current (the income
// context's own rule for current_monthly_income).
const incomeStaleMonths = 12

func (v *view) fromEconomics(e *incomev1.FamilyEconomics) {
	if e == nil {
		return
	}
	v.econ = true
	v.bank.maxBand = math.NaN()
	headNIK := ""
	if v.head != nil {
		headNIK = v.head.nik
	}
	anyBand := false
	for _, m := range e.GetMembers() {
		if m.GetDeceased() {
			continue
		}
		var cur [incomeKinds]*incomev1.Income
		var curStart [incomeKinds]month
		for _, in := range m.GetIncomes() {
			k := int(in.GetSource())
			if k <= 0 || k >= incomeKinds {
				continue
			}
			start, ok := monthOf(in.GetPeriodStart())
			if !ok || start > v.ref.month {
				continue
			}
			if c := cur[k]; c == nil || start > curStart[k] ||
				(start == curStart[k] && in.GetMonthlyAmount() > c.GetMonthlyAmount()) {
				cur[k], curStart[k] = in, start
			}
		}
		for k, in := range cur {
			if in == nil {
				continue
			}
			if end := in.GetPeriodEnd(); end != "" {
				if em, ok := monthOf(end); !ok || em < v.ref.month-incomeStaleMonths {
					continue
				}
			}
			v.income[k] += float64(in.GetMonthlyAmount())
			if k == int(incomev1.IncomeSource_INCOME_SOURCE_FORMAL_WAGE) && in.GetMonthlyAmount() > 0 {
				v.formalEarners++
			}
		}

		job := latestEmployment(m.GetEmployments())
		if job != nil {
			switch job.GetStatus() {
			case incomev1.EmploymentStatus_EMPLOYMENT_STATUS_UNSPECIFIED,
				incomev1.EmploymentStatus_EMPLOYMENT_STATUS_NOT_WORKING:
			default:
				v.working++
			}
			if informalStatus(job.GetStatus()) {
				v.informal++
			}
		}
		if headNIK != "" && m.GetNik() == headNIK {
			v.headJob = job
		}

		pats := m.GetBankingPatterns()
		for i, p := range pats {
			if superseded(pats, i) {
				continue
			}
			v.bank.patterns++
			if b := p.GetSavingsBalanceBand(); b != incomev1.SavingsBalanceBand_SAVINGS_BALANCE_BAND_UNSPECIFIED {
				ord := float64(b) - 1
				if !anyBand || ord > v.bank.maxBand {
					v.bank.maxBand = ord
				}
				anyBand = true
			}
			for _, l := range p.GetLoans() {
				switch l.GetLenderType() {
				case incomev1.LenderType_LENDER_TYPE_BANK:
					v.bank.bankLoans += float64(l.GetOutstandingAmount())
				case incomev1.LenderType_LENDER_TYPE_KUR:
					v.bank.kur = true
				case incomev1.LenderType_LENDER_TYPE_LEASING:
					v.bank.leasing = true
				case incomev1.LenderType_LENDER_TYPE_ONLINE_LENDING:
					v.bank.online = true
				}
			}
			v.bank.card += float64(p.GetMonthlyCardSpending())
			v.bank.ewallet += float64(p.GetMonthlyEwalletSpending())
		}
		if holdsAccount(pats) {
			v.bank.holders++
		}
	}
	if v.bank.patterns == 0 {
		// No reporting institution shares anything about any member: no
		// account, loan or e-wallet is known, which is what the band
		// NO_ACCOUNT says.
		v.bank.maxBand = 0
	}
}

// latestEmployment is the most recently observed job record; ties go to the
// lower source agency, so the choice does not depend on list order.
func latestEmployment(es []*incomev1.Employment) *incomev1.Employment {
	var best *incomev1.Employment
	var bestDay day
	for _, e := range es {
		d, ok := dayOf(e.GetObservationDate())
		if !ok {
			continue
		}
		if best == nil || d > bestDay || (d == bestDay && e.GetSourceAgency() < best.GetSourceAgency()) {
			best, bestDay = e, d
		}
	}
	return best
}

// informalStatus follows BPS's convention for informal employment by status:
// own-account workers, those helped by temporary or unpaid workers, casual
// workers and unpaid family workers; employers and employees are formal.
func informalStatus(s incomev1.EmploymentStatus) bool {
	switch s {
	case incomev1.EmploymentStatus_EMPLOYMENT_STATUS_SELF_EMPLOYED,
		incomev1.EmploymentStatus_EMPLOYMENT_STATUS_SELF_EMPLOYED_WITH_TEMPORARY_HELP,
		incomev1.EmploymentStatus_EMPLOYMENT_STATUS_CASUAL_AGRICULTURAL,
		incomev1.EmploymentStatus_EMPLOYMENT_STATUS_CASUAL_NON_AGRICULTURAL,
		incomev1.EmploymentStatus_EMPLOYMENT_STATUS_UNPAID_FAMILY_WORKER:
		return true
	}
	return false
}

// superseded says whether pats[i] has a newer pattern under the same
// agreement: each agreement's newest report replaces its older ones, while
// reports under different agreements (different institutions) add up.
func superseded(pats []*incomev1.BankingPattern, i int) bool {
	p := pats[i]
	d, ok := dayOf(p.GetObservationDate())
	if !ok {
		return true
	}
	for j, q := range pats {
		if j == i || q.GetAgreementReference() != p.GetAgreementReference() {
			continue
		}
		dq, ok := dayOf(q.GetObservationDate())
		if ok && (dq > d || (dq == d && j < i)) {
			return true
		}
	}
	return false
}

func holdsAccount(pats []*incomev1.BankingPattern) bool {
	for i, p := range pats {
		if !superseded(pats, i) && p.GetSavingsBalanceBand() >= incomev1.SavingsBalanceBand_SAVINGS_BALANCE_BAND_BELOW_ONE_MILLION {
			return true
		}
	}
	return false
}

// utilityWindowMonths is how far back utility use counts: the twelve months
// up to and including the reference month, as much as the service-usage
// context returns.
const utilityWindowMonths = 12

func (v *view) fromServiceUsage(s *serviceusagev1.FamilyServiceUsage) {
	if s == nil {
		return
	}
	v.usage = true
	v.usageMembers = s.GetFamilyRegistered()
	v.school.maxFee = math.NaN()
	for _, m := range s.GetMembers() {
		if m.GetDeceased() {
			continue
		}
		v.health.living++
		if c := latestCoverage(m.GetHealthCoverages()); c != nil {
			v.health.recorded++
			switch c.GetMembershipClass() {
			case serviceusagev1.HealthMembershipClass_HEALTH_MEMBERSHIP_CLASS_PBI_APBN,
				serviceusagev1.HealthMembershipClass_HEALTH_MEMBERSHIP_CLASS_PBI_APBD:
				v.health.pbi = true
			case serviceusagev1.HealthMembershipClass_HEALTH_MEMBERSHIP_CLASS_CLASS_1,
				serviceusagev1.HealthMembershipClass_HEALTH_MEMBERSHIP_CLASS_CLASS_2:
				v.health.class12 = true
			}
			if !insured(c.GetMembershipClass()) {
				v.health.uninsured++
			}
			v.health.outpatient += float64(c.GetOutpatientVisits())
			v.health.inpatient += float64(c.GetInpatientAdmissions())
			if c.GetChronicIllness() {
				v.health.chronic++
			}
		} else {
			v.health.uninsured++
		}
		for _, e := range m.GetEnrolments() {
			if e.GetSchoolYear() != v.ref.schoolYear {
				continue
			}
			switch e.GetOwnership() {
			case serviceusagev1.SchoolOwnership_SCHOOL_OWNERSHIP_PUBLIC:
				v.school.ownershipSeen++
			case serviceusagev1.SchoolOwnership_SCHOOL_OWNERSHIP_PRIVATE:
				v.school.ownershipSeen++
				v.school.private++
			}
			if fb := e.GetFeeBand(); fb != serviceusagev1.SchoolFeeBand_SCHOOL_FEE_BAND_UNSPECIFIED {
				if f := float64(fb) - 1; math.IsNaN(v.school.maxFee) || f > v.school.maxFee {
					v.school.maxFee = f
				}
			}
			if e.GetLevel() == serviceusagev1.SchoolLevel_SCHOOL_LEVEL_HIGHER {
				v.school.higher++
			}
			if e.GetKipRecipient() {
				v.school.kip++
			}
			for i := range v.persons {
				if v.persons[i].nik == m.GetNik() {
					v.persons[i].enrolment = e
				}
			}
			break
		}
	}

	var newestElec month = -1
	for _, u := range s.GetUtilityUsages() {
		mo, ok := monthOf(u.GetMonth())
		if !ok || mo > v.ref.month || mo <= v.ref.month-utilityWindowMonths {
			continue
		}
		v.util.months++
		v.util.lpg += float64(u.GetSubsidisedLpgPurchases())
		// A month from the LPG feed alone carries no meter reading: only a
		// PLN record says how much electricity the family used.
		if u.GetPlnCustomerId() != "" || u.GetElectricityKwh() > 0 || u.GetSubsidisedTariff() {
			v.util.elecMonths++
			v.util.kwh += float64(u.GetElectricityKwh())
			if mo > newestElec {
				newestElec, v.util.subsidised = mo, u.GetSubsidisedTariff()
			}
		}
	}

	for _, p := range s.GetProgrammeParticipations() {
		k := int(p.GetProgramme())
		if k <= 0 || k >= programmeKinds {
			continue
		}
		start, ok := dayOf(p.GetPeriodStart())
		if !ok || start > v.ref.day {
			continue
		}
		if end := p.GetPeriodEnd(); end != "" {
			if e, ok := dayOf(end); !ok || e < v.ref.day {
				continue
			}
		}
		v.programmes[k] = true
	}
}

// latestCoverage is the member's most recently observed coverage record;
// ties go to the lower source agency.
func latestCoverage(cs []*serviceusagev1.HealthCoverage) *serviceusagev1.HealthCoverage {
	var best *serviceusagev1.HealthCoverage
	var bestDay day
	for _, c := range cs {
		d, ok := dayOf(c.GetObservationDate())
		if !ok {
			continue
		}
		if best == nil || d > bestDay || (d == bestDay && c.GetSourceAgency() < best.GetSourceAgency()) {
			best, bestDay = c, d
		}
	}
	return best
}

func insured(c serviceusagev1.HealthMembershipClass) bool {
	return c != serviceusagev1.HealthMembershipClass_HEALTH_MEMBERSHIP_CLASS_UNSPECIFIED &&
		c != serviceusagev1.HealthMembershipClass_HEALTH_MEMBERSHIP_CLASS_NONE
}

// kkOfName extracts the KK number from `families/{kk}` or
// `families/{kk}/...`.
func kkOfName(name string) string {
	rest, ok := strings.CutPrefix(name, "families/")
	if !ok {
		return ""
	}
	kk, _, _ := strings.Cut(rest, "/")
	return kk
}
