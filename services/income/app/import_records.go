package app

import (
	"context"
	"fmt"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/income/domain"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/storage"
)

// OpenImport reads the batch header that opens an import stream (the shared
// importer.Messages: the first message must be a valid header, no later one
// may be).
func OpenImport[M any](a *Application, recv func() (M, error), headerOf func(M) *typev1.ImportBatchHeader) (*typev1.ImportBatchHeader, func() (M, error), error) {
	return importer.Messages(a.importer, recv, headerOf)
}

var errEmpty = domain.Violations{{Field: "payload", Reason: domain.ReasonRecordEmpty,
	Description: "the message carries no record: set income, employment, consumption or banking_pattern"}}

// ImportRecords imports one batch. next yields each record in stream order
// (nil for a message without a record) and io.EOF at the end.
//
// Each record is validated on its own (Check), and a record whose
// source_agency the caller does not submit for is rejected with
// AGENCY_NOT_OWNER: one agency's client cannot write, or overwrite, another
// agency's figures, while its own records in the same batch still land.
// Nothing of a rejected record is written or even looked up. The NIKs and KK
// numbers of a chunk's valid records are then checked against the registry
// in batched calls (Prepare; the identity cache makes repeats free). Prepare
// runs before the chunk's transaction opens, overlapping the writes of
// earlier chunks, so no transaction is held open across the network. An unknown NIK or KK
// number does not reject the record: it is stored UNMATCHED with its reason,
// and reconciled from the registry's change feed.
func (a *Application) ImportRecords(ctx context.Context, h *typev1.ImportBatchHeader, next func() (domain.Record, error)) (*typev1.ImportSummary, error) {
	caller, err := auth.Caller(ctx)
	if err != nil {
		return nil, err
	}
	now := a.now()
	return importer.Run(ctx, a.importer, h, next, importer.Spec[domain.Record]{
		Check: func(rec domain.Record) (string, []*typev1.RecordViolation) {
			if rec == nil {
				return "", toViolations(errEmpty)
			}
			problems := rec.Validate(now)
			if !caller.SubmitsFor(rec.Agency()) && !onField(problems, "source_agency") {
				problems = append(domain.Violations{{Field: "source_agency", Reason: auth.ReasonAgencyNotOwner,
					Description: "only the integration client of agency " + rec.Agency() + " may submit its records"}}, problems...)
			}
			if len(problems) == 0 {
				return "", nil
			}
			return domain.RejectionKey(rec), toViolations(problems)
		},
		Prepare: func(ctx context.Context, recs []importer.Record[domain.Record]) error {
			niks := make([]string, 0, len(recs))
			var kks []string
			for _, r := range recs {
				if nik := r.Value.OwnerNIK(); nik != "" {
					niks = append(niks, nik)
				} else {
					kks = append(kks, r.Value.OwnerKK())
				}
			}
			persons, families, err := a.registry.CheckIdentities(ctx, niks, kks)
			if err != nil {
				return err
			}
			for _, r := range recs {
				domain.ApplyMatch(r.Value, persons, families)
			}
			return nil
		},
		Apply: func(ctx context.Context, tx *storage.Tx, recs []importer.Record[domain.Record]) (importer.Outcome, error) {
			out, err := a.bulk.ApplyImport(ctx, tx, recs)
			if storage.IsUniqueViolation(err) {
				// Another batch inserted one of these records after this
				// chunk looked: the chunk rolls back whole, and a re-send
				// resumes the batch and finds the other batch's rows. One
				// that changed a record since is ErrConcurrentChange already
				// (the update's version check).
				return out, fmt.Errorf("%w: %w", ErrConcurrentChange, err)
			}
			return out, err
		},
		// Chunks touching the same owner are applied one after the other,
		// so two chunks never race to insert one natural key.
		Keys: func(rec domain.Record) []string {
			if nik := rec.OwnerNIK(); nik != "" {
				return []string{"nik:" + nik}
			}
			return []string{"kk:" + rec.OwnerKK()}
		},
	})
}

func onField(vs domain.Violations, field string) bool {
	for _, v := range vs {
		if v.Field == field {
			return true
		}
	}
	return false
}

func toViolations(vs domain.Violations) []*typev1.RecordViolation {
	out := make([]*typev1.RecordViolation, len(vs))
	for i, v := range vs {
		out[i] = &typev1.RecordViolation{Field: v.Field, Reason: v.Reason, Description: v.Description}
	}
	return out
}
