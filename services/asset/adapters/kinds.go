package adapters

import (
	"slices"
	"strings"
	"time"

	"github.com/dtsen-id/dtsen/services/asset/domain"
)

// Event types of the asset context's change feed: `asset.<kind>.<verb>`.
const (
	EventHousingCreated  = "asset.housing.created"
	EventHousingUpdated  = "asset.housing.updated"
	EventHoldingsCreated = "asset.holdings.created"
	EventHoldingsUpdated = "asset.holdings.updated"
	EventLandCreated     = "asset.land_parcel.created"
	EventLandUpdated     = "asset.land_parcel.updated"
	EventVehicleCreated  = "asset.vehicle.created"
	EventVehicleUpdated  = "asset.vehicle.updated"
)

type scanner interface{ Scan(dest ...any) error }

// kind describes how one record kind is stored, so the SQL for reads,
// imports and reconciliation is written once for all four.
type kind[T any] struct {
	table   string
	created string // event types
	updated string
	keyCols []string // the record's own key: one column, or (kk, source)
	// holder is the column that Query.Holder selects, and the column Citus
	// distributes the table by (docs/scale-out.md §4.3): the family's KK,
	// or the owner's NIK.
	holder string
	// keys names the key table (keyCols[0] → holder) of a kind whose own
	// key does not start with its holder: land parcels and vehicles live on
	// their owner's shard, so only the key table says which shard holds a
	// certificate or a frame number, and keeps it unique nationwide. Empty
	// for housing and holdings.
	keys     string
	cols     []string // every column, the primary key's first (pkCols)
	row      func(T) []any
	scan     func(scanner) (T, error)
	key      func(T) [2]string
	holderOf func(T) string // the holder column's value
	meta     func(T) *domain.Record
	resource func(T) string
	family   func(T) string // `families/{kk}`, or "" when unknown
	// same reports whether b would store exactly what a holds, cross-check
	// included.
	same func(a, b T) bool
	// clone returns a deep copy.
	clone func(T) T
}

// metaCols end every table: provenance (besides source), cross-check and version.
var metaCols = []string{"observation_date", "match_status", "match_reason", "flags", "version", "create_time", "update_time"}

func metaRow(r *domain.Record) []any {
	return []any{r.ObservationDate.Format(time.DateOnly), int64(r.Match), r.MatchReason, strings.Join(r.Flags, ","),
		r.Version, r.CreateTime.UnixMicro(), r.UpdateTime.UnixMicro()}
}

// metaScan receives the meta columns of a row.
type metaScan struct {
	obs, reason, flags        string
	match                     int32
	version, created, updated int64
}

func (m *metaScan) dests() []any {
	return []any{&m.obs, &m.match, &m.reason, &m.flags, &m.version, &m.created, &m.updated}
}

func (m *metaScan) into(r *domain.Record) {
	r.ObservationDate, _ = time.Parse(time.DateOnly, m.obs)
	r.Match, r.MatchReason = domain.MatchStatus(m.match), m.reason
	r.Flags = nil
	if m.flags != "" {
		r.Flags = strings.Split(m.flags, ",")
	}
	r.Version = m.version
	r.CreateTime, r.UpdateTime = time.UnixMicro(m.created).UTC(), time.UnixMicro(m.updated).UTC()
}

func familyOf(kk string) string {
	if kk == "" {
		return ""
	}
	return "families/" + kk
}

func withMeta(cols ...string) []string { return append(cols, metaCols...) }

// pkCols are the leading columns of cols that make the stored primary key:
// the record's key, and for a kind with a key table the owner's NIK as well,
// since Citus requires the distribution column in every primary key.
func (k kind[T]) pkCols() []string {
	n := len(k.keyCols)
	if k.keys != "" {
		n++
	}
	return k.cols[:n]
}

var housingKind = kind[*domain.Housing]{
	table: "housing", created: EventHousingCreated, updated: EventHousingUpdated,
	keyCols: []string{"kk", "source"}, holder: "kk",
	cols: withMeta("kk", "source", "floor_area_sqm", "floor_material", "floor_condition", "wall_material", "wall_condition",
		"roof_material", "roof_condition", "tenure", "bedrooms", "drinking_water", "lighting", "electricity_power",
		"pln_customer_id", "cooking_fuel", "toilet", "sewage"),
	row: func(h *domain.Housing) []any {
		return append([]any{h.KK, h.Source, h.FloorAreaSqm, int64(h.FloorMaterial), int64(h.FloorCondition),
			int64(h.WallMaterial), int64(h.WallCondition), int64(h.RoofMaterial), int64(h.RoofCondition), int64(h.Tenure),
			int64(h.Bedrooms), int64(h.DrinkingWater), int64(h.Lighting), int64(h.Power), h.PLNCustomerID,
			int64(h.CookingFuel), int64(h.Toilet), int64(h.Sewage)}, metaRow(&h.Record)...)
	},
	scan: func(s scanner) (*domain.Housing, error) {
		h := &domain.Housing{}
		var m metaScan
		err := s.Scan(append([]any{&h.KK, &h.Source, &h.FloorAreaSqm, &h.FloorMaterial, &h.FloorCondition,
			&h.WallMaterial, &h.WallCondition, &h.RoofMaterial, &h.RoofCondition, &h.Tenure, &h.Bedrooms,
			&h.DrinkingWater, &h.Lighting, &h.Power, &h.PLNCustomerID, &h.CookingFuel, &h.Toilet, &h.Sewage}, m.dests()...)...)
		m.into(&h.Record)
		return h, err
	},
	key:      func(h *domain.Housing) [2]string { return [2]string{h.KK, h.Source} },
	holderOf: func(h *domain.Housing) string { return h.KK },
	meta:     func(h *domain.Housing) *domain.Record { return &h.Record },
	resource: (*domain.Housing).Name,
	family:   func(h *domain.Housing) string { return familyOf(h.KK) },
	clone:    func(x *domain.Housing) *domain.Housing { c := *x; c.Flags = slices.Clone(x.Flags); return &c },
	same:     func(a, b *domain.Housing) bool { return a.SameData(b) && a.SameCheck(&b.Record) },
}

var holdingsKind = kind[*domain.Holdings]{
	table: "holdings", created: EventHoldingsCreated, updated: EventHoldingsUpdated,
	keyCols: []string{"kk", "source"}, holder: "kk",
	cols: withMeta("kk", "source", "cattle", "buffalo", "horse", "pig", "goat_sheep", "poultry", "gas_cylinder_large",
		"refrigerator", "air_conditioner", "water_heater", "telephone", "television", "computer", "gold_or_savings_10g"),
	row: func(h *domain.Holdings) []any {
		l, g := h.Livestock, h.Goods
		return append([]any{h.KK, h.Source, int64(l.Cattle), int64(l.Buffalo), int64(l.Horse), int64(l.Pig),
			int64(l.GoatSheep), int64(l.Poultry), g.GasCylinderLarge, g.Refrigerator, g.AirConditioner, g.WaterHeater,
			g.Telephone, g.Television, g.Computer, h.GoldOrSavings10g}, metaRow(&h.Record)...)
	},
	scan: func(s scanner) (*domain.Holdings, error) {
		h := &domain.Holdings{}
		l, g := &h.Livestock, &h.Goods
		var m metaScan
		err := s.Scan(append([]any{&h.KK, &h.Source, &l.Cattle, &l.Buffalo, &l.Horse, &l.Pig, &l.GoatSheep, &l.Poultry,
			&g.GasCylinderLarge, &g.Refrigerator, &g.AirConditioner, &g.WaterHeater, &g.Telephone, &g.Television,
			&g.Computer, &h.GoldOrSavings10g}, m.dests()...)...)
		m.into(&h.Record)
		return h, err
	},
	key:      func(h *domain.Holdings) [2]string { return [2]string{h.KK, h.Source} },
	holderOf: func(h *domain.Holdings) string { return h.KK },
	meta:     func(h *domain.Holdings) *domain.Record { return &h.Record },
	resource: (*domain.Holdings).Name,
	family:   func(h *domain.Holdings) string { return familyOf(h.KK) },
	clone:    func(x *domain.Holdings) *domain.Holdings { c := *x; c.Flags = slices.Clone(x.Flags); return &c },
	same:     func(a, b *domain.Holdings) bool { return a.SameData(b) && a.SameCheck(&b.Record) },
}

var landKind = kind[*domain.LandParcel]{
	table: "land_parcels", created: EventLandCreated, updated: EventLandUpdated,
	keyCols: []string{"certificate_id"}, holder: "owner_nik", keys: "land_parcel_keys",
	cols: withMeta("certificate_id", "owner_nik", "owner_family_kk", "source", "area_sqm", "njop_value", "region_code",
		"house_elsewhere"),
	row: func(l *domain.LandParcel) []any {
		return append([]any{l.CertificateID, l.OwnerNIK, l.OwnerFamilyKK, l.Source, l.AreaSqm, l.NJOPValue,
			l.RegionCode, l.HouseElsewhere}, metaRow(&l.Record)...)
	},
	scan: func(s scanner) (*domain.LandParcel, error) {
		l := &domain.LandParcel{}
		var m metaScan
		err := s.Scan(append([]any{&l.CertificateID, &l.OwnerNIK, &l.OwnerFamilyKK, &l.Source, &l.AreaSqm,
			&l.NJOPValue, &l.RegionCode, &l.HouseElsewhere}, m.dests()...)...)
		m.into(&l.Record)
		return l, err
	},
	key:      func(l *domain.LandParcel) [2]string { return [2]string{l.CertificateID} },
	holderOf: func(l *domain.LandParcel) string { return l.OwnerNIK },
	meta:     func(l *domain.LandParcel) *domain.Record { return &l.Record },
	resource: (*domain.LandParcel).Name,
	family:   func(l *domain.LandParcel) string { return familyOf(l.OwnerFamilyKK) },
	clone:    func(x *domain.LandParcel) *domain.LandParcel { c := *x; c.Flags = slices.Clone(x.Flags); return &c },
	same: func(a, b *domain.LandParcel) bool {
		return a.SameData(b) && a.SameCheck(&b.Record) && a.OwnerFamilyKK == b.OwnerFamilyKK
	},
}

var vehicleKind = kind[*domain.Vehicle]{
	table: "vehicles", created: EventVehicleCreated, updated: EventVehicleUpdated,
	keyCols: []string{"frame_number"}, holder: "owner_nik", keys: "vehicle_keys",
	cols: withMeta("frame_number", "owner_nik", "owner_family_kk", "source", "vehicle_type", "model_year",
		"estimated_value", "plate_number"),
	row: func(v *domain.Vehicle) []any {
		return append([]any{v.FrameNumber, v.OwnerNIK, v.OwnerFamilyKK, v.Source, int64(v.Type), int64(v.Year),
			v.EstimatedValue, v.PlateNumber}, metaRow(&v.Record)...)
	},
	scan: func(s scanner) (*domain.Vehicle, error) {
		v := &domain.Vehicle{}
		var m metaScan
		err := s.Scan(append([]any{&v.FrameNumber, &v.OwnerNIK, &v.OwnerFamilyKK, &v.Source, &v.Type, &v.Year,
			&v.EstimatedValue, &v.PlateNumber}, m.dests()...)...)
		m.into(&v.Record)
		return v, err
	},
	key:      func(v *domain.Vehicle) [2]string { return [2]string{v.FrameNumber} },
	holderOf: func(v *domain.Vehicle) string { return v.OwnerNIK },
	meta:     func(v *domain.Vehicle) *domain.Record { return &v.Record },
	resource: (*domain.Vehicle).Name,
	family:   func(v *domain.Vehicle) string { return familyOf(v.OwnerFamilyKK) },
	clone:    func(x *domain.Vehicle) *domain.Vehicle { c := *x; c.Flags = slices.Clone(x.Flags); return &c },
	same: func(a, b *domain.Vehicle) bool {
		return a.SameData(b) && a.SameCheck(&b.Record) && a.OwnerFamilyKK == b.OwnerFamilyKK
	},
}
