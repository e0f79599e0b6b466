package adapters

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
)

// Region statistics: a run's counts per village, recorded once when its
// eligibility pass is done (migration 0005), and summed over a region's
// villages when asked. Every statement is set-shaped: a GROUP BY in the
// database, never a loop over families here.

// RecordStatistics records the run's counts per village from the records it
// decided, replacing any recorded before, in one transaction.
func (r *EligibilityRepository) RecordStatistics(ctx context.Context, runID string) error {
	if runID == "" {
		return fmt.Errorf("%w: run id is required", domain.ErrInvalid)
	}
	err := r.db.InTx(ctx, func(tx *storage.Tx) error {
		for _, stmt := range []string{
			"DELETE FROM run_region_deciles WHERE run_id = $1",
			"DELETE FROM run_region_programmes WHERE run_id = $1",
			// Both counts aggregate the whole run, once per run: on Citus
			// each shard groups its own families and the coordinator merges.
			"INSERT INTO run_region_deciles (run_id, region, decile, families) " +
				"SELECT /* dtsen:fanout region statistics, once per run */ run_id, region, decile, COUNT(*) " +
				"FROM eligibility WHERE run_id = $1 GROUP BY run_id, region, decile",
			// eligible_families holds a family's rows of its current record,
			// so the join on the record's run keeps the run's decisions. The
			// join is on kk, so it stays within each shard.
			"INSERT INTO run_region_programmes (run_id, region, programme, eligible, persons) " +
				"SELECT /* dtsen:fanout region statistics, once per run */ e.run_id, e.region, f.programme, COUNT(*), SUM(e.persons) " +
				"FROM eligible_families f JOIN eligibility e ON e.kk = f.kk WHERE e.run_id = $1 " +
				"GROUP BY e.run_id, e.region, f.programme",
		} {
			if _, err := tx.ExecContext(ctx, stmt, runID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record statistics of run %s: %w", runID, err)
	}
	return nil
}

// HasStatistics reports whether the run's counts were recorded: a run that
// succeeded ranked at least one family, so it has at least one row.
func (r *EligibilityRepository) HasStatistics(ctx context.Context, runID string) (bool, error) {
	var one int
	err := r.db.QueryRowContext(ctx, "SELECT 1 FROM run_region_deciles WHERE run_id = $1 LIMIT 1", runID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("statistics of run %s: %w", runID, err)
	}
	return true, nil
}

// DecileCounts sums the run's village counts within regionPrefix by
// subregion and decile. (PostgreSQL's SUM of a BIGINT is a NUMERIC, so the
// sums are cast back.)
func (r *EligibilityRepository) DecileCounts(ctx context.Context, runID, regionPrefix string, subregionLen int) ([]domain.DecileCount, error) {
	if subregionLen <= 0 {
		return nil, fmt.Errorf("%w: subregion length %d", domain.ErrInvalid, subregionLen)
	}
	// The length is a number the code chose, not input: inlined, so the
	// grouping expression is the same text in SELECT and GROUP BY.
	sub := "SUBSTR(region, 1, " + strconv.Itoa(subregionLen) + ")"
	where, args := regionRange(runID, regionPrefix)
	rows, err := r.db.QueryContext(ctx, "SELECT "+sub+", decile, CAST(SUM(families) AS BIGINT) FROM run_region_deciles WHERE "+where+
		" GROUP BY "+sub+", decile ORDER BY "+sub+", decile", args...)
	if err != nil {
		return nil, fmt.Errorf("decile counts of run %s: %w", runID, err)
	}
	defer rows.Close()
	var out []domain.DecileCount
	for rows.Next() {
		var c domain.DecileCount
		if err := rows.Scan(&c.Region, &c.Decile, &c.Families); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ProgrammeCounts sums the run's village counts within regionPrefix by
// programme.
func (r *EligibilityRepository) ProgrammeCounts(ctx context.Context, runID, regionPrefix string) ([]domain.ProgrammeCount, error) {
	where, args := regionRange(runID, regionPrefix)
	rows, err := r.db.QueryContext(ctx, "SELECT programme, CAST(SUM(eligible) AS BIGINT), CAST(SUM(persons) AS BIGINT) FROM run_region_programmes WHERE "+where+
		" GROUP BY programme ORDER BY programme", args...)
	if err != nil {
		return nil, fmt.Errorf("programme counts of run %s: %w", runID, err)
	}
	defer rows.Close()
	var out []domain.ProgrammeCount
	for rows.Next() {
		var c domain.ProgrammeCount
		if err := rows.Scan(&c.Programme, &c.Families, &c.Persons); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// regionRange selects a run's rows within regionPrefix on dot boundaries
// ("32.04" holds "32.04.12.2001", not "32.041..."). The region itself and
// the codes under it ("32.04." up to, not including, "32.04/": '/' follows
// '.') are one range of the primary key under a byte-wise collation.
func regionRange(runID, regionPrefix string) (string, []any) {
	if regionPrefix == "" {
		return "run_id = $1", []any{runID}
	}
	return "run_id = $1 AND (region = $2 OR (region > $3 AND region < $4))",
		[]any{runID, regionPrefix, regionPrefix + ".", regionPrefix + "/"}
}
