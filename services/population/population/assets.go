package population

import (
	"fmt"
	"math"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
)

// Asset sources: the DTSEN field survey (BPS) observes the house, its
// utilities and goods, and unregistered vehicles; ATR/BPN holds land
// certificates; Korlantas (Samsat) holds registered motor vehicles.
const (
	SourceBPS       = "bps"
	SourceATRBPN    = "atr-bpn"
	SourceKorlantas = "korlantas"
)

func isJava(code string) bool {
	switch code {
	case "31", "32", "33", "34", "35", "36":
		return true
	}
	return false
}

// remoteness is the share of households without PLN electricity, highest in
// the Papua highlands.
func remoteness(code string) float64 {
	switch code {
	case "97":
		return 0.35
	case "96":
		return 0.25
	case "94", "95":
		return 0.1
	case "53", "91", "92":
		return 0.07
	case "81", "82":
		return 0.05
	}
	return 0.008
}

// plnCustomerID is a 12-digit PLN id, unique per household index.
func plnCustomerID(c *core) string {
	return fmt.Sprintf("5%s%09d", c.prov.code, c.index%1_000_000_000)
}

func (g *Generator) assetRecords(c *core, h *Household, kk string) {
	r, w, ref := c.r, c.w, g.cfg.ReferenceDate
	urban, java := c.village.urban, isJava(c.prov.code)
	survey := date(ref.AddDate(0, 0, -intBetween(r, 20, 330)))
	head := c.head()
	size := float64(max(c.living, 1))

	hs := &assetv1.Housing{KkNumber: kk, Source: SourceBPS, ObservationDate: survey}
	perCapita := math.Exp(math.Log(8.5)+0.38*w+0.35*r.NormFloat64()) * (1 - 0.1*b2f(urban))
	hs.FloorAreaSqm = roundTo(clamp(perCapita*math.Pow(size, 0.85), 12, 2500), 1)
	hs.Bedrooms = int32(clamp(math.Round(hs.FloorAreaSqm/20+0.6*r.NormFloat64()), 1, 12))

	q := w + 0.55*r.NormFloat64() + 0.25*b2f(urban) + 0.25*b2f(java)
	switch {
	case q < -0.55:
		if java || bernoulli(r, 0.4) {
			hs.FloorMaterial = assetv1.FloorMaterial_FLOOR_MATERIAL_EARTH
		} else if bernoulli(r, 0.5) {
			hs.FloorMaterial = assetv1.FloorMaterial_FLOOR_MATERIAL_BAMBOO
		} else {
			hs.FloorMaterial = assetv1.FloorMaterial_FLOOR_MATERIAL_WOOD_PLANK
		}
	case q < -0.15:
		if java {
			hs.FloorMaterial = assetv1.FloorMaterial_FLOOR_MATERIAL_CEMENT_BRICK
		} else {
			hs.FloorMaterial = assetv1.FloorMaterial_FLOOR_MATERIAL_WOOD_PLANK
		}
	case q < 0.55:
		hs.FloorMaterial = assetv1.FloorMaterial_FLOOR_MATERIAL_CEMENT_BRICK
		if bernoulli(r, 0.2) {
			hs.FloorMaterial = assetv1.FloorMaterial_FLOOR_MATERIAL_TILE_TERRAZZO
		}
	case q < 2.5:
		hs.FloorMaterial = assetv1.FloorMaterial_FLOOR_MATERIAL_CERAMIC
	default:
		hs.FloorMaterial = []assetv1.FloorMaterial{assetv1.FloorMaterial_FLOOR_MATERIAL_CERAMIC,
			assetv1.FloorMaterial_FLOOR_MATERIAL_MARBLE_GRANITE, assetv1.FloorMaterial_FLOOR_MATERIAL_PARQUET_VINYL}[pick(r, []float64{5, 3, 2})]
	}
	if bernoulli(r, 0.003) {
		hs.FloorMaterial = assetv1.FloorMaterial_FLOOR_MATERIAL_OTHER
	}

	q = w + 0.55*r.NormFloat64() + 0.2*b2f(urban)
	switch {
	case q < -0.6:
		switch {
		case java:
			hs.WallMaterial = []assetv1.WallMaterial{assetv1.WallMaterial_WALL_MATERIAL_WOVEN_BAMBOO, assetv1.WallMaterial_WALL_MATERIAL_BAMBOO}[r.IntN(2)]
		case c.prov.code >= "91":
			hs.WallMaterial = []assetv1.WallMaterial{assetv1.WallMaterial_WALL_MATERIAL_WOOD_BOARD, assetv1.WallMaterial_WALL_MATERIAL_LOG}[r.IntN(2)]
		default:
			hs.WallMaterial = []assetv1.WallMaterial{assetv1.WallMaterial_WALL_MATERIAL_WOOD_BOARD, assetv1.WallMaterial_WALL_MATERIAL_WOVEN_BAMBOO}[r.IntN(2)]
		}
	case q < -0.1:
		switch {
		case java && bernoulli(r, 0.35):
			hs.WallMaterial = assetv1.WallMaterial_WALL_MATERIAL_PLASTERED_BAMBOO_WIRE
		case !java && bernoulli(r, 0.6):
			hs.WallMaterial = assetv1.WallMaterial_WALL_MATERIAL_WOOD_BOARD
		default:
			hs.WallMaterial = assetv1.WallMaterial_WALL_MATERIAL_MASONRY
		}
	default:
		hs.WallMaterial = assetv1.WallMaterial_WALL_MATERIAL_MASONRY
	}

	q = w + 0.6*r.NormFloat64()
	switch {
	case java && q < -0.4:
		hs.RoofMaterial = []assetv1.RoofMaterial{assetv1.RoofMaterial_ROOF_MATERIAL_CLAY_TILE, assetv1.RoofMaterial_ROOF_MATERIAL_ASBESTOS}[pick(r, []float64{6, 4})]
	case java && q > 2.2 && urban:
		hs.RoofMaterial = []assetv1.RoofMaterial{assetv1.RoofMaterial_ROOF_MATERIAL_CONCRETE, assetv1.RoofMaterial_ROOF_MATERIAL_METAL_TILE}[r.IntN(2)]
	case java:
		hs.RoofMaterial = []assetv1.RoofMaterial{assetv1.RoofMaterial_ROOF_MATERIAL_CLAY_TILE, assetv1.RoofMaterial_ROOF_MATERIAL_METAL_TILE,
			assetv1.RoofMaterial_ROOF_MATERIAL_CEMENT_TILE}[pick(r, []float64{7, 2, 1})]
	case q < -0.9 && !urban:
		hs.RoofMaterial = []assetv1.RoofMaterial{assetv1.RoofMaterial_ROOF_MATERIAL_STRAW_PALM, assetv1.RoofMaterial_ROOF_MATERIAL_ZINC,
			assetv1.RoofMaterial_ROOF_MATERIAL_WOOD_SHINGLE, assetv1.RoofMaterial_ROOF_MATERIAL_BAMBOO}[pick(r, []float64{3, 5, 1, 1})]
	case q > 1.8:
		hs.RoofMaterial = []assetv1.RoofMaterial{assetv1.RoofMaterial_ROOF_MATERIAL_METAL_TILE, assetv1.RoofMaterial_ROOF_MATERIAL_CONCRETE,
			assetv1.RoofMaterial_ROOF_MATERIAL_ZINC}[pick(r, []float64{5, 2, 3})]
	default:
		hs.RoofMaterial = []assetv1.RoofMaterial{assetv1.RoofMaterial_ROOF_MATERIAL_ZINC, assetv1.RoofMaterial_ROOF_MATERIAL_ASBESTOS,
			assetv1.RoofMaterial_ROOF_MATERIAL_METAL_TILE}[pick(r, []float64{7, 2, 1})]
	}
	cond := func() assetv1.Condition {
		if w+0.6*r.NormFloat64() > -0.35 {
			return assetv1.Condition_CONDITION_GOOD
		}
		return assetv1.Condition_CONDITION_POOR
	}
	hs.FloorCondition, hs.WallCondition, hs.RoofCondition = cond(), cond(), cond()

	switch {
	case head.formal && (head.occ == registryv1.Occupation_OCCUPATION_MILITARY || head.occ == registryv1.Occupation_OCCUPATION_POLICE ||
		head.occ == registryv1.Occupation_OCCUPATION_CIVIL_SERVANT) && bernoulli(r, 0.12):
		hs.Tenure = assetv1.Tenure_TENURE_OFFICIAL
	case urban:
		rent := 0.16 + 0.15*b2f(head.age < 35)
		hs.Tenure = []assetv1.Tenure{assetv1.Tenure_TENURE_OWNED, assetv1.Tenure_TENURE_RENTED, assetv1.Tenure_TENURE_RENT_FREE,
			assetv1.Tenure_TENURE_OTHER}[pick(r, []float64{1 - rent - 0.07, rent, 0.065, 0.005})]
	default:
		hs.Tenure = []assetv1.Tenure{assetv1.Tenure_TENURE_OWNED, assetv1.Tenure_TENURE_RENTED, assetv1.Tenure_TENURE_RENT_FREE,
			assetv1.Tenure_TENURE_OTHER}[pick(r, []float64{0.89, 0.025, 0.08, 0.005})]
	}

	q = w + 0.7*r.NormFloat64()
	var water []float64 // in DrinkingWaterSource order 1..12
	if urban {
		water = []float64{
			12 * logistic((q-1.6)/0.4), 42, 14 + 6*b2f(q > 1), 4, 14, 8,
			2 * b2f(q < 0), 0.5, 0.3 * b2f(q < 0), 0.2 * b2f(q < 0), 0.5, 0.5}
	} else {
		water = []float64{
			3 * logistic((q-1.8)/0.4), 16, 5, 4, 20, 26,
			8 * logistic(-q/0.5), 9, 5 * logistic(-q/0.5), 3 * logistic(-q/0.5), 3 * b2f(!java), 0.5}
	}
	hs.DrinkingWater = assetv1.DrinkingWaterSource(1 + pick(r, water))

	pNon := remoteness(c.prov.code) * (1.5 - 1.2*b2f(urban)) * (1.4 - 0.6*b2f(w > 0))
	pUnmetered := 0.025 * (1 + 2*b2f(w < 0))
	switch x := r.Float64(); {
	case x < pNon*0.75:
		hs.Lighting = assetv1.LightingSource_LIGHTING_SOURCE_NON_PLN
	case x < pNon:
		hs.Lighting = assetv1.LightingSource_LIGHTING_SOURCE_NO_ELECTRICITY
	case x < pNon+pUnmetered:
		hs.Lighting = assetv1.LightingSource_LIGHTING_SOURCE_PLN_UNMETERED
	default:
		hs.Lighting = assetv1.LightingSource_LIGHTING_SOURCE_PLN_METERED
	}
	hs.ElectricityPower = assetv1.ElectricityPower_ELECTRICITY_POWER_NONE
	if hs.Lighting == assetv1.LightingSource_LIGHTING_SOURCE_PLN_METERED {
		q = w + 0.45*r.NormFloat64()
		switch {
		case q < 0.3:
			hs.ElectricityPower = assetv1.ElectricityPower_ELECTRICITY_POWER_VA_450
		case q < 1.2:
			hs.ElectricityPower = assetv1.ElectricityPower_ELECTRICITY_POWER_VA_900
		case q < 1.75:
			hs.ElectricityPower = assetv1.ElectricityPower_ELECTRICITY_POWER_VA_1300
		case q < 2.3:
			hs.ElectricityPower = assetv1.ElectricityPower_ELECTRICITY_POWER_VA_2200
		default:
			hs.ElectricityPower = assetv1.ElectricityPower_ELECTRICITY_POWER_ABOVE_2200
		}
		if bernoulli(r, 0.85) {
			hs.PlnCustomerId = plnCustomerID(c)
		}
	}

	q = w + 0.5*r.NormFloat64()
	remote := remoteness(c.prov.code) > 0.05
	fire := logistic(-(q+0.2)/0.3) * (0.1 + 0.5*b2f(!urban)) * (1 + 0.8*b2f(remote))
	fuel := []float64{ // CookingFuel order 1..11
		0.1 * logistic((q-2.3)/0.3), 0.5 * logistic((q-2.0)/0.3), 80, 1 * b2f(urban), 0.2, 1 + 4*b2f(remote),
		0.2, 0.5, 100 * fire / math.Max(1-fire, 0.05), 1 * b2f(urban), 0.3}
	hs.CookingFuel = assetv1.CookingFuel(1 + pick(r, fuel))

	q = w + 0.6*r.NormFloat64()
	hs.Toilet = assetv1.ToiletFacility_TOILET_FACILITY_PRIVATE
	switch x := r.Float64(); {
	case q < -0.5 && x < 0.25*(1+b2f(remote)):
		hs.Toilet = assetv1.ToiletFacility_TOILET_FACILITY_NONE
	case q < 0 && x < 0.4:
		hs.Toilet = assetv1.ToiletFacility_TOILET_FACILITY_SHARED
	case urban && x < 0.03:
		hs.Toilet = assetv1.ToiletFacility_TOILET_FACILITY_PUBLIC
	}
	switch {
	case hs.Toilet == assetv1.ToiletFacility_TOILET_FACILITY_NONE:
		hs.Sewage = []assetv1.SewageDisposal{assetv1.SewageDisposal_SEWAGE_DISPOSAL_OPEN_GROUND,
			assetv1.SewageDisposal_SEWAGE_DISPOSAL_SURFACE_WATER}[pick(r, []float64{6, 4})]
	default:
		hs.Sewage = assetv1.SewageDisposal(1 + pick(r, []float64{
			75 + 10*b2f(q > 0.5), 3 * b2f(urban), 10 * b2f(!urban), 6 * b2f(q < 0.5), 1, 0.5}))
	}
	h.Housing = hs

	// Holdings: livestock (rural savings) and durable goods.
	ho := &assetv1.Holdings{KkNumber: kk, Source: SourceBPS, ObservationDate: survey,
		Livestock: &assetv1.Livestock{}, Goods: &assetv1.DurableGoods{}}
	farm := head.occ == registryv1.Occupation_OCCUPATION_FARMER
	if !urban || bernoulli(r, 0.1) {
		if bernoulli(r, 0.35+0.2*b2f(farm)) {
			ho.Livestock.Poultry = int32(1 + poisson(r, 8))
		}
		if bernoulli(r, (0.08+0.12*b2f(farm))*logistic(w+0.5)) {
			ho.Livestock.GoatSheep = int32(1 + poisson(r, 3))
		}
		cattleArea := map[string]float64{"35": 2, "52": 2.5, "53": 2.5, "51": 1.8, "73": 1.8, "34": 1.5, "33": 1.3}[c.prov.code]
		if bernoulli(r, 0.06*math.Max(cattleArea, 1)*(0.5+b2f(farm))*logistic(w)) {
			ho.Livestock.Cattle = int32(1 + poisson(r, 1.5+0.8*math.Max(w, 0)))
		}
		if c.prov.code < "21" || c.prov.code >= "72" && c.prov.code <= "76" || c.prov.code == "53" {
			if bernoulli(r, 0.03*(0.5+b2f(farm))) {
				ho.Livestock.Buffalo = int32(1 + poisson(r, 1))
			}
		}
		if c.prov.pigs && bernoulli(r, 0.3) {
			ho.Livestock.Pig = int32(1 + poisson(r, 2))
		}
		if (c.prov.code == "52" || c.prov.code == "53" || c.prov.code == "73") && bernoulli(r, 0.02) {
			ho.Livestock.Horse = int32(1 + poisson(r, 0.5))
		}
	}
	own := func(threshold, scale float64) bool {
		return bernoulli(r, logistic((w+0.35*r.NormFloat64()-threshold)/scale))
	}
	students := 0
	for _, m := range c.members {
		if m.school >= 3 {
			students++
		}
	}
	ho.Goods.Television = own(-1.4, 0.5)
	ho.Goods.Telephone = own(-1.8, 0.5)
	ho.Goods.Refrigerator = own(0.45, 0.5)
	ho.Goods.AirConditioner = own(2.0+0.6*b2f(!urban), 0.35)
	ho.Goods.WaterHeater = own(2.5, 0.35)
	ho.Goods.Computer = own(1.9-0.3*float64(min(students, 2)), 0.4)
	ho.Goods.GasCylinderLarge = own(2.0, 0.35)
	ho.GoldOrSavings = own(1.2, 0.6)
	h.Holdings = ho

	g.land(c, h)
	g.vehicles(c, h)
}

// owner returns a living adult owner: the head, sometimes the spouse.
func ownerOf(c *core) *member {
	if sp := c.spouse(); sp != nil && !sp.deceased && bernoulli(c.r, 0.25) {
		return sp
	}
	return c.head() // a deceased head may still own land: the record is flagged
}

func (g *Generator) land(c *core, h *Household) {
	r, w, ref := c.r, c.w, g.cfg.ReferenceDate
	obs := date(ref.AddDate(0, 0, -intBetween(r, 0, 60)))
	urban := c.village.urban
	n := 0
	add := func(area, perSqm float64, region string, elsewhere bool) {
		n++
		h.Land = append(h.Land, &assetv1.LandParcel{
			CertificateId:   fmt.Sprintf("SHM-%s-%09d-%d", c.dist.code6, c.index, n),
			OwnerNik:        ownerOf(c).nik,
			Source:          SourceATRBPN,
			ObservationDate: obs,
			AreaSqm:         roundTo(area, 1),
			NjopValue:       int64(roundTo(area*perSqm, 1000)),
			RegionCode:      region,
			HouseElsewhere:  elsewhere,
		})
	}
	price := func(base float64) float64 { return base * math.Exp(0.25*w+0.3*r.NormFloat64()) }
	if h.Housing.Tenure == assetv1.Tenure_TENURE_OWNED && bernoulli(r, 0.7*logistic((w+0.5)/0.6)) {
		area := h.Housing.FloorAreaSqm * uniform(r, 1.2, 3+2*b2f(!urban))
		base := 150_000.0
		if urban {
			base = 1_500_000
		}
		add(area, price(base), c.village.code, false)
	}
	head := c.head()
	if head.occ == registryv1.Occupation_OCCUPATION_FARMER && bernoulli(r, 0.35+0.4*logistic(w)) {
		k := 1 + poisson(r, 0.4)
		for j := 0; j < k; j++ {
			area := clamp(math.Exp(math.Log(2500)+0.5*w+0.7*r.NormFloat64()), 100, 500_000)
			v := c.dist.villages[r.IntN(len(c.dist.villages))].code
			add(area, price(40_000), v, false)
		}
	}
	if bernoulli(r, 0.5*logistic((w-2.0)/0.4)) {
		k := 1 + poisson(r, 0.5)
		for j := 0; j < k; j++ {
			v := c.dist.villages[r.IntN(len(c.dist.villages))].code
			add(uniform(r, 120, 2000), price(1_000_000), v, bernoulli(r, 0.6))
		}
	}
}

var (
	wmiMotorcycle = []string{"MH1", "MH3", "MH8", "MH4"} // Astra Honda, Yamaha, Suzuki, Kawasaki Indonesia
	wmiCar        = []string{"MHF", "MHK", "MHR", "MK2", "MHY"}
	wmiTruck      = []string{"MHM", "MJE"}
)

func (g *Generator) vehicles(c *core, h *Household) {
	r, w, ref := c.r, c.w, g.cfg.ReferenceDate
	obs := date(ref.AddDate(0, 0, -intBetween(r, 0, 45)))
	var adults []*member
	for _, m := range c.members {
		if !m.deceased && m.age >= 17 {
			adults = append(adults, m)
		}
	}
	if len(adults) == 0 {
		adults = []*member{c.head()}
	}
	k := 0
	add := func(t assetv1.VehicleType, owner *member, newValue float64, plate bool, wmi []string) {
		k++
		age := int(math.Min(r.ExpFloat64()*6, 35))
		v := &assetv1.Vehicle{
			OwnerNik:        owner.nik,
			Source:          SourceKorlantas,
			ObservationDate: obs,
			Type:            t,
			Year:            int32(ref.Year() - age),
			EstimatedValue:  int64(roundTo(newValue*math.Pow(0.88, float64(age))*math.Exp(0.15*r.NormFloat64()), 1000)),
		}
		if wmi != nil {
			v.FrameNumber = fmt.Sprintf("%s%02d%010d%02d", wmi[r.IntN(len(wmi))], int(t), c.index, k)
		} else {
			v.Source = SourceBPS
			v.FrameNumber = fmt.Sprintf("SRV-%d-%010d-%02d", int(t), c.index, k)
		}
		if plate {
			v.PlateNumber = fmt.Sprintf("%s %d %s", c.prov.plate, intBetween(r, 1, 9999), plateLetters(r))
		}
		h.Vehicles = append(h.Vehicles, v)
	}
	motos := min(poisson(r, math.Exp(0.15+0.35*clamp(w, -2, 3))*(0.75+0.25*b2f(!c.village.urban))), 6)
	for j := 0; j < motos; j++ {
		add(assetv1.VehicleType_VEHICLE_TYPE_MOTORCYCLE, adults[j%len(adults)], 22_000_000*math.Exp(0.15*math.Max(w, 0)), true, wmiMotorcycle)
	}
	cars := 0
	if bernoulli(r, logistic((w-1.9)/0.45)) {
		cars = 1
		if w > 2.8 && bernoulli(r, 0.4) {
			cars = 2
		}
	}
	for j := 0; j < cars; j++ {
		add(assetv1.VehicleType_VEHICLE_TYPE_CAR, c.head(), 200_000_000*math.Exp(0.35*math.Max(w-1.5, 0)), true, wmiCar)
	}
	head := c.head()
	if (head.occ == registryv1.Occupation_OCCUPATION_TRADER || head.occ == registryv1.Occupation_OCCUPATION_SELF_EMPLOYED) && bernoulli(r, 0.03) {
		add(assetv1.VehicleType_VEHICLE_TYPE_TRUCK, head, 350_000_000, true, wmiTruck)
	}
	if bernoulli(r, 0.2) {
		add(assetv1.VehicleType_VEHICLE_TYPE_BICYCLE, adults[r.IntN(len(adults))], 1_500_000, false, nil)
	}
	for _, m := range c.members {
		if m.occ == registryv1.Occupation_OCCUPATION_FISHER && !m.deceased && bernoulli(r, 0.7) {
			add(assetv1.VehicleType_VEHICLE_TYPE_BOAT, m, 15_000_000, false, nil)
			if bernoulli(r, 0.6) {
				add(assetv1.VehicleType_VEHICLE_TYPE_OUTBOARD_MOTOR, m, 9_000_000, false, nil)
			}
			break
		}
	}
}

func plateLetters(r interface{ IntN(int) int }) string {
	n := 1 + r.IntN(3)
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('A' + r.IntN(26))
	}
	return string(b)
}
