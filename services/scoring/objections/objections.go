// Package objections holds a family's eligibility loss while the family's
// objection (sanggah) is pending in the grievance context, and releases it
// when the case is decided (DESIGN.md §1.4: a loss waits for the family's
// objection; no silent removals).
//
// The case lives in grievance, whose tables scoring may not read (DESIGN.md
// §3), so scoring follows grievance's WatchChanges feed from a durable
// cursor (FeedName) and keeps its own copy of the open exclusion objections
// in scoring_open_objections:
//
//   - A ranking run reads that table once per batch of families
//     (Store.Contested as app.Deps.ObjectionsPending), so a loss the run
//     issues to a family with an open objection is held from the start. One
//     query a batch, not an RPC a family: a national run decides 93M
//     families.
//   - The row is written before the feed's cursor moves past the event, so
//     a crash in between replays the event rather than forgetting the case.
//
// Events are notifications: the handler reads the case as it is now
// (GetCase) and acts on its current state, not on the event's action. A
// replayed or late event therefore converges on what the case says, and
// applying it twice changes nothing (package app's FileObjection and
// DecideObjection are idempotent, and a notice's id derives from its cause).
//
// An open case holds the family's pending loss of the case's programme (all
// of them when it names none, or one scoring does not know). A decided case
// releases it: upheld, the family keeps the programme (LOSS_CANCELLED);
// rejected, the loss takes effect at the later of its deadline and the
// decision (LOSS_CONFIRMED). Grievance allows one open objection a family,
// so a decided case whose family already has another open objection is an
// old event replayed (a reset cursor): the loss held now is the newer
// case's, and is left to it.
package objections

import (
	"context"
	"embed"
	"fmt"
	"strings"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/scoring/eligibility"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations creates scoring_open_objections. The feed's cursor lives in
// feed.Migrations.
var Migrations = storage.EmbeddedMigrations("scoring_objections", migrationFS, storage.Tables{"scoring_open_objections": storage.Distributed("kk")})

// Open is an open exclusion objection as scoring keeps it.
type Open struct {
	KK     string
	CaseID string
	// Programme is the rules-table code contested, or
	// eligibility.AllProgrammes.
	Programme string
	FiledAt   time.Time
}

// Store keeps the open objections in scoring's database.
type Store struct{ db *storage.DB }

// NewStore returns the store over db, migrated with Migrations.
func NewStore(db *storage.DB) *Store { return &Store{db: db} }

// inChunk bounds the KK numbers of one query, far below both engines'
// parameter limits (32,766 and 65,535).
const inChunk = 1000

// Upsert records an open objection, or updates the one of the same case.
func (s *Store) Upsert(ctx context.Context, o Open) error {
	if o.KK == "" || o.CaseID == "" {
		return fmt.Errorf("objections: an open objection needs a KK and a case")
	}
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO scoring_open_objections (kk, case_id, programme, filed_at)
			VALUES ($1, $2, $3, $4)
			ON CONFLICT (kk, case_id) DO UPDATE SET programme = excluded.programme, filed_at = excluded.filed_at`,
			o.KK, o.CaseID, o.Programme, o.FiledAt.UnixMicro())
		return err
	})
}

// Close deletes the objection of a decided case and reports whether the
// family still has another open one.
func (s *Store) Close(ctx context.Context, kk, caseID string) (othersOpen bool, err error) {
	err = s.db.InTx(ctx, func(tx *storage.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM scoring_open_objections WHERE kk = $1 AND case_id = $2", kk, caseID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM scoring_open_objections WHERE kk = $1", kk).Scan(&n); err != nil {
			return err
		}
		othersOpen = n > 0
		return nil
	})
	return othersOpen, err
}

// List returns a family's open objections, oldest first.
func (s *Store) List(ctx context.Context, kk string) ([]Open, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT kk, case_id, programme, filed_at FROM scoring_open_objections
		WHERE kk = $1 ORDER BY filed_at, case_id`, kk)
	if err != nil {
		return nil, fmt.Errorf("objections: list: %w", err)
	}
	defer rows.Close()
	var out []Open
	for rows.Next() {
		var o Open
		var at int64
		if err := rows.Scan(&o.KK, &o.CaseID, &o.Programme, &at); err != nil {
			return nil, err
		}
		o.FiledAt = time.UnixMicro(at).UTC()
		out = append(out, o)
	}
	return out, rows.Err()
}

// Contested returns, for those of kks with open objections, the programmes
// they contest (eligibility.AllProgrammes for all), in one query for up to
// a thousand families. It is app.Deps.ObjectionsPending.
func (s *Store) Contested(ctx context.Context, kks []string) (map[string][]string, error) {
	out := make(map[string][]string)
	for start := 0; start < len(kks); start += inChunk {
		chunk := kks[start:min(start+inChunk, len(kks))]
		args := make([]any, len(chunk))
		in := make([]byte, 0, 5*len(chunk))
		for i, kk := range chunk {
			if i > 0 {
				in = append(in, ", "...)
			}
			in = fmt.Appendf(in, "$%d", i+1)
			args[i] = kk
		}
		rows, err := s.db.QueryContext(ctx, "SELECT DISTINCT kk, programme FROM scoring_open_objections WHERE kk IN ("+string(in)+")", args...)
		if err != nil {
			return nil, fmt.Errorf("objections: open objections: %w", err)
		}
		for rows.Next() {
			var kk, programme string
			if err := rows.Scan(&kk, &programme); err != nil {
				rows.Close()
				return nil, err
			}
			out[kk] = append(out[kk], programme)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("objections: open objections: %w", err)
		}
	}
	return out, nil
}

// normalise maps the programme a citizen or officer typed on the case onto
// the rules table's codes. One the table does not know contests every
// programme: holding too much for the length of a case is undone by its
// decision, while holding too little lets a loss take effect under a
// pending objection.
func normalise(t *eligibility.Table, programme string) string {
	// "pbi jk", "PBI-JK" and " PBI_JK " are all PBI_JK.
	words := strings.FieldsFunc(programme, func(r rune) bool { return r == ' ' || r == '-' || r == '_' })
	code := strings.ToUpper(strings.Join(words, "_"))
	if _, ok := t.Programme(code); ok {
		return code
	}
	return eligibility.AllProgrammes
}
