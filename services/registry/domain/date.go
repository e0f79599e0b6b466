package domain

import (
	"strconv"
	"time"
)

const dateLayout = "2006-01-02"

// Etag is derived from the version, e.g. "v3" (AIP-154). It is opaque to
// clients; deriving it from the version lets a write compare etags with one
// integer comparison in SQL.
func Etag(version int64) string {
	return "v" + strconv.FormatInt(version, 10)
}

// DateString formats a date as YYYY-MM-DD, in UTC like every stored date. The
// zero time gives "", which is how an unset death_date goes on the wire.
func DateString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(dateLayout)
}

// ParseDate parses YYYY-MM-DD strictly into UTC midnight. Strict means the
// text must format back to itself, so "2024-2-3", " 2024-02-03" and
// "2024-02-30" are all DATE_INVALID. An empty string is invalid too: callers
// decide whether a date is optional before calling.
func ParseDate(field, s string) (time.Time, *Violation) {
	bad := &Violation{Field: field, Reason: ReasonDateInvalid,
		Description: "a date is written YYYY-MM-DD and must exist in the calendar"}
	if len(s) != len(dateLayout) {
		return time.Time{}, bad
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil || t.Format(dateLayout) != s || t.Year() < 1 {
		return time.Time{}, bad
	}
	return t, nil
}
