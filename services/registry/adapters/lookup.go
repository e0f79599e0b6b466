package adapters

import (
	"context"
	"fmt"

	"github.com/dtsen-id/dtsen/services/registry/domain"
)

// LookupIdentities reports which NIKs and KK numbers are registered, with each
// person's family, its region and vital status, and each family's region:
// two index lookups, whatever the count.
func (r *Repository) LookupIdentities(ctx context.Context, niks, kks []string) (map[string]domain.Identity, map[string]string, error) {
	persons := map[string]domain.Identity{}
	families := map[string]string{}
	if len(niks) > 0 {
		cond, arg := r.anyOf("p.nik", niks, 1)
		rows, err := r.db.QueryContext(ctx, `SELECT p.nik, p.family_kk, f.region_code, p.vital_status
			FROM persons p JOIN families f ON f.kk = p.family_kk WHERE `+cond, arg)
		if err != nil {
			return nil, nil, fmt.Errorf("lookup persons: %w", err)
		}
		for rows.Next() {
			var id domain.Identity
			var vital int32
			if err := rows.Scan(&id.NIK, &id.FamilyKK, &id.FamilyRegion, &vital); err != nil {
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
