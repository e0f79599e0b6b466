package domain

import "unicode/utf8"

// Address is a family's street address below the village level.
type Address struct {
	Street, RT, RW, PostalCode string
}

const maxStreet = 200

// Validate checks the parts that are set; every part is optional because
// many desa addresses have no street name or postal code on the KK.
func (a Address) Validate() Violations {
	var vs Violations
	if utf8.RuneCountInString(a.Street) > maxStreet {
		vs = append(vs, Violation{Field: "address.street", Reason: ReasonAddressStreetTooLong,
			Description: "street is at most 200 characters"})
	} else if !validText(a.Street, maxStreet) {
		vs = append(vs, Violation{Field: "address.street", Reason: ReasonAddressStreetInvalid,
			Description: "street must be valid UTF-8 without control characters"})
	}
	if a.RT != "" && !validRTRW(a.RT) {
		vs = append(vs, Violation{Field: "address.rt", Reason: ReasonAddressRTInvalid,
			Description: "RT is 1-3 digits, e.g. 003, and not 000"})
	}
	if a.RW != "" && !validRTRW(a.RW) {
		vs = append(vs, Violation{Field: "address.rw", Reason: ReasonAddressRWInvalid,
			Description: "RW is 1-3 digits, e.g. 011, and not 000"})
	}
	if a.PostalCode != "" && !validPostalCode(a.PostalCode) {
		vs = append(vs, Violation{Field: "address.postal_code", Reason: ReasonAddressPostalCodeInvalid,
			Description: "postal code is 5 digits, 10000-99999"})
	}
	return vs
}

// validRTRW: RT and RW are numbered from 1, so all zeros is no real unit.
func validRTRW(s string) bool {
	if len(s) < 1 || len(s) > 3 || !IsDigits(s, len(s)) {
		return false
	}
	return atoi(s) > 0
}

// validPostalCode: Indonesian postal codes are 5 digits whose first digit is
// a postal region 1-9 (10110 Jakarta ... 99xxx Papua); none starts with 0.
func validPostalCode(s string) bool {
	return IsDigits(s, 5) && s[0] != '0'
}
