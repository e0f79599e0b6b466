package domain_test

import (
	"fmt"
	"time"

	"github.com/dtsen-id/dtsen/services/registry/domain"
)

// A woman's NIK carries her birth day plus 40 (DESIGN.md §2), so day 55 is
// the 15th; a malformed NIK reports which part is wrong.
func ExampleParseNIK() {
	now := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)

	n, v := domain.ParseNIK("3204125505900002", now)
	fmt.Println(v == nil, n.RegionCode(), domain.DateString(n.BirthDate), n.Sex == domain.SexFemale, n.Serial)

	_, v = domain.ParseNIK("3204123002900001", now) // 30 February
	fmt.Println(v.Field, v.Reason)

	_, v = domain.ParseNIK("3270121505900001", now) // regency 70 does not exist
	fmt.Println(v.Field, v.Reason)
	// Output:
	// true 32.04.12 1990-05-15 true 0002
	// nik NIK_INVALID_BIRTH_DATE
	// nik NIK_INVALID_REGENCY
}
