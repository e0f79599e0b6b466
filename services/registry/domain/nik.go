package domain

import (
	"time"
	"unicode/utf8"
)

// NIK is a parsed Nomor Induk Kependudukan.
type NIK struct {
	Raw       string
	Region    string    // 6 digits: province(2) regency/city(2) district(2)
	BirthDate time.Time // UTC midnight; the century is inferred, see ParseNIK
	Sex       Sex
	Serial    string // 4 digits, never 0000
}

const fieldNIK = "nik"

// ParseNIK checks the structure of a NIK (DESIGN.md §2): 16 digits; positions
// 1-6 a region code; 7-12 the birth date DDMMYY with 40 added to DD for
// women; 13-16 a serial, never 0000. The first failing part is reported, with
// Field "nik".
//
// A NIK carries only two digits of the year. The century is 20YY unless that
// date is after today, else 19YY. That guess is wrong for people born more
// than a hundred years ago, so NIK.BirthDate is not authoritative: a person's
// own birth date decides the century (see NIK.MatchesBirthDate).
//
// "Today" is now's date in WIT (UTC+9), the first Indonesian time zone to
// reach a new day, so a baby registered anywhere in Indonesia on its birthday
// is never rejected as born in the future, whatever zone the server runs in.
//
// Descriptions never repeat the NIK: they end up in logs (DESIGN.md §6).
func ParseNIK(s string, now time.Time) (NIK, *Violation) {
	// Count runes, not bytes, so that a 16-character string with a non-ASCII
	// digit such as '٣' is reported as not numeric rather than too long.
	if len(s) > 64 || utf8.RuneCountInString(s) != 16 {
		return NIK{}, nikViolation(ReasonNIKInvalidLength, "a NIK has exactly 16 digits")
	}
	if !IsDigits(s, 16) {
		return NIK{}, nikViolation(ReasonNIKNotNumeric, "a NIK contains only the digits 0-9")
	}
	switch validRegion6(s[:6]) {
	case ReasonNIKInvalidProvince:
		return NIK{}, nikViolation(ReasonNIKInvalidProvince, "digits 1-2 are not the code of one of the 38 provinces")
	case ReasonNIKInvalidRegency:
		return NIK{}, nikViolation(ReasonNIKInvalidRegency, "digits 3-4 must be a regency (01-69) or city (71-99)")
	case ReasonNIKInvalidDistrict:
		return NIK{}, nikViolation(ReasonNIKInvalidDistrict, "digits 5-6 must be a district (01-99)")
	}
	birth, sex, ok := nikBirthDate(s[6:12], now)
	if !ok {
		return NIK{}, nikViolation(ReasonNIKInvalidBirthDate,
			"digits 7-12 must be a real past birth date DDMMYY, with 40 added to DD for women")
	}
	if s[12:] == "0000" {
		return NIK{}, nikViolation(ReasonNIKInvalidSerial, "digits 13-16 (serial) must not be 0000")
	}
	return NIK{Raw: s, Region: s[:6], BirthDate: birth, Sex: sex, Serial: s[12:]}, nil
}

// nikBirthDate decodes DDMMYY; DESIGN.md §2: women's NIK day = day + 40, so
// 01-31 is male and 41-71 female.
func nikBirthDate(ddmmyy string, now time.Time) (time.Time, Sex, bool) {
	day, month, yy := atoi(ddmmyy[0:2]), atoi(ddmmyy[2:4]), atoi(ddmmyy[4:6])
	sex := SexMale
	if day > 40 {
		day -= 40
		sex = SexFemale
	}
	if day < 1 || day > 31 || month < 1 || month > 12 {
		return time.Time{}, 0, false
	}
	ty, tm, td := today(now)
	year := 2000 + yy
	if after(year, time.Month(month), day, ty, tm, td) {
		year = 1900 + yy
	}
	d, ok := calendarDate(year, time.Month(month), day)
	if !ok || after(year, time.Month(month), day, ty, tm, td) {
		return time.Time{}, 0, false
	}
	return d, sex, true
}

// MatchesBirthDate reports whether t (a calendar date) is the birth date
// encoded in the NIK. Only day, month and the last two digits of the year are
// compared, because that is all the NIK holds; this keeps people born more
// than a century ago (19YY read as 20YY) valid.
func (n NIK) MatchesBirthDate(t time.Time) bool {
	y, m, d := t.UTC().Date()
	ny, nm, nd := n.BirthDate.Date()
	return d == nd && m == nm && y%100 == ny%100 && y >= 0
}

// RegionCode returns the NIK's district as a dotted code, e.g. "32.04.12".
func (n NIK) RegionCode() string {
	if len(n.Region) != 6 {
		return ""
	}
	return n.Region[0:2] + "." + n.Region[2:4] + "." + n.Region[4:6]
}

// ValidateKK checks a KK (Kartu Keluarga) number: DESIGN.md §2, 16 digits
// whose first 6 are a region code; the last 4 are a serial, never 0000.
// Digits 7-12 are the issue date, which is not checked: DESIGN.md does not
// pin its format down, and a wrong reject would lock a family out.
func ValidateKK(s string) *Violation {
	if len(s) > 64 || utf8.RuneCountInString(s) != 16 {
		return kkViolation(ReasonKKInvalidLength, "a KK number has exactly 16 digits")
	}
	if !IsDigits(s, 16) {
		return kkViolation(ReasonKKNotNumeric, "a KK number contains only the digits 0-9")
	}
	if validRegion6(s[:6]) != "" {
		return kkViolation(ReasonKKInvalidRegion,
			"digits 1-6 must be a region code: a province, regency 01-69 or city 71-99, district 01-99")
	}
	if s[12:] == "0000" {
		return kkViolation(ReasonKKInvalidSerial, "digits 13-16 (serial) must not be 0000")
	}
	return nil
}

func nikViolation(reason, description string) *Violation {
	return &Violation{Field: fieldNIK, Reason: reason, Description: description}
}

func kkViolation(reason, description string) *Violation {
	return &Violation{Field: "kk_number", Reason: reason, Description: description}
}

// wit is Waktu Indonesia Timur, UTC+9, Indonesia's easternmost zone.
var wit = time.FixedZone("WIT", 9*60*60)

// today is the calendar date of now in WIT; see ParseNIK for why.
func today(now time.Time) (int, time.Month, int) {
	return now.In(wit).Date()
}

// todayDate is today as a UTC-midnight date, comparable with stored dates.
func todayDate(now time.Time) time.Time {
	y, m, d := today(now)
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// after compares calendar dates without building a time.Time, so that an
// impossible date (30 Feb) is never normalised into a real one.
func after(y1 int, m1 time.Month, d1 int, y2 int, m2 time.Month, d2 int) bool {
	if y1 != y2 {
		return y1 > y2
	}
	if m1 != m2 {
		return m1 > m2
	}
	return d1 > d2
}

// calendarDate builds the UTC-midnight date and rejects days the month does
// not have (time.Date would silently roll 30 Feb into March).
func calendarDate(y int, m time.Month, d int) (time.Time, bool) {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || t.Month() != m || t.Year() != y {
		return time.Time{}, false
	}
	return t, true
}

// dateOnly truncates t to its calendar date at UTC midnight; dates are
// carried in UTC (see package doc).
func dateOnly(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
