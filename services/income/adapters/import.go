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
//   - The stored records are read without row locks (Citus locks rows on one
//     shard only). Another writer's row that appeared since the read fails the
//     insert on the primary key, and one that changed since fails the update's
//     version check (domain.ErrConcurrentChange). Either way the chunk rolls
//     back whole, and a re-sent batch resumes it.
//
// A chunk appends one change event per family (or, for an owner the
// registry does not know yet, per owner) whose records it created or
// changed, not one per record: a consumer (scoring) re-reads a family's
// economics whatever changed in it, so a family's four members' incomes in
// one chunk are one event, and the outbox carries a quarter of the rows (see
// changes).
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
	ch := &changes{}
	for _, step := range []func() error{
		func() error { return applyKind(ctx, tx, r.incomes, incomes, now, &out, ch) },
		func() error { return applyKind(ctx, tx, r.employments, employments, now, &out, ch) },
		func() error { return applyKind(ctx, tx, r.consumption, consumptions, now, &out, ch) },
		func() error { return applyKind(ctx, tx, r.banking, banking, now, &out, ch) },
	} {
		if err := step(); err != nil {
			return out, err
		}
	}
	return out, r.outbox.Append(ctx, tx, ch.events...)
}

// Event types of an import: the records under a family's economics, or under
// a person the registry does not know yet, were created or changed.
const (
	EventEconomicsImported = "income.economics.imported"
	EventPersonImported    = "income.person.imported"
)

// changes collects a chunk's change events, one per family or unknown owner,
// in the order the chunk first touched them.
type changes struct {
	seen   map[string]bool
	events []outbox.Event
}

func (c *changes) add(rec domain.Record) {
	ev := outbox.Event{Type: EventEconomicsImported}
	switch kk := rec.MatchInfo().FamilyKK; {
	case kk != "":
		ev.Resource, ev.Family = "families/"+kk+"/economics", "families/"+kk
	case rec.OwnerNIK() != "":
		// UNMATCHED: no family yet. Reconciliation names the family once the
		// registry places the person (income.<kind>.reconciled).
		ev.Type, ev.Resource = EventPersonImported, "persons/"+rec.OwnerNIK()
	default:
		// A KK number the registry does not know: family stays empty, as
		// for an unmatched person.
		ev.Resource = "families/" + rec.OwnerKK() + "/economics"
	}
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	if !c.seen[ev.Resource] {
		c.seen[ev.Resource] = true
		c.events = append(c.events, ev)
	}
}

func applyKind[T domain.Record](ctx context.Context, tx *storage.Tx, s *store[T], recs []importer.Record[T], now time.Time,
	out *importer.Outcome, ch *changes) error {
	if len(recs) == 0 {
		return nil
	}
	// Each record's natural key is rendered once; the stored rows' keys are
	// matched against it.
	keys := make(map[string]int, len(recs)) // natural key -> index in candidates
	owners := make([]string, 0, len(recs))
	ownerSeen := make(map[string]bool, len(recs))
	candidates := make([]importer.Record[T], 0, len(recs))
	for _, rec := range recs {
		kv := s.keyValues(rec.Value)
		k := keyString(kv)
		if _, dup := keys[k]; dup {
			out.Rejections = append(out.Rejections, &typev1.RecordRejection{Index: rec.Index, Key: domain.RejectionKey(rec.Value),
				Violations: []*typev1.RecordViolation{{Field: "", Reason: domain.ReasonRecordDuplicateInBatch,
					Description: "a record with the same natural key appears earlier in the same batch"}}})
			continue
		}
		keys[k] = len(candidates)
		candidates = append(candidates, rec)
		if o := kv[0].(string); !ownerSeen[o] {
			ownerSeen[o] = true
			owners = append(owners, o)
		}
	}
	stored, err := s.stored(ctx, tx, owners)
	if err != nil {
		return err
	}
	old := make([]T, len(candidates))
	exists := make([]bool, len(candidates))
	for _, x := range stored {
		if i, ok := keys[keyString(s.keyValues(x))]; ok {
			old[i], exists[i] = x, true
		}
	}
	rows := make([][]any, 0, len(candidates))
	for i, rec := range candidates {
		x := rec.Value
		switch {
		case !exists[i]:
			*x.Times() = domain.Stamps{CreateTime: now, UpdateTime: now, Version: 1}
			rows = append(rows, s.k.values(x))
			ch.add(x)
			out.Accepted++
		case s.sameContent(old[i], x):
			out.Unchanged++
		default:
			*x.Times() = domain.Stamps{CreateTime: old[i].Times().CreateTime, UpdateTime: now}
			if err := s.update(ctx, tx, x, old[i].Times().Version); err != nil {
				return err
			}
			ch.add(x)
			out.Accepted++
		}
	}
	if len(rows) == 0 {
		return nil // only updates or unchanged records: no COPY round trip
	}
	_, err = tx.CopyFrom(ctx, s.k.table, s.k.cols, rows)
	return err
}
