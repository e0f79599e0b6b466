package population

import (
	"fmt"
	"sort"

	regdomain "github.com/dtsen-id/dtsen/services/registry/domain"
)

// provinceFacts are rough public figures per province, enough to make the
// synthetic country look like Indonesia, not to reproduce it:
//   - pop: population in millions (BPS projection 2024); Java holds ~56%;
//   - urban: share living in urban (perkotaan) villages (SP2020, rounded);
//   - poverty: headcount poverty rate (BPS, March 2024, rounded);
//   - regencies, cities: number of kabupaten (01-69) and kota (71-99);
//   - postal: the first two digits of the province's postal codes;
//   - plate: the vehicle registration prefix most used there;
//   - places: birth places (regency or city names) used for its people;
//   - fertility: relative number of children at home (NTT, Papua > Java).
type provinceFacts struct {
	code                string
	pop, urban, poverty float64
	regencies, cities   int
	postal              int
	plate               string
	places              []string
	fertility           float64
	coastal             float64 // share of rural households in fishing villages
	pigs                bool    // pig keeping is common (non-Muslim majority areas)
}

var provinceTable = []provinceFacts{
	{"11", 5.5, 0.32, 0.126, 18, 5, 23, "BL", []string{"Banda Aceh", "Lhokseumawe", "Bireuen", "Pidie"}, 1.1, 0.12, false},
	{"12", 15.6, 0.55, 0.078, 25, 8, 20, "BK", []string{"Medan", "Pematangsiantar", "Tapanuli Utara", "Deli Serdang"}, 1.1, 0.08, true},
	{"13", 5.8, 0.48, 0.054, 12, 7, 25, "BA", []string{"Padang", "Bukittinggi", "Agam", "Pesisir Selatan"}, 1.05, 0.08, false},
	{"14", 6.7, 0.41, 0.064, 10, 2, 28, "BM", []string{"Pekanbaru", "Dumai", "Kampar", "Bengkalis"}, 1.0, 0.06, false},
	{"15", 3.7, 0.33, 0.072, 9, 2, 36, "BH", []string{"Jambi", "Muaro Jambi", "Kerinci", "Bungo"}, 1.0, 0.04, false},
	{"16", 8.8, 0.38, 0.105, 13, 4, 30, "BG", []string{"Palembang", "Ogan Komering Ilir", "Muara Enim", "Lubuklinggau"}, 1.0, 0.05, false},
	{"17", 2.1, 0.32, 0.13, 9, 1, 38, "BD", []string{"Bengkulu", "Rejang Lebong", "Bengkulu Utara"}, 1.0, 0.07, false},
	{"18", 9.4, 0.30, 0.106, 13, 2, 34, "BE", []string{"Bandar Lampung", "Metro", "Lampung Tengah", "Tanggamus"}, 1.0, 0.06, false},
	{"19", 1.5, 0.57, 0.045, 6, 1, 33, "BN", []string{"Pangkalpinang", "Bangka", "Belitung"}, 0.95, 0.2, false},
	{"21", 2.2, 0.84, 0.05, 5, 2, 29, "BP", []string{"Batam", "Tanjungpinang", "Karimun", "Natuna"}, 0.9, 0.3, false},
	{"31", 10.7, 1.00, 0.043, 1, 5, 10, "B", []string{"Jakarta", "Jakarta Selatan", "Jakarta Timur", "Jakarta Utara"}, 0.85, 0.02, false},
	{"32", 50.3, 0.78, 0.074, 18, 9, 40, "D", []string{"Bandung", "Bogor", "Bekasi", "Garut", "Tasikmalaya", "Cirebon", "Sukabumi"}, 0.9, 0.04, false},
	{"33", 37.9, 0.53, 0.10, 29, 6, 50, "H", []string{"Semarang", "Solo", "Banyumas", "Brebes", "Klaten", "Pati", "Tegal"}, 0.9, 0.04, false},
	{"34", 3.7, 0.75, 0.108, 4, 1, 55, "AB", []string{"Yogyakarta", "Sleman", "Bantul", "Gunungkidul"}, 0.85, 0.02, false},
	{"35", 41.6, 0.55, 0.095, 29, 9, 60, "L", []string{"Surabaya", "Malang", "Kediri", "Jember", "Madiun", "Sidoarjo", "Sumenep"}, 0.85, 0.05, false},
	{"36", 12.4, 0.69, 0.057, 4, 4, 42, "A", []string{"Serang", "Tangerang", "Cilegon", "Pandeglang", "Lebak"}, 0.95, 0.05, false},
	{"51", 4.4, 0.68, 0.04, 8, 1, 80, "DK", []string{"Denpasar", "Badung", "Gianyar", "Buleleng", "Tabanan"}, 0.9, 0.06, true},
	{"52", 5.6, 0.48, 0.12, 8, 2, 83, "DR", []string{"Mataram", "Lombok Timur", "Lombok Tengah", "Bima", "Sumbawa"}, 1.05, 0.1, false},
	{"53", 5.6, 0.25, 0.19, 21, 1, 85, "DH", []string{"Kupang", "Ende", "Sikka", "Manggarai", "Sumba Timur", "Timor Tengah Selatan"}, 1.3, 0.1, true},
	{"61", 5.6, 0.36, 0.063, 12, 2, 78, "KB", []string{"Pontianak", "Singkawang", "Sambas", "Ketapang"}, 1.05, 0.06, false},
	{"62", 2.8, 0.37, 0.05, 13, 1, 73, "KH", []string{"Palangka Raya", "Kotawaringin Timur", "Kapuas"}, 1.0, 0.04, false},
	{"63", 4.2, 0.46, 0.04, 11, 2, 70, "DA", []string{"Banjarmasin", "Banjarbaru", "Banjar", "Hulu Sungai Selatan"}, 1.0, 0.05, false},
	{"64", 4.0, 0.68, 0.058, 7, 3, 75, "KT", []string{"Samarinda", "Balikpapan", "Bontang", "Kutai Kartanegara"}, 0.95, 0.06, false},
	{"65", 0.7, 0.55, 0.06, 4, 1, 77, "KU", []string{"Tarakan", "Bulungan", "Nunukan"}, 1.0, 0.12, false},
	{"71", 2.7, 0.52, 0.07, 11, 4, 95, "DB", []string{"Manado", "Bitung", "Tomohon", "Minahasa"}, 0.9, 0.12, true},
	{"72", 3.1, 0.28, 0.118, 12, 1, 94, "DN", []string{"Palu", "Donggala", "Poso", "Banggai"}, 1.05, 0.12, false},
	{"73", 9.4, 0.42, 0.08, 21, 3, 90, "DD", []string{"Makassar", "Bone", "Gowa", "Parepare", "Palopo"}, 1.0, 0.1, false},
	{"74", 2.8, 0.32, 0.11, 15, 2, 93, "DT", []string{"Kendari", "Baubau", "Kolaka", "Muna"}, 1.1, 0.12, false},
	{"75", 1.2, 0.38, 0.14, 5, 1, 96, "DM", []string{"Gorontalo", "Boalemo", "Pohuwato"}, 1.0, 0.1, false},
	{"76", 1.5, 0.25, 0.11, 6, 0, 91, "DC", []string{"Mamuju", "Majene", "Polewali Mandar"}, 1.1, 0.12, false},
	{"81", 1.9, 0.40, 0.16, 9, 2, 97, "DE", []string{"Ambon", "Tual", "Maluku Tengah", "Seram Bagian Barat"}, 1.15, 0.25, true},
	{"82", 1.3, 0.30, 0.063, 8, 2, 97, "DG", []string{"Ternate", "Tidore", "Halmahera Utara"}, 1.1, 0.25, false},
	{"91", 0.56, 0.33, 0.20, 7, 0, 98, "PB", []string{"Manokwari", "Fakfak", "Teluk Bintuni"}, 1.15, 0.12, true},
	{"92", 0.62, 0.45, 0.17, 5, 1, 98, "PB", []string{"Sorong", "Raja Ampat", "Maybrat"}, 1.15, 0.15, true},
	{"94", 1.06, 0.35, 0.18, 8, 1, 99, "PA", []string{"Jayapura", "Biak Numfor", "Sarmi", "Keerom"}, 1.2, 0.1, true},
	{"95", 0.53, 0.25, 0.17, 4, 0, 99, "PA", []string{"Merauke", "Boven Digoel", "Mappi"}, 1.2, 0.1, true},
	{"96", 1.45, 0.15, 0.29, 8, 0, 98, "PA", []string{"Nabire", "Mimika", "Paniai", "Puncak"}, 1.25, 0.05, true},
	{"97", 1.45, 0.05, 0.30, 8, 0, 99, "PA", []string{"Jayawijaya", "Tolikara", "Lanny Jaya", "Yahukimo"}, 1.25, 0.0, true},
}

// nationalPoverty is the target headcount: about 9% of people (BPS, 2024:
// 9.03%) fall below the line.
const nationalPoverty = 0.09

type province struct {
	provinceFacts
	name   string
	effect float64 // province term of the latent welfare
}

type village struct {
	code  string // dotted, e.g. 32.04.12.2001
	urban bool
}

type district struct {
	prov      int    // index into geography.provinces
	code6     string // undotted, e.g. 320412 (the NIK and KK prefix)
	city      bool
	villages  []village
	capacity  int // schedule slots per cycle
	postal    int
	placeName string
}

// geography is the synthetic administrative map: the real 38 provinces with
// plausible regency, city, district and village codes. It is the same for
// every seed, so a code means the same place in every population.
type geography struct {
	provinces []province
	districts []district
}

// welfareSpread is the within-province standard deviation of log per-capita
// consumption the province terms are scaled with (see newGeography).
const welfareSpread = 0.55

func newGeography() (*geography, error) {
	g := &geography{}
	byCode := map[string]provinceFacts{}
	for _, f := range provinceTable {
		byCode[f.code] = f
	}
	for _, p := range regdomain.Provinces() {
		f, ok := byCode[p.Code]
		if !ok {
			return nil, fmt.Errorf("population: no facts for province %s (%s)", p.Code, p.Name)
		}
		// The province term shifts log welfare so that the province's own
		// poverty rate would hold with a normal spread of welfareSpread; it is
		// shrunk because urbanity, education and jobs explain part of the gap.
		eff := 0.7 * welfareSpread * (probit(nationalPoverty) - probit(f.poverty))
		g.provinces = append(g.provinces, province{provinceFacts: f, name: p.Name, effect: eff})
	}
	if len(g.provinces) != len(provinceTable) {
		return nil, fmt.Errorf("population: %d provinces known to the registry, %d in the table", len(g.provinces), len(provinceTable))
	}
	for pi, p := range g.provinces {
		g.addProvince(pi, p)
	}
	return g, nil
}

// addProvince lays out the regencies (01..), cities (71..), their districts
// and villages. Weights: a city district holds 1.3 times a regency district's
// people, districts vary ±40%; the urban class of each village is drawn so
// the province's urban share holds on average.
func (g *geography) addProvince(pi int, p province) {
	type unit struct {
		code   int
		city   bool
		weight float64
	}
	var units []unit
	for k := 1; k <= p.regencies; k++ {
		w := 1.0
		if p.code == "31" { // Kepulauan Seribu, the one regency of DKI Jakarta, is tiny
			w = 0.01
		}
		units = append(units, unit{k, false, w})
	}
	for k := 1; k <= p.cities; k++ {
		units = append(units, unit{70 + k, true, 1.3})
	}
	total, cityW := 0.0, 0.0
	for _, u := range units {
		total += u.weight
		if u.city {
			cityW += u.weight
		}
	}
	cityShare := cityW / total
	regencyUrban := 0.0
	if cityShare < 1 {
		regencyUrban = clamp((p.urban-cityShare)/(1-cityShare)+0.04, 0.03, 0.95)
	}
	pc := uint64(atoi2(p.code))
	for _, u := range units {
		nd := 8 + int(hashUnit(pc, uint64(u.code), 1)*17) // 8-24 districts in a regency
		if u.city {
			nd = 4 + int(hashUnit(pc, uint64(u.code), 1)*11) // 4-14 in a city
		}
		for d := 1; d <= nd; d++ {
			key := []uint64{pc, uint64(u.code), uint64(d)}
			dd := district{
				prov:      pi,
				code6:     fmt.Sprintf("%s%02d%02d", p.code, u.code, d),
				city:      u.city,
				postal:    p.postal*1000 + (u.code*37+d*7)%1000,
				placeName: p.places[int(hashUnit(append(key, 9)...)*float64(len(p.places)))],
			}
			if dd.postal < 10000 { // postal codes have five digits and never start with 0
				dd.postal += 10000
			}
			weight := u.weight / float64(nd) * (0.6 + 0.8*hashUnit(append(key, 2)...))
			nv := 5 + int(hashUnit(append(key, 3)...)*16) // 5-20 villages
			kel, desa := 0, 0
			for v := 0; v < nv; v++ {
				var urban, isKel bool
				x, y := hashUnit(append(key, 4, uint64(v))...), hashUnit(append(key, 5, uint64(v))...)
				if u.city {
					urban, isKel = x < 0.97, true
				} else {
					urban = x < regencyUrban
					isKel = (urban && y < 0.4) || (!urban && y < 0.03)
				}
				var code string
				if isKel {
					kel++
					code = fmt.Sprintf("%s.%02d.%02d.%04d", p.code, u.code, d, 1000+kel)
				} else {
					desa++
					code = fmt.Sprintf("%s.%02d.%02d.%04d", p.code, u.code, d, 2000+desa)
				}
				dd.villages = append(dd.villages, village{code: code, urban: urban})
			}
			dd.capacity = int(weight * 1e6) // provisional; normalised in newSchedule
			g.districts = append(g.districts, dd)
		}
	}
	// Scale district weights to the province's population.
	var sum int
	start := len(g.districts)
	for i := len(g.districts) - 1; i >= 0 && g.districts[i].prov == pi; i-- {
		sum += g.districts[i].capacity
		start = i
	}
	for i := start; i < len(g.districts); i++ {
		g.districts[i].capacity = int(float64(g.districts[i].capacity) / float64(sum) * p.pop * 1e6)
	}
}

func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

// scheduleLen is the number of slots in one cycle of the district schedule.
const scheduleLen = 1 << 17

// maxRank bounds the households per district: NIK serials are 4 digits, and
// the scheme in nik.go needs rank*maxMembers < 9999*nikDayClasses.
const maxRank = 9999 * nikDayClasses / maxMembers

// schedule assigns household i to a district and a rank within it, without
// counting: a shuffled cycle of scheduleLen slots in which each district
// appears in proportion to its population. Slot i mod L gives the district;
// the rank is cycle*slots(d) + the slot's occurrence among d's slots, which is
// unique per district. That rank is what keeps NIK and KK numbers unique
// without any shared state (see nik.go).
type schedule struct {
	district []int32
	occ      []int32
	slots    []int32 // per district
}

func newSchedule(g *geography, seed uint64) *schedule {
	total := 0.0
	for _, d := range g.districts {
		total += float64(d.capacity)
	}
	s := &schedule{slots: make([]int32, len(g.districts))}
	// Largest-remainder allocation of scheduleLen slots.
	type rem struct {
		i int
		r float64
	}
	assigned := 0
	rems := make([]rem, len(g.districts))
	for i, d := range g.districts {
		exact := float64(d.capacity) / total * scheduleLen
		n := int(exact)
		s.slots[i] = int32(n)
		assigned += n
		rems[i] = rem{i, exact - float64(n)}
	}
	// Largest remainders first; ties by index, so the result is deterministic.
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; k < scheduleLen-assigned; k++ {
		s.slots[rems[k].i]++
	}
	s.district = make([]int32, 0, scheduleLen)
	for i, n := range s.slots {
		for k := int32(0); k < n; k++ {
			s.district = append(s.district, int32(i))
		}
	}
	r := newRand(seed, 0, streamSchedule)
	r.Shuffle(len(s.district), func(a, b int) { s.district[a], s.district[b] = s.district[b], s.district[a] })
	s.occ = make([]int32, len(s.district))
	seen := make([]int32, len(g.districts))
	for k, d := range s.district {
		s.occ[k] = seen[d]
		seen[d]++
	}
	return s
}

// place returns household i's district and its rank within the district.
func (s *schedule) place(i int) (district int, rank int) {
	slot := i % scheduleLen
	d := int(s.district[slot])
	return d, (i/scheduleLen)*int(s.slots[d]) + int(s.occ[slot])
}

// maxFamilies is the largest population whose ranks all stay below maxRank.
func (s *schedule) maxFamilies() int {
	most := int32(0)
	for _, n := range s.slots {
		most = max(most, n)
	}
	// rank = cycle*most + occ < maxRank for every cycle reached.
	cycles := maxRank / int(most)
	return cycles * scheduleLen
}
