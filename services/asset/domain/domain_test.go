package domain_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/dtsen-id/dtsen/services/asset/domain"
)

var now = time.Date(2025, 7, 1, 3, 0, 0, 0, time.UTC)

const (
	kk  = "3204120000010001"
	nik = "3204120101700001"
)

func rec() domain.Record {
	return domain.Record{Source: "bps", ObservationDate: time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC)}
}

func housing() *domain.Housing {
	return &domain.Housing{KK: kk, FloorAreaSqm: 36, FloorMaterial: domain.FloorCeramic, FloorCondition: domain.ConditionGood,
		WallMaterial: domain.WallMasonry, WallCondition: domain.ConditionGood, RoofMaterial: domain.RoofClayTile,
		RoofCondition: domain.ConditionPoor, Tenure: domain.TenureOwned, Bedrooms: 2, DrinkingWater: domain.WaterRefill,
		Lighting: domain.LightingPLNMetered, Power: domain.PowerVA900, PLNCustomerID: "512345678901",
		CookingFuel: domain.FuelLPG3kg, Toilet: domain.ToiletPrivate, Sewage: domain.SewageSepticTank, Record: rec()}
}

func land() *domain.LandParcel {
	return &domain.LandParcel{CertificateID: "10.05.12.03.1.00123", OwnerNIK: nik, AreaSqm: 120, NJOPValue: 100_000_000,
		RegionCode: "32.04.12.2001", Record: rec()}
}

func vehicle() *domain.Vehicle {
	return &domain.Vehicle{FrameNumber: "MH1JF1234567890", OwnerNIK: nik, Type: domain.VehicleMotorcycle, Year: 2019,
		EstimatedValue: 12_000_000, PlateNumber: "D 1234 ABC", Record: rec()}
}

func holdings() *domain.Holdings {
	return &domain.Holdings{KK: kk, Livestock: domain.Livestock{Cattle: 2, Poultry: 10}, Record: rec()}
}

// want asserts vs holds exactly one violation, on field with reason.
func want(t *testing.T, name string, vs domain.Violations, field, reason string) {
	t.Helper()
	if len(vs) != 1 || vs[0].Field != field || vs[0].Reason != reason {
		t.Errorf("%s: got %v, want exactly %s %s", name, vs, field, reason)
	}
}

func recordCases() []struct {
	name          string
	mut           func(*domain.Record)
	field, reason string
} {
	return []struct {
		name          string
		mut           func(*domain.Record)
		field, reason string
	}{
		{"empty source", func(r *domain.Record) { r.Source = "" }, "source", domain.ReasonSourceInvalid},
		{"upper-case source", func(r *domain.Record) { r.Source = "BPS" }, "source", domain.ReasonSourceInvalid},
		{"no date", func(r *domain.Record) { r.ObservationDate = time.Time{} }, "observation_date", domain.ReasonObservationDateRequired},
		{"future date", func(r *domain.Record) { r.ObservationDate = domain.Today(now).AddDate(0, 0, 1) },
			"observation_date", domain.ReasonObservationDateOutOfRange},
		{"ancient date", func(r *domain.Record) { r.ObservationDate = time.Date(1989, 12, 31, 0, 0, 0, 0, time.UTC) },
			"observation_date", domain.ReasonObservationDateOutOfRange},
	}
}

func TestHousingValidate(t *testing.T) {
	if vs := housing().Validate(now); len(vs) != 0 {
		t.Fatalf("valid housing: %v", vs)
	}
	cases := []struct {
		name          string
		mut           func(*domain.Housing)
		field, reason string
	}{
		{"kk length", func(h *domain.Housing) { h.KK = "320412" }, "kk_number", "KK_INVALID_LENGTH"},
		{"kk serial", func(h *domain.Housing) { h.KK = "3204120000010000" }, "kk_number", "KK_INVALID_SERIAL"},
		{"area zero", func(h *domain.Housing) { h.FloorAreaSqm = 0 }, "floor_area_sqm", domain.ReasonHousingFloorAreaInvalid},
		{"area huge", func(h *domain.Housing) { h.FloorAreaSqm = 10_001 }, "floor_area_sqm", domain.ReasonHousingFloorAreaInvalid},
		{"area NaN", func(h *domain.Housing) { h.FloorAreaSqm = math.NaN() }, "floor_area_sqm", domain.ReasonHousingFloorAreaInvalid},
		{"floor", func(h *domain.Housing) { h.FloorMaterial = 10 }, "floor_material", domain.ReasonHousingFloorMaterialInvalid},
		{"floor cond", func(h *domain.Housing) { h.FloorCondition = 0 }, "floor_condition", domain.ReasonHousingFloorConditionInvalid},
		{"wall", func(h *domain.Housing) { h.WallMaterial = 0 }, "wall_material", domain.ReasonHousingWallMaterialInvalid},
		{"wall cond", func(h *domain.Housing) { h.WallCondition = 3 }, "wall_condition", domain.ReasonHousingWallConditionInvalid},
		{"roof", func(h *domain.Housing) { h.RoofMaterial = -1 }, "roof_material", domain.ReasonHousingRoofMaterialInvalid},
		{"roof cond", func(h *domain.Housing) { h.RoofCondition = 0 }, "roof_condition", domain.ReasonHousingRoofConditionInvalid},
		{"tenure", func(h *domain.Housing) { h.Tenure = 6 }, "tenure", domain.ReasonHousingTenureInvalid},
		{"bedrooms neg", func(h *domain.Housing) { h.Bedrooms = -1 }, "bedrooms", domain.ReasonHousingBedroomsInvalid},
		{"bedrooms many", func(h *domain.Housing) { h.Bedrooms = 51 }, "bedrooms", domain.ReasonHousingBedroomsInvalid},
		{"water", func(h *domain.Housing) { h.DrinkingWater = 13 }, "drinking_water", domain.ReasonHousingDrinkingWaterInvalid},
		{"lighting", func(h *domain.Housing) { h.Lighting = 0; h.PLNCustomerID = "" }, "lighting", domain.ReasonHousingLightingInvalid},
		{"power", func(h *domain.Housing) { h.Power = 7 }, "electricity_power", domain.ReasonHousingPowerInvalid},
		{"metered without power", func(h *domain.Housing) { h.Power = domain.PowerNone }, "electricity_power", domain.ReasonHousingPowerLightingMismatch},
		{"power without meter", func(h *domain.Housing) { h.Lighting = domain.LightingNonPLN; h.PLNCustomerID = "" },
			"electricity_power", domain.ReasonHousingPowerLightingMismatch},
		{"pln id short", func(h *domain.Housing) { h.PLNCustomerID = "12345" }, "pln_customer_id", domain.ReasonHousingPLNCustomerIDInvalid},
		{"pln id letters", func(h *domain.Housing) { h.PLNCustomerID = "51234567890A" }, "pln_customer_id", domain.ReasonHousingPLNCustomerIDInvalid},
		{"pln id unmetered", func(h *domain.Housing) { h.Lighting = domain.LightingPLNUnmetered; h.Power = domain.PowerNone },
			"pln_customer_id", domain.ReasonHousingPLNCustomerIDUnexpected},
		{"fuel", func(h *domain.Housing) { h.CookingFuel = 12 }, "cooking_fuel", domain.ReasonHousingCookingFuelInvalid},
		{"toilet", func(h *domain.Housing) { h.Toilet = 5 }, "toilet", domain.ReasonHousingToiletInvalid},
		{"sewage", func(h *domain.Housing) { h.Sewage = 0 }, "sewage", domain.ReasonHousingSewageInvalid},
	}
	for _, c := range cases {
		h := housing()
		c.mut(h)
		want(t, c.name, h.Validate(now), c.field, c.reason)
	}
	for _, c := range recordCases() {
		h := housing()
		c.mut(&h.Record)
		want(t, "housing "+c.name, h.Validate(now), c.field, c.reason)
	}
}

func TestLandValidate(t *testing.T) {
	if vs := land().Validate(now); len(vs) != 0 {
		t.Fatalf("valid land: %v", vs)
	}
	cases := []struct {
		name          string
		mut           func(*domain.LandParcel)
		field, reason string
	}{
		{"cert empty", func(l *domain.LandParcel) { l.CertificateID = "" }, "certificate_id", domain.ReasonLandCertificateIDInvalid},
		{"cert slash", func(l *domain.LandParcel) { l.CertificateID = "10/5" }, "certificate_id", domain.ReasonLandCertificateIDInvalid},
		{"nik length", func(l *domain.LandParcel) { l.OwnerNIK = "12" }, "owner_nik", "NIK_INVALID_LENGTH"},
		{"nik province", func(l *domain.LandParcel) { l.OwnerNIK = "9904120101700001" }, "owner_nik", "NIK_INVALID_PROVINCE"},
		{"nik date", func(l *domain.LandParcel) { l.OwnerNIK = "3204123102700001" }, "owner_nik", "NIK_INVALID_BIRTH_DATE"},
		{"area zero", func(l *domain.LandParcel) { l.AreaSqm = 0 }, "area_sqm", domain.ReasonLandAreaInvalid},
		{"area inf", func(l *domain.LandParcel) { l.AreaSqm = math.Inf(1) }, "area_sqm", domain.ReasonLandAreaInvalid},
		{"njop negative", func(l *domain.LandParcel) { l.NJOPValue = -1 }, "njop_value", domain.ReasonLandNJOPInvalid},
		{"njop huge", func(l *domain.LandParcel) { l.NJOPValue = domain.MaxNJOPValue + 1 }, "njop_value", domain.ReasonLandNJOPInvalid},
		{"region malformed", func(l *domain.LandParcel) { l.RegionCode = "32.4" }, "region_code", "REGION_CODE_INVALID"},
		{"region province", func(l *domain.LandParcel) { l.RegionCode = "99.04.12.2001" }, "region_code", "REGION_PROVINCE_UNKNOWN"},
		{"region district", func(l *domain.LandParcel) { l.RegionCode = "32.04.12" }, "region_code", "REGION_CODE_NOT_VILLAGE"},
	}
	for _, c := range cases {
		l := land()
		c.mut(l)
		want(t, c.name, l.Validate(now), c.field, c.reason)
	}
	for _, c := range recordCases() {
		l := land()
		c.mut(&l.Record)
		want(t, "land "+c.name, l.Validate(now), c.field, c.reason)
	}
	l := land()
	l.CertificateID = "  10.1 "
	l.Normalize()
	if l.CertificateID != "10.1" {
		t.Errorf("normalized certificate id %q", l.CertificateID)
	}
}

func TestVehicleValidate(t *testing.T) {
	if vs := vehicle().Validate(now); len(vs) != 0 {
		t.Fatalf("valid vehicle: %v", vs)
	}
	cases := []struct {
		name          string
		mut           func(*domain.Vehicle)
		field, reason string
	}{
		{"frame short", func(v *domain.Vehicle) { v.FrameNumber = "AB" }, "frame_number", domain.ReasonVehicleFrameNumberInvalid},
		{"frame lower", func(v *domain.Vehicle) { v.FrameNumber = "mh1abc" }, "frame_number", domain.ReasonVehicleFrameNumberInvalid},
		{"frame long", func(v *domain.Vehicle) { v.FrameNumber = "A123456789012345678901234567890123" }, "frame_number", domain.ReasonVehicleFrameNumberInvalid},
		{"nik serial", func(v *domain.Vehicle) { v.OwnerNIK = "3204120101700000" }, "owner_nik", "NIK_INVALID_SERIAL"},
		{"nik letters", func(v *domain.Vehicle) { v.OwnerNIK = "32041201017000AB" }, "owner_nik", "NIK_NOT_NUMERIC"},
		{"type", func(v *domain.Vehicle) { v.Type = 0 }, "type", domain.ReasonVehicleTypeInvalid},
		{"type unknown", func(v *domain.Vehicle) { v.Type = 7 }, "type", domain.ReasonVehicleTypeInvalid},
		{"year old", func(v *domain.Vehicle) { v.Year = 1899 }, "year", domain.ReasonVehicleYearInvalid},
		{"year future", func(v *domain.Vehicle) { v.Year = 2027 }, "year", domain.ReasonVehicleYearInvalid},
		{"value negative", func(v *domain.Vehicle) { v.EstimatedValue = -5 }, "estimated_value", domain.ReasonVehicleValueInvalid},
		{"value huge", func(v *domain.Vehicle) { v.EstimatedValue = domain.MaxVehicleValue + 1 }, "estimated_value", domain.ReasonVehicleValueInvalid},
		{"plate", func(v *domain.Vehicle) { v.PlateNumber = "D/1234" }, "plate_number", domain.ReasonVehiclePlateInvalid},
	}
	for _, c := range cases {
		v := vehicle()
		c.mut(v)
		want(t, c.name, v.Validate(now), c.field, c.reason)
	}
	for _, c := range recordCases() {
		v := vehicle()
		c.mut(&v.Record)
		want(t, "vehicle "+c.name, v.Validate(now), c.field, c.reason)
	}
	v := vehicle()
	v.Year = 2026 // next year's model is plausible
	if vs := v.Validate(now); len(vs) != 0 {
		t.Errorf("next year's model: %v", vs)
	}
	v.FrameNumber, v.PlateNumber = " mh1jf99 ", " d  12   ab "
	v.Normalize()
	if v.FrameNumber != "MH1JF99" || v.PlateNumber != "D 12 AB" {
		t.Errorf("normalized %q %q", v.FrameNumber, v.PlateNumber)
	}
}

func TestHoldingsValidate(t *testing.T) {
	if vs := holdings().Validate(now); len(vs) != 0 {
		t.Fatalf("valid holdings: %v", vs)
	}
	for _, c := range []struct {
		field string
		mut   func(*domain.Livestock)
	}{
		{"livestock.cattle", func(l *domain.Livestock) { l.Cattle = -1 }},
		{"livestock.buffalo", func(l *domain.Livestock) { l.Buffalo = -1 }},
		{"livestock.horse", func(l *domain.Livestock) { l.Horse = domain.MaxLivestock + 1 }},
		{"livestock.pig", func(l *domain.Livestock) { l.Pig = -2 }},
		{"livestock.goat_sheep", func(l *domain.Livestock) { l.GoatSheep = -1 }},
		{"livestock.poultry", func(l *domain.Livestock) { l.Poultry = domain.MaxLivestock + 1 }},
	} {
		h := holdings()
		c.mut(&h.Livestock)
		want(t, c.field, h.Validate(now), c.field, domain.ReasonLivestockCountInvalid)
	}
	h := holdings()
	h.KK = "32041200000100AB"
	want(t, "kk", h.Validate(now), "kk_number", "KK_NOT_NUMERIC")
	for _, c := range recordCases() {
		h := holdings()
		c.mut(&h.Record)
		want(t, "holdings "+c.name, h.Validate(now), c.field, c.reason)
	}
}

func TestObservationDateInWIT(t *testing.T) {
	// 16:00 UTC on 30 June is already 1 July in WIT: an observation dated 1
	// July is not in the future.
	late := time.Date(2025, 6, 30, 16, 0, 0, 0, time.UTC)
	v := vehicle()
	v.ObservationDate = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	if vs := v.Validate(late); len(vs) != 0 {
		t.Fatalf("%v", vs)
	}
	if _, p := domain.ParseObservationDate("2025-13-01"); p == nil || p.Reason != "DATE_INVALID" {
		t.Fatalf("bad date parsed: %v", p)
	}
}

func TestCrossCheck(t *testing.T) {
	var r domain.Record
	if kk := r.CheckOwner(domain.PersonIdentity{}); kk != "" || r.Match != domain.Unmatched || r.MatchReason != domain.MatchNIKNotRegistered {
		t.Fatalf("unregistered: %+v", r)
	}
	if kk := r.CheckOwner(domain.PersonIdentity{Registered: true, FamilyKK: kk, Deceased: true}); kk != "3204120000010001" ||
		r.Match != domain.Matched || r.MatchReason != "" || !slices.Equal(r.Flags, []string{domain.FlagOwnerDeceased}) {
		t.Fatalf("deceased: %+v", r)
	}
	r.CheckOwner(domain.PersonIdentity{Registered: true, FamilyKK: kk})
	if len(r.Flags) != 0 {
		t.Fatalf("flags stay after a re-check: %v", r.Flags)
	}
	r.CheckFamily(false)
	if r.Match != domain.Unmatched || r.MatchReason != domain.MatchKKNotRegistered {
		t.Fatalf("family: %+v", r)
	}
	r.CheckFamily(true)
	if r.Match != domain.Matched || r.MatchReason != "" {
		t.Fatalf("family registered: %+v", r)
	}
}

func TestSummarize(t *testing.T) {
	old, newer := housing(), housing()
	newer.Source, newer.FloorAreaSqm = "pln", 60
	newer.ObservationDate = old.ObservationDate.AddDate(0, 1, 0)
	var vehicles []*domain.Vehicle
	for range domain.SummaryLimit + 1 {
		vehicles = append(vehicles, vehicle())
	}
	members := []domain.Member{{NIK: "a"}, {NIK: "b"}, {NIK: "c", Deceased: true}}
	s := domain.Summarize(kk, members, &domain.FamilyRecords{Housing: []*domain.Housing{old, newer},
		Holdings: []*domain.Holdings{holdings()}, Vehicles: vehicles})
	if s.MemberCount != 2 || s.Housing != newer || s.FloorAreaPerCapitaSqm != 30 || s.Holdings == nil {
		t.Fatalf("summary %+v", s)
	}
	if !s.Truncated || len(s.Vehicles) != domain.SummaryLimit {
		t.Fatalf("truncation: %v %d", s.Truncated, len(s.Vehicles))
	}
	empty := domain.Summarize(kk, nil, &domain.FamilyRecords{})
	if empty.Housing != nil || empty.FloorAreaPerCapitaSqm != 0 || empty.Truncated {
		t.Fatalf("empty summary %+v", empty)
	}
}

func TestSameData(t *testing.T) {
	a, b := housing(), housing()
	b.Match, b.Version = domain.Matched, 4 // not data
	if !a.SameData(b) {
		t.Fatal("housing differing only in check/version differs")
	}
	b.Sewage = domain.SewagePit
	if a.SameData(b) {
		t.Fatal("changed housing compares equal")
	}
	v, w := vehicle(), vehicle()
	w.ObservationDate = w.ObservationDate.AddDate(0, 0, 1)
	if v.SameData(w) {
		t.Fatal("a new observation date is a change")
	}
	l, m := land(), land()
	m.HouseElsewhere = true
	if l.SameData(m) {
		t.Fatal("changed land compares equal")
	}
	h, i := holdings(), holdings()
	i.Goods.Computer = true
	if h.SameData(i) {
		t.Fatal("changed holdings compare equal")
	}
}
