-- Citus-ready keys (docs/scale-out.md §4.6, §5), the same as on PostgreSQL:
-- score_history's key becomes (kk, seq) and notices' (kk, id). SQLite cannot
-- change a primary key in place, so each table is rebuilt: create the new
-- one, copy, drop the old, rename. (kk already compares byte-wise here, as
-- "C" does on PostgreSQL.)

-- seq is no longer the rowid once it is not the whole key, so nothing
-- numbers it any more: the repository does, one past the last rowid, and
-- writes the same number into both (ScoreRepository.Put). The copy starts
-- that invariant, so the history keeps its order and its numbers.
CREATE TABLE score_history_keyed (
    seq        INTEGER          NOT NULL,
    kk         TEXT             COLLATE BINARY NOT NULL,
    score      REAL             NOT NULL,
    decile     INTEGER          NOT NULL,
    model_id   TEXT             NOT NULL REFERENCES models (id),
    run_id     TEXT             REFERENCES ranking_runs (id),
    scored_at  BIGINT           NOT NULL,
    PRIMARY KEY (kk, seq)
);
INSERT INTO score_history_keyed (rowid, seq, kk, score, decile, model_id, run_id, scored_at)
SELECT seq, seq, kk, score, decile, model_id, run_id, scored_at FROM score_history;
-- Dropping the table drops score_history_kk, which the key replaces.
DROP TABLE score_history;
ALTER TABLE score_history_keyed RENAME TO score_history;

-- A notice's id is a hash of its family, programme, kind and cause
-- (eligibility's Notice.withID), so no two families share one and the
-- narrower key changes nothing.
CREATE TABLE notices_keyed (
    id           TEXT   NOT NULL,
    kk           TEXT   COLLATE BINARY NOT NULL,
    programme    TEXT   NOT NULL,
    kind         TEXT   NOT NULL,
    old_status   TEXT   NOT NULL DEFAULT '',
    new_status   TEXT   NOT NULL DEFAULT '',
    reasons      TEXT   NOT NULL DEFAULT '[]',
    issued_at    BIGINT NOT NULL DEFAULT 0,
    deadline     BIGINT NOT NULL DEFAULT 0,
    effective_at BIGINT NOT NULL DEFAULT 0,
    run_id       TEXT   NOT NULL DEFAULT '',
    table_hash   TEXT   NOT NULL DEFAULT '',
    state        TEXT   NOT NULL,
    PRIMARY KEY (kk, id)
);
INSERT INTO notices_keyed (id, kk, programme, kind, old_status, new_status, reasons, issued_at, deadline, effective_at,
    run_id, table_hash, state)
SELECT id, kk, programme, kind, old_status, new_status, reasons, issued_at, deadline, effective_at,
    run_id, table_hash, state FROM notices;
DROP TABLE notices;
ALTER TABLE notices_keyed RENAME TO notices;
CREATE INDEX notices_kk ON notices (kk, issued_at, id);
