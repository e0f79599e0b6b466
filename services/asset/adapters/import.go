package adapters

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/asset/domain"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
)

// ApplyImport writes one chunk inside tx; it is the storage half of the
// asset context's importer.Spec.Apply. Per natural key (KK and source for
// housing and holdings, certificate id for land, frame number for vehicles):
//   - a new key is inserted (COPY on PostgreSQL), with its key table row for
//     land and vehicles;
//   - a record identical to the stored one is counted unchanged and writes
//     nothing, which makes re-sending a batch safe;
//   - a changed record replaces the stored one with a new version; a land
//     parcel or vehicle whose owner changed moves to the new owner's row;
//   - a record observed before the stored one is rejected
//     (OBSERVATION_OLDER_THAN_STORED): an old survey arriving late must not
//     overwrite newer data;
//   - a key repeated within the chunk is rejected (RECORD_DUPLICATE_IN_BATCH).
//
// The chunk locks nothing when it reads (docs/scale-out.md §4.3): every
// write of a stored row names the version it read, and a row that another
// writer changed or moved since fails the chunk with ErrConcurrentChange.
func (r *Repository) ApplyImport(ctx context.Context, tx *storage.Tx, c domain.Chunk) (importer.Outcome, error) {
	var out importer.Outcome
	var events []outbox.Event
	now := r.now().UTC().Truncate(time.Microsecond)
	if err := applyKind(ctx, r, tx, housingKind, c.Housing, now, &out, &events); err != nil {
		return out, err
	}
	if err := applyKind(ctx, r, tx, holdingsKind, c.Holdings, now, &out, &events); err != nil {
		return out, err
	}
	if err := applyKind(ctx, r, tx, landKind, c.Land, now, &out, &events); err != nil {
		return out, err
	}
	if err := applyKind(ctx, r, tx, vehicleKind, c.Vehicles, now, &out, &events); err != nil {
		return out, err
	}
	if err := r.outbox.Append(ctx, tx, events...); err != nil {
		return out, err
	}
	return out, nil
}

func applyKind[T any](ctx context.Context, r *Repository, tx *storage.Tx, k kind[T], recs []domain.Indexed[T],
	now time.Time, out *importer.Outcome, events *[]outbox.Event) error {
	if len(recs) == 0 {
		return nil
	}
	reject := func(rec domain.Indexed[T], field, reason, desc string) {
		out.Rejections = append(out.Rejections, &typev1.RecordRejection{Index: rec.Index, Key: k.resource(rec.Value),
			Violations: []*typev1.RecordViolation{{Field: field, Reason: reason, Description: desc}}})
	}
	seen := make(map[[2]string]bool, len(recs))
	firstKeys := make([]string, 0, len(recs))
	candidates := recs[:0:0]
	for _, rec := range recs {
		key := k.key(rec.Value)
		if seen[key] {
			reject(rec, k.keyCols[0], domain.ReasonRecordDuplicateInBatch, "a record with this key appears earlier in the same chunk of the batch")
			continue
		}
		seen[key] = true
		firstKeys = append(firstKeys, key[0])
		candidates = append(candidates, rec)
	}
	stored, err := load(ctx, r, tx, k, firstKeys)
	if err != nil {
		return err
	}
	if err := r.readDone(ctx, tx, k.table); err != nil {
		return err
	}
	var inserts, newKeys [][]any
	update := updateRow(k)
	for _, rec := range candidates {
		v := rec.Value
		m := k.meta(v)
		old, exists := stored[k.key(v)]
		if !exists {
			m.Version, m.CreateTime, m.UpdateTime = 1, now, now
			inserts = append(inserts, k.row(v))
			if k.keys != "" {
				newKeys = append(newKeys, []any{k.key(v)[0], k.holderOf(v)})
			}
			*events = append(*events, outbox.Event{Type: k.created, Resource: k.resource(v), Family: k.family(v)})
			out.Accepted++
			continue
		}
		om := k.meta(old)
		switch {
		case m.ObservationDate.Before(om.ObservationDate):
			reject(rec, "observation_date", domain.ReasonObservationOlderThanStored,
				"a record observed later ("+om.ObservationDate.Format(time.DateOnly)+") is already stored")
			continue
		case k.same(old, v):
			*m = *om
			out.Unchanged++
			continue
		}
		m.Version, m.CreateTime, m.UpdateTime = om.Version+1, om.CreateTime, now
		if k.holderOf(old) != k.holderOf(v) {
			// The row moves to its new owner; it joins the chunk's COPY.
			if err := transfer(ctx, tx, k, old, v); err != nil {
				return err
			}
			inserts = append(inserts, k.row(v))
			// The family that lost the vehicle or parcel must be re-scored
			// too, so its feed consumers hear of the change as well.
			if from := k.family(old); from != "" && from != k.family(v) {
				*events = append(*events, outbox.Event{Type: k.updated, Resource: k.resource(old), Family: from})
			}
		} else if err := execOne(ctx, tx, "update "+k.table, update, append(k.row(v), om.Version)...); err != nil {
			return err
		}
		*events = append(*events, outbox.Event{Type: k.updated, Resource: k.resource(v), Family: k.family(v)})
		out.Accepted++
	}
	// The key table first: it is what makes a certificate or a frame number
	// unique nationwide, so a concurrent writer of the same new key fails here.
	if err := copyRows(ctx, tx, k.keys, []string{k.keyCols[0], k.holder}, newKeys); err != nil {
		return err
	}
	return copyRows(ctx, tx, k.table, k.cols, inserts)
}

// copyRows bulk-inserts rows; a unique violation means another writer
// inserted one of the keys after the chunk looked.
func copyRows(ctx context.Context, tx *storage.Tx, table string, cols []string, rows [][]any) error {
	if _, err := tx.CopyFrom(ctx, table, cols, rows); err != nil {
		if storage.IsUniqueViolation(err) {
			return fmt.Errorf("%w: %w", ErrConcurrentChange, err)
		}
		return err
	}
	return nil
}

// updateRow renders the UPDATE of one stored row by its primary key and the
// version read (the last parameter), so a row another writer changed since
// is left alone. It never assigns the primary key's columns, so never the
// holder: Citus cannot change a row's distribution column, and a new owner
// is a transfer. The primary key's columns come first in cols, so a row's
// values are the WHERE parameters followed by the SET parameters.
func updateRow[T any](k kind[T]) string {
	pk := k.pkCols()
	return "UPDATE " + k.table + " SET " + assignments(k.cols[len(pk):], len(pk)+1) + " WHERE " + keyMatch(pk) +
		fmt.Sprintf(" AND version = $%d", len(k.cols)+1)
}

// transfer moves a land parcel or vehicle to its new owner (docs/scale-out.md
// §4.3): it deletes the row under the old owner, if still at the version
// read, and points the key table at the new owner, if it still names the
// old one; the caller inserts the new row.
func transfer[T any](ctx context.Context, tx *storage.Tx, k kind[T], old, v T) error {
	pk := k.pkCols()
	args := append(slices.Clip(k.row(old)[:len(pk)]), k.meta(old).Version)
	if err := execOne(ctx, tx, "transfer "+k.table, "DELETE FROM "+k.table+" WHERE "+keyMatch(pk)+
		fmt.Sprintf(" AND version = $%d", len(pk)+1), args...); err != nil {
		return err
	}
	return execOne(ctx, tx, "transfer "+k.keys, "UPDATE "+k.keys+" SET "+k.holder+" = $2 WHERE "+k.keyCols[0]+" = $1 AND "+
		k.holder+" = $3", k.key(v)[0], k.holderOf(v), k.holderOf(old))
}

// execOne runs a write of one row read earlier in the transaction. Changing
// no row means another writer changed or moved it since: ErrConcurrentChange.
func execOne(ctx context.Context, tx *storage.Tx, what, query string, args ...any) error {
	err := tx.ExecOne(ctx, query, args...)
	if errors.Is(err, storage.ErrStaleWrite) {
		return fmt.Errorf("%s: %w: %w", what, ErrConcurrentChange, err)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// loadAttempts bounds how often load reads the keys again after a transfer
// moved a row away between its two reads.
const loadAttempts = 3

// load reads the stored records with the given first key parts, by full
// key. It locks nothing: Citus runs row locks in single-shard queries only
// (docs/scale-out.md §4.3), so every write of a stored row checks the
// version read instead. A kind with a key table reads the owners from it,
// then the rows on their owners' shards; a transfer committed between the
// two reads moves a row away from the owner read, so the keys are read
// again.
func load[T any](ctx context.Context, r *Repository, tx *storage.Tx, k kind[T], firstKeys []string) (map[[2]string]T, error) {
	if k.keys == "" {
		cond, arg := r.anyOf(k.keyCols[0], firstKeys, 1)
		return readRows(ctx, tx, k, cond, arg)
	}
	missing := 0
	for range loadAttempts {
		owners, err := readOwners(ctx, r, tx, k, firstKeys)
		if err != nil || len(owners) == 0 {
			return nil, err
		}
		// The owners' rows are read whole and the asked ones kept here: a
		// second `= ANY` on the ids makes PostgreSQL (before 17) descend the
		// key once per (owner, id) pair. An owner has a handful of parcels or
		// vehicles.
		byOwner, ownerArg := r.anyOf(k.holder, dedupe(slices.Collect(maps.Values(owners))), 1)
		held, err := readRows(ctx, tx, k, byOwner, ownerArg)
		if err != nil {
			return nil, err
		}
		recs := make(map[[2]string]T, len(owners))
		for key, v := range held {
			if _, asked := owners[key[0]]; asked {
				recs[key] = v
			}
		}
		if len(recs) == len(owners) {
			return recs, nil
		}
		missing = len(owners) - len(recs)
	}
	// A record and its key row are written in one transaction; a row still
	// missing after every attempt is damage, not a race.
	return nil, fmt.Errorf("load %s: %d records %s names are missing", k.table, missing, k.keys)
}

// readRows reads the rows matching cond, by key.
func readRows[T any](ctx context.Context, tx *storage.Tx, k kind[T], cond string, args ...any) (map[[2]string]T, error) {
	query := "SELECT " + strings.Join(k.cols, ", ") + " FROM " + k.table + " WHERE " + cond
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", k.table, err)
	}
	recs, err := scanAll(rows, k)
	if err != nil {
		return nil, err
	}
	out := make(map[[2]string]T, len(recs))
	for _, v := range recs {
		out[k.key(v)] = v
	}
	return out, nil
}

// readOwners reads the current owners of the given certificates or frame
// numbers from the kind's key table.
func readOwners[T any](ctx context.Context, r *Repository, tx *storage.Tx, k kind[T], ids []string) (map[string]string, error) {
	cond, arg := r.anyOf(k.keyCols[0], ids, 1)
	query := "SELECT " + k.keyCols[0] + ", " + k.holder + " FROM " + k.keys + " WHERE " + cond
	rows, err := tx.QueryContext(ctx, query, arg)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", k.keys, err)
	}
	defer rows.Close()
	owners := make(map[string]string, len(ids))
	for rows.Next() {
		var id, owner string
		if err := rows.Scan(&id, &owner); err != nil {
			return nil, fmt.Errorf("scan %s: %w", k.keys, err)
		}
		owners[id] = owner
	}
	return owners, rows.Err()
}

// readDone runs the tests' afterRead hook, if one is set.
func (r *Repository) readDone(ctx context.Context, tx *storage.Tx, table string) error {
	if r.afterRead == nil {
		return nil
	}
	return r.afterRead(ctx, tx, table)
}

// reconcileAttempts bounds how often Reconcile reads again after another
// writer (an import of the same holder) changed a record between its read
// and its write.
const reconcileAttempts = 3

// Reconcile implements domain.Repository. It reads the records of the
// touched identities, asks the registry about exactly those, and saves the
// ones whose cross-check result changed: an UNMATCHED record whose NIK or KK
// is now registered becomes MATCHED, a deceased owner gets flagged, a moved
// owner's family follows. Running it twice changes nothing the second time.
// Like an import chunk it locks nothing and saves a record only if it is
// still at the version read; otherwise the attempt fails with
// ErrConcurrentChange, and since reconciliation is idempotent it simply runs
// again on the new rows, so the feed consumer rarely sees the conflict.
func (r *Repository) Reconcile(ctx context.Context, niks, kks []string, ids domain.Identities) (int, error) {
	if len(niks) == 0 && len(kks) == 0 {
		return 0, nil
	}
	persons, families, err := ids.Lookup(ctx, niks, kks)
	if err != nil {
		return 0, err
	}
	for attempt := 1; ; attempt++ {
		n, err := r.reconcileOnce(ctx, niks, kks, persons, families)
		if attempt == reconcileAttempts || !errors.Is(err, ErrConcurrentChange) {
			return n, err
		}
	}
}

// reconcileOnce re-checks the records in one transaction and returns how
// many changed.
func (r *Repository) reconcileOnce(ctx context.Context, niks, kks []string, persons map[string]domain.PersonIdentity,
	families map[string]bool) (int, error) {
	changed := 0
	err := r.db.InTx(ctx, func(tx *storage.Tx) error {
		now := r.now().UTC().Truncate(time.Microsecond)
		var events []outbox.Event
		n, err := reconcileKind(ctx, r, tx, housingKind, kks, now, &events, func(h *domain.Housing) {
			h.CheckFamily(families[h.KK])
		})
		if err != nil {
			return err
		}
		changed += n
		if n, err = reconcileKind(ctx, r, tx, holdingsKind, kks, now, &events, func(h *domain.Holdings) {
			h.CheckFamily(families[h.KK])
		}); err != nil {
			return err
		}
		changed += n
		if n, err = reconcileKind(ctx, r, tx, landKind, niks, now, &events, func(l *domain.LandParcel) {
			l.OwnerFamilyKK = l.CheckOwner(persons[l.OwnerNIK])
		}); err != nil {
			return err
		}
		changed += n
		if n, err = reconcileKind(ctx, r, tx, vehicleKind, niks, now, &events, func(v *domain.Vehicle) {
			v.OwnerFamilyKK = v.CheckOwner(persons[v.OwnerNIK])
		}); err != nil {
			return err
		}
		changed += n
		return r.outbox.Append(ctx, tx, events...)
	})
	if err != nil {
		return 0, err
	}
	return changed, nil
}

func reconcileKind[T any](ctx context.Context, r *Repository, tx *storage.Tx, k kind[T], holders []string, now time.Time,
	events *[]outbox.Event, recheck func(T)) (int, error) {
	stored, err := byHolders(ctx, r, tx, k, holders, 0)
	if err != nil {
		return 0, err
	}
	if err := r.readDone(ctx, tx, k.table); err != nil {
		return 0, err
	}
	update := updateRow(k)
	n := 0
	for _, old := range stored {
		v := k.clone(old)
		recheck(v)
		if k.same(old, v) {
			continue
		}
		read := k.meta(old).Version
		m := k.meta(v)
		m.Version, m.UpdateTime = read+1, now
		if err := execOne(ctx, tx, "update "+k.table, update, append(k.row(v), read)...); err != nil {
			return 0, err
		}
		*events = append(*events, outbox.Event{Type: k.updated, Resource: k.resource(v), Family: k.family(v)})
		n++
	}
	return n, nil
}

// UnmatchedOwners returns the KK numbers and owner NIKs of up to limit
// UNMATCHED records of each kind, for the periodic reconciliation sweep
// (identity.Client.Sweep). Each call resumes after the last record the
// previous call returned, in key order, and starts over at the end, so every
// UNMATCHED record is re-checked in turn, however many stay unknown to the
// registry for good.
func (r *Repository) UnmatchedOwners(ctx context.Context, limit int) (niks, kks []string, err error) {
	r.sweepMu.Lock()
	defer r.sweepMu.Unlock()
	if kks, err = unmatchedPage(ctx, r, housingKind, &r.sweep[0], limit, kks, func(h *domain.Housing) string { return h.KK }); err != nil {
		return nil, nil, err
	}
	if kks, err = unmatchedPage(ctx, r, holdingsKind, &r.sweep[1], limit, kks, func(h *domain.Holdings) string { return h.KK }); err != nil {
		return nil, nil, err
	}
	if niks, err = unmatchedPage(ctx, r, landKind, &r.sweep[2], limit, niks, func(l *domain.LandParcel) string { return l.OwnerNIK }); err != nil {
		return nil, nil, err
	}
	if niks, err = unmatchedPage(ctx, r, vehicleKind, &r.sweep[3], limit, niks, func(v *domain.Vehicle) string { return v.OwnerNIK }); err != nil {
		return nil, nil, err
	}
	return dedupe(niks), dedupe(kks), nil
}

// unmatchedPage appends the holders of the next page of UNMATCHED records of
// a kind after *cursor, and moves the cursor (back to the start at the end).
func unmatchedPage[T any](ctx context.Context, r *Repository, k kind[T], cursor *[2]string, limit int, out []string, holder func(T) string) ([]string, error) {
	recs, err := list(ctx, r, k, domain.Query{Match: domain.Unmatched, After: *cursor, Limit: limit}, "background reconcile sweep of unmatched records")
	if err != nil {
		return nil, err
	}
	*cursor = [2]string{}
	if len(recs) == limit && limit > 0 {
		*cursor = k.key(recs[len(recs)-1])
	}
	for _, v := range recs {
		out = append(out, holder(v))
	}
	return out, nil
}

func dedupe(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// keyMatch renders "k1 = $1 AND k2 = $2".
func keyMatch(cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = fmt.Sprintf("%s = $%d", c, i+1)
	}
	return strings.Join(parts, " AND ")
}

// assignments renders "c1 = $first, c2 = $first+1, ...".
func assignments(cols []string, first int) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = fmt.Sprintf("%s = $%d", c, first+i)
	}
	return strings.Join(parts, ", ")
}
