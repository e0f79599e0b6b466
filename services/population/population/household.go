package population

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
)

// Household is one generated family with every record the four contexts
// would hold about it, and the ground truth behind them.
type Household struct {
	Index int
	// Family is the Dukcapil KK with its members. It passes the registry's
	// validation unless the household carries a registry error.
	Family *registryv1.Family

	Housing  *assetv1.Housing
	Holdings *assetv1.Holdings
	Land     []*assetv1.LandParcel
	Vehicles []*assetv1.Vehicle

	Incomes     []*incomev1.Income
	Employment  []*incomev1.Employment
	Consumption []*incomev1.Consumption
	Banking     []*incomev1.BankingPattern

	Health     []*serviceusagev1.HealthCoverage
	Enrolments []*serviceusagev1.Enrolment
	Utilities  []*serviceusagev1.UtilityUsage
	Programmes []*serviceusagev1.ProgrammeParticipation

	// Truth is the ground truth; no service ever receives it.
	Truth Truth
	// Errors names the deliberate errors this household carries:
	// ErrNIKInvalid, ErrKKUnknown, ErrPersonInTwoFamilies.
	Errors []string
	// ErrorReasons gives, for each entry of Errors, the reason a service
	// should report: the registry's NIK_* reason for a corrupted NIK,
	// KK_NOT_REGISTERED for records naming an unknown KK, and
	// PERSON_IN_TWO_FAMILIES.
	ErrorReasons []string
}

// Truth is what the welfare model tries to recover. It is written only to
// truth.jsonl, for evaluation.
type Truth struct {
	KK string
	// PerCapitaConsumption is true consumption per living member, rupiah per
	// month.
	PerCapitaConsumption float64
	// Poor is PerCapitaConsumption below PovertyLine.
	Poor       bool
	Province   string
	Urban      bool
	HeadFemale bool
	// DTKSRecipient says the family is on the old DTKS list.
	DTKSRecipient bool
	// UnderReports says the family's self-declared consumption is
	// deliberately low (the "Pak Budi" case).
	UnderReports bool
	// Members counts living members (the per-capita denominator).
	Members int
}

// The deliberate errors.
const (
	ErrNIKInvalid          = "NIK_INVALID"
	ErrKKUnknown           = "KK_UNKNOWN"
	ErrPersonInTwoFamilies = "PERSON_IN_TWO_FAMILIES"
)

// maxMembers bounds a generated family (the registry allows 50; real KKs
// rarely exceed 15). It is also the number of NIK slots per household.
const maxMembers = 16

type member struct {
	rel      registryv1.FamilyRelation
	female   bool
	age      int // completed years at the reference date
	birth    time.Time
	marital  registryv1.MaritalStatus
	educ     registryv1.EducationLevel
	years    float64 // years of schooling
	eduScore float64
	occ      registryv1.Occupation
	formal   bool // formal job: wage reported to BPJS-TK, BKN or ASABRI
	disab    registryv1.Disability
	severe   bool
	deceased bool
	death    time.Time
	nik      string
	name     string
	place    string

	school   serviceusagev1.SchoolLevel // UNSPECIFIED: not enrolled
	earnings float64                    // true monthly earnings, rupiah
}

func (m *member) working() bool {
	switch m.occ {
	case registryv1.Occupation_OCCUPATION_NOT_WORKING, registryv1.Occupation_OCCUPATION_STUDENT,
		registryv1.Occupation_OCCUPATION_HOMEMAKER, registryv1.Occupation_OCCUPATION_RETIRED,
		registryv1.Occupation_OCCUPATION_UNSPECIFIED:
		return false
	}
	return !m.deceased
}

// core is the part of a household every record derives from.
type core struct {
	index     int
	r         *rand.Rand
	prov      *province
	dist      *district
	rank      int
	village   village
	kk        string
	ghostKK   string // a structurally valid KK never issued (KK_UNKNOWN)
	members   []*member
	living    int
	score     float64 // latent log welfare, before calibration
	w         float64 // log(per-capita consumption / poverty line)
	pc        float64 // per-capita consumption, rupiah per month
	dtks      bool
	dtksScore float64
	labelled  bool
	declares  bool
	under     bool
	family    string // family name, where customary
}

func (c *core) head() *member { return c.members[0] }

func (c *core) spouse() *member {
	for _, m := range c.members {
		if m.rel == registryv1.FamilyRelation_FAMILY_RELATION_SPOUSE {
			return m
		}
	}
	return nil
}

var epoch1900 = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

func dayNumber(t time.Time) int { return int(t.Sub(epoch1900).Hours() / 24) }

// nikDayClasses is the modulus of the uniqueness scheme below.
const nikDayClasses = 64

// assignNIK makes the member's NIK unique without shared state. DESIGN.md §2:
// a NIK is district(6) + DDMMYY (DD+40 for women) + serial(4, never 0000).
// Within a district, member slot s of the household of rank r gets the
// number q = r*maxMembers + s. The birth date is moved back by 0-63 days so
// that its day number is q mod 64, and the serial is 1 + q/64. Two people of
// one district with the same birth date share q mod 64, so their serials
// (q/64) differ: NIKs are unique, and consistent with region, birth date
// and sex.
func assignNIK(code6 string, rank, slot int, m *member, ref time.Time) {
	q := rank*maxMembers + slot
	dn := dayNumber(m.birth)
	shift := ((dn-q)%nikDayClasses + nikDayClasses) % nikDayClasses
	m.birth = m.birth.AddDate(0, 0, -shift)
	m.age = ageAt(m.birth, ref)
	day := m.birth.Day()
	if m.female {
		day += 40
	}
	m.nik = fmt.Sprintf("%s%02d%02d%02d%04d", code6, day, int(m.birth.Month()), m.birth.Year()%100, 1+q/nikDayClasses)
}

// kkNumber: district(6) + issue date DDMMYY + serial. The issue date's day
// number is rank mod 16 and the serial 1 + rank/16 (at most 2500), so KK
// numbers are unique; a ghost KK uses serials from 5001, never issued.
func kkNumber(r *rand.Rand, code6 string, rank int, ref time.Time, ghost bool) string {
	start := time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC)
	span := int(ref.Sub(start).Hours()/24) - 30
	issue := start.AddDate(0, 0, r.IntN(span))
	dn := dayNumber(issue)
	issue = issue.AddDate(0, 0, -(((dn-rank)%16)+16)%16)
	serial := 1 + rank/16
	if ghost {
		serial += 5000
	}
	return fmt.Sprintf("%s%02d%02d%02d%04d", code6, issue.Day(), int(issue.Month()), issue.Year()%100, serial)
}

func ageAt(birth, ref time.Time) int {
	a := ref.Year() - birth.Year()
	if ref.Month() < birth.Month() || (ref.Month() == birth.Month() && ref.Day() < birth.Day()) {
		a--
	}
	return a
}

// birthFor draws a birth date for someone aged age at ref.
func birthFor(r *rand.Rand, age int, ref time.Time) time.Time {
	// Born between ref-(age+1) years (exclusive) and ref-age years.
	hi := ref.AddDate(-age, 0, 0)
	lo := ref.AddDate(-age-1, 0, 1)
	n := int(hi.Sub(lo).Hours()/24) + 1
	return lo.AddDate(0, 0, r.IntN(n))
}

var headAgeBands = []struct {
	lo, hi int
	w      float64
}{{19, 24, 3.5}, {25, 29, 7}, {30, 34, 10}, {35, 39, 11}, {40, 44, 11}, {45, 49, 11}, {50, 54, 10},
	{55, 59, 9}, {60, 64, 8}, {65, 69, 6}, {70, 74, 4.5}, {75, 79, 3}, {80, 90, 2}}

// kidsMean is the expected number of children living at home by the age of
// the mother (or of the head without a spouse).
func kidsMean(age int) float64 {
	switch {
	case age < 25:
		return 1.0
	case age < 30:
		return 1.5
	case age < 35:
		return 2.0
	case age < 40:
		return 2.3
	case age < 45:
		return 2.4
	case age < 50:
		return 2.2
	case age < 55:
		return 1.7
	case age < 60:
		return 1.2
	case age < 65:
		return 0.8
	}
	return 0.45
}

// buildMembers lays out the household: head, spouse, children, and sometimes
// parents, a married child with grandchildren, or another relative.
func (g *Generator) buildMembers(c *core) {
	r, ref := c.r, g.cfg.ReferenceDate
	ws := make([]float64, len(headAgeBands))
	for i, b := range headAgeBands {
		ws[i] = b.w
	}
	band := headAgeBands[pick(r, ws)]
	headAge := intBetween(r, band.lo, band.hi)
	pFemale := 0.07
	switch {
	case headAge >= 60:
		pFemale = 0.32
	case headAge >= 40:
		pFemale = 0.12
	}
	head := &member{rel: registryv1.FamilyRelation_FAMILY_RELATION_HEAD, female: bernoulli(r, pFemale), age: headAge}
	c.members = append(c.members, head)
	add := func(m *member) bool {
		if len(c.members) >= maxMembers-1 {
			return false
		}
		c.members = append(c.members, m)
		return true
	}
	const (
		single   = registryv1.MaritalStatus_MARITAL_STATUS_SINGLE
		married  = registryv1.MaritalStatus_MARITAL_STATUS_MARRIED
		divorced = registryv1.MaritalStatus_MARITAL_STATUS_DIVORCED
		widowed  = registryv1.MaritalStatus_MARITAL_STATUS_WIDOWED
	)
	statuses := []registryv1.MaritalStatus{single, married, divorced, widowed}
	var mw []float64
	switch {
	case !head.female && headAge < 25:
		mw = []float64{25, 75, 0, 0}
	case !head.female && headAge < 60:
		mw = []float64{3, 93, 2, 2}
	case !head.female:
		mw = []float64{1, 78, 2, 19}
	case headAge < 40:
		mw = []float64{30, 15, 40, 15}
	case headAge < 60:
		mw = []float64{8, 10, 30, 52}
	default:
		mw = []float64{2, 4, 8, 86}
	}
	head.marital = statuses[pick(r, mw)]
	mother := head
	if head.marital == married && !head.female {
		sAge := headAge - int(math.Round(r.NormFloat64()*3.5+4))
		sAge = max(17, min(sAge, headAge+8))
		sp := &member{rel: registryv1.FamilyRelation_FAMILY_RELATION_SPOUSE, female: true, age: sAge, marital: married}
		add(sp)
		mother = sp
	}
	// Children. A never-married head has none at home.
	if head.marital != single || bernoulli(r, 0.05) {
		mean := 1.5 * kidsMean(mother.age) * c.prov.fertility
		if head.marital != married {
			mean *= 0.85
		}
		n := min(poisson(r, mean), 9)
		for k := 0; k < n; k++ {
			for try := 0; try < 4; try++ {
				age := mother.age - intBetween(r, 19, 42)
				if age < 0 || mother.age-age < 16 {
					continue
				}
				if age >= 25 && !bernoulli(r, 0.45) {
					break // grown children mostly have their own KK
				}
				add(&member{rel: registryv1.FamilyRelation_FAMILY_RELATION_CHILD, female: bernoulli(r, 0.49), age: age, marital: single})
				break
			}
		}
	}
	// A married child living with the parents, with a spouse and children.
	if headAge >= 45 && bernoulli(r, 0.35) {
		for _, m := range c.members {
			if m.rel == registryv1.FamilyRelation_FAMILY_RELATION_CHILD && m.age >= 21 {
				m.marital = married
				inLawAge := max(18, m.age+intBetween(r, -4, 4))
				add(&member{rel: registryv1.FamilyRelation_FAMILY_RELATION_CHILD_IN_LAW, female: !m.female, age: inLawAge, marital: married})
				ng := poisson(r, 1.1)
				for k := 0; k < ng; k++ {
					maxAge := min(m.age, inLawAge) - 19
					if maxAge < 0 {
						break
					}
					add(&member{rel: registryv1.FamilyRelation_FAMILY_RELATION_GRANDCHILD, female: bernoulli(r, 0.49),
						age: intBetween(r, 0, min(maxAge, 14)), marital: single})
				}
				break
			}
		}
	}
	// An elderly parent.
	if headAge <= 58 && bernoulli(r, 0.1) {
		age := min(headAge+intBetween(r, 20, 36), 96)
		rel := registryv1.FamilyRelation_FAMILY_RELATION_PARENT
		if head.marital == married && bernoulli(r, 0.4) {
			rel = registryv1.FamilyRelation_FAMILY_RELATION_PARENT_IN_LAW
		}
		female := bernoulli(r, 0.72)
		ms := widowed
		if bernoulli(r, 0.3) {
			ms = married
		}
		add(&member{rel: rel, female: female, age: age, marital: ms})
	}
	if bernoulli(r, 0.07) {
		add(&member{rel: registryv1.FamilyRelation_FAMILY_RELATION_OTHER_RELATIVE, female: bernoulli(r, 0.5),
			age: intBetween(r, 8, 45), marital: single})
	}
	for _, m := range c.members {
		if m.marital == registryv1.MaritalStatus_MARITAL_STATUS_UNSPECIFIED {
			m.marital = single
		}
		if m.age >= 20 && m.marital == single && m.rel == registryv1.FamilyRelation_FAMILY_RELATION_OTHER_RELATIVE && bernoulli(r, 0.3) {
			m.marital = married
		}
		m.birth = birthFor(r, m.age, ref)
	}
	for slot, m := range c.members {
		assignNIK(c.dist.code6, c.rank, slot, m, ref)
	}
}
