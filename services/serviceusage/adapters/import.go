package adapters

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"time"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/privacy"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/serviceusage/domain"
)

// RejectionKey is the key of a rejected record in an import summary: its
// resource name with any NIK masked (summaries are stored and logged).
func RejectionKey(r domain.Record) string {
	parts := strings.Split(r.Name(), "/")
	if len(parts) > 1 && parts[0] == "persons" {
		parts[1] = privacy.MaskNIK(parts[1])
	}
	return strings.Join(parts, "/")
}

// ApplyImport writes one chunk of records that passed validation and whose
// cross-check outcome (domain.Assess) is already set. Against the chunk and
// the stored data:
//   - a natural key seen earlier in the chunk is rejected
//     (RECORD_DUPLICATE_IN_BATCH): the first occurrence wins;
//   - a record observed before the stored one is rejected
//     (OBSERVATION_OLDER_THAN_STORED), so replaying an old file never
//     overwrites newer data;
//   - a record equal to the stored one counts unchanged and writes nothing,
//     which makes re-sending a batch safe;
//   - new records go in with COPY.
func (r *Repository) ApplyImport(ctx context.Context, tx *storage.Tx, recs []importer.Record[domain.Record]) (importer.Outcome, error) {
	var out importer.Outcome
	reject := func(rec importer.Record[domain.Record], field, reason, desc string) {
		out.Rejections = append(out.Rejections, &typev1.RecordRejection{Index: rec.Index, Key: RejectionKey(rec.Value),
			Violations: []*typev1.RecordViolation{{Field: field, Reason: reason, Description: desc}}})
	}
	seen := map[string]bool{}
	byKind := map[domain.Kind][]importer.Record[domain.Record]{}
	for _, rec := range recs {
		name := rec.Value.Name()
		if seen[name] {
			reject(rec, "", domain.ReasonRecordDuplicateInBatch, "a record with the same natural key appears earlier in the same batch")
			continue
		}
		seen[name] = true
		byKind[rec.Value.Kind()] = append(byKind[rec.Value.Kind()], rec)
	}

	now := r.now().UTC().Truncate(time.Microsecond)
	var events []outbox.Event
	for _, kind := range domain.Kinds {
		group := byKind[kind]
		if len(group) == 0 {
			continue
		}
		t := tables[kind]
		names := make([]string, len(group))
		for i, rec := range group {
			names[i] = rec.Value.Name()
		}
		cond, arg := r.anyOf("name", names, 1)
		order := "name"
		if r.db.Engine() == storage.Postgres {
			order += " FOR UPDATE"
		}
		stored, err := r.query(ctx, tx, t, cond, order, 0, arg)
		if err != nil {
			return out, err
		}
		storedByName := make(map[string]domain.Record, len(stored))
		for _, s := range stored {
			storedByName[s.Name()] = s
		}
		var fresh [][]any
		for _, rec := range group {
			v, m := rec.Value, rec.Value.Meta()
			old, exists := storedByName[v.Name()]
			if !exists {
				m.Version, m.CreateTime, m.UpdateTime = 1, now, now
				fresh = append(fresh, t.fullRow(v))
				events = append(events, event(v, "created"))
				out.Accepted++
				continue
			}
			om := old.Meta()
			if m.ObservationDate.Before(om.ObservationDate) {
				reject(rec, "observation_date", domain.ReasonObservationOlderThanStore,
					"the stored record was observed later ("+dateText(om.ObservationDate)+"); an older observation does not replace it")
				continue
			}
			if sameData(t, old, v) {
				out.Unchanged++
				continue
			}
			m.Version, m.CreateTime, m.UpdateTime = om.Version+1, om.CreateTime, now
			cols := t.columns()
			if _, err := tx.ExecContext(ctx, "UPDATE "+t.name+" SET "+assignments(cols[1:], 2)+" WHERE name = $1",
				t.fullRow(v)...); err != nil {
				return out, fmt.Errorf("update %s: %w", t.name, err)
			}
			events = append(events, event(v, "updated"))
			out.Accepted++
		}
		if _, err := tx.CopyFrom(ctx, t.name, t.columns(), fresh); err != nil {
			return out, err
		}
	}
	return out, r.outbox.Append(ctx, tx, events...)
}

// sameData compares everything but version and times.
func sameData(t *table, a, b domain.Record) bool {
	ra, rb := t.fullRow(a), t.fullRow(b)
	n := len(ra) - len(metaColumns)
	return reflect.DeepEqual(ra[:n], rb[:n])
}

// assignments renders "c1 = $first, c2 = $first+1, ...".
func assignments(cols []string, first int) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = fmt.Sprintf("%s = $%d", c, first+i)
	}
	return strings.Join(parts, ", ")
}
