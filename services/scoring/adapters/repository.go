package adapters

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/eligibility"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations creates the scoring context's tables.
var Migrations = storage.EmbeddedMigrations("scoring", migrationFS, storage.Tables{
	"models":                storage.Reference,
	"model_activations":     storage.Reference,
	"ranking_runs":          storage.Reference,
	"run_region_deciles":    storage.Reference,
	"run_region_programmes": storage.Reference,
	"family_scores":         storage.Distributed("kk"),
	"score_history":         storage.Distributed("kk"),
	"notices":               storage.Distributed("kk"),
	"eligibility_facts":     storage.Distributed("kk"),
	"eligibility":           storage.Distributed("kk"),
	"eligible_families":     storage.Distributed("kk"),
})

// Repository is the SQL implementation of the scoring repositories, one
// value per domain interface, all on one database. The same SQL runs on
// SQLite and PostgreSQL.
type Repository struct {
	Models      *ModelRepository
	Runs        *RunRepository
	Scores      *ScoreRepository
	Notices     *NoticeRepository
	Eligibility *EligibilityRepository
}

// NewRepository returns the repositories over db, which must have been
// migrated with Migrations.
func NewRepository(db *storage.DB) *Repository {
	s := &store{db: db, now: time.Now}
	return &Repository{
		Models:      &ModelRepository{s},
		Runs:        &RunRepository{s},
		Scores:      &ScoreRepository{s},
		Notices:     &NoticeRepository{s},
		Eligibility: &EligibilityRepository{s},
	}
}

// SetClock replaces the clock stamping activations, run times and scores
// without a time; tests use it to get deterministic order.
func (r *Repository) SetClock(now func() time.Time) { r.Models.now = now }

type store struct {
	db  *storage.DB
	now func() time.Time
}

var (
	_ domain.Models      = (*ModelRepository)(nil)
	_ domain.Runs        = (*RunRepository)(nil)
	_ domain.Scores      = (*ScoreRepository)(nil)
	_ domain.Notices     = (*NoticeRepository)(nil)
	_ domain.Eligibility = (*EligibilityRepository)(nil)
)

// querier is what both the pool and a transaction offer for reads.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// micros stores a time as Unix microseconds, with 0 for the zero time, which
// UnixMicro would turn into a large negative number.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %s", domain.ErrNotFound, what)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// ---- models ----

// ModelRepository implements domain.Models.
type ModelRepository struct{ *store }

const modelSummaryColumns = "id, kind, create_time, features, params, metrics, train_labels, train_hash, train_cursor, " +
	"state, activated_by, activate_reason, activate_time, retire_time"

// Create stores a new TRAINED model.
func (r *ModelRepository) Create(ctx context.Context, m *domain.Model) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = r.now().UTC().Truncate(time.Microsecond)
	}
	features, err := json.Marshal(m.Features)
	if err != nil {
		return err
	}
	err = r.db.InTx(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO models (id, kind, create_time, features, params, metrics, "+
			"train_labels, train_hash, train_cursor, blob, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
			m.ID, m.Kind, micros(m.CreatedAt), string(features), string(m.Params), string(m.Metrics),
			m.Training.Labels, m.Training.Fingerprint, m.Training.SourceCursor, m.Blob, string(m.State))
		return err
	})
	if storage.IsUniqueViolation(err) {
		return fmt.Errorf("%w: model %s already exists", domain.ErrConflict, m.ID)
	}
	if err != nil {
		return fmt.Errorf("create model %s: %w", m.ID, err)
	}
	return nil
}

// Get returns a model with its blob.
func (r *ModelRepository) Get(ctx context.Context, id string) (*domain.Model, error) {
	return r.getFull(ctx, r.db, "id = $1", id)
}

// Active returns the active model with its blob.
func (r *ModelRepository) Active(ctx context.Context) (*domain.Model, error) {
	m, err := r.getFull(ctx, r.db, "state = $1", string(domain.ModelActive))
	if errors.Is(err, domain.ErrNotFound) {
		return nil, domain.ErrNoActiveModel
	}
	return m, err
}

func (r *ModelRepository) getFull(ctx context.Context, q querier, where string, arg any) (*domain.Model, error) {
	row := q.QueryRowContext(ctx, "SELECT "+modelSummaryColumns+", blob FROM models WHERE "+where, arg)
	var blob []byte
	m, err := scanModel(row, &blob)
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("model %v", arg))
	}
	m.Blob = blob
	return m, nil
}

// List returns a page of models, newest first, without blobs.
func (r *ModelRepository) List(ctx context.Context, p domain.Page) ([]*domain.Model, error) {
	query := "SELECT " + modelSummaryColumns + " FROM models"
	args := []any{p.Size()}
	if p.After != "" {
		// Keyset on (create_time, id), the listing's order; an unknown
		// cursor yields an empty page rather than restarting the listing.
		query += " WHERE create_time < (SELECT create_time FROM models WHERE id = $2)" +
			" OR (create_time = (SELECT create_time FROM models WHERE id = $2) AND id < $2)"
		args = append(args, p.After)
	}
	rows, err := r.db.QueryContext(ctx, query+" ORDER BY create_time DESC, id DESC LIMIT $1", args...)
	if err != nil {
		return nil, fmt.Errorf("list models: %w", err)
	}
	defer rows.Close()
	var out []*domain.Model
	for rows.Next() {
		m, err := scanModel(rows)
		if err != nil {
			return nil, fmt.Errorf("list models: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Activate makes id the active model, retiring the previous one, and records
// the activation, all in one transaction.
func (r *ModelRepository) Activate(ctx context.Context, id, by, reason string) (*domain.Model, error) {
	if by == "" || reason == "" {
		return nil, fmt.Errorf("%w: activating model %s needs who and why", domain.ErrInvalid, id)
	}
	at := r.now().UTC().Truncate(time.Microsecond)
	var out *domain.Model
	err := r.db.InTx(ctx, func(tx *storage.Tx) error {
		lock := ""
		if tx.Engine() == storage.Postgres {
			// Two concurrent activations must serialise on the rows they
			// change; SQLite's BEGIN IMMEDIATE already holds the write lock.
			lock = " FOR UPDATE"
		}
		var state string
		err := tx.QueryRowContext(ctx, "SELECT state FROM models WHERE id = $1"+lock, id).Scan(&state)
		if err != nil {
			return notFound(err, "model "+id)
		}
		if domain.ModelState(state) == domain.ModelActive {
			return fmt.Errorf("%w: model %s is already active", domain.ErrConflict, id)
		}
		var previous string
		err = tx.QueryRowContext(ctx, "SELECT id FROM models WHERE state = $1"+lock, string(domain.ModelActive)).Scan(&previous)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("find active model: %w", err)
		}
		if previous != "" {
			if _, err := tx.ExecContext(ctx, "UPDATE models SET state = $1, retire_time = $2 WHERE id = $3",
				string(domain.ModelRetired), micros(at), previous); err != nil {
				return fmt.Errorf("retire model %s: %w", previous, err)
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE models SET state = $1, activated_by = $2, activate_reason = $3, "+
			"activate_time = $4, retire_time = 0 WHERE id = $5",
			string(domain.ModelActive), by, reason, micros(at), id); err != nil {
			if storage.IsUniqueViolation(err) {
				// Another activation committed between our read and write.
				return fmt.Errorf("%w: another model was activated concurrently", domain.ErrConflict)
			}
			return fmt.Errorf("activate model %s: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO model_activations (model_id, previous_id, subject, reason, at) "+
			"VALUES ($1, $2, $3, $4, $5)", id, previous, by, reason, micros(at)); err != nil {
			return fmt.Errorf("record activation of %s: %w", id, err)
		}
		out, err = r.getFull(ctx, tx, "id = $1", id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ActivationRecord is one entry of the activation audit trail.
type ActivationRecord struct {
	ModelID, PreviousID, By, Reason string
	At                              time.Time
}

// Activations returns every activation ever made, oldest first. Unlike
// Model.Activation, which holds only the latest, this keeps the models'
// whole history of being put into and taken out of service.
func (r *ModelRepository) Activations(ctx context.Context) ([]ActivationRecord, error) {
	rows, err := r.db.QueryContext(ctx, "SELECT model_id, previous_id, subject, reason, at FROM model_activations ORDER BY seq")
	if err != nil {
		return nil, fmt.Errorf("list activations: %w", err)
	}
	defer rows.Close()
	var out []ActivationRecord
	for rows.Next() {
		var a ActivationRecord
		var at int64
		if err := rows.Scan(&a.ModelID, &a.PreviousID, &a.By, &a.Reason, &at); err != nil {
			return nil, err
		}
		a.At = fromMicros(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

func scanModel(s scanner, extra ...any) (*domain.Model, error) {
	var m domain.Model
	var created, activated, retired int64
	var features, params, metrics, state, by, reason string
	dest := append([]any{&m.ID, &m.Kind, &created, &features, &params, &metrics, &m.Training.Labels,
		&m.Training.Fingerprint, &m.Training.SourceCursor, &state, &by, &reason, &activated, &retired}, extra...)
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(features), &m.Features); err != nil {
		return nil, fmt.Errorf("model %s: features: %w", m.ID, err)
	}
	if params != "" {
		m.Params = json.RawMessage(params)
	}
	if metrics != "" {
		m.Metrics = json.RawMessage(metrics)
	}
	m.CreatedAt = fromMicros(created)
	m.State = domain.ModelState(state)
	if activated != 0 {
		m.Activation = &domain.Activation{By: by, Reason: reason, At: fromMicros(activated)}
	}
	m.RetiredAt = fromMicros(retired)
	return &m, nil
}

// ---- runs ----

// RunRepository implements domain.Runs.
type RunRepository struct{ *store }

const runColumns = "id, model_id, state, start_time, finish_time, total, scored, cursor_kk, cut_points, error, decided, notices"

// Create stores a new run of an existing model.
func (r *RunRepository) Create(ctx context.Context, run *domain.RankingRun) error {
	if err := run.Validate(); err != nil {
		return err
	}
	if run.StartedAt.IsZero() {
		run.StartedAt = r.now().UTC().Truncate(time.Microsecond)
	}
	err := r.db.InTx(ctx, func(tx *storage.Tx) error {
		if err := modelsExist(ctx, tx, []string{run.ModelID}); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO ranking_runs (id, model_id, state, start_time, total, scored, cursor_kk) "+
			"VALUES ($1, $2, $3, $4, $5, $6, $7)",
			run.ID, run.ModelID, string(run.State), micros(run.StartedAt), run.Total, run.Scored, run.Cursor)
		if storage.IsUniqueViolation(err) {
			return fmt.Errorf("%w: run %s already exists", domain.ErrConflict, run.ID)
		}
		return err
	})
	if err != nil && !errors.Is(err, domain.ErrConflict) && !errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("create run %s: %w", run.ID, err)
	}
	return err
}

// Get returns a run.
func (r *RunRepository) Get(ctx context.Context, id string) (*domain.RankingRun, error) {
	return getRun(ctx, r.db, id, false)
}

func getRun(ctx context.Context, q querier, id string, forUpdate bool) (*domain.RankingRun, error) {
	query := "SELECT " + runColumns + " FROM ranking_runs WHERE id = $1"
	if forUpdate {
		query += " FOR UPDATE"
	}
	run, err := scanRun(q.QueryRowContext(ctx, query, id))
	if err != nil {
		return nil, notFound(err, "run "+id)
	}
	return run, nil
}

// List returns a page of runs, newest first.
func (r *RunRepository) List(ctx context.Context, p domain.Page) ([]*domain.RankingRun, error) {
	query := "SELECT " + runColumns + " FROM ranking_runs"
	args := []any{p.Size()}
	if p.After != "" {
		query += " WHERE start_time < (SELECT start_time FROM ranking_runs WHERE id = $2)" +
			" OR (start_time = (SELECT start_time FROM ranking_runs WHERE id = $2) AND id < $2)"
		args = append(args, p.After)
	}
	return r.list(ctx, query+" ORDER BY start_time DESC, id DESC LIMIT $1", args...)
}

// LatestSucceeded returns the most recently finished successful run.
func (r *RunRepository) LatestSucceeded(ctx context.Context) (*domain.RankingRun, error) {
	runs, err := r.list(ctx, "SELECT "+runColumns+" FROM ranking_runs WHERE state = $1 "+
		"ORDER BY finish_time DESC, id DESC LIMIT 1", string(domain.RunSucceeded))
	if err != nil {
		return nil, err
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("%w: no ranking run has succeeded", domain.ErrNotFound)
	}
	return runs[0], nil
}

func (r *RunRepository) list(ctx context.Context, query string, args ...any) ([]*domain.RankingRun, error) {
	rows, err := r.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var out []*domain.RankingRun
	for rows.Next() {
		run, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		out = append(out, run)
	}
	return out, rows.Err()
}

// UpdateProgress records the run's progress and marks it RUNNING.
func (r *RunRepository) UpdateProgress(ctx context.Context, id string, scored int64, cursor string) error {
	return r.db.InTx(ctx, func(tx *storage.Tx) error {
		run, err := getRun(ctx, tx, id, tx.Engine() == storage.Postgres)
		if err != nil {
			return err
		}
		if err := run.CheckProgress(scored, cursor); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE ranking_runs SET state = $1, scored = $2, cursor_kk = $3 WHERE id = $4",
			string(domain.RunRunning), scored, cursor, id)
		if err != nil {
			return fmt.Errorf("update run %s: %w", id, err)
		}
		return nil
	})
}

// UpdateDecided records the eligibility pass's progress.
func (r *RunRepository) UpdateDecided(ctx context.Context, id string, decided, notices int64) error {
	return r.db.InTx(ctx, func(tx *storage.Tx) error {
		run, err := getRun(ctx, tx, id, tx.Engine() == storage.Postgres)
		if err != nil {
			return err
		}
		if run.State.Finished() {
			return fmt.Errorf("%w: run %s already %s", domain.ErrConflict, id, run.State)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE ranking_runs SET decided = $1, notices = $2 WHERE id = $3",
			decided, notices, id); err != nil {
			return fmt.Errorf("update run %s: %w", id, err)
		}
		return nil
	})
}

// Finish ends the run.
func (r *RunRepository) Finish(ctx context.Context, id string, state domain.RunState, cutPoints []byte, errMsg string) error {
	at := r.now().UTC().Truncate(time.Microsecond)
	return r.db.InTx(ctx, func(tx *storage.Tx) error {
		run, err := getRun(ctx, tx, id, tx.Engine() == storage.Postgres)
		if err != nil {
			return err
		}
		if err := run.CheckFinish(state, cutPoints, errMsg); err != nil {
			return err
		}
		var cp any
		if len(cutPoints) > 0 {
			cp = cutPoints
		}
		_, err = tx.ExecContext(ctx, "UPDATE ranking_runs SET state = $1, finish_time = $2, cut_points = $3, error = $4 WHERE id = $5",
			string(state), micros(at), cp, errMsg, id)
		if err != nil {
			return fmt.Errorf("finish run %s: %w", id, err)
		}
		return nil
	})
}

func scanRun(s scanner) (*domain.RankingRun, error) {
	var run domain.RankingRun
	var state string
	var started, finished int64
	if err := s.Scan(&run.ID, &run.ModelID, &state, &started, &finished, &run.Total, &run.Scored,
		&run.Cursor, &run.CutPoints, &run.Error, &run.Decided, &run.Notices); err != nil {
		return nil, err
	}
	run.State = domain.RunState(state)
	run.StartedAt, run.FinishedAt = fromMicros(started), fromMicros(finished)
	return &run, nil
}

// modelsExist fails with ErrNotFound naming the first id with no model.
func modelsExist(ctx context.Context, q querier, ids []string) error {
	for _, id := range ids {
		var one int
		if err := q.QueryRowContext(ctx, "SELECT 1 FROM models WHERE id = $1", id).Scan(&one); err != nil {
			return notFound(err, "model "+id)
		}
	}
	return nil
}

func runsExist(ctx context.Context, q querier, ids []string) error {
	for _, id := range ids {
		var one int
		if err := q.QueryRowContext(ctx, "SELECT 1 FROM ranking_runs WHERE id = $1", id).Scan(&one); err != nil {
			return notFound(err, "run "+id)
		}
	}
	return nil
}

// ---- scores ----

// ScoreRepository implements domain.Scores.
type ScoreRepository struct{ *store }

// copyThreshold is the batch size from which Put stages scores with COPY on
// PostgreSQL: below it, the temporary table costs more than it saves.
const copyThreshold = 256

var historyColumns = []string{"kk", "score", "decile", "model_id", "run_id", "scored_at"}

// Put stores current scores and appends their history in one transaction.
func (r *ScoreRepository) Put(ctx context.Context, scores []domain.FamilyScore) error {
	if len(scores) == 0 {
		return nil
	}
	now := r.now().UTC().Truncate(time.Microsecond)
	seen := make(map[string]bool, len(scores))
	models, runs := map[string]bool{}, map[string]bool{}
	var modelIDs, runIDs []string
	rows := make([][]any, len(scores))
	for i := range scores {
		s := &scores[i]
		if err := s.Validate(); err != nil {
			return err
		}
		if seen[s.KK] {
			return fmt.Errorf("%w: KK %s appears twice in one batch", domain.ErrInvalid, s.KK)
		}
		seen[s.KK] = true
		if !models[s.ModelID] {
			models[s.ModelID] = true
			modelIDs = append(modelIDs, s.ModelID)
		}
		if s.RunID != "" && !runs[s.RunID] {
			runs[s.RunID] = true
			runIDs = append(runIDs, s.RunID)
		}
		at := s.ScoredAt
		if at.IsZero() {
			at = now
		}
		rows[i] = []any{s.KK, s.Score, s.Decile, s.ModelID, nullable(s.RunID), micros(at)}
	}
	err := r.db.InTx(ctx, func(tx *storage.Tx) error {
		if err := modelsExist(ctx, tx, modelIDs); err != nil {
			return err
		}
		if err := runsExist(ctx, tx, runIDs); err != nil {
			return err
		}
		current := make([][]any, len(rows))
		for i, row := range rows {
			flags, err := json.Marshal(nonNil(scores[i].Flags))
			if err != nil {
				return err
			}
			verify := 0
			if scores[i].FieldVerification {
				verify = 1
			}
			current[i] = append(row[:len(row):len(row)], string(flags), scores[i].Region, verify)
		}
		if err := upsertScores(ctx, tx, current); err != nil {
			return err
		}
		return appendHistory(ctx, tx, rows)
	})
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("put %d scores: %w", len(scores), err)
	}
	return err
}

// appendHistory appends one history row per score. PostgreSQL numbers them
// with seq's identity. SQLite numbered them with the rowid while seq was the
// whole key; since the key is (kk, seq) (migration 0006) the rows are
// numbered here, one past the last rowid, and the number is written as
// both, so the next batch finds it at once. The transaction holds SQLite's
// write lock, so no other writer takes the same numbers.
func appendHistory(ctx context.Context, tx *storage.Tx, rows [][]any) error {
	columns := historyColumns
	if tx.Engine() == storage.SQLite {
		var last int64
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(rowid), 0) FROM score_history").Scan(&last); err != nil {
			return fmt.Errorf("number score history: %w", err)
		}
		numbered := make([][]any, len(rows))
		for i, row := range rows {
			seq := last + int64(i) + 1
			numbered[i] = append([]any{seq, seq}, row...)
		}
		rows, columns = numbered, append([]string{"rowid", "seq"}, historyColumns...)
	}
	if _, err := tx.CopyFrom(ctx, "score_history", columns, rows); err != nil {
		return fmt.Errorf("append score history: %w", err)
	}
	return nil
}

const upsertTail = " ON CONFLICT (kk) DO UPDATE SET score = excluded.score, decile = excluded.decile, " +
	"model_id = excluded.model_id, run_id = excluded.run_id, scored_at = excluded.scored_at, flags = excluded.flags, " +
	"region = excluded.region, verify = excluded.verify"

func upsertScores(ctx context.Context, tx *storage.Tx, rows [][]any) error {
	const cols = "kk, score, decile, model_id, run_id, scored_at, flags, region, verify"
	if tx.Engine() == storage.Postgres && len(rows) >= copyThreshold {
		// COPY cannot upsert, so stage the batch and upsert from the stage
		// in one statement; the stage disappears with the transaction.
		if _, err := tx.ExecContext(ctx, "CREATE TEMP TABLE score_stage (LIKE family_scores INCLUDING DEFAULTS) ON COMMIT DROP"); err != nil {
			return fmt.Errorf("create score stage: %w", err)
		}
		if _, err := tx.CopyFrom(ctx, "score_stage", []string{"kk", "score", "decile", "model_id", "run_id", "scored_at", "flags", "region", "verify"}, rows); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO family_scores ("+cols+") SELECT "+cols+" FROM score_stage"+upsertTail); err != nil {
			return fmt.Errorf("upsert staged scores: %w", err)
		}
		return nil
	}
	for _, row := range rows {
		if _, err := tx.ExecContext(ctx, "INSERT INTO family_scores ("+cols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"+upsertTail, row...); err != nil {
			return fmt.Errorf("upsert score of %v: %w", row[0], err)
		}
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const scoreColumns = "kk, score, decile, model_id, run_id, scored_at, flags, region, verify"

// Get returns a family's current score.
func (r *ScoreRepository) Get(ctx context.Context, kk string) (*domain.FamilyScore, error) {
	if kk == "" {
		return nil, fmt.Errorf("%w: empty KK", domain.ErrInvalid)
	}
	s, err := scanScore(r.db.QueryRowContext(ctx, "SELECT "+scoreColumns+" FROM family_scores WHERE kk = $1", kk))
	if err != nil {
		return nil, notFound(err, "score of "+kk)
	}
	return s, nil
}

// History returns a family's score records, newest first; an unscored
// family has an empty history.
func (r *ScoreRepository) History(ctx context.Context, kk string, limit int) ([]domain.ScoreRecord, error) {
	if kk == "" {
		return nil, fmt.Errorf("%w: empty KK", domain.ErrInvalid)
	}
	rows, err := r.db.QueryContext(ctx, "SELECT kk, score, decile, model_id, run_id, scored_at FROM score_history "+
		"WHERE kk = $1 ORDER BY seq DESC LIMIT $2", kk, domain.Page{Limit: limit}.Size())
	if err != nil {
		return nil, fmt.Errorf("score history of %s: %w", kk, err)
	}
	defer rows.Close()
	var out []domain.ScoreRecord
	for rows.Next() {
		var rec domain.ScoreRecord
		var run sql.NullString
		var at int64
		if err := rows.Scan(&rec.KK, &rec.Score, &rec.Decile, &rec.ModelID, &run, &at); err != nil {
			return nil, err
		}
		rec.RunID, rec.ScoredAt = run.String, fromMicros(at)
		out = append(out, rec)
	}
	return out, rows.Err()
}

// ListByDecile returns a page of one decile's current scores in KK order.
func (r *ScoreRepository) ListByDecile(ctx context.Context, decile int, p domain.Page) ([]domain.FamilyScore, error) {
	if decile < domain.Unranked || decile > domain.MaxDecile {
		return nil, fmt.Errorf("%w: decile %d is outside 0..%d", domain.ErrInvalid, decile, domain.MaxDecile)
	}
	rows, err := r.db.QueryContext(ctx, "SELECT /* dtsen:fanout national ranking placement scan; §8 writes each score placed */ "+
		scoreColumns+" FROM family_scores WHERE decile = $1 AND kk > $2 ORDER BY kk LIMIT $3", decile, p.After, p.Size())
	if err != nil {
		return nil, fmt.Errorf("list decile %d: %w", decile, err)
	}
	defer rows.Close()
	var out []domain.FamilyScore
	for rows.Next() {
		s, err := scanScore(rows)
		if err != nil {
			return nil, fmt.Errorf("list decile %d: %w", decile, err)
		}
		out = append(out, *s)
	}
	return out, rows.Err()
}

// ListByRun returns a page of the current scores stored by one run, in KK
// order.
func (r *ScoreRepository) ListByRun(ctx context.Context, runID string, p domain.Page) ([]domain.FamilyScore, error) {
	if runID == "" {
		return nil, fmt.Errorf("%w: run id is required", domain.ErrInvalid)
	}
	rows, err := r.db.QueryContext(ctx, "SELECT /* dtsen:fanout national ranking scan; §8 replaces it with partitions */ "+
		scoreColumns+" FROM family_scores WHERE run_id = $1 AND kk > $2 ORDER BY kk LIMIT $3", runID, p.After, p.Size())
	if err != nil {
		return nil, fmt.Errorf("list run %s: %w", runID, err)
	}
	defer rows.Close()
	var out []domain.FamilyScore
	for rows.Next() {
		s, err := scanScore(rows)
		if err != nil {
			return nil, fmt.Errorf("list run %s: %w", runID, err)
		}
		out = append(out, *s)
	}
	return out, rows.Err()
}

// ListForVerification returns a page of the families whose current score
// asks for a field visit, within regionPrefix, in (region, KK) order.
func (r *ScoreRepository) ListForVerification(ctx context.Context, regionPrefix string, p domain.Page) ([]domain.FamilyScore, error) {
	afterRegion, afterKK, err := splitCursor(p.After)
	if err != nil {
		return nil, err
	}
	query := "SELECT /* dtsen:fanout field verification list by region, for officers */ " + scoreColumns +
		" FROM family_scores WHERE verify = 1 AND (region > $1 OR (region = $1 AND kk > $2))"
	args := []any{afterRegion, afterKK}
	if regionPrefix != "" {
		query += " AND (region = $3 OR region LIKE $4)"
		args = append(args, regionPrefix, regionPrefix+".%")
	}
	rows, err := r.db.QueryContext(ctx, query+" ORDER BY region, kk LIMIT "+strconv.Itoa(p.Size()), args...)
	if err != nil {
		return nil, fmt.Errorf("families to verify: %w", err)
	}
	defer rows.Close()
	var out []domain.FamilyScore
	for rows.Next() {
		s, err := scanScore(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *s)
	}
	return out, rows.Err()
}

func scanScore(sc scanner) (*domain.FamilyScore, error) {
	var s domain.FamilyScore
	var run sql.NullString
	var at int64
	var flags string
	var verify int
	if err := sc.Scan(&s.KK, &s.Score, &s.Decile, &s.ModelID, &run, &at, &flags, &s.Region, &verify); err != nil {
		return nil, err
	}
	s.FieldVerification = verify != 0
	s.RunID, s.ScoredAt = run.String, fromMicros(at)
	if err := json.Unmarshal([]byte(flags), &s.Flags); err != nil {
		return nil, fmt.Errorf("score of %s: flags: %w", s.KK, err)
	}
	if len(s.Flags) == 0 {
		s.Flags = nil
	}
	return &s, nil
}

// ---- notices ----

// NoticeRepository implements domain.Notices.
type NoticeRepository struct{ *store }

const noticeColumns = "id, kk, programme, kind, old_status, new_status, reasons, issued_at, deadline, effective_at, " +
	"run_id, table_hash, state"

// Upsert stores notices not stored yet, leaving stored ones untouched. A
// notice without a state is stored PENDING.
func (r *NoticeRepository) Upsert(ctx context.Context, notices []domain.Notice) error {
	rows, err := noticeRows(notices)
	if err != nil {
		return err
	}
	return r.db.InTx(ctx, func(tx *storage.Tx) error { return insertNotices(ctx, tx, rows) })
}

func noticeRows(notices []domain.Notice) ([][]any, error) {
	rows := make([][]any, len(notices))
	for i, n := range notices {
		if n.State == "" {
			n.State = domain.NoticePending
		}
		if err := n.Validate(); err != nil {
			return nil, err
		}
		reasons, err := json.Marshal(n.Reasons)
		if err != nil {
			return nil, fmt.Errorf("notice %s: reasons: %w", n.ID, err)
		}
		rows[i] = []any{n.ID, n.KK, n.Programme, string(n.Kind), string(n.OldStatus), string(n.NewStatus), string(reasons),
			micros(n.IssuedAt), micros(n.Deadline), micros(n.EffectiveAt), n.RunID, n.TableHash, string(n.State)}
	}
	return rows, nil
}

func insertNotices(ctx context.Context, tx *storage.Tx, rows [][]any) error {
	// A notice key twice in one statement would be a conflict within it;
	// the first copy wins, as it does across statements. The key is
	// (kk, id): notices are distributed by family (migration 0006).
	type key struct{ kk, id any }
	seen := make(map[key]bool, len(rows))
	unique := rows[:0:0]
	for _, row := range rows {
		if k := (key{kk: row[1], id: row[0]}); !seen[k] {
			seen[k] = true
			unique = append(unique, row)
		}
	}
	return insertMany(ctx, tx, "notices", noticeColumns, unique, " ON CONFLICT (kk, id) DO NOTHING")
}

// ListByKK returns a family's notices, oldest first.
func (r *NoticeRepository) ListByKK(ctx context.Context, kk string) ([]domain.Notice, error) {
	if kk == "" {
		return nil, fmt.Errorf("%w: empty KK", domain.ErrInvalid)
	}
	rows, err := r.db.QueryContext(ctx, "SELECT "+noticeColumns+" FROM notices WHERE kk = $1 ORDER BY issued_at, id", kk)
	if err != nil {
		return nil, fmt.Errorf("notices of %s: %w", kk, err)
	}
	defer rows.Close()
	var out []domain.Notice
	for rows.Next() {
		var n domain.Notice
		var kind, oldStatus, newStatus, reasons, state string
		var issued, deadline, effective int64
		if err := rows.Scan(&n.ID, &n.KK, &n.Programme, &kind, &oldStatus, &newStatus, &reasons,
			&issued, &deadline, &effective, &n.RunID, &n.TableHash, &state); err != nil {
			return nil, err
		}
		n.Kind, n.OldStatus, n.NewStatus = eligibility.NoticeKind(kind), eligibility.Status(oldStatus), eligibility.Status(newStatus)
		n.State = domain.NoticeState(state)
		n.IssuedAt, n.Deadline, n.EffectiveAt = fromMicros(issued), fromMicros(deadline), fromMicros(effective)
		if err := json.Unmarshal([]byte(reasons), &n.Reasons); err != nil {
			return nil, fmt.Errorf("notice %s: reasons: %w", n.ID, err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
