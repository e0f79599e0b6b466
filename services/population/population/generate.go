package population

import (
	"fmt"
	"math"
	"sync"
	"time"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
)

// Generator generates the households of one population. Household(i) can be
// called for any i, in any order and from many goroutines: each household
// draws from its own PCG stream seeded with (Seed, i), and the only shared
// state is the read-only map and district schedule.
type Generator struct {
	cfg   Config
	geo   *geography
	sched *schedule
}

// New prepares a generator for cfg.
func New(cfg Config) (*Generator, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	geo, err := newGeography()
	if err != nil {
		return nil, err
	}
	g := &Generator{cfg: cfg, geo: geo, sched: newSchedule(geo, cfg.Seed)}
	if limit := g.sched.maxFamilies(); cfg.Families > limit {
		return nil, fmt.Errorf("population: at most %d families fit the NIK numbering, %d requested", limit, cfg.Families)
	}
	return g, nil
}

// Config returns the configuration with defaults applied.
func (g *Generator) Config() Config { return g.cfg }

// Generate generates cfg.Families households and calls yield with each, in
// index order. Households are built on cfg.Workers goroutines, but at most a
// few batches are held in memory at a time, so 10 million families stream
// in constant memory. A yield error stops generation and is returned.
func Generate(cfg Config, yield func(*Household) error) error {
	g, err := New(cfg)
	if err != nil {
		return err
	}
	return g.Each(func(h *Household) error { return yield(h) })
}

// Each is Generate on an existing generator.
func (g *Generator) Each(yield func(*Household) error) error {
	return Parallel(g.cfg.Families, g.cfg.Workers, g.Household, yield)
}

// batchSize is the number of households a worker builds at a time.
const batchSize = 256

// Parallel maps build over 0..n-1 on workers goroutines and hands the
// results to yield in index order, holding at most 2*workers batches.
func Parallel[T any](n, workers int, build func(int) T, yield func(T) error) error {
	if workers <= 1 || n <= batchSize {
		for i := 0; i < n; i++ {
			if err := yield(build(i)); err != nil {
				return err
			}
		}
		return nil
	}
	type batch struct {
		start int
		out   []T
		done  chan struct{}
	}
	jobs := make(chan *batch, workers)
	order := make(chan *batch, 2*workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				for k := range b.out {
					b.out[k] = build(b.start + k)
				}
				close(b.done)
			}
		}()
	}
	go func() {
		defer close(order)
		defer close(jobs)
		for start := 0; start < n; start += batchSize {
			b := &batch{start: start, out: make([]T, min(batchSize, n-start)), done: make(chan struct{})}
			select {
			case order <- b:
			case <-stop:
				return
			}
			jobs <- b
		}
	}()
	var err error
	for b := range order {
		<-b.done
		if err != nil {
			continue
		}
		for _, x := range b.out {
			if err = yield(x); err != nil {
				close(stop)
				break
			}
		}
	}
	wg.Wait()
	return err
}

// core builds the household's people, region and welfare.
func (g *Generator) core(i int) *core {
	ref := g.cfg.ReferenceDate
	r := newRand(g.cfg.Seed, i, streamHousehold)
	d, rank := g.sched.place(i)
	dist := &g.geo.districts[d]
	c := &core{index: i, r: r, dist: dist, rank: rank, prov: &g.geo.provinces[dist.prov]}
	c.village = dist.villages[r.IntN(len(dist.villages))]
	urban := c.village.urban
	c.kk = kkNumber(r, dist.code6, rank, ref, false)
	c.ghostKK = kkNumber(r, dist.code6, rank, ref, true)
	c.family = familyNameFor(r, c.prov.code)
	g.buildMembers(c)
	head := c.head()
	for _, m := range c.members {
		fam := ""
		if !head.female && (m.rel == registryv1.FamilyRelation_FAMILY_RELATION_HEAD ||
			m.rel == registryv1.FamilyRelation_FAMILY_RELATION_CHILD) {
			fam = c.family
		}
		m.name = personName(r, m.female, fam)
		m.place = dist.placeName
		if bernoulli(r, 0.25) {
			m.place = c.prov.places[r.IntN(len(c.prov.places))]
		}
		m.disab = registryv1.Disability_DISABILITY_NONE
		if bernoulli(r, 0.012+0.003*math.Max(0, float64(m.age-50))) {
			m.disab = registryv1.Disability(intBetween(r, 2, 6))
			m.severe = bernoulli(r, 0.3)
		}
	}
	g.educate(c, urban)
	for k, m := range c.members {
		if k == 0 || m.age >= 22 {
			chooseOccupation(r, m, urban, c.prov.coastal*b2f(!urban)+0.01, k == 0)
		}
	}
	// Deaths still on the KK: mostly the elderly, recorded within 2.5 years.
	for k, m := range c.members {
		p := 0.002
		switch {
		case m.age >= 75:
			p = 0.08
		case m.age >= 60:
			p = 0.02
		}
		if k == 0 && len(c.members) == 1 {
			p = 0
		}
		if bernoulli(r, p) {
			m.deceased = true
			days := min(intBetween(r, 0, 900), int(ref.Sub(m.birth).Hours()/24))
			m.death = ref.AddDate(0, 0, -days)
		}
	}
	if head.deceased && livingCount(c) == 0 {
		head.deceased, head.death = false, time.Time{}
	}
	c.living = livingCount(c)
	c.score = latentWelfare(c, urban)
	c.w = c.score - welfareShift
	c.pc = PovertyLine * math.Exp(c.w)
	g.schooling(c)
	g.earnings(c)
	// The old DTKS list: a noisy, stale view of welfare (large inclusion
	// and exclusion errors), and young families often never registered.
	c.dtksScore = c.w + 0.5*r.NormFloat64()
	if head.age < 25 {
		c.dtksScore += 0.5
	}
	c.dtks = c.dtksScore < dtksCut
	c.labelled = bernoulli(r, 0.01)
	c.declares = bernoulli(r, 0.8)
	if c.declares {
		c.under = bernoulli(r, 0.02+0.16*logistic((c.w-1.0)/0.25))
	}
	return c
}

func livingCount(c *core) int {
	n := 0
	for _, m := range c.members {
		if !m.deceased {
			n++
		}
	}
	return n
}

// schoolYearStart is the first calendar year of the school year running at
// ref: school years start in July.
func schoolYearStart(ref time.Time) int {
	if ref.Month() < time.July {
		return ref.Year() - 1
	}
	return ref.Year()
}

// schooling decides who is enrolled (driven by age and welfare: poor
// teenagers leave school early) and gives the young their occupation.
func (g *Generator) schooling(c *core) {
	r, w := c.r, c.w
	july := time.Date(schoolYearStart(g.cfg.ReferenceDate), time.July, 1, 0, 0, 0, 0, time.UTC)
	for k, m := range c.members {
		if m.deceased || (k > 0 && m.occ != registryv1.Occupation_OCCUPATION_UNSPECIFIED) || (k == 0 && m.age >= 22) {
			continue
		}
		a := ageAt(m.birth, july) // age when the school year began
		var p float64
		var level serviceusagev1.SchoolLevel
		switch {
		case a < 4:
		case a <= 6:
			p, level = clamp(0.35+0.1*w, 0.1, 0.7), serviceusagev1.SchoolLevel_SCHOOL_LEVEL_EARLY_CHILDHOOD
		case a <= 12:
			p, level = 0.985, serviceusagev1.SchoolLevel_SCHOOL_LEVEL_PRIMARY
		case a <= 15:
			p, level = clamp(0.93+0.03*w, 0.8, 0.99), serviceusagev1.SchoolLevel_SCHOOL_LEVEL_JUNIOR_SECONDARY
		case a <= 18:
			p, level = logistic(0.9+1.0*w), serviceusagev1.SchoolLevel_SCHOOL_LEVEL_SENIOR_SECONDARY
		case a <= 23:
			p, level = logistic(-2.2+1.1*w), serviceusagev1.SchoolLevel_SCHOOL_LEVEL_HIGHER
		}
		if k == 0 {
			p *= 0.3 // a head of family rarely studies
		}
		if p > 0 && bernoulli(r, p) {
			m.school = level
			m.occ, m.formal = registryv1.Occupation_OCCUPATION_STUDENT, false
			if level == serviceusagev1.SchoolLevel_SCHOOL_LEVEL_EARLY_CHILDHOOD {
				m.occ = registryv1.Occupation_OCCUPATION_NOT_WORKING
			}
			completed := map[serviceusagev1.SchoolLevel]registryv1.EducationLevel{
				serviceusagev1.SchoolLevel_SCHOOL_LEVEL_EARLY_CHILDHOOD:  registryv1.EducationLevel_EDUCATION_LEVEL_NONE,
				serviceusagev1.SchoolLevel_SCHOOL_LEVEL_PRIMARY:          registryv1.EducationLevel_EDUCATION_LEVEL_PRIMARY_INCOMPLETE,
				serviceusagev1.SchoolLevel_SCHOOL_LEVEL_JUNIOR_SECONDARY: registryv1.EducationLevel_EDUCATION_LEVEL_PRIMARY,
				serviceusagev1.SchoolLevel_SCHOOL_LEVEL_SENIOR_SECONDARY: registryv1.EducationLevel_EDUCATION_LEVEL_JUNIOR_SECONDARY,
				serviceusagev1.SchoolLevel_SCHOOL_LEVEL_HIGHER:           registryv1.EducationLevel_EDUCATION_LEVEL_SENIOR_SECONDARY,
			}[level]
			m.educ = completed
			for _, l := range educationLevels {
				if l.level == completed {
					m.years = l.years
				}
			}
			continue
		}
		if m.age >= 15 {
			chooseOccupation(r, m, c.village.urban, c.prov.coastal*b2f(!c.village.urban)+0.01, k == 0)
		} else {
			m.occ = registryv1.Occupation_OCCUPATION_NOT_WORKING
			if m.age >= 7 && m.educ > registryv1.EducationLevel_EDUCATION_LEVEL_PRIMARY_INCOMPLETE {
				m.educ, m.years = registryv1.EducationLevel_EDUCATION_LEVEL_PRIMARY_INCOMPLETE, 3
			}
		}
	}
	for _, m := range c.members {
		if m.occ == registryv1.Occupation_OCCUPATION_UNSPECIFIED {
			m.occ = registryv1.Occupation_OCCUPATION_NOT_WORKING
		}
		if m.age < 7 {
			m.educ, m.years = registryv1.EducationLevel_EDUCATION_LEVEL_NONE, 0
		}
	}
}

// earnings splits the household's true income (consumption plus savings)
// among its earners.
func (g *Generator) earnings(c *core) {
	r := c.r
	total := c.pc * float64(c.living) * math.Exp(0.12+0.25*r.NormFloat64())
	weights := make([]float64, len(c.members))
	sum := 0.0
	for k, m := range c.members {
		switch {
		case m.deceased:
		case m.working():
			weights[k] = 0.5
			if k == 0 {
				weights[k] = 1
			} else if m.rel == registryv1.FamilyRelation_FAMILY_RELATION_SPOUSE {
				weights[k] = 0.6
			}
			if m.formal {
				weights[k] *= 1.2
			}
		case m.occ == registryv1.Occupation_OCCUPATION_RETIRED:
			weights[k] = 0.4
		}
		sum += weights[k]
	}
	if sum == 0 {
		return
	}
	for k, m := range c.members {
		m.earnings = total * weights[k] / sum
	}
}
