// Package pagetoken makes the opaque AIP-158 page tokens of every List call:
// the position after the last item of a page, bound to the filter it was
// issued for, so a token replayed against another query is refused instead of
// silently returning the wrong rows.
package pagetoken

import (
	"encoding/base64"
	"encoding/json"

	"google.golang.org/grpc/codes"

	"github.com/dtsen-id/dtsen/services/platform/apierror"
)

// ReasonInvalid is the ErrorInfo reason for a token that is malformed or
// was issued for another query.
const ReasonInvalid = "PAGE_TOKEN_INVALID"

type token struct {
	Filter string   `json:"f"`
	After  []string `json:"a"`
}

// Encode returns the token that resumes after the given position (the sort
// key of the page's last item) under filter.
func Encode(filter string, after ...string) string {
	b, _ := json.Marshal(token{Filter: filter, After: after})
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode returns the position a token resumes after. It is INVALID_ARGUMENT
// (domain's ErrorInfo) when the token is malformed, was issued under another
// filter, or does not hold a position of n keys.
func Decode(domain, s, filter string, n int) ([]string, error) {
	var t token
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	if err != nil || t.Filter != filter || len(t.After) != n {
		return nil, apierror.New(codes.InvalidArgument, domain, ReasonInvalid).
			Message("page_token is not valid for this query", "page_token tidak berlaku untuk permintaan ini").
			Field("page_token", ReasonInvalid, "use the next_page_token of the previous page, with the same filter").Err()
	}
	return t.After, nil
}
