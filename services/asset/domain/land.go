package domain

import (
	"regexp"
	"strings"
	"time"

	regdomain "github.com/dtsen-id/dtsen/services/registry/domain"
)

// LandParcel is a land parcel and its owner (ATR/BPN), keyed by its
// certificate id.
type LandParcel struct {
	CertificateID  string
	OwnerNIK       string
	AreaSqm        float64
	NJOPValue      int64 // rupiah
	RegionCode     string
	HouseElsewhere bool
	// OwnerFamilyKK is the owner's family as the registry knows it; empty
	// while UNMATCHED. Derived, never taken from the sender.
	OwnerFamilyKK string
	Record
}

// Bounds: a parcel above 10^10 m² (one million hectares) or an NJOP above
// 10^16 rupiah is a keying error.
const (
	MaxLandAreaSqm = 1e10
	MaxNJOPValue   = 10_000_000_000_000_000
)

// certificatePattern: BPN certificate numbers are dotted or dashed digit
// groups, sometimes with letters; no '/' so the id fits a resource name.
var certificatePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$`)

// ValidCertificateID reports whether id is a well-formed certificate id.
func ValidCertificateID(id string) bool { return certificatePattern.MatchString(id) }

// Normalize trims padding from keys, as agency exports pad fields.
func (l *LandParcel) Normalize() {
	l.CertificateID = strings.TrimSpace(l.CertificateID)
}

// Validate checks one land parcel on its own.
func (l *LandParcel) Validate(now time.Time) Violations {
	var vs Violations
	add := func(field, reason, desc string) {
		vs = append(vs, Violation{Field: field, Reason: reason, Description: desc})
	}
	if !ValidCertificateID(l.CertificateID) {
		add("certificate_id", ReasonLandCertificateIDInvalid, "a certificate id is 1-64 letters, digits, '.' or '-'")
	}
	if v := nikViolation("owner_nik", l.OwnerNIK, now); v != nil {
		vs = append(vs, *v)
	}
	vs = append(vs, l.validateRecord(now)...)
	if !finite(l.AreaSqm) || l.AreaSqm <= 0 || l.AreaSqm > MaxLandAreaSqm {
		add("area_sqm", ReasonLandAreaInvalid, "the area must be more than 0 m² and at most 10^10 m²")
	}
	if l.NJOPValue < 0 || l.NJOPValue > MaxNJOPValue {
		add("njop_value", ReasonLandNJOPInvalid, "the NJOP value is rupiah, 0 to 10^16")
	}
	if v := regdomain.ValidateVillageCode(l.RegionCode); v != nil {
		vs = append(vs, *v)
	}
	return vs
}

// SameData reports whether two parcels hold the same observation.
func (l *LandParcel) SameData(o *LandParcel) bool {
	return l.CertificateID == o.CertificateID && l.OwnerNIK == o.OwnerNIK && l.AreaSqm == o.AreaSqm &&
		l.NJOPValue == o.NJOPValue && l.RegionCode == o.RegionCode && l.HouseElsewhere == o.HouseElsewhere &&
		l.Source == o.Source && l.ObservationDate.Equal(o.ObservationDate)
}
