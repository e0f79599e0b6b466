package adapters

import (
	"context"
	"fmt"

	"github.com/dtsen-id/dtsen/services/registry/domain"
)

// LookupIdentities reports which NIKs and KK numbers are registered, with each
// person's family and vital status: two index lookups, whatever the count.
func (r *Repository) LookupIdentities(ctx context.Context, niks, kks []string) (map[string]domain.Identity, map[string]bool, error) {
	persons := map[string]domain.Identity{}
	families := map[string]bool{}
	if len(niks) > 0 {
		cond, arg := r.anyOf("nik", niks, 1)
		rows, err := r.db.QueryContext(ctx, "SELECT nik, family_kk, vital_status FROM persons WHERE "+cond, arg)
		if err != nil {
			return nil, nil, fmt.Errorf("lookup persons: %w", err)
		}
		for rows.Next() {
			var id domain.Identity
			var vital int32
			if err := rows.Scan(&id.NIK, &id.FamilyKK, &vital); err != nil {
				rows.Close()
				return nil, nil, err
			}
			id.Vital = domain.VitalStatus(vital)
			persons[id.NIK] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
	}
	if len(kks) > 0 {
		cond, arg := r.anyOf("kk", kks, 1)
		rows, err := r.db.QueryContext(ctx, "SELECT kk FROM families WHERE "+cond, arg)
		if err != nil {
			return nil, nil, fmt.Errorf("lookup families: %w", err)
		}
		for rows.Next() {
			var kk string
			if err := rows.Scan(&kk); err != nil {
				rows.Close()
				return nil, nil, err
			}
			families[kk] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
	}
	return persons, families, nil
}
