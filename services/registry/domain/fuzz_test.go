package domain

import (
	"fmt"
	"testing"
	"time"
)

// FuzzParseNIK checks ParseNIK against the NIK rules of DESIGN.md §2
// independently of how it is implemented: anything it accepts must encode
// back to the same digits.
func FuzzParseNIK(f *testing.F) {
	for _, s := range []string{
		"3204121505900001", "3204125505900002", "3204127101900001", "3204122902000001",
		"9701010101990001", "3171011503260001", "3204121505900000", "9904121505900001",
		"3270121505900001", "3204120005900001", "3204127205900001", "3204122902010001",
		"320412150590001", "32041215059000011", "320412150590000٣", "", "\xff\xfe",
	} {
		f.Add(s)
	}
	at := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		n, v := ParseNIK(s, at)
		if v != nil {
			if v.Field != "nik" || v.Reason == "" || n != (NIK{}) {
				t.Fatalf("bad rejection %+v with %+v", v, n)
			}
			return
		}
		if len(s) != 16 {
			t.Fatalf("accepted %d bytes", len(s))
		}
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				t.Fatalf("accepted non-ASCII-digit %q", s)
			}
		}
		day := atoi(s[6:8])
		if wantFemale := day > 40; (n.Sex == SexFemale) != wantFemale || !n.Sex.Valid() {
			t.Fatalf("%q: sex %v for day %d", s, n.Sex, day)
		}
		d := n.BirthDate.Day()
		if n.Sex == SexFemale {
			d += 40
		}
		if got := fmt.Sprintf("%02d%02d%02d", d, int(n.BirthDate.Month()), n.BirthDate.Year()%100); got != s[6:12] {
			t.Fatalf("%q: birth date %v encodes as %s", s, n.BirthDate, got)
		}
		if n.BirthDate.After(at) || n.BirthDate.Location() != time.UTC || n.BirthDate.Hour() != 0 {
			t.Fatalf("%q: birth date %v", s, n.BirthDate)
		}
		if n.Serial == "0000" || n.Serial != s[12:] || n.Region != s[:6] || n.Raw != s {
			t.Fatalf("%q: parts %+v", s, n)
		}
		if _, ok := ProvinceName(s[:2]); !ok {
			t.Fatalf("%q: unknown province accepted", s)
		}
		if lvl, v := ParseRegionCode(n.RegionCode()); v != nil || lvl != LevelDistrict {
			t.Fatalf("%q: region %q: %v", s, n.RegionCode(), v)
		}
	})
}
