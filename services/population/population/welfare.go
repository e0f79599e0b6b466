package population

import (
	"math"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
)

// PovertyLine is the national poverty line the rupiah scale is pinned to:
// Rp 582,932 per person per month (BPS, September 2024).
const PovertyLine = 582932.0

// welfareShift calibrates the latent score so that about 9% of people fall
// below PovertyLine: it is the 9th percentile of the person-weighted score,
// measured once over 1,000,000 households (TestCalibration recomputes it;
// see docs/population.md). Because it is a constant, a household's
// consumption never depends on the rest of the population, so the 9% holds
// at any size without a second pass.
const welfareShift = -0.5690

// dtksCut is the score below which a family is on the old DTKS list: the
// 40th percentile of the noisy DTKS score over households, measured the same
// way. DTKS covered about 40% of households, with large errors.
const dtksCut = 0.6814

// educationLevels maps the latent education score to the highest diploma.
var educationLevels = []struct {
	upTo  float64
	level registryv1.EducationLevel
	years float64
}{
	{-1.75, registryv1.EducationLevel_EDUCATION_LEVEL_NONE, 0},
	{-1.2, registryv1.EducationLevel_EDUCATION_LEVEL_PRIMARY_INCOMPLETE, 3},
	{-0.35, registryv1.EducationLevel_EDUCATION_LEVEL_PRIMARY, 6},
	{0.05, registryv1.EducationLevel_EDUCATION_LEVEL_JUNIOR_SECONDARY, 9},
	{1.0, registryv1.EducationLevel_EDUCATION_LEVEL_SENIOR_SECONDARY, 12},
	{1.1, registryv1.EducationLevel_EDUCATION_LEVEL_DIPLOMA_I_II, 13.5},
	{1.25, registryv1.EducationLevel_EDUCATION_LEVEL_DIPLOMA_III, 15},
	{2.2, registryv1.EducationLevel_EDUCATION_LEVEL_BACHELOR, 16},
	{2.9, registryv1.EducationLevel_EDUCATION_LEVEL_MASTER, 18},
	{math.Inf(1), registryv1.EducationLevel_EDUCATION_LEVEL_DOCTORATE, 21},
}

func cohortShift(age int) float64 {
	switch {
	case age >= 65:
		return -1.0
	case age >= 55:
		return -0.6
	case age >= 45:
		return -0.3
	case age >= 35:
		return 0
	case age >= 25:
		return 0.3
	}
	return 0.45
}

func setEducation(m *member, score float64) {
	m.eduScore = score
	for _, l := range educationLevels {
		if score < l.upTo {
			m.educ, m.years = l.level, l.years
			return
		}
	}
}

// capEducation limits the diploma of someone still young enough that they
// cannot have finished more (Indonesian school: SD 7-12, SMP 13-15, SMA
// 16-18, university from 19).
func capEducation(m *member) {
	var most registryv1.EducationLevel
	switch {
	case m.age < 7:
		most = registryv1.EducationLevel_EDUCATION_LEVEL_NONE
	case m.age < 13:
		most = registryv1.EducationLevel_EDUCATION_LEVEL_PRIMARY_INCOMPLETE
	case m.age < 16:
		most = registryv1.EducationLevel_EDUCATION_LEVEL_PRIMARY
	case m.age < 19:
		most = registryv1.EducationLevel_EDUCATION_LEVEL_JUNIOR_SECONDARY
	case m.age < 21:
		most = registryv1.EducationLevel_EDUCATION_LEVEL_SENIOR_SECONDARY
	case m.age < 23:
		most = registryv1.EducationLevel_EDUCATION_LEVEL_DIPLOMA_III
	case m.age < 25:
		most = registryv1.EducationLevel_EDUCATION_LEVEL_BACHELOR
	default:
		return
	}
	if m.educ > most {
		for _, l := range educationLevels {
			if l.level == most {
				m.educ, m.years = l.level, l.years
			}
		}
	}
}

// educate draws every member's education score: cohort, urbanity and the
// province's development, with spouses and children correlated with the
// head.
func (g *Generator) educate(c *core, urban bool) {
	r := c.r
	base := 0.45*b2f(urban) + 1.2*c.prov.effect
	head := c.head()
	setEducation(head, r.NormFloat64()+cohortShift(head.age)+base)
	for _, m := range c.members[1:] {
		var e float64
		switch m.rel {
		case registryv1.FamilyRelation_FAMILY_RELATION_SPOUSE:
			e = 0.55*(head.eduScore-cohortShift(head.age)-base) + 0.84*r.NormFloat64()
		case registryv1.FamilyRelation_FAMILY_RELATION_CHILD, registryv1.FamilyRelation_FAMILY_RELATION_GRANDCHILD:
			e = 0.45*(head.eduScore-cohortShift(head.age)-base) + 0.9*r.NormFloat64()
		default:
			e = r.NormFloat64()
		}
		setEducation(m, e+cohortShift(m.age)+base)
		capEducation(m)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// jobEffect is an occupation's term in log welfare.
func jobEffect(m *member) float64 {
	switch m.occ {
	case registryv1.Occupation_OCCUPATION_FARMER:
		return -0.12
	case registryv1.Occupation_OCCUPATION_FISHER:
		return -0.1
	case registryv1.Occupation_OCCUPATION_LABORER:
		return -0.12
	case registryv1.Occupation_OCCUPATION_TRADER:
		return 0.02
	case registryv1.Occupation_OCCUPATION_SELF_EMPLOYED:
		return 0.05
	case registryv1.Occupation_OCCUPATION_PRIVATE_EMPLOYEE:
		if m.formal {
			return 0.15
		}
		return 0
	case registryv1.Occupation_OCCUPATION_CIVIL_SERVANT:
		return 0.3
	case registryv1.Occupation_OCCUPATION_MILITARY, registryv1.Occupation_OCCUPATION_POLICE:
		return 0.25
	case registryv1.Occupation_OCCUPATION_STATE_ENTERPRISE_EMPLOYEE:
		return 0.4
	case registryv1.Occupation_OCCUPATION_RETIRED:
		return 0.05
	case registryv1.Occupation_OCCUPATION_NOT_WORKING, registryv1.Occupation_OCCUPATION_HOMEMAKER:
		return -0.18
	}
	return 0
}

// latentWelfare is the household's log per-capita consumption, up to the
// calibration constant: region, urbanity, education, jobs, household
// composition and a household random effect.
func latentWelfare(c *core, urban bool) float64 {
	head := c.head()
	s := c.prov.effect + 0.17*b2f(urban) + 0.045*(head.years-8) + jobEffect(head)
	if head.female {
		s -= 0.04
	}
	kids, earners := 0, 0
	for _, m := range c.members[1:] {
		if m.deceased {
			continue
		}
		if m.age < 15 {
			kids++
		}
		if m.working() {
			earners++
			if m.rel == registryv1.FamilyRelation_FAMILY_RELATION_SPOUSE {
				s += 0.06 + 0.5*jobEffect(m)
			} else {
				s += 0.04
			}
		}
		if m.rel == registryv1.FamilyRelation_FAMILY_RELATION_SPOUSE {
			s += 0.02 * (m.years - 8)
		}
	}
	n := float64(max(c.living, 1))
	s -= 0.28 * math.Log(n/3.8)
	s -= 0.25 * (float64(kids)/n - 0.3)
	return s + 0.4*c.r.NormFloat64()
}
