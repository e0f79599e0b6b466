package server

import (
	"net/http"
	"net/url"
	"strings"
)

// Query parameter spellings of the AIP-134 update_mask field.
const (
	updateMaskJSON  = "updateMask"
	updateMaskProto = "update_mask"
)

// explicitUpdateMask converts the update mask of a PATCH request to proto
// field names before the generated handler reads it. REST clients name fields
// the way the JSON does (lowerCamelCase, the canonical JSON form of a
// FieldMask), but grpc-gateway copies query values verbatim, and the services
// check proto names ("regionCode" -> "region_code"); snake_case passes
// unchanged. The mask is never inferred from the body (allow_patch_feature is
// off in buf.gen.yaml): an absent mask reaches the service empty, which
// answers UPDATE_MASK_REQUIRED exactly as over gRPC.
func explicitUpdateMask(r *http.Request) *http.Request {
	if r.Method != http.MethodPatch {
		return r
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return r // the generated handler reports the malformed query
	}
	changed := false
	for key, values := range q {
		if key == updateMaskJSON || key == updateMaskProto {
			changed = true
			for i, v := range values {
				values[i] = protoMaskPaths(v)
			}
		}
	}
	if !changed {
		return r
	}
	u := *r.URL
	u.RawQuery = q.Encode()
	r = r.WithContext(r.Context()) // shallow copy; the caller's request keeps its URL
	r.URL = &u
	return r
}

// protoMaskPaths converts a comma-separated list of field mask paths from
// lowerCamelCase to snake_case, segment by segment.
func protoMaskPaths(v string) string {
	if v == "" {
		return v
	}
	paths := strings.Split(v, ",")
	for i, p := range paths {
		var b strings.Builder
		for _, c := range strings.TrimSpace(p) {
			if c >= 'A' && c <= 'Z' {
				b.WriteByte('_')
				c += 'a' - 'A'
			}
			b.WriteRune(c)
		}
		paths[i] = b.String()
	}
	return strings.Join(paths, ",")
}
