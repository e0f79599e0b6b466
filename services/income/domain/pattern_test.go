package domain

import (
	"regexp"
	"testing"
)

// The hand-written patterns accept exactly what the regular expressions
// they replace accept.
func TestPatternsMatchTheirRegexps(t *testing.T) {
	inputs := []string{"", "a", "A", "0", "bps", "bpjs-tk", "bpjs_tk", "b.p", "-a", "_a", ".a", "a.", "a b", "susenas-2026.03",
		"2026-01", "2026-12", "2026-13", "2026-00", "2026-1", "20261-01", "2026/01", "abcd-01", "2026-01 ", "é", "a\n",
		"a123456789012345678901234567890123456789012345678901234567890123", "a1234567890123456789012345678901234567890123456789012345678901234"}
	for _, tc := range []struct {
		name string
		got  matcher
		want *regexp.Regexp
	}{
		{"agency", agencyPattern, regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)},
		{"id", idPattern, regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)},
		{"month", monthPattern, regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)},
	} {
		for _, in := range inputs {
			if tc.got.MatchString(in) != tc.want.MatchString(in) {
				t.Errorf("%s(%q) = %v, regexp says %v", tc.name, in, tc.got.MatchString(in), tc.want.MatchString(in))
			}
		}
	}
}
