package adapters

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/eligibility"
)

// EligibilityRepository implements domain.Eligibility.
type EligibilityRepository struct{ *store }

// StageFacts stores facts, replacing a family's earlier ones.
func (r *EligibilityRepository) StageFacts(ctx context.Context, facts []domain.StagedFacts) error {
	rows := make([][]any, len(facts))
	for i, f := range facts {
		if f.KK == "" || f.RunID == "" {
			return fmt.Errorf("%w: staged facts need a KK and a run", domain.ErrInvalid)
		}
		body, err := json.Marshal(f.Facts)
		if err != nil {
			return fmt.Errorf("facts of %s: %w", f.KK, err)
		}
		dtks, err := json.Marshal(nonNil(f.DTKSReceiving))
		if err != nil {
			return err
		}
		rows[i] = []any{f.KK, f.RunID, string(body), string(dtks)}
	}
	if err := distinctKKs(facts, func(f domain.StagedFacts) string { return f.KK }); err != nil {
		return err
	}
	return r.db.InTx(ctx, func(tx *storage.Tx) error {
		return insertMany(ctx, tx, "eligibility_facts", "kk, run_id, facts, dtks", rows,
			" ON CONFLICT (kk) DO UPDATE SET run_id = excluded.run_id, facts = excluded.facts, dtks = excluded.dtks")
	})
}

// StagedFacts returns the facts staged for kks.
func (r *EligibilityRepository) StagedFacts(ctx context.Context, kks []string) (map[string]domain.StagedFacts, error) {
	out := make(map[string]domain.StagedFacts, len(kks))
	if len(kks) == 0 {
		return out, nil
	}
	in, args := inList(kks)
	rows, err := r.db.QueryContext(ctx, "SELECT kk, run_id, facts, dtks FROM eligibility_facts WHERE kk IN ("+in+")", args...)
	if err != nil {
		return nil, fmt.Errorf("staged facts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f domain.StagedFacts
		var body, dtks string
		if err := rows.Scan(&f.KK, &f.RunID, &body, &dtks); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(body), &f.Facts); err != nil {
			return nil, fmt.Errorf("facts of %s: %w", f.KK, err)
		}
		if err := json.Unmarshal([]byte(dtks), &f.DTKSReceiving); err != nil {
			return nil, fmt.Errorf("DTKS programmes of %s: %w", f.KK, err)
		}
		out[f.KK] = f
	}
	return out, rows.Err()
}

// Save stores the records, their eligible-list rows and the notices.
func (r *EligibilityRepository) Save(ctx context.Context, recs []domain.EligibilityRecord, notices []domain.Notice) error {
	type encoded struct {
		row      []any
		eligible []string
		decile   int
	}
	enc := make([]encoded, len(recs))
	for i := range recs {
		rec := &recs[i]
		if err := rec.Validate(); err != nil {
			return err
		}
		decision, err := json.Marshal(rec.Decision)
		if err != nil {
			return fmt.Errorf("decision of %s: %w", rec.KK, err)
		}
		state, err := json.Marshal(rec.State)
		if err != nil {
			return fmt.Errorf("state of %s: %w", rec.KK, err)
		}
		dtks, err := json.Marshal(nonNil(rec.DTKSReceiving))
		if err != nil {
			return err
		}
		e := encoded{row: []any{rec.KK, rec.Region, rec.RunID, string(decision), string(state), string(dtks), micros(rec.DecidedAt),
			rec.Decision.Decile, rec.Decision.Persons}, decile: rec.Decision.Decile}
		for _, p := range rec.Decision.Programmes {
			if p.Status == eligibility.StatusEligible {
				e.eligible = append(e.eligible, p.Programme)
			}
		}
		enc[i] = e
	}
	nrows, err := noticeRows(notices)
	if err != nil {
		return err
	}
	if err := distinctKKs(recs, func(r domain.EligibilityRecord) string { return r.KK }); err != nil {
		return err
	}
	records := make([][]any, len(enc))
	var listed [][]any
	kks := make([]string, len(enc))
	for i, e := range enc {
		records[i], kks[i] = e.row, recs[i].KK
		for _, prog := range e.eligible {
			listed = append(listed, []any{prog, recs[i].Region, recs[i].KK, e.decile})
		}
	}
	// Set-shaped: a statement per chunk of families, not per family (a
	// national run decides 93M of them).
	return r.db.InTx(ctx, func(tx *storage.Tx) error {
		if err := insertMany(ctx, tx, "eligibility", eligibilityColumns+", decile, persons", records,
			" ON CONFLICT (kk) DO UPDATE SET region = excluded.region, run_id = excluded.run_id, "+
				"decision = excluded.decision, state = excluded.state, dtks = excluded.dtks, decided_at = excluded.decided_at, "+
				"decile = excluded.decile, persons = excluded.persons"); err != nil {
			return err
		}
		for start := 0; start < len(kks); start += multiRowChunk {
			in, args := inList(kks[start:min(start+multiRowChunk, len(kks))])
			if _, err := tx.ExecContext(ctx, "DELETE FROM eligible_families WHERE kk IN ("+in+")", args...); err != nil {
				return fmt.Errorf("clear eligible lists: %w", err)
			}
		}
		if err := insertMany(ctx, tx, "eligible_families", "programme, region, kk, decile", listed, ""); err != nil {
			return err
		}
		return insertNotices(ctx, tx, nrows)
	})
}

// eligibilityColumns are the columns a record is read from; Save also
// writes the decision's decile and living members beside it, for
// RecordStatistics.
const eligibilityColumns = "kk, region, run_id, decision, state, dtks, decided_at"

// Get returns a family's record.
func (r *EligibilityRepository) Get(ctx context.Context, kk string) (*domain.EligibilityRecord, error) {
	if kk == "" {
		return nil, fmt.Errorf("%w: empty KK", domain.ErrInvalid)
	}
	rec, err := scanEligibility(r.db.QueryRowContext(ctx, "SELECT "+eligibilityColumns+" FROM eligibility WHERE kk = $1", kk))
	if err != nil {
		return nil, notFound(err, "eligibility of "+kk)
	}
	return rec, nil
}

// GetMany returns the records of kks.
func (r *EligibilityRepository) GetMany(ctx context.Context, kks []string) (map[string]*domain.EligibilityRecord, error) {
	out := make(map[string]*domain.EligibilityRecord, len(kks))
	if len(kks) == 0 {
		return out, nil
	}
	in, args := inList(kks)
	rows, err := r.db.QueryContext(ctx, "SELECT "+eligibilityColumns+" FROM eligibility WHERE kk IN ("+in+")", args...)
	if err != nil {
		return nil, fmt.Errorf("eligibility records: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		rec, err := scanEligibility(rows)
		if err != nil {
			return nil, err
		}
		out[rec.KK] = rec
	}
	return out, rows.Err()
}

// ListEligible returns a page of a programme's eligible families.
func (r *EligibilityRepository) ListEligible(ctx context.Context, programme, regionPrefix string, p domain.Page) ([]domain.EligibleFamily, error) {
	if programme == "" {
		return nil, fmt.Errorf("%w: programme is required", domain.ErrInvalid)
	}
	afterRegion, afterKK, err := splitCursor(p.After)
	if err != nil {
		return nil, err
	}
	query := "SELECT /* dtsen:fanout programme list by region, for officers */ kk, region, decile FROM eligible_families " +
		"WHERE programme = $1 AND (region > $2 OR (region = $2 AND kk > $3))"
	args := []any{programme, afterRegion, afterKK}
	if regionPrefix != "" {
		query += " AND (region = $4 OR region LIKE $5)"
		args = append(args, regionPrefix, regionPrefix+".%")
	}
	query += " ORDER BY region, kk LIMIT " + strconv.Itoa(p.Size())
	rows, err := r.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("eligible for %s: %w", programme, err)
	}
	defer rows.Close()
	var out []domain.EligibleFamily
	for rows.Next() {
		var f domain.EligibleFamily
		if err := rows.Scan(&f.KK, &f.Region, &f.Decile); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Each calls fn with every record within regionPrefix, in KK order, a page
// at a time so that no query holds the table for the whole walk.
func (r *EligibilityRepository) Each(ctx context.Context, regionPrefix string, fn func(*domain.EligibilityRecord) error) error {
	after := ""
	for {
		query := "SELECT /* dtsen:fanout transition report walks a region; §6 plans counts per run instead */ " +
			eligibilityColumns + " FROM eligibility WHERE kk > $1"
		args := []any{after}
		if regionPrefix != "" {
			query += " AND (region = $2 OR region LIKE $3)"
			args = append(args, regionPrefix, regionPrefix+".%")
		}
		query += " ORDER BY kk LIMIT " + strconv.Itoa(domain.MaxPageSize)
		page, err := r.page(ctx, query, args)
		if err != nil {
			return err
		}
		for _, rec := range page {
			if err := fn(rec); err != nil {
				return err
			}
		}
		if len(page) < domain.MaxPageSize {
			return nil
		}
		after = page[len(page)-1].KK
	}
}

func (r *EligibilityRepository) page(ctx context.Context, query string, args []any) ([]*domain.EligibilityRecord, error) {
	rows, err := r.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("eligibility records: %w", err)
	}
	defer rows.Close()
	var out []*domain.EligibilityRecord
	for rows.Next() {
		rec, err := scanEligibility(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

func scanEligibility(s scanner) (*domain.EligibilityRecord, error) {
	var rec domain.EligibilityRecord
	var decision, state, dtks string
	var at int64
	if err := s.Scan(&rec.KK, &rec.Region, &rec.RunID, &decision, &state, &dtks, &at); err != nil {
		return nil, err
	}
	rec.DecidedAt = fromMicros(at)
	if err := json.Unmarshal([]byte(decision), &rec.Decision); err != nil {
		return nil, fmt.Errorf("decision of %s: %w", rec.KK, err)
	}
	if err := json.Unmarshal([]byte(state), &rec.State); err != nil {
		return nil, fmt.Errorf("state of %s: %w", rec.KK, err)
	}
	if err := json.Unmarshal([]byte(dtks), &rec.DTKSReceiving); err != nil {
		return nil, fmt.Errorf("DTKS programmes of %s: %w", rec.KK, err)
	}
	return &rec, nil
}

// inList is "$1, $2, ..." for the values, as query arguments.
func inList(values []string) (string, []any) {
	var b strings.Builder
	args := make([]any, len(values))
	for i, v := range values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(i+1))
		args[i] = v
	}
	return b.String(), args
}

// splitCursor splits a (region, KK) page cursor (domain.RegionCursor).
func splitCursor(after string) (region, kk string, err error) {
	if after == "" {
		return "", "", nil
	}
	region, kk, ok := strings.Cut(after, "/")
	if !ok {
		return "", "", fmt.Errorf("%w: malformed page cursor", domain.ErrInvalid)
	}
	return region, kk, nil
}

// distinctKKs refuses a batch naming a family twice: one multi-row upsert
// cannot touch a row twice, and which copy should win would be a guess.
func distinctKKs[T any](items []T, kk func(T) string) error {
	seen := make(map[string]bool, len(items))
	for _, it := range items {
		k := kk(it)
		if seen[k] {
			return fmt.Errorf("%w: family %s appears twice in one batch", domain.ErrInvalid, k)
		}
		seen[k] = true
	}
	return nil
}
