package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// validText reports whether s is valid UTF-8 of at most max characters with
// no control (Cc) or format (Cf) characters. Format characters are refused
// too: zero-width and bidi-override characters make two spellings of one
// name look identical, which defeats matching records across agencies.
func validText(s string, max int) bool {
	if len(s) > 4*max || !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	for _, r := range s {
		if unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }
