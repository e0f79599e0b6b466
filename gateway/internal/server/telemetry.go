package server

import (
	"strings"

	"go.opentelemetry.io/otel/attribute"

	"github.com/dtsen-id/dtsen/services/platform/privacy"
)

func attrURLPath(p string) attribute.KeyValue    { return attribute.String("url.path", p) }
func attrRoute(r string) attribute.KeyValue      { return attribute.String("http.route", r) }
func attrRequestID(id string) attribute.KeyValue { return attribute.String("dtsen.request_id", id) }

// redactPath masks every run of 16 digits (a NIK or a KK number) in an URL
// path with privacy.MaskNIK, keeping the region prefix for debugging:
// /v1/persons/3204121505900001 -> /v1/persons/320412********01.
func redactPath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); {
		if !isDigit(p[i]) {
			b.WriteByte(p[i])
			i++
			continue
		}
		j := i
		for j < len(p) && isDigit(p[j]) {
			j++
		}
		run := p[i:j]
		if len(run) >= 16 {
			if len(run) == 16 {
				run = privacy.MaskNIK(run)
			} else {
				run = strings.Repeat("*", len(run))
			}
		}
		b.WriteString(run)
		i = j
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
