package adapters

import (
	"context"
	"fmt"
	"time"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/registry/domain"
)

// ApplyImport writes one chunk of Dukcapil family records that each passed
// domain validation on their own. It is the registry's importer.Spec.Apply.
//
// Cross-record rules are checked here, against the chunk and the database:
//   - a person already in another family is rejected (PERSON_IN_TWO_FAMILIES):
//     moving between families is a life event, not an import side effect;
//   - a re-sent family identical to what is stored is counted unchanged and
//     writes nothing, which is what makes re-sending a batch safe;
//   - a changed family may add members (births) and change fields, but not
//     drop members: removals go through the move, split and death events.
//
// New families, the bulk of any national load, go in with COPY.
func (r *Repository) ApplyImport(ctx context.Context, tx *storage.Tx, recs []importer.Record[*domain.Family]) (importer.Outcome, error) {
	var out importer.Outcome
	reject := func(rec importer.Record[*domain.Family], field, reason, desc string) {
		out.Rejections = append(out.Rejections, &typev1.RecordRejection{Index: rec.Index, Key: rec.Value.KK,
			Violations: []*typev1.RecordViolation{{Field: field, Reason: reason, Description: desc}}})
	}

	// Conflicts inside the chunk: the first occurrence wins.
	kkSeen := map[string]bool{}
	nikOwner := map[string]string{}
	candidates := recs[:0:0]
	for _, rec := range recs {
		f := rec.Value
		if kkSeen[f.KK] {
			reject(rec, "kk_number", "FAMILY_DUPLICATE_IN_BATCH", "this KK number appears earlier in the same batch")
			continue
		}
		bad := false
		for i, m := range f.Members {
			if owner, ok := nikOwner[m.NIK]; ok && owner != f.KK {
				reject(rec, fmt.Sprintf("members[%d].nik", i), "PERSON_IN_TWO_FAMILIES", "this person is a member of another family in the same batch")
				bad = true
				break
			}
		}
		if bad {
			continue
		}
		kkSeen[f.KK] = true
		for _, m := range f.Members {
			nikOwner[m.NIK] = f.KK
		}
		candidates = append(candidates, rec)
	}
	if len(candidates) == 0 {
		return out, nil
	}

	kks := make([]string, len(candidates))
	niks := make([]string, 0, len(candidates)*4)
	for i, rec := range candidates {
		kks[i] = rec.Value.KK
		for _, m := range rec.Value.Members {
			niks = append(niks, m.NIK)
		}
	}
	// The stored families among the chunk's, read unlocked in one query. A
	// stored family the record matches exactly is counted unchanged and not
	// written, so it needs no lock: a quarterly re-send of every family is
	// mostly those. The ones a record would change are locked before they are
	// compared and written: on PostgreSQL one single-row FOR UPDATE per
	// family, in KK order (loadFamilies), then read again under the lock.
	// (SQLite's BEGIN IMMEDIATE already holds the database's write lock.) A
	// family another batch creates after this read fails the COPY below with
	// a unique violation: the chunk rolls back whole (app.ImportFamilies).
	stored, err := r.loadFamilies(ctx, tx, kks, false)
	if err != nil {
		return out, err
	}
	storedByKK := make(map[string]*domain.Family, len(stored))
	var lock []string
	for _, f := range stored {
		storedByKK[f.KK] = f
	}
	for _, rec := range candidates {
		if old, ok := storedByKK[rec.Value.KK]; ok && !sameFamily(old, rec.Value) {
			lock = append(lock, old.KK)
		}
	}
	if len(lock) > 0 && r.db.Engine() == storage.Postgres {
		locked, err := r.loadFamilies(ctx, tx, lock, true)
		if err != nil {
			return out, err
		}
		for _, f := range locked {
			storedByKK[f.KK] = f
		}
	}
	currentFamily, err := r.familiesOf(ctx, tx, niks)
	if err != nil {
		return out, err
	}

	now := r.now().UTC().Truncate(time.Microsecond)
	var newFamilies, newPersons, newKeys [][]any
	var events []outbox.Event
	for _, rec := range candidates {
		f := rec.Value
		conflict := false
		for i, m := range f.Members {
			if kk, ok := currentFamily[m.NIK]; ok && kk != f.KK {
				reject(rec, fmt.Sprintf("members[%d].nik", i), "PERSON_IN_TWO_FAMILIES", "this person already belongs to another family")
				conflict = true
				break
			}
		}
		if conflict {
			continue
		}
		old, exists := storedByKK[f.KK]
		if !exists {
			f.Version, f.CreateTime, f.UpdateTime = 1, now, now
			newFamilies = append(newFamilies, familyRow(f))
			for _, m := range f.Members {
				m.FamilyKK, m.Version, m.CreateTime, m.UpdateTime = f.KK, 1, now, now
				newPersons = append(newPersons, personRow(m))
				newKeys = append(newKeys, []any{m.NIK, f.KK})
			}
			events = append(events, outbox.Event{Type: EventFamilyCreated, Resource: "families/" + f.KK, Family: "families/" + f.KK})
			out.Accepted++
			continue
		}
		changed, reason, err := r.refreshFamily(ctx, tx, old, f, now)
		if err != nil {
			return out, err
		}
		switch {
		case reason == "PERSON_RECORDED_DECEASED":
			reject(rec, "members", reason, "the registry records a member as deceased; the record says alive")
		case reason != "":
			reject(rec, "members", reason, "a member of the stored family is missing: removals go through the move, split or death events")
		case changed:
			events = append(events, outbox.Event{Type: EventFamilyUpdated, Resource: "families/" + f.KK, Family: "families/" + f.KK})
			out.Accepted++
		default:
			out.Unchanged++
		}
	}
	if _, err := tx.CopyFrom(ctx, "families", familyColumnList, newFamilies); err != nil {
		return out, err
	}
	// The keys before the persons: person_keys' primary key is the guard
	// that a NIK is in one family, should another batch have stored one of
	// these persons since the check above.
	if _, err := tx.CopyFrom(ctx, "person_keys", personKeyColumnList, newKeys); err != nil {
		return out, err
	}
	if _, err := tx.CopyFrom(ctx, "persons", personColumnList, newPersons); err != nil {
		return out, err
	}
	return out, r.outbox.Append(ctx, tx, events...)
}

var personKeyColumnList = []string{"nik", "family_kk"}

// sameFamily reports whether a record f says exactly what the stored family
// old holds: the family's fields and the same members with the same fields.
func sameFamily(old, f *domain.Family) bool {
	if !sameFamilyRow(old, f) || len(old.Members) != len(f.Members) {
		return false
	}
	for _, m := range f.Members {
		prev := old.Member(m.NIK)
		if prev == nil {
			return false
		}
		m.FamilyKK = f.KK
		if !samePerson(prev, m) {
			return false
		}
	}
	return true
}

// familiesOf maps each stored NIK among niks to its family, from person_keys.
func (r *Repository) familiesOf(ctx context.Context, tx *storage.Tx, niks []string) (map[string]string, error) {
	cond, arg := r.anyOf("nik", niks, 1)
	rows, err := tx.QueryContext(ctx, "SELECT nik, family_kk FROM person_keys WHERE "+cond, arg)
	if err != nil {
		return nil, fmt.Errorf("look up members: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var nik, kk string
		if err := rows.Scan(&nik, &kk); err != nil {
			return nil, err
		}
		out[nik] = kk
	}
	return out, rows.Err()
}

// refreshFamily applies a re-sent record of a stored family. It returns a
// rejection reason instead of writing when the record drops a member.
func (r *Repository) refreshFamily(ctx context.Context, tx *storage.Tx, old, f *domain.Family, now time.Time) (bool, string, error) {
	incoming := make(map[string]*domain.Person, len(f.Members))
	for _, m := range f.Members {
		incoming[m.NIK] = m
	}
	for _, m := range old.Members {
		if incoming[m.NIK] == nil {
			return false, "FAMILY_MEMBER_REMOVED", nil
		}
		// An older extract must not bring a recorded death back to life; a
		// death recorded in error is corrected through a grievance case.
		if m.Vital == domain.VitalDeceased && incoming[m.NIK].Vital != domain.VitalDeceased {
			return false, "PERSON_RECORDED_DECEASED", nil
		}
	}
	stored := make(map[string]*domain.Person, len(old.Members))
	for _, m := range old.Members {
		stored[m.NIK] = m
	}
	changed := false
	for _, m := range f.Members {
		m.FamilyKK = f.KK
		prev := stored[m.NIK]
		if prev == nil {
			m.Version, m.CreateTime, m.UpdateTime = 1, now, now
			if err := insertPerson(ctx, tx, m); err != nil {
				return false, "", err
			}
			changed = true
			continue
		}
		if samePerson(prev, m) {
			continue
		}
		m.Version, m.CreateTime, m.UpdateTime = prev.Version+1, prev.CreateTime, now
		if err := updatePerson(ctx, tx, m); err != nil {
			return false, "", err
		}
		changed = true
	}
	if changed || !sameFamilyRow(old, f) {
		f.Version, f.CreateTime, f.UpdateTime = old.Version+1, old.CreateTime, now
		if _, err := tx.ExecContext(ctx, "UPDATE families SET "+assignments(familyColumnList[1:], 2)+" WHERE kk = $1", familyRow(f)...); err != nil {
			return false, "", fmt.Errorf("update family: %w", err)
		}
		changed = true
	}
	return changed, "", nil
}
