package features

import (
	"testing"
	"time"
)

// The hand-written date parsing must agree with the time package on every
// day of two centuries, and reject what time.Parse rejects.
func TestDatesAgreeWithTimePackage(t *testing.T) {
	epoch := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	for d := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2100; d = d.AddDate(0, 0, 1) {
		s := d.Format(time.DateOnly)
		got, ok := dayOf(s)
		want := day(d.Sub(epoch).Hours() / 24)
		if !ok || got != want {
			t.Fatalf("dayOf(%s) = %d, %v; want %d", s, got, ok, want)
		}
		if back := dayString(got); back != s {
			t.Fatalf("dayString(%d) = %s, want %s", got, back, s)
		}
	}
	for _, s := range []string{"", "2025-02-29", "2024-02-30", "2025-13-01", "2025-00-10", "2025-1-01", "2025/01/01", "20a5-01-01", "2025-04-31"} {
		if _, ok := dayOf(s); ok {
			t.Errorf("dayOf(%q) accepted", s)
		}
	}
	for s, want := range map[string]month{"2025-01": 2025 * 12, "2024-12": 2024*12 + 11} {
		if got, ok := monthOf(s); !ok || got != want {
			t.Errorf("monthOf(%s) = %d, %v", s, got, ok)
		}
	}
	for _, s := range []string{"2025-13", "2025-00", "2025-1", "202501"} {
		if _, ok := monthOf(s); ok {
			t.Errorf("monthOf(%q) accepted", s)
		}
	}
}

func TestAgeAndSchoolYear(t *testing.T) {
	ref := newRefDate(time.Date(2025, 2, 28, 23, 0, 0, 0, time.UTC))
	cases := []struct {
		birth string
		age   int
		ok    bool
	}{
		{"2024-02-29", 0, true}, // a leap-day baby is not one on 28 February
		{"2000-02-28", 25, true},
		{"2000-03-01", 24, true},
		{"2025-03-01", 0, false}, // born after the reference date
		{"not a date", 0, false},
	}
	for _, c := range cases {
		if age, ok := ref.ageAt(c.birth); age != c.age || ok != c.ok {
			t.Errorf("ageAt(%s) = %d, %v; want %d, %v", c.birth, age, ok, c.age, c.ok)
		}
	}
	if ref.schoolYear != "2024/2025" {
		t.Errorf("school year on 2025-02-28 = %s", ref.schoolYear)
	}
	if y := newRefDate(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)).schoolYear; y != "2025/2026" {
		t.Errorf("school year on 2025-07-01 = %s", y)
	}
	// The calendar date is taken in the reference time's own location.
	wit := time.FixedZone("WIT", 9*3600)
	if d := newRefDate(time.Date(2025, 6, 30, 20, 0, 0, 0, time.UTC).In(wit)); d.d != 1 || d.m != 7 {
		t.Errorf("20:00 UTC on 30 June is %d-%d in WIT, want 1 July", d.m, d.d)
	}
}
