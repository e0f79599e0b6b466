package app

import (
	"context"
	"fmt"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/serviceusage/domain"
)

// OpenImport reads the batch header that opens an import stream
// (platform/importer.Messages: the first message must be a valid header, no
// later one may be).
func OpenImport[M any](a *Application, recv func() (M, error), headerOf func(M) *typev1.ImportBatchHeader) (*typev1.ImportBatchHeader, func() (M, error), error) {
	return importer.Messages(a.importer, recv, headerOf)
}

// ImportRecord is one record as decoded from the wire, with the problems
// found while decoding it (a date that does not parse, an empty message).
type ImportRecord struct {
	Record         domain.Record
	Key            string // the record's key for a rejection when Record is nil
	DecodeProblems domain.Violations
}

// KeyFunc gives a record's key in a rejection (masked where personal).
type KeyFunc func(domain.Record) string

// SubmitsFor reports whether the caller may submit records of a source
// agency (auth.Principal.SubmitsFor).
type SubmitsFor func(agency string) bool

// ImportRecords imports one batch. Each record is validated on its own;
// one whose source_agency the caller does not submit for is rejected
// (AGENCY_NOT_OWNER) like any invalid record, so the rest of the batch still
// lands; each chunk's NIKs and KK numbers are cross-checked against the
// registry in one batched lookup; unknown identities are stored UNMATCHED,
// deceased persons flagged (issue 3, "Cross-checks").
func (a *Application) ImportRecords(ctx context.Context, h *typev1.ImportBatchHeader, key KeyFunc, submitsFor SubmitsFor,
	next func() (ImportRecord, error)) (*typev1.ImportSummary, error) {
	now := a.now()
	return importer.Run(ctx, a.importer, h, next, importer.Spec[ImportRecord]{
		Check: func(rec ImportRecord) (string, []*typev1.RecordViolation) {
			vs := rec.DecodeProblems
			k := rec.Key
			if rec.Record != nil {
				k = key(rec.Record)
				vs = mergeProblems(vs, rec.Record.Validate(now))
				vs = ownership(vs, rec.Record.Meta().SourceAgency, submitsFor)
			}
			if len(vs) == 0 {
				return k, nil
			}
			out := make([]*typev1.RecordViolation, len(vs))
			for i, v := range vs {
				out[i] = &typev1.RecordViolation{Field: v.Field, Reason: v.Reason, Description: v.Description}
			}
			return k, out
		},
		// Records with the same natural key are never applied by two
		// chunks at once, so the first in the stream always wins.
		Keys: func(rec ImportRecord) []string { return []string{rec.Record.Name()} },
		// One batched registry lookup per chunk (the shared client caches
		// and splits it into calls of 1,000 keys), before the chunk's
		// transaction opens and overlapping earlier chunks' writes.
		Prepare: func(ctx context.Context, recs []importer.Record[ImportRecord]) error {
			values := make([]domain.Record, len(recs))
			for i, r := range recs {
				values[i] = r.Value.Record
			}
			niks, kks := domain.Keys(values)
			persons, families, err := a.ids.Check(ctx, niks, kks)
			if err != nil {
				return fmt.Errorf("%w: %w", ErrRegistryUnavailable, err)
			}
			ids := domain.Identities{Persons: persons, Families: families}
			for _, v := range values {
				domain.Assess(v, ids)
			}
			return nil
		},
		Apply: func(ctx context.Context, tx *storage.Tx, recs []importer.Record[ImportRecord]) (importer.Outcome, error) {
			batch := make([]importer.Record[domain.Record], len(recs))
			for i, r := range recs {
				batch[i] = importer.Record[domain.Record]{Index: r.Index, Value: r.Value.Record}
			}
			out, err := a.bulk.ApplyImport(ctx, tx, batch)
			if storage.IsUniqueViolation(err) {
				return out, fmt.Errorf("%w: %w", ErrConcurrentChange, err)
			}
			return out, err
		},
	})
}

// ownership puts AGENCY_NOT_OWNER first when the caller does not submit for
// the record's source agency: whatever else is wrong with it, the caller had
// no business sending it. A malformed agency is already reported as such.
func ownership(vs domain.Violations, agency string, submitsFor SubmitsFor) domain.Violations {
	if submitsFor(agency) {
		return vs
	}
	for _, v := range vs {
		if v.Field == "source_agency" {
			return vs
		}
	}
	return append(domain.Violations{{Field: "source_agency", Reason: auth.ReasonAgencyNotOwner,
		Description: "only the integration client of the record's source agency may submit it"}}, vs...)
}

// mergeProblems reports decoding problems first and drops validation
// findings on the same fields, which only restate them.
func mergeProblems(decode, validate domain.Violations) domain.Violations {
	if len(decode) == 0 {
		return validate
	}
	fields := map[string]bool{}
	for _, v := range decode {
		fields[v.Field] = true
	}
	out := append(domain.Violations(nil), decode...)
	for _, v := range validate {
		if !fields[v.Field] {
			out = append(out, v)
		}
	}
	return out
}
