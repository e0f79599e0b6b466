package pagetoken_test

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/pagetoken"
)

func TestRoundTripAndRefusals(t *testing.T) {
	tok := pagetoken.Encode(`region = "32"`, "32.04.12.2001", "3204120000000001")
	after, err := pagetoken.Decode("test.dtsen.go.id", tok, `region = "32"`, 2)
	if err != nil || len(after) != 2 || after[1] != "3204120000000001" {
		t.Fatalf("round trip: %v %v", after, err)
	}
	for name, c := range map[string]struct {
		token, filter string
		n             int
	}{
		"other filter": {tok, `region = "33"`, 2},
		"garbage":      {"%%%", `region = "32"`, 2},
		"not json":     {"bm90IGpzb24", `region = "32"`, 2},
		"wrong arity":  {tok, `region = "32"`, 1},
	} {
		_, err := pagetoken.Decode("test.dtsen.go.id", c.token, c.filter, c.n)
		if status.Code(err) != codes.InvalidArgument || apierror.ReasonOf(err) != pagetoken.ReasonInvalid {
			t.Errorf("%s: %v", name, err)
		}
	}
}
