package app

import (
	"context"
	"fmt"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/registry/domain"
)

// CheckImportHeader validates a batch header before any record is read.
func (a *Application) CheckImportHeader(h *typev1.ImportBatchHeader) error {
	return a.importer.CheckHeader(h)
}

// ImportRecord is one family as decoded from the wire, with the problems
// found while decoding it (a date that does not parse, say).
type ImportRecord struct {
	Family         *domain.Family
	DecodeProblems domain.Violations
}

// ImportFamilies imports one batch of Dukcapil family records. next yields
// each record in stream order and io.EOF at the end.
func (a *Application) ImportFamilies(ctx context.Context, h *typev1.ImportBatchHeader, next func() (ImportRecord, error)) (*typev1.ImportSummary, error) {
	now := a.now()
	return importer.Run(ctx, a.importer, h, next, importer.Spec[ImportRecord]{
		Check: func(rec ImportRecord) (string, []*typev1.RecordViolation) {
			f := rec.Family
			f.Normalize()
			vs := mergeProblems(rec.DecodeProblems, f.Validate(now))
			if len(vs) == 0 {
				return f.KK, nil
			}
			out := make([]*typev1.RecordViolation, len(vs))
			for i, v := range vs {
				out[i] = &typev1.RecordViolation{Field: v.Field, Reason: v.Reason, Description: v.Description}
			}
			return f.KK, out
		},
		// A family conflicts with another record through its KK number and
		// through each member: those chunks must not be in flight together.
		Keys: func(rec ImportRecord) []string {
			keys := make([]string, 0, len(rec.Family.Members)+1)
			keys = append(keys, "kk:"+rec.Family.KK)
			for _, m := range rec.Family.Members {
				keys = append(keys, "nik:"+m.NIK)
			}
			return keys
		},
		Apply: func(ctx context.Context, tx *storage.Tx, recs []importer.Record[ImportRecord]) (importer.Outcome, error) {
			fams := make([]importer.Record[*domain.Family], len(recs))
			for i, r := range recs {
				fams[i] = importer.Record[*domain.Family]{Index: r.Index, Value: r.Value.Family}
			}
			out, err := a.bulk.ApplyImport(ctx, tx, fams)
			if storage.IsUniqueViolation(err) {
				// Another batch inserted one of these families or persons
				// after this chunk looked: the chunk rolls back whole, and a
				// re-send resumes the batch and sees the other batch's rows.
				return out, fmt.Errorf("%w: %w", ErrConcurrentChange, err)
			}
			return out, err
		},
	})
}

// mergeProblems reports decoding problems first and drops the validation
// findings on the same fields, which only restate them (a birth date that did
// not parse is also "missing").
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

// OpenImport reads the batch header that opens an import stream.
func OpenImport[M any](a *Application, recv func() (M, error), headerOf func(M) *typev1.ImportBatchHeader) (*typev1.ImportBatchHeader, func() (M, error), error) {
	return importer.Messages(a.importer, recv, headerOf)
}
