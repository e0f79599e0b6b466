package explain

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Text is citizen-facing text in Bahasa Indonesia (ID) and English (EN).
// Indonesian comes first because it is what the citizen reads; English is
// for officers and integrators (DESIGN.md §5).
type Text struct {
	ID string `json:"id"`
	EN string `json:"en"`
}

// number writes x rounded to at most decimals places, without trailing
// zeros, with each language's separators: Indonesian groups thousands with
// '.' and writes decimals after ',', English the other way round.
func number(x float64, decimals int) Text {
	s := strconv.FormatFloat(x, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	intPart, frac, _ := strings.Cut(s, ".")
	id, en := group(intPart, '.'), group(intPart, ',')
	if frac != "" {
		id += "," + frac
		en += "." + frac
	}
	return Text{ID: id, EN: en}
}

func group(digits string, sep byte) string {
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(digits, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(sep)
		}
		b.WriteByte(digits[i])
	}
	return b.String()
}

// rupiah writes a whole-rupiah amount the way each language prints prices:
// "Rp1.250.000" and "Rp1,250,000".
func rupiah(x float64) Text {
	n := number(math.Round(x), 0)
	return Text{ID: "Rp" + n.ID, EN: "Rp" + n.EN}
}

// percent writes a signed percentage with one decimal, e.g. "+12,5%".
func percent(p float64) Text {
	n := number(p, 1)
	sign := ""
	if p > 0 && (n.EN != "0") {
		sign = "+"
	}
	return Text{ID: sign + n.ID + "%", EN: sign + n.EN + "%"}
}

var monthsID = [...]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
	"September", "Oktober", "November", "Desember"}

// date renders a `YYYY-MM-DD` date for reading, "2 Februari 2024" and
// "2 February 2024"; anything else is quoted as it is, since a finding's
// date comes from another context and an unreadable one is still evidence.
func date(s string) Text {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Text{ID: s, EN: s}
	}
	return Text{
		ID: strconv.Itoa(t.Day()) + " " + monthsID[t.Month()-1] + " " + strconv.Itoa(t.Year()),
		EN: t.Format("2 January 2006"),
	}
}

// lowerFirst lower-cases a description's first letter so that it can stand
// inside a sentence, except when the first word is an acronym ("NJOP value
// of the land", "PLN"), which keeps its capitals.
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || !unicode.IsUpper(r) {
		return s
	}
	if r2, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(r2) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// joinID joins clauses as Indonesian writes a list: "a dan b", "a, b, dan c".
func joinID(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	case 2:
		return parts[0] + " dan " + parts[1]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + ", dan " + parts[len(parts)-1]
}

// joinEN joins clauses as British English writes a list: "a, b and c".
func joinEN(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
