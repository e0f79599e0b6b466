package importer

import (
	"context"
	"regexp"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/privacy"
	"github.com/dtsen-id/dtsen/services/platform/telemetry"
)

// Outcome label values of dtsen_import_records_total.
const (
	OutcomeAccepted  = "accepted"
	OutcomeUnchanged = "unchanged"
	OutcomeRejected  = "rejected"
)

type instruments struct {
	records    metric.Int64Counter
	rejections metric.Int64Counter
}

var meters = telemetry.Instruments[instruments]{New: func(m metric.Meter) instruments {
	return instruments{
		records: telemetry.Must(m.Int64Counter("dtsen_import_records",
			metric.WithDescription("Imported records by context, source and outcome (accepted, unchanged, rejected), counted when their chunk commits"))),
		rejections: telemetry.Must(m.Int64Counter("dtsen_import_rejections",
			metric.WithDescription("Rejected imported records by context and violation reason (a record with two reasons counts under both)"))),
	}
}}

// contextName is the metrics' context label: the owning context, the first
// label of the ErrorInfo domain ("registry.dtsen.go.id" -> "registry").
func (im *Importer) contextName() string {
	name, _, _ := strings.Cut(im.opts.Domain, ".")
	if name == "" {
		return "unknown"
	}
	return name
}

// reasonPattern is what a violation reason looks like (UPPER_SNAKE); anything
// else is counted as OTHER, so a label can never carry record data.
var reasonPattern = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,63}$`)

// count records a committed chunk: received records by outcome, and each
// rejected record under every distinct reason it was rejected for.
func (im *Importer) count(ctx context.Context, source string, accepted, unchanged int64, rejected ...[]*typev1.RecordRejection) {
	in := meters.Get()
	ctxAttr := attribute.String("context", im.contextName())
	// The source is validated as [a-z][a-z0-9_-]{0,63}; masking keeps even
	// a source that embeds sixteen digits from putting a NIK in a label.
	src := attribute.String("source", privacy.MaskText(source))
	var n int64
	for _, rs := range rejected {
		n += int64(len(rs))
	}
	for outcome, v := range map[string]int64{OutcomeAccepted: accepted, OutcomeUnchanged: unchanged, OutcomeRejected: n} {
		if v > 0 {
			in.records.Add(ctx, v, metric.WithAttributes(ctxAttr, src, attribute.String("outcome", outcome)))
		}
	}
	byReason := map[string]int64{}
	for _, rs := range rejected {
		for _, r := range rs {
			seen := map[string]bool{}
			for _, v := range r.GetViolations() {
				reason := v.GetReason()
				if !reasonPattern.MatchString(reason) {
					reason = "OTHER"
				}
				if !seen[reason] {
					seen[reason] = true
					byReason[reason]++
				}
			}
			if len(seen) == 0 {
				byReason["UNSPECIFIED"]++
			}
		}
	}
	for reason, v := range byReason {
		in.rejections.Add(ctx, v, metric.WithAttributes(ctxAttr, attribute.String("reason", reason)))
	}
}
