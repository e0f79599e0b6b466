package domain

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// now is fixed so that century inference and "not in the future" are
// deterministic: 2026-03-15 19:00 WIT.
var now = time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestParseNIK(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		now    time.Time // zero means the package-level now
		reason string    // "" means valid
		birth  time.Time
		sex    Sex
	}{
		{name: "valid male", in: "3204121505900001", birth: date(1990, 5, 15), sex: SexMale},
		{name: "valid female day+40", in: "3204125505900002", birth: date(1990, 5, 15), sex: SexFemale},
		{name: "day 01 male", in: "3204120101900001", birth: date(1990, 1, 1), sex: SexMale},
		{name: "day 31 male", in: "3204123101900001", birth: date(1990, 1, 31), sex: SexMale},
		{name: "day 41 is female 1st", in: "3204124101900001", birth: date(1990, 1, 1), sex: SexFemale},
		{name: "day 71 is female 31st", in: "3204127101900001", birth: date(1990, 1, 31), sex: SexFemale},
		{name: "day 00", in: "3204120005900001", reason: ReasonNIKInvalidBirthDate},
		{name: "day 32", in: "3204123205900001", reason: ReasonNIKInvalidBirthDate},
		{name: "day 40 (female day 0)", in: "3204124005900001", reason: ReasonNIKInvalidBirthDate},
		{name: "day 39", in: "3204123905900001", reason: ReasonNIKInvalidBirthDate},
		{name: "day 72", in: "3204127205900001", reason: ReasonNIKInvalidBirthDate},
		{name: "day 99", in: "3204129905900001", reason: ReasonNIKInvalidBirthDate},
		{name: "month 00", in: "3204121500900001", reason: ReasonNIKInvalidBirthDate},
		{name: "month 13", in: "3204121513900001", reason: ReasonNIKInvalidBirthDate},
		{name: "31 April", in: "3204123104900001", reason: ReasonNIKInvalidBirthDate},
		{name: "female 31 April", in: "3204127104900001", reason: ReasonNIKInvalidBirthDate},
		{name: "30 February", in: "3204123002900001", reason: ReasonNIKInvalidBirthDate},
		{name: "29 Feb 2000 leap (div by 400)", in: "3204122902000001", birth: date(2000, 2, 29), sex: SexMale},
		{name: "29 Feb 2004 leap female", in: "3204126902040001", birth: date(2004, 2, 29), sex: SexFemale},
		{name: "29 Feb 2001 not leap", in: "3204122902010001", reason: ReasonNIKInvalidBirthDate},
		{name: "29 Feb 2023 not leap", in: "3204122902230001", reason: ReasonNIKInvalidBirthDate},
		{name: "29 Feb 28 is 1928, leap", in: "3204122902280001", birth: date(1928, 2, 29), sex: SexMale},
		{name: "born today is 20YY", in: "3204121503260001", birth: date(2026, 3, 15), sex: SexMale},
		{name: "tomorrow falls back to 19YY", in: "3204121603260001", birth: date(1926, 3, 16), sex: SexMale},
		{name: "year 99 is 1999", in: "3204120101990001", birth: date(1999, 1, 1), sex: SexMale},
		{name: "year 00 is 2000", in: "3204120101000001", birth: date(2000, 1, 1), sex: SexMale},
		{
			name: "today in WIT although yesterday in UTC", in: "3204121603260001",
			now: time.Date(2026, 3, 15, 16, 0, 0, 0, time.UTC), birth: date(2026, 3, 16), sex: SexMale,
		},
		{
			name: "future in both centuries", in: "3204121505950001",
			now: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), reason: ReasonNIKInvalidBirthDate,
		},
		{name: "serial 0000", in: "3204121505900000", reason: ReasonNIKInvalidSerial},
		{name: "serial 9999", in: "3204121505909999", birth: date(1990, 5, 15), sex: SexMale},
		{name: "province 99", in: "9904121505900001", reason: ReasonNIKInvalidProvince},
		{name: "province 20", in: "2004121505900001", reason: ReasonNIKInvalidProvince},
		{name: "province 00", in: "0004121505900001", reason: ReasonNIKInvalidProvince},
		{name: "province 93 (not used)", in: "9301121505900001", reason: ReasonNIKInvalidProvince},
		{name: "province 97 Papua Pegunungan", in: "9701121505900001", birth: date(1990, 5, 15), sex: SexMale},
		{name: "regency 00", in: "3200121505900001", reason: ReasonNIKInvalidRegency},
		{name: "regency 70", in: "3270121505900001", reason: ReasonNIKInvalidRegency},
		{name: "regency 69", in: "3269121505900001", birth: date(1990, 5, 15), sex: SexMale},
		{name: "city 71", in: "3271121505900001", birth: date(1990, 5, 15), sex: SexMale},
		{name: "city 99", in: "3299121505900001", birth: date(1990, 5, 15), sex: SexMale},
		{name: "district 00", in: "3204001505900001", reason: ReasonNIKInvalidDistrict},
		{name: "district 99", in: "3204991505900001", birth: date(1990, 5, 15), sex: SexMale},
		{name: "length 15", in: "320412150590001", reason: ReasonNIKInvalidLength},
		{name: "length 17", in: "32041215059000011", reason: ReasonNIKInvalidLength},
		{name: "empty", in: "", reason: ReasonNIKInvalidLength},
		{name: "huge", in: strings.Repeat("1", 1<<20), reason: ReasonNIKInvalidLength},
		{name: "letter", in: "320412150590000a", reason: ReasonNIKNotNumeric},
		{name: "space", in: "3204121505 90001", reason: ReasonNIKNotNumeric},
		{name: "leading space", in: " 320412150590001", reason: ReasonNIKNotNumeric},
		{name: "minus", in: "-204121505900001", reason: ReasonNIKNotNumeric},
		{name: "arabic-indic digit", in: "320412150590000٣", reason: ReasonNIKNotNumeric},
		{name: "fullwidth digit", in: "３204121505900001", reason: ReasonNIKNotNumeric},
		{name: "arabic-indic digits only", in: strings.Repeat("٣", 16), reason: ReasonNIKNotNumeric},
		{name: "arabic-indic, 17 characters", in: "3204121505900001٣", reason: ReasonNIKInvalidLength},
		{name: "invalid UTF-8", in: strings.Repeat("\xff", 16), reason: ReasonNIKNotNumeric},
		{name: "NUL", in: "320412150590000\x00", reason: ReasonNIKNotNumeric},
		// The first failing part wins, in reading order.
		{name: "province before serial", in: "9904121505900000", reason: ReasonNIKInvalidProvince},
		{name: "birth date before serial", in: "3204123205900000", reason: ReasonNIKInvalidBirthDate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := tt.now
			if at.IsZero() {
				at = now
			}
			got, v := ParseNIK(tt.in, at)
			if tt.reason != "" {
				if v == nil {
					t.Fatalf("ParseNIK accepted %q: %+v", tt.in, got)
				}
				if v.Reason != tt.reason || v.Field != "nik" {
					t.Fatalf("got %s on %q, want %s on \"nik\"", v.Reason, v.Field, tt.reason)
				}
				if got != (NIK{}) {
					t.Errorf("a rejected NIK returned %+v", got)
				}
				if len(tt.in) == 16 && strings.Contains(v.Description, tt.in) {
					t.Errorf("description leaks the NIK: %q", v.Description)
				}
				return
			}
			if v != nil {
				t.Fatalf("ParseNIK(%q) = %s: %s", tt.in, v.Reason, v.Description)
			}
			if !got.BirthDate.Equal(tt.birth) || got.BirthDate.Location() != time.UTC {
				t.Errorf("birth date %v, want %v (UTC)", got.BirthDate, tt.birth)
			}
			if got.Sex != tt.sex {
				t.Errorf("sex %v, want %v", got.Sex, tt.sex)
			}
			if got.Raw != tt.in || got.Region != tt.in[:6] || got.Serial != tt.in[12:] {
				t.Errorf("parts %+v", got)
			}
		})
	}
}

func TestParseNIKEveryProvince(t *testing.T) {
	for _, p := range Provinces() {
		if _, v := ParseNIK(p.Code+"01011505900001", now); v != nil {
			t.Errorf("province %s (%s): %s", p.Code, p.Name, v.Reason)
		}
	}
}

func TestNIKRegionCode(t *testing.T) {
	n, v := ParseNIK("3204121505900001", now)
	if v != nil {
		t.Fatal(v)
	}
	if got := n.RegionCode(); got != "32.04.12" {
		t.Fatalf("RegionCode = %q", got)
	}
	if lvl, v := ParseRegionCode(n.RegionCode()); v != nil || lvl != LevelDistrict {
		t.Fatalf("RegionCode is not a district code: %v %v", lvl, v)
	}
	if (NIK{}).RegionCode() != "" {
		t.Fatal("zero NIK has a region code")
	}
}

func TestNIKMatchesBirthDate(t *testing.T) {
	n, _ := ParseNIK("3204120505200001", now) // read as 2020-05-05
	for _, tt := range []struct {
		d    time.Time
		want bool
	}{
		{date(2020, 5, 5), true},
		{date(1920, 5, 5), true}, // a centenarian: the NIK holds only YY
		{date(2020, 5, 6), false},
		{date(2020, 6, 5), false},
		{date(2021, 5, 5), false},
	} {
		if got := n.MatchesBirthDate(tt.d); got != tt.want {
			t.Errorf("MatchesBirthDate(%s) = %v", DateString(tt.d), got)
		}
	}
}

func TestValidateKK(t *testing.T) {
	tests := []struct {
		in, reason string
	}{
		{"3204120101150001", ""},
		{"3271120101150001", ""},
		{"9701010101150001", ""},
		{"320412010115001", ReasonKKInvalidLength},
		{"32041201011500011", ReasonKKInvalidLength},
		{"", ReasonKKInvalidLength},
		{"32041201011500O1", ReasonKKNotNumeric},
		{"320412010115000٣", ReasonKKNotNumeric},
		{"9904120101150001", ReasonKKInvalidRegion},
		{"2004120101150001", ReasonKKInvalidRegion},
		{"3200120101150001", ReasonKKInvalidRegion},
		{"3270120101150001", ReasonKKInvalidRegion},
		{"3204000101150001", ReasonKKInvalidRegion},
		{"3204120101150000", ReasonKKInvalidSerial},
	}
	for _, tt := range tests {
		v := ValidateKK(tt.in)
		switch {
		case tt.reason == "" && v != nil:
			t.Errorf("ValidateKK(%q) = %s", tt.in, v.Reason)
		case tt.reason != "" && v == nil:
			t.Errorf("ValidateKK(%q) accepted, want %s", tt.in, tt.reason)
		case tt.reason != "" && (v.Reason != tt.reason || v.Field != "kk_number"):
			t.Errorf("ValidateKK(%q) = %s on %q, want %s on kk_number", tt.in, v.Reason, v.Field, tt.reason)
		}
	}
}

func TestProvinces(t *testing.T) {
	want := []string{"11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36",
		"51", "52", "53", "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76", "81", "82",
		"91", "92", "94", "95", "96", "97"}
	ps := Provinces()
	var codes []string
	for _, p := range ps {
		codes = append(codes, p.Code)
		if p.Name == "" {
			t.Errorf("province %s has no name", p.Code)
		}
		if name, ok := ProvinceName(p.Code); !ok || name != p.Name {
			t.Errorf("ProvinceName(%s) = %q, %v", p.Code, name, ok)
		}
	}
	if !slices.Equal(codes, want) {
		t.Fatalf("codes = %v\nwant    %v", codes, want)
	}
	for code, name := range map[string]string{
		"11": "Aceh", "32": "Jawa Barat", "91": "Papua Barat", "92": "Papua Barat Daya", "94": "Papua",
		"95": "Papua Selatan", "96": "Papua Tengah", "97": "Papua Pegunungan",
	} {
		if got, _ := ProvinceName(code); got != name {
			t.Errorf("ProvinceName(%s) = %q, want %q", code, got, name)
		}
	}
	for _, code := range []string{"", "00", "20", "93", "99", "3", "320"} {
		if _, ok := ProvinceName(code); ok {
			t.Errorf("ProvinceName(%q) found", code)
		}
	}
	ps[0].Name = "changed"
	if Provinces()[0].Name != "Aceh" {
		t.Fatal("Provinces returns shared storage")
	}
}

func TestParseRegionCode(t *testing.T) {
	tests := []struct {
		in     string
		level  RegionLevel
		reason string
	}{
		{"32", LevelProvince, ""},
		{"32.04", LevelRegency, ""},
		{"32.71", LevelRegency, ""},
		{"32.04.12", LevelDistrict, ""},
		{"32.04.12.2001", LevelVillage, ""},
		{"32.04.12.1001", LevelVillage, ""},
		{"32.04.12.1999", LevelVillage, ""},
		{"97.01.01.2999", LevelVillage, ""},
		{"", 0, ReasonRegionCodeInvalid},
		{"3", 0, ReasonRegionCodeInvalid},
		{"320", 0, ReasonRegionCodeInvalid},
		{"3a", 0, ReasonRegionCodeInvalid},
		{"٣٢", 0, ReasonRegionCodeInvalid},
		{"32.", 0, ReasonRegionCodeInvalid},
		{".32", 0, ReasonRegionCodeInvalid},
		{"32..04", 0, ReasonRegionCodeInvalid},
		{"32,04", 0, ReasonRegionCodeInvalid},
		{"3204", 0, ReasonRegionCodeInvalid},
		{"32.4", 0, ReasonRegionCodeInvalid},
		{"32.00", 0, ReasonRegionCodeInvalid},
		{"32.70", 0, ReasonRegionCodeInvalid},
		{"32.04.00", 0, ReasonRegionCodeInvalid},
		{"32.04.1", 0, ReasonRegionCodeInvalid},
		{"32.04.12.0000", 0, ReasonRegionCodeInvalid},
		{"32.04.12.0001", 0, ReasonRegionCodeInvalid},
		{"32.04.12.3001", 0, ReasonRegionCodeInvalid},
		{"32.04.12.2000", 0, ReasonRegionCodeInvalid},
		{"32.04.12.1000", 0, ReasonRegionCodeInvalid},
		{"32.04.12.200", 0, ReasonRegionCodeInvalid},
		{"32.04.12.20011", 0, ReasonRegionCodeInvalid},
		{"32.04.12.2001.1", 0, ReasonRegionCodeInvalid},
		{" 32.04", 0, ReasonRegionCodeInvalid},
		{"99", 0, ReasonRegionProvinceUnknown},
		{"20.01", 0, ReasonRegionProvinceUnknown},
		{"00.01.01.2001", 0, ReasonRegionProvinceUnknown},
		{"99.70", 0, ReasonRegionCodeInvalid}, // structure is checked before the province list
	}
	for _, tt := range tests {
		level, v := ParseRegionCode(tt.in)
		switch {
		case tt.reason == "" && v != nil:
			t.Errorf("ParseRegionCode(%q) = %s", tt.in, v.Reason)
		case tt.reason == "" && level != tt.level:
			t.Errorf("ParseRegionCode(%q) level %v, want %v", tt.in, level, tt.level)
		case tt.reason != "" && v == nil:
			t.Errorf("ParseRegionCode(%q) accepted at %v, want %s", tt.in, level, tt.reason)
		case tt.reason != "" && (v.Reason != tt.reason || v.Field != "region_code"):
			t.Errorf("ParseRegionCode(%q) = %s on %q, want %s", tt.in, v.Reason, v.Field, tt.reason)
		}
	}
}

func TestValidateVillageCode(t *testing.T) {
	tests := []struct{ in, reason string }{
		{"32.04.12.2001", ""},
		{"31.71.01.1001", ""},
		{"32", ReasonRegionCodeNotVillage},
		{"32.04", ReasonRegionCodeNotVillage},
		{"32.04.12", ReasonRegionCodeNotVillage},
		{"32.04.12.0000", ReasonRegionCodeInvalid},
		{"99.04.12.2001", ReasonRegionProvinceUnknown},
		{"3204122001", ReasonRegionCodeInvalid},
	}
	for _, tt := range tests {
		v := ValidateVillageCode(tt.in)
		got := ""
		if v != nil {
			got = v.Reason
			if v.Field != "region_code" {
				t.Errorf("ValidateVillageCode(%q) field %q", tt.in, v.Field)
			}
		}
		if got != tt.reason {
			t.Errorf("ValidateVillageCode(%q) = %q, want %q", tt.in, got, tt.reason)
		}
	}
}
