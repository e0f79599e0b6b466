package domain

import (
	"time"

	rd "github.com/dtsen-id/dtsen/services/registry/domain"
)

// UtilityUsage is one month of a family's utilities (natural key: KK
// number, month): PLN electricity and subsidised 3 kg LPG. Electricity on a
// subsidised tariff and LPG purchases show energy subsidies already received.
type UtilityUsage struct {
	KK                     string
	Month                  string // "2025-06"
	ElectricityKWh         int32
	SubsidisedTariff       bool
	PLNCustomerID          string // ID pelanggan, 12 digits
	SubsidisedLPGPurchases int32
	Common
}

// Bounds: 100,000 kWh a month is far above any household connection
// (a 2,200 VA house uses a few hundred); 100 cylinders a month is more than
// three a day, beyond household cooking.
const (
	MaxElectricityKWh         = 100_000
	MaxSubsidisedLPGPurchases = 100
)

func (u *UtilityUsage) Kind() Kind                 { return KindUtilityUsage }
func (u *UtilityUsage) Meta() *Common              { return &u.Common }
func (u *UtilityUsage) Identity() (string, string) { return "", u.KK }

// Name is `families/{kk}/utilityUsages/{YYYY-MM}`.
func (u *UtilityUsage) Name() string { return "families/" + u.KK + "/utilityUsages/" + u.Month }

// ParseMonth parses "YYYY-MM" strictly, from 2000-01.
func ParseMonth(s string) (time.Time, bool) {
	t, err := time.Parse("2006-01", s)
	if err != nil || t.Format("2006-01") != s || t.Before(earliest) {
		return time.Time{}, false
	}
	return t, true
}

// Validate implements Record.
func (u *UtilityUsage) Validate(now time.Time) Violations {
	vs := kkViolations("kk_number", u.KK)
	vs = append(vs, u.Common.validate(now)...)
	if m, ok := ParseMonth(u.Month); !ok {
		vs = append(vs, Violation{Field: "month", Reason: ReasonUtilityMonthInvalid, Description: "month is YYYY-MM, from 2000-01"})
	} else if m.After(Today(now)) {
		vs = append(vs, Violation{Field: "month", Reason: ReasonUtilityMonthInFuture, Description: "month must not be in the future"})
	}
	vs = append(vs, rangeViolation("electricity_kwh", ReasonUtilityKWhRange, u.ElectricityKWh, 0, MaxElectricityKWh)...)
	vs = append(vs, rangeViolation("subsidised_lpg_purchases", ReasonUtilityLPGRange, u.SubsidisedLPGPurchases, 0, MaxSubsidisedLPGPurchases)...)
	switch {
	case u.PLNCustomerID != "" && !rd.IsDigits(u.PLNCustomerID, 12):
		vs = append(vs, Violation{Field: "pln_customer_id", Reason: ReasonUtilityPLNInvalid,
			Description: "pln_customer_id is the 12-digit PLN customer id"})
	case u.PLNCustomerID == "" && u.SubsidisedTariff:
		vs = append(vs, Violation{Field: "pln_customer_id", Reason: ReasonUtilityPLNRequired,
			Description: "a subsidised tariff must name the PLN customer id it is billed to"})
	}
	return vs
}

// ParseUtilityUsageName checks `families/{kk}/utilityUsages/{YYYY-MM}`.
func ParseUtilityUsageName(field, name string) Violations {
	p, ok := segments(name, 4)
	if !ok || p[0] != "families" || p[2] != "utilityUsages" {
		return nameViolation(field, "families/{kk}/utilityUsages/{YYYY-MM}")
	}
	if _, ok := ParseMonth(p[3]); !ok {
		return nameViolation(field, "families/{kk}/utilityUsages/{YYYY-MM}")
	}
	return kkViolations(field, p[1])
}
