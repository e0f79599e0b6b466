package domain

import (
	"regexp"
	"strings"
	"time"
)

// Vehicle is a vehicle and its owner, keyed by its frame number.
type Vehicle struct {
	// FrameNumber is the nomor rangka (VIN/chassis number), or for vehicles
	// without one (bicycles, boats, outboard motors) the hull or serial
	// number the source assigns. Unlike the plate it survives a transfer.
	FrameNumber    string
	OwnerNIK       string
	Type           VehicleType
	Year           int32
	EstimatedValue int64 // rupiah
	PlateNumber    string
	OwnerFamilyKK  string // derived from the registry; empty while UNMATCHED
	Record
}

const (
	// MinVehicleYear: no vehicle in use is older.
	MinVehicleYear = 1900
	// MaxVehicleValue: 10^12 rupiah; anything dearer is a keying error.
	MaxVehicleValue = 1_000_000_000_000
)

var (
	framePattern = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{2,31}$`)
	// platePattern: Indonesian plates are a 1-2 letter region prefix, 1-4
	// digits and up to 3 letters ("D 1234 ABC"); navy, diplomatic and boat
	// registrations vary, so the check is kept to letters, digits, spaces
	// and '-'.
	platePattern = regexp.MustCompile(`^[A-Z0-9][A-Z0-9 -]{0,14}$`)
)

// ValidFrameNumber reports whether s is a well-formed (normalized) frame number.
func ValidFrameNumber(s string) bool { return framePattern.MatchString(s) }

// Normalize upper-cases and trims keys, so "mh1jf..." and "MH1JF..." are
// one vehicle.
func (v *Vehicle) Normalize() {
	v.FrameNumber = strings.ToUpper(strings.TrimSpace(v.FrameNumber))
	v.PlateNumber = strings.ToUpper(strings.Join(strings.Fields(v.PlateNumber), " "))
}

// Validate checks one vehicle on its own.
func (v *Vehicle) Validate(now time.Time) Violations {
	var vs Violations
	add := func(field, reason, desc string) {
		vs = append(vs, Violation{Field: field, Reason: reason, Description: desc})
	}
	if !ValidFrameNumber(v.FrameNumber) {
		add("frame_number", ReasonVehicleFrameNumberInvalid, "a frame number is 3-32 letters, digits or '-'")
	}
	if x := nikViolation("owner_nik", v.OwnerNIK, now); x != nil {
		vs = append(vs, *x)
	}
	vs = append(vs, v.validateRecord(now)...)
	if !v.Type.Valid() {
		add("type", ReasonVehicleTypeInvalid, "type must be a defined vehicle type")
	}
	// Next year's models are sold from the middle of this year.
	if maxYear := int32(Today(now).Year() + 1); v.Year < MinVehicleYear || v.Year > maxYear {
		add("year", ReasonVehicleYearInvalid, "year must be between 1900 and next year")
	}
	if v.EstimatedValue < 0 || v.EstimatedValue > MaxVehicleValue {
		add("estimated_value", ReasonVehicleValueInvalid, "the estimated value is rupiah, 0 to 10^12")
	}
	if v.PlateNumber != "" && !platePattern.MatchString(v.PlateNumber) {
		add("plate_number", ReasonVehiclePlateInvalid, "a plate number is at most 15 letters, digits, spaces or '-'")
	}
	return vs
}

// SameData reports whether two vehicles hold the same observation.
func (v *Vehicle) SameData(o *Vehicle) bool {
	return v.FrameNumber == o.FrameNumber && v.OwnerNIK == o.OwnerNIK && v.Type == o.Type && v.Year == o.Year &&
		v.EstimatedValue == o.EstimatedValue && v.PlateNumber == o.PlateNumber && v.Source == o.Source &&
		v.ObservationDate.Equal(o.ObservationDate)
}
