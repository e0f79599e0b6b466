package eligibility

import (
	"strconv"
	"strings"
	"time"
)

// Text is a citizen-facing string in Bahasa Indonesia and English, the two
// languages DESIGN.md §5 requires for anything a citizen reads.
type Text struct {
	ID string `json:"id" yaml:"id"`
	EN string `json:"en" yaml:"en"`
}

// wib is Western Indonesia Time, the zone of the national government's
// calendar. Notice deadlines are instants; only their wording uses a zone.
var wib = time.FixedZone("WIB", 7*3600)

var monthsID = [...]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
	"September", "Oktober", "November", "Desember"}

// formatDate renders an instant as a date and time a citizen can read, e.g.
// "2 Februari 2026 pukul 10.00 WIB" and "2 February 2026, 10:00 WIB".
func formatDate(t time.Time) Text {
	l := t.In(wib)
	return Text{
		ID: strconv.Itoa(l.Day()) + " " + monthsID[l.Month()-1] + " " + strconv.Itoa(l.Year()) +
			" pukul " + l.Format("15.04") + " WIB",
		EN: l.Format("2 January 2006, 15:04") + " WIB",
	}
}

// groupDigits writes n with a thousands separator: Indonesian uses '.',
// English ','.
func groupDigits(n int64, sep byte) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(sep)
		}
		b.WriteByte(c)
	}
	return b.String()
}

func numberText(n int64) Text {
	return Text{ID: groupDigits(n, '.'), EN: groupDigits(n, ',')}
}

// joinList joins names the way each language writes a list: Indonesian puts
// a comma before the conjunction of three or more items ("a, b, atau c"),
// English here does not ("a, b or c").
func joinList(items []string, conj string, serialComma bool) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	case 2:
		return items[0] + " " + conj + " " + items[1]
	}
	head := strings.Join(items[:len(items)-1], ", ")
	if serialComma {
		head += ","
	}
	return head + " " + conj + " " + items[len(items)-1]
}
