package adapters

import (
	"context"
	"fmt"
	"time"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/income/domain"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
)

// ApplyImport writes one chunk of records that each passed validation and
// carry their cross-check outcome. It is the income context's
// importer.Spec.Apply.
//
//   - Records are upserted by natural key: a new key is inserted (with COPY on
//     PostgreSQL), a known key whose content changed is updated, and a known
//     key with identical content counts as unchanged and writes nothing. That
//     is what makes re-sending a batch, or re-importing a quarter's file, safe.
//   - A natural key repeated within one chunk is rejected after its first
//     occurrence (RECORD_DUPLICATE_IN_BATCH): two different values for one key
//     in one delivery is a source error a person must look at.
//
// Every created or changed record appends one change event.
func (r *Repository) ApplyImport(ctx context.Context, tx *storage.Tx, recs []importer.Record[domain.Record]) (importer.Outcome, error) {
	var (
		incomes      []importer.Record[*domain.Income]
		employments  []importer.Record[*domain.Employment]
		consumptions []importer.Record[*domain.Consumption]
		banking      []importer.Record[*domain.BankingPattern]
	)
	for _, rec := range recs {
		switch x := rec.Value.(type) {
		case *domain.Income:
			incomes = append(incomes, importer.Record[*domain.Income]{Index: rec.Index, Value: x})
		case *domain.Employment:
			employments = append(employments, importer.Record[*domain.Employment]{Index: rec.Index, Value: x})
		case *domain.Consumption:
			consumptions = append(consumptions, importer.Record[*domain.Consumption]{Index: rec.Index, Value: x})
		case *domain.BankingPattern:
			banking = append(banking, importer.Record[*domain.BankingPattern]{Index: rec.Index, Value: x})
		default:
			return importer.Outcome{}, fmt.Errorf("import: unknown record type %T", rec.Value)
		}
	}
	now := r.now().UTC().Truncate(time.Microsecond)
	var out importer.Outcome
	var events []outbox.Event
	for _, step := range []func() error{
		func() error { return applyKind(ctx, tx, r.incomes, incomes, now, &out, &events) },
		func() error { return applyKind(ctx, tx, r.employments, employments, now, &out, &events) },
		func() error { return applyKind(ctx, tx, r.consumption, consumptions, now, &out, &events) },
		func() error { return applyKind(ctx, tx, r.banking, banking, now, &out, &events) },
	} {
		if err := step(); err != nil {
			return out, err
		}
	}
	return out, r.outbox.Append(ctx, tx, events...)
}

func applyKind[T domain.Record](ctx context.Context, tx *storage.Tx, s *store[T], recs []importer.Record[T], now time.Time,
	out *importer.Outcome, events *[]outbox.Event) error {
	if len(recs) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(recs))
	owners := make([]string, 0, len(recs))
	ownerSeen := map[string]bool{}
	candidates := recs[:0:0]
	for _, rec := range recs {
		k := keyString(s.keyValues(rec.Value))
		if seen[k] {
			out.Rejections = append(out.Rejections, &typev1.RecordRejection{Index: rec.Index, Key: domain.RejectionKey(rec.Value),
				Violations: []*typev1.RecordViolation{{Field: "", Reason: domain.ReasonRecordDuplicateInBatch,
					Description: "a record with the same natural key appears earlier in the same batch"}}})
			continue
		}
		seen[k] = true
		candidates = append(candidates, rec)
		if o := s.keyValues(rec.Value)[0].(string); !ownerSeen[o] {
			ownerSeen[o] = true
			owners = append(owners, o)
		}
	}
	stored, err := s.byOwners(ctx, tx, owners, true)
	if err != nil {
		return err
	}
	byKey := make(map[string]T, len(stored))
	for _, x := range stored {
		byKey[keyString(s.keyValues(x))] = x
	}
	var rows [][]any
	for _, rec := range candidates {
		x := rec.Value
		old, exists := byKey[keyString(s.keyValues(x))]
		switch {
		case !exists:
			*x.Times() = domain.Stamps{CreateTime: now, UpdateTime: now}
			rows = append(rows, s.k.values(x))
			*events = append(*events, event(s.k.event, VerbCreated, x))
			out.Accepted++
		case s.sameContent(old, x):
			out.Unchanged++
		default:
			*x.Times() = domain.Stamps{CreateTime: old.Times().CreateTime, UpdateTime: now}
			if err := s.update(ctx, tx, x); err != nil {
				return err
			}
			*events = append(*events, event(s.k.event, VerbUpdated, x))
			out.Accepted++
		}
	}
	_, err = tx.CopyFrom(ctx, s.k.table, s.k.cols, rows)
	return err
}
