package adapters

import (
	"context"
	"fmt"

	"github.com/dtsen-id/dtsen/services/registry/domain"
)

// LookupIdentities reports which NIKs and KK numbers are registered, with each
// person's family, its region and vital status, and each family's region.
//
// Persons are stored with their family, so the persons take two queries
// whatever the count (docs/scale-out.md §4.2): each NIK's family from
// person_keys, then the persons joined with their families, which are
// co-located, by those families and NIKs. A person who moves between the two
// is missing from the second and looked up again.
func (r *Repository) LookupIdentities(ctx context.Context, niks, kks []string) (map[string]domain.Identity, map[string]string, error) {
	persons := map[string]domain.Identity{}
	families := map[string]string{}
	for attempt := 0; len(niks) > 0; attempt++ {
		if attempt == personReadAttempts {
			return nil, nil, fmt.Errorf("lookup persons: %d moved between reads: %w", len(niks), domain.ErrConcurrentChange)
		}
		keys, err := r.personKeys(ctx, niks)
		if err != nil {
			return nil, nil, err
		}
		if len(keys) == 0 {
			break
		}
		found, err := r.identities(ctx, keys)
		if err != nil {
			return nil, nil, err
		}
		niks = niks[:0:0]
		for nik := range keys {
			if id, ok := found[nik]; ok {
				persons[nik] = id
			} else {
				niks = append(niks, nik) // moved since its key was read
			}
		}
	}
	if len(kks) > 0 {
		cond, arg := r.anyOf("kk", kks, 1)
		rows, err := r.db.QueryContext(ctx, "SELECT kk, region_code FROM families WHERE "+cond, arg)
		if err != nil {
			return nil, nil, fmt.Errorf("lookup families: %w", err)
		}
		for rows.Next() {
			var kk, region string
			if err := rows.Scan(&kk, &region); err != nil {
				rows.Close()
				return nil, nil, err
			}
			families[kk] = region
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
	}
	return persons, families, nil
}

// personKeys maps each registered NIK among niks to its family.
func (r *Repository) personKeys(ctx context.Context, niks []string) (map[string]string, error) {
	cond, arg := r.anyOf("nik", niks, 1)
	rows, err := r.db.QueryContext(ctx, "SELECT nik, family_kk FROM person_keys WHERE "+cond, arg)
	if err != nil {
		return nil, fmt.Errorf("lookup person keys: %w", err)
	}
	defer rows.Close()
	keys := map[string]string{}
	for rows.Next() {
		var nik, kk string
		if err := rows.Scan(&nik, &kk); err != nil {
			return nil, err
		}
		keys[nik] = kk
	}
	return keys, rows.Err()
}

// identities reads the persons keys names, each in its family, with the
// family's region: one co-located join, fixed by the families' KK numbers
// (persons follow through the join). It reads whole families and keeps the
// asked NIKs in Go. The array is named once, on families: an `= ANY` on
// persons as well, or a second one on their NIKs, makes PostgreSQL descend
// the persons key once per array element for every family, which made each
// source context's import ten times slower (BENCHMARKS.md).
func (r *Repository) identities(ctx context.Context, keys map[string]string) (map[string]domain.Identity, error) {
	seen := map[string]bool{}
	var kks []string
	for _, kk := range keys {
		if !seen[kk] {
			seen[kk] = true
			kks = append(kks, kk)
		}
	}
	cond, arg := r.anyOf("f.kk", kks, 1)
	rows, err := r.db.QueryContext(ctx, `SELECT p.nik, p.family_kk, f.region_code, p.vital_status
		FROM families f JOIN persons p ON p.family_kk = f.kk WHERE `+cond, arg)
	if err != nil {
		return nil, fmt.Errorf("lookup persons: %w", err)
	}
	defer rows.Close()
	out := make(map[string]domain.Identity, len(keys))
	for rows.Next() {
		var id domain.Identity
		var vital int32
		if err := rows.Scan(&id.NIK, &id.FamilyKK, &id.FamilyRegion, &vital); err != nil {
			return nil, err
		}
		if _, asked := keys[id.NIK]; !asked {
			continue // another member of the family
		}
		id.Vital = domain.VitalStatus(vital)
		out[id.NIK] = id
	}
	return out, rows.Err()
}
