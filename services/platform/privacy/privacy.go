// Package privacy masks personal data before it reaches logs, traces or
// role-minimised responses (DESIGN.md §6: nothing in logs or traces contains
// a full NIK; UU 27/2022 on personal data protection).
package privacy

import "strings"

const nikLength = 16

// MaskNIK keeps the 6-digit region code (province, regency, district) and the
// last 2 characters of a NIK, masking the birth date and serial in between:
// 3204121505900001 -> 320412********01. The region prefix stays visible
// because operators need it to route a case; the birth date must not leak.
//
// Input that is not exactly 16 characters is not a NIK we understand, so it
// is masked entirely (length capped at 16, so the mask does not reveal the
// size of arbitrary pasted data).
func MaskNIK(nik string) string {
	r := []rune(nik)
	if len(r) != nikLength {
		return strings.Repeat("*", min(len(r), nikLength))
	}
	return string(r[:6]) + strings.Repeat("*", nikLength-8) + string(r[nikLength-2:])
}

// MaskName keeps the first letter of every word and masks the rest:
// "Budi Santoso" -> "B*** S******". Word separation (spaces) is kept so the
// masked form still reads as a name when a citizen confirms their record.
func MaskName(name string) string {
	var b strings.Builder
	first := true
	for _, c := range name {
		switch {
		case c == ' ' || c == '\t':
			b.WriteRune(c)
			first = true
		case first:
			b.WriteRune(c)
			first = false
		default:
			b.WriteByte('*')
		}
	}
	return b.String()
}
