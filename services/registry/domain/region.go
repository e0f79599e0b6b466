package domain

import (
	"slices"
	"strconv"
	"strings"
)

// Province is a province of Indonesia with its Kemendagri code.
type Province struct {
	Code, Name string
}

// provinces are the 38 provinces (DESIGN.md §2) in code order. The Papua
// codes are the ones NIKs and KK numbers carry: Papua keeps 94, and the 2022
// new provinces took 92 (Papua Barat Daya) and 95-97, so that numbers issued
// before the split remain valid.
var provinces = []Province{
	{"11", "Aceh"},
	{"12", "Sumatera Utara"},
	{"13", "Sumatera Barat"},
	{"14", "Riau"},
	{"15", "Jambi"},
	{"16", "Sumatera Selatan"},
	{"17", "Bengkulu"},
	{"18", "Lampung"},
	{"19", "Kepulauan Bangka Belitung"},
	{"21", "Kepulauan Riau"},
	{"31", "DKI Jakarta"},
	{"32", "Jawa Barat"},
	{"33", "Jawa Tengah"},
	{"34", "DI Yogyakarta"},
	{"35", "Jawa Timur"},
	{"36", "Banten"},
	{"51", "Bali"},
	{"52", "Nusa Tenggara Barat"},
	{"53", "Nusa Tenggara Timur"},
	{"61", "Kalimantan Barat"},
	{"62", "Kalimantan Tengah"},
	{"63", "Kalimantan Selatan"},
	{"64", "Kalimantan Timur"},
	{"65", "Kalimantan Utara"},
	{"71", "Sulawesi Utara"},
	{"72", "Sulawesi Tengah"},
	{"73", "Sulawesi Selatan"},
	{"74", "Sulawesi Tenggara"},
	{"75", "Gorontalo"},
	{"76", "Sulawesi Barat"},
	{"81", "Maluku"},
	{"82", "Maluku Utara"},
	{"91", "Papua Barat"},
	{"92", "Papua Barat Daya"},
	{"94", "Papua"},
	{"95", "Papua Selatan"},
	{"96", "Papua Tengah"},
	{"97", "Papua Pegunungan"},
}

var provinceByCode = func() map[string]string {
	m := make(map[string]string, len(provinces))
	for _, p := range provinces {
		m[p.Code] = p.Name
	}
	return m
}()

// Provinces returns the 38 provinces in code order. The slice is a copy, so
// callers cannot corrupt the reference data.
func Provinces() []Province { return slices.Clone(provinces) }

// ProvinceName returns the name of the province with the two-digit code.
func ProvinceName(code string) (string, bool) {
	name, ok := provinceByCode[code]
	return name, ok
}

// RegionLevel is the depth of a Kemendagri region code.
type RegionLevel int

const (
	LevelProvince RegionLevel = iota + 1
	LevelRegency
	LevelDistrict
	LevelVillage
)

func (l RegionLevel) String() string {
	switch l {
	case LevelProvince:
		return "province"
	case LevelRegency:
		return "regency"
	case LevelDistrict:
		return "district"
	case LevelVillage:
		return "village"
	}
	return "unknown"
}

const fieldRegionCode = "region_code"

// ParseRegionCode checks a dotted Kemendagri code (DESIGN.md §2): province
// "32", regency/city "32.04", district "32.04.12", village "32.04.12.2001",
// and returns its level. Structure errors are REGION_CODE_INVALID; a
// well-formed code whose province is not one of the 38 is
// REGION_PROVINCE_UNKNOWN.
func ParseRegionCode(code string) (RegionLevel, *Violation) {
	parts := strings.Split(code, ".")
	if len(parts) > int(LevelVillage) {
		return 0, regionInvalid(code, "has more than four parts")
	}
	if !IsDigits(parts[0], 2) {
		return 0, regionInvalid(code, "province must be 2 digits")
	}
	if len(parts) > 1 && !validRegency(parts[1]) {
		return 0, regionInvalid(code, "regency/city must be 01-69 (regency) or 71-99 (city)")
	}
	if len(parts) > 2 && !validDistrict(parts[2]) {
		return 0, regionInvalid(code, "district must be 01-99")
	}
	if len(parts) > 3 && !validVillage(parts[3]) {
		return 0, regionInvalid(code, "village must be 4 digits: 1001-1999 (kelurahan) or 2001-2999 (desa)")
	}
	if _, ok := provinceByCode[parts[0]]; !ok {
		return 0, &Violation{Field: fieldRegionCode, Reason: ReasonRegionProvinceUnknown,
			Description: "province " + parts[0] + " is not one of the 38 provinces"}
	}
	return RegionLevel(len(parts)), nil
}

// ValidateVillageCode checks that code is a valid village-level code, the
// level at which a family lives.
func ValidateVillageCode(code string) *Violation {
	level, v := ParseRegionCode(code)
	if v != nil {
		return v
	}
	if level != LevelVillage {
		return &Violation{Field: fieldRegionCode, Reason: ReasonRegionCodeNotVillage,
			Description: "a " + level.String() + " code was given where a village code (e.g. 32.04.12.2001) is required"}
	}
	return nil
}

func regionInvalid(code, why string) *Violation {
	return &Violation{Field: fieldRegionCode, Reason: ReasonRegionCodeInvalid,
		Description: "region code " + quoteShort(code) + " is malformed: " + why}
}

// validRegion6 checks the undotted region prefix of a NIK or KK number:
// province(2) regency(2) district(2). It returns the reason that fits a NIK
// so that ParseNIK can report the exact part; "" means valid.
func validRegion6(s string) string {
	switch {
	case provinceByCode[s[0:2]] == "":
		return ReasonNIKInvalidProvince
	case !validRegency(s[2:4]):
		return ReasonNIKInvalidRegency
	case !validDistrict(s[4:6]):
		return ReasonNIKInvalidDistrict
	}
	return ""
}

// validRegency: DESIGN.md §2, regencies are numbered 01-69 and cities 71-99,
// so 00 and 70 never occur.
func validRegency(s string) bool {
	if !IsDigits(s, 2) {
		return false
	}
	n := atoi(s)
	return (n >= 1 && n <= 69) || (n >= 71 && n <= 99)
}

func validDistrict(s string) bool {
	return IsDigits(s, 2) && s != "00"
}

// validVillage: Kemendagri village codes are a type digit (1 = kelurahan,
// 2 = desa) followed by a serial that starts at 001, so x000 never occurs.
func validVillage(s string) bool {
	return IsDigits(s, 4) && (s[0] == '1' || s[0] == '2') && s[1:] != "000"
}

// IsDigits reports whether s is exactly n ASCII digits: the shape of every
// Indonesian administrative number (NIK, KK, PLN customer id, region code
// parts). unicode.IsDigit is deliberately not used: it accepts Arabic-Indic
// and other digits that no such number contains.
func IsDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoi parses a short string already checked by isDigits.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// quoteShort quotes s for a description, truncated so that a hostile
// megabyte input does not become a megabyte error message. Never pass a NIK
// or KK number: descriptions end up in logs (DESIGN.md §6).
func quoteShort(s string) string {
	const max = 40
	if len(s) > max {
		return strconv.Quote(s[:max]) + "…"
	}
	return strconv.Quote(s)
}
