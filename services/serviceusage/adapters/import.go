package adapters

import (
	"context"
	"errors"
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
//   - a changed record is updated in place, or moved when a person's own
//     participation comes back under another KK number;
//   - new records go in with COPY, a person's own participation with its
//     participation_keys row.
//
// Nothing is locked: Citus runs a row lock only in a single-shard query,
// and a chunk spans many shards. Each write instead checks that the row is
// still the one read (version, or the key row's KK number); if another
// writer got there first, the chunk fails with domain.ErrConcurrentChange and
// the client re-sends the batch (ADR 5); if it inserted the same new record,
// a unique violation, which the importer retries. Either way the chunk's
// transaction rolls back.
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
		if group := byKind[kind]; len(group) > 0 {
			evs, err := r.applyKind(ctx, tx, tables[kind], group, now, &out, reject)
			if err != nil {
				return out, err
			}
			events = append(events, evs...)
		}
	}
	return out, r.outbox.Append(ctx, tx, events...)
}

// applyKind writes one kind's records of a chunk and returns their events.
func (r *Repository) applyKind(ctx context.Context, tx *storage.Tx, t *table, group []importer.Record[domain.Record],
	now time.Time, out *importer.Outcome, reject func(importer.Record[domain.Record], string, string, string)) ([]outbox.Event, error) {
	stored, err := r.readStored(ctx, tx, t, group)
	if err != nil {
		return nil, err
	}
	if r.afterRead != nil {
		if err := r.afterRead(ctx, tx); err != nil {
			return nil, err
		}
	}
	var fresh, freshKeys [][]any
	var events []outbox.Event
	for _, rec := range group {
		v, m := rec.Value, rec.Value.Meta()
		old, exists := stored[v.Name()]
		if !exists {
			m.Version, m.CreateTime, m.UpdateTime = 1, now, now
			fresh = append(fresh, t.fullRow(v))
			if t.keyedRecord(v) {
				freshKeys = append(freshKeys, keyRow(v))
			}
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
		if t.distValue(v) == t.distValue(old) {
			query, args := t.update(v, om.Version)
			if err := execOne(ctx, tx, "update "+t.name, query, args...); err != nil {
				return nil, err
			}
		} else {
			if err := r.move(ctx, tx, t, old, v); err != nil {
				return nil, err
			}
			fresh = append(fresh, t.fullRow(v))
		}
		events = append(events, event(v, "updated"))
		out.Accepted++
	}
	if _, err := tx.CopyFrom(ctx, t.name, t.columns(), fresh); err != nil {
		return nil, err
	}
	if _, err := tx.CopyFrom(ctx, "participation_keys", keyColumns, freshKeys); err != nil {
		return nil, err
	}
	return events, nil
}

// readStored reads the stored rows of a chunk's records, found by name and
// distribution value: the NIK or KK number each name carries, or for a
// person's own participation the KK number its key row names.
func (r *Repository) readStored(ctx context.Context, tx *storage.Tx, t *table, group []importer.Record[domain.Record]) (map[string]domain.Record, error) {
	names := make([]string, len(group))
	var homes, keyedNIKs, keyedNames []string
	for i, rec := range group {
		v := rec.Value
		names[i] = v.Name()
		if t.keyedRecord(v) {
			nik, _ := v.Identity()
			keyedNIKs, keyedNames = append(keyedNIKs, nik), append(keyedNames, v.Name())
		} else {
			homes = append(homes, t.distValue(v))
		}
	}
	if len(keyedNames) > 0 {
		keyed, err := r.keyedHomes(ctx, tx, keyedNIKs, keyedNames)
		if err != nil {
			return nil, err
		}
		for _, kk := range keyed {
			homes = append(homes, kk)
		}
	}
	if len(homes) == 0 {
		return nil, nil // only new person-level participations
	}
	// Every record of those persons or families is read and the chunk's
	// names kept here: with a second `= ANY` on the names, PostgreSQL (before
	// 17) descends the (key, name) primary key once per pair of array
	// elements, which took an import of 200,000 records from seconds to
	// minutes. The cost is reading a family's other months of utility usage.
	asked := make(map[string]bool, len(names))
	for _, n := range names {
		asked[n] = true
	}
	cond, arg := r.anyOf(t.dist, homes, 1)
	stored, err := r.query(ctx, tx, t, selection{where: cond, order: "name"}, arg)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]domain.Record, len(names))
	for _, s := range stored {
		if asked[s.Name()] {
			byName[s.Name()] = s
		}
	}
	return byName, nil
}

// move takes the stored row old off its shard when v, the same record sent
// again, has another distribution value. Only a person's own participation
// can: its name carries the NIK, so the agency may send it under another KK
// number, while every other name carries its own distribution value.
// Citus cannot update a distribution column, so the row is deleted (the
// caller inserts the new one) and the key row names the new KK number. Both
// check they change what was read: the row's version, the key's old KK.
func (r *Repository) move(ctx context.Context, tx *storage.Tx, t *table, old, v domain.Record) error {
	what := "move " + t.name
	if err := execOne(ctx, tx, what, "DELETE FROM "+t.name+" WHERE "+t.dist+" = $1 AND name = $2 AND version = $3",
		t.distValue(old), old.Name(), old.Meta().Version); err != nil {
		return err
	}
	nik, kk := v.Identity()
	return execOne(ctx, tx, what, "UPDATE participation_keys SET kk = $1 WHERE nik = $2 AND name = $3 AND kk = $4",
		kk, nik, v.Name(), t.distValue(old))
}

// execOne runs a write of one row read earlier in the chunk. Changing no
// row means another writer changed or moved it since: ErrConcurrentChange.
func execOne(ctx context.Context, tx *storage.Tx, what, query string, args ...any) error {
	err := tx.ExecOne(ctx, query, args...)
	if errors.Is(err, storage.ErrStaleWrite) {
		return fmt.Errorf("%s: %w: %w", what, domain.ErrConcurrentChange, err)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// keyColumns are participation_keys' columns, in keyRow's order.
var keyColumns = []string{"nik", "name", "kk"}

// keyRow is the participation_keys row of a person-level participation.
func keyRow(r domain.Record) []any {
	nik, kk := r.Identity()
	return []any{nik, r.Name(), kk}
}

// sameData compares everything but version and times.
func sameData(t *table, a, b domain.Record) bool {
	ra, rb := t.fullRow(a), t.fullRow(b)
	n := len(ra) - len(metaColumns)
	return reflect.DeepEqual(ra[:n], rb[:n])
}

// update renders the UPDATE of a stored record's row, read at version
// readVersion: every column but its key (distribution column, name), which
// the WHERE names instead with the version. Citus routes it to one shard,
// and never sees the distribution column set.
func (t *table) update(r domain.Record, readVersion int64) (string, []any) {
	cols, row := t.columns(), t.fullRow(r)
	sets := make([]string, 0, len(cols))
	args := make([]any, 0, len(cols))
	for i, c := range cols {
		if c == "name" || c == t.dist {
			continue
		}
		args = append(args, row[i])
		sets = append(sets, fmt.Sprintf("%s = $%d", c, len(args)))
	}
	args = append(args, t.distValue(r), r.Name(), readVersion)
	return fmt.Sprintf("UPDATE %s SET %s WHERE %s = $%d AND name = $%d AND version = $%d",
		t.name, strings.Join(sets, ", "), t.dist, len(args)-2, len(args)-1, len(args)), args
}
