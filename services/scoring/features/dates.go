package features

import "time"

// The source contexts exchange dates as `YYYY-MM-DD` and months as
// `YYYY-MM` strings. They are parsed by hand: time.Parse costs more than the
// rest of a family's features together, and Build runs for 100 million
// families on every national re-ranking (DESIGN.md §2, "Scale").

// day is a calendar date as a count of days since 1970-01-01.
type day int

// month is a calendar month as year*12 + (month-1).
type month int

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// parseDate parses `YYYY-MM-DD`; ok is false for anything else, including
// impossible dates such as 2025-02-30.
func parseDate(s string) (y, m, d int, ok bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// civilDay converts a proleptic Gregorian date to days since 1970-01-01
// (Howard Hinnant's days_from_civil).
func civilDay(y, m, d int) day {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return day(era*146097 + doe - 719468)
}

// dayOf parses `YYYY-MM-DD` into a day.
func dayOf(s string) (day, bool) {
	y, m, d, ok := parseDate(s)
	if !ok {
		return 0, false
	}
	return civilDay(y, m, d), true
}

// monthOf parses `YYYY-MM` into a month.
func monthOf(s string) (month, bool) {
	if len(s) != 7 || s[4] != '-' {
		return 0, false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	if !ok1 || !ok2 || m < 1 || m > 12 {
		return 0, false
	}
	return month(y*12 + m - 1), true
}

// refDate is the reference date split into the forms the features need.
type refDate struct {
	y, m, d int
	day     day
	month   month
	// schoolYear is the school year running on the date, `YYYY/YYYY`: an
	// Indonesian school year starts in July (as the service-usage context
	// counts it).
	schoolYear string
}

// newRefDate takes the calendar date of t in t's own location: the caller
// decides which day "today" is (the services use WIT; the synthetic
// population uses UTC midnight).
func newRefDate(t time.Time) refDate {
	y, mo, d := t.Date()
	m := int(mo)
	r := refDate{y: y, m: m, d: d, day: civilDay(y, m, d), month: month(y*12 + m - 1)}
	start := y
	if m < 7 {
		start--
	}
	r.schoolYear = itoa4(start) + "/" + itoa4(start+1)
	return r
}

func itoa4(n int) string {
	if n < 0 || n > 9999 {
		return "0000"
	}
	return string([]byte{byte('0' + n/1000), byte('0' + n/100%10), byte('0' + n/10%10), byte('0' + n%10)})
}

// ageAt is the completed years between a `YYYY-MM-DD` birth date and the
// reference date; ok is false for an unparseable or future birth date.
func (r refDate) ageAt(birth string) (int, bool) {
	y, m, d, ok := parseDate(birth)
	if !ok {
		return 0, false
	}
	age := r.y - y
	if r.m < m || (r.m == m && r.d < d) {
		age--
	}
	if age < 0 {
		return 0, false
	}
	return age, true
}
