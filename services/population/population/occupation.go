package population

import (
	"math/rand/v2"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
)

var occupations = []registryv1.Occupation{
	registryv1.Occupation_OCCUPATION_FARMER,
	registryv1.Occupation_OCCUPATION_FISHER,
	registryv1.Occupation_OCCUPATION_LABORER,
	registryv1.Occupation_OCCUPATION_TRADER,
	registryv1.Occupation_OCCUPATION_SELF_EMPLOYED,
	registryv1.Occupation_OCCUPATION_PRIVATE_EMPLOYEE,
	registryv1.Occupation_OCCUPATION_CIVIL_SERVANT,
	registryv1.Occupation_OCCUPATION_MILITARY,
	registryv1.Occupation_OCCUPATION_POLICE,
	registryv1.Occupation_OCCUPATION_STATE_ENTERPRISE_EMPLOYEE,
	registryv1.Occupation_OCCUPATION_OTHER,
	registryv1.Occupation_OCCUPATION_NOT_WORKING,
	registryv1.Occupation_OCCUPATION_HOMEMAKER,
	registryv1.Occupation_OCCUPATION_RETIRED,
}

// Base weights (per 100 working-age men) for rural and urban areas, in the
// order of occupations. Civil servants (ASN) are ~3-4% of workers, TNI/Polri
// ~0.5%, BUMN staff ~0.7%: the groups DESIGN.md §1.4 excludes.
var (
	ruralWeights = []float64{34, 3, 17, 9, 10, 12, 3.5, 0.6, 0.6, 0.7, 4, 3, 0, 0}
	urbanWeights = []float64{4, 0.5, 14, 13, 15, 33, 5, 0.9, 0.9, 1.6, 5, 5, 0, 0}
)

// chooseOccupation draws an adult's occupation group from sex, age,
// urbanity, education and (for fishers) the coast.
func chooseOccupation(r *rand.Rand, m *member, urban bool, coastal float64, isHead bool) {
	base := ruralWeights
	if urban {
		base = urbanWeights
	}
	w := make([]float64, len(base))
	copy(w, base)
	w[1] *= coastal / 0.08
	edu := func(idx []int, f float64) {
		for _, i := range idx {
			w[i] *= f
		}
	}
	const (
		farmer = iota
		fisher
		laborer
		trader
		selfEmp
		private
		civil
		military
		police
		bumn
		other
		notWorking
		homemaker
		retired
	)
	switch {
	case m.years >= 15:
		edu([]int{civil, bumn}, 4)
		edu([]int{private}, 1.8)
		edu([]int{farmer, laborer, fisher}, 0.25)
	case m.years >= 12:
		edu([]int{civil, bumn}, 1.6)
		edu([]int{military, police}, 1.5)
		edu([]int{private}, 1.3)
		edu([]int{farmer, laborer}, 0.7)
	case m.years <= 6:
		edu([]int{civil, bumn}, 0.05)
		edu([]int{military, police}, 0.1)
		edu([]int{private}, 0.6)
		edu([]int{farmer, laborer}, 1.5)
	}
	if m.female {
		edu([]int{farmer, laborer}, 0.5)
		edu([]int{fisher, military}, 0.05)
		edu([]int{police}, 0.2)
		edu([]int{trader}, 1.6)
		if isHead {
			w[homemaker] = 12
		} else {
			w[homemaker] = 70
		}
	}
	switch {
	case m.age >= 65:
		edu([]int{civil, military, police, bumn, private}, 0)
		edu([]int{farmer, fisher, laborer, trader, selfEmp, other}, 0.45)
		w[notWorking] += 30
		w[retired] = 2
		if m.years >= 12 {
			w[retired] = 14
		}
	case m.age >= 58:
		edu([]int{civil, military, police, bumn}, 0.3)
		w[notWorking] += 8
		w[retired] = 1
		if m.years >= 12 {
			w[retired] = 8
		}
	case m.age < 22:
		edu([]int{civil, military, police, bumn}, 0.3)
		w[notWorking] += 10
	}
	m.occ = occupations[pick(r, w)]
	switch m.occ {
	case registryv1.Occupation_OCCUPATION_CIVIL_SERVANT, registryv1.Occupation_OCCUPATION_MILITARY,
		registryv1.Occupation_OCCUPATION_POLICE, registryv1.Occupation_OCCUPATION_STATE_ENTERPRISE_EMPLOYEE:
		m.formal = true
	case registryv1.Occupation_OCCUPATION_PRIVATE_EMPLOYEE:
		m.formal = bernoulli(r, clamp(0.35+0.08*(m.years-9), 0.15, 0.9))
	case registryv1.Occupation_OCCUPATION_LABORER:
		m.formal = bernoulli(r, 0.1)
	case registryv1.Occupation_OCCUPATION_OTHER:
		m.formal = bernoulli(r, 0.3)
	}
}
