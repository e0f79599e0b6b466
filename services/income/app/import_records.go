package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/income/domain"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/storage"
)

// CheckImportHeader validates a batch header before any record is read.
func (a *Application) CheckImportHeader(h *typev1.ImportBatchHeader) error {
	return a.importer.CheckHeader(h)
}

// item is one record of a batch with what the look-ahead found about it.
type item struct {
	rec      domain.Record // nil when the message carried no record
	problems domain.Violations
}

// ImportRecords imports one batch. next yields each record in stream order
// (nil for a message without a record) and io.EOF at the end.
//
// Records are read ahead of the writer in groups of up to lookAhead: each is
// validated on its own, and the NIKs and KK numbers of the valid ones are
// checked against the registry in one batched call (the identity cache makes
// repeats free). The registry call happens here, outside any database
// transaction, so no transaction is held open across the network. An
// unknown NIK or KK number does not reject the record: it is stored
// UNMATCHED with its reason, and reconciled from the registry's change feed.
func (a *Application) ImportRecords(ctx context.Context, h *typev1.ImportBatchHeader, next func() (domain.Record, error)) (*typev1.ImportSummary, error) {
	la := &lookAhead{ctx: ctx, next: next, now: a.now(), size: a.lookAhead, registry: a.registry}
	return importer.Run(ctx, a.importer, h, la.pop, importer.Spec[*item]{
		Check: func(it *item) (string, []*typev1.RecordViolation) {
			if len(it.problems) == 0 {
				return "", nil
			}
			key := ""
			if it.rec != nil {
				key = domain.RejectionKey(it.rec)
			}
			out := make([]*typev1.RecordViolation, len(it.problems))
			for i, v := range it.problems {
				out[i] = &typev1.RecordViolation{Field: v.Field, Reason: v.Reason, Description: v.Description}
			}
			return key, out
		},
		Apply: func(ctx context.Context, tx *storage.Tx, recs []importer.Record[*item]) (importer.Outcome, error) {
			in := make([]importer.Record[domain.Record], len(recs))
			for i, r := range recs {
				in[i] = importer.Record[domain.Record]{Index: r.Index, Value: r.Value.rec}
			}
			out, err := a.bulk.ApplyImport(ctx, tx, in)
			if storage.IsUniqueViolation(err) {
				// Another batch inserted one of these records after this
				// chunk looked: the chunk rolls back whole, and a re-send
				// resumes the batch and finds the other batch's rows.
				return out, fmt.Errorf("%w: %w", ErrConcurrentChange, err)
			}
			return out, err
		},
		// Chunks touching the same owner are applied one after the other,
		// so two chunks never race to insert one natural key.
		Keys: func(it *item) []string {
			if nik := it.rec.OwnerNIK(); nik != "" {
				return []string{"nik:" + nik}
			}
			return []string{"kk:" + it.rec.OwnerKK()}
		},
	})
}

// lookAhead buffers records so their identities are checked in batches.
type lookAhead struct {
	ctx      context.Context
	next     func() (domain.Record, error)
	now      time.Time
	size     int
	registry domain.IdentityChecker

	buf []*item
	eof bool
}

var errEmpty = domain.Violations{{Field: "payload", Reason: domain.ReasonRecordEmpty,
	Description: "the message carries no record: set income, employment, consumption or banking_pattern"}}

func (l *lookAhead) pop() (*item, error) {
	if len(l.buf) == 0 {
		if l.eof {
			return nil, io.EOF
		}
		if err := l.fill(); err != nil {
			return nil, err
		}
		if len(l.buf) == 0 {
			return nil, io.EOF
		}
	}
	it := l.buf[0]
	l.buf = l.buf[1:]
	return it, nil
}

func (l *lookAhead) fill() error {
	var niks, kks []string
	for len(l.buf) < l.size {
		rec, err := l.next()
		if errors.Is(err, io.EOF) {
			l.eof = true
			break
		}
		if err != nil {
			return err
		}
		it := &item{rec: rec}
		switch {
		case rec == nil:
			it.problems = errEmpty
		default:
			it.problems = rec.Validate(l.now)
		}
		if len(it.problems) == 0 {
			if nik := rec.OwnerNIK(); nik != "" {
				niks = append(niks, nik)
			} else {
				kks = append(kks, rec.OwnerKK())
			}
		}
		l.buf = append(l.buf, it)
	}
	if len(niks) == 0 && len(kks) == 0 {
		return nil
	}
	persons, families, err := l.registry.CheckIdentities(l.ctx, niks, kks)
	if err != nil {
		return err
	}
	for _, it := range l.buf {
		if len(it.problems) == 0 {
			domain.ApplyMatch(it.rec, persons, families)
		}
	}
	return nil
}
