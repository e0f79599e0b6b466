package domain

import "time"

// Livestock counts of a family (DESIGN.md §2).
type Livestock struct {
	Cattle, Buffalo, Horse, Pig, GoatSheep, Poultry int32
}

// DurableGoods a family owns (DESIGN.md §2).
type DurableGoods struct {
	GasCylinderLarge bool // LPG cylinder of 5.5 kg or more
	Refrigerator     bool
	AirConditioner   bool
	WaterHeater      bool
	Telephone        bool
	Television       bool
	Computer         bool
}

// Holdings are a family's livestock, durable goods and gold or savings as one
// source observed them, keyed by (KK number, source).
type Holdings struct {
	KK               string
	Livestock        Livestock
	Goods            DurableGoods
	GoldOrSavings10g bool // gold or savings worth at least 10 g of gold
	Record
}

// MaxLivestock bounds one count: larger herds are companies, not households.
const MaxLivestock = 1_000_000

// Validate checks one holdings record on its own.
func (h *Holdings) Validate(now time.Time) Violations {
	var vs Violations
	if v := kkViolation(h.KK); v != nil {
		vs = append(vs, *v)
	}
	vs = append(vs, h.validateRecord(now)...)
	for _, c := range []struct {
		field string
		n     int32
	}{
		{"livestock.cattle", h.Livestock.Cattle}, {"livestock.buffalo", h.Livestock.Buffalo},
		{"livestock.horse", h.Livestock.Horse}, {"livestock.pig", h.Livestock.Pig},
		{"livestock.goat_sheep", h.Livestock.GoatSheep}, {"livestock.poultry", h.Livestock.Poultry},
	} {
		if c.n < 0 || c.n > MaxLivestock {
			vs = append(vs, Violation{Field: c.field, Reason: ReasonLivestockCountInvalid,
				Description: "a livestock count is 0-1,000,000"})
		}
	}
	return vs
}

// SameData reports whether two holdings records hold the same observation.
func (h *Holdings) SameData(o *Holdings) bool {
	return h.KK == o.KK && h.Livestock == o.Livestock && h.Goods == o.Goods && h.GoldOrSavings10g == o.GoldOrSavings10g &&
		h.Source == o.Source && h.ObservationDate.Equal(o.ObservationDate)
}
