-- Scoring context: models, ranking runs, family scores and their history,
-- eligibility notices. Times are Unix microseconds (0 = not set), JSON is
-- text: the same representation on SQLite and PostgreSQL.
CREATE TABLE models (
    id              TEXT   PRIMARY KEY,
    kind            TEXT   NOT NULL,
    create_time     BIGINT NOT NULL,
    features        TEXT   NOT NULL,
    params          TEXT   NOT NULL DEFAULT '',
    metrics         TEXT   NOT NULL DEFAULT '',
    train_labels    BIGINT NOT NULL DEFAULT 0,
    train_hash      TEXT   NOT NULL DEFAULT '',
    train_cursor    TEXT   NOT NULL DEFAULT '',
    blob            BYTEA  NOT NULL,
    state           TEXT   NOT NULL,
    activated_by    TEXT   NOT NULL DEFAULT '',
    activate_reason TEXT   NOT NULL DEFAULT '',
    activate_time   BIGINT NOT NULL DEFAULT 0,
    retire_time     BIGINT NOT NULL DEFAULT 0
);

-- The database itself keeps "at most one ACTIVE model", whatever the code does.
CREATE UNIQUE INDEX models_one_active ON models (state) WHERE state = 'ACTIVE';
CREATE INDEX models_newest ON models (create_time DESC, id DESC);

-- Every activation ever made, so the audit trail survives re-activations.
CREATE TABLE model_activations (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_id    TEXT   NOT NULL REFERENCES models (id),
    previous_id TEXT   NOT NULL DEFAULT '',
    subject     TEXT   NOT NULL,
    reason      TEXT   NOT NULL,
    at          BIGINT NOT NULL
);

CREATE TABLE ranking_runs (
    id          TEXT   PRIMARY KEY,
    model_id    TEXT   NOT NULL REFERENCES models (id),
    state       TEXT   NOT NULL,
    start_time  BIGINT NOT NULL,
    finish_time BIGINT NOT NULL DEFAULT 0,
    total       BIGINT NOT NULL DEFAULT 0,
    scored      BIGINT NOT NULL DEFAULT 0,
    cursor_kk   TEXT   COLLATE "C" NOT NULL DEFAULT '',
    cut_points  BYTEA,
    error       TEXT   NOT NULL DEFAULT ''
);

CREATE INDEX ranking_runs_newest ON ranking_runs (start_time DESC, id DESC);
CREATE INDEX ranking_runs_succeeded ON ranking_runs (finish_time DESC, id DESC) WHERE state = 'SUCCEEDED';

CREATE TABLE family_scores (
    kk         TEXT             COLLATE "C" PRIMARY KEY,
    score      DOUBLE PRECISION NOT NULL,
    decile     INTEGER          NOT NULL,
    model_id   TEXT             NOT NULL REFERENCES models (id),
    run_id     TEXT             REFERENCES ranking_runs (id),
    scored_at  BIGINT           NOT NULL,
    flags      TEXT             NOT NULL DEFAULT '[]'
);

CREATE INDEX family_scores_decile ON family_scores (decile, kk);

-- Append-only: the repository only ever inserts here.
CREATE TABLE score_history (
    seq        BIGINT           GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kk         TEXT             NOT NULL,
    score      DOUBLE PRECISION NOT NULL,
    decile     INTEGER          NOT NULL,
    model_id   TEXT             NOT NULL REFERENCES models (id),
    run_id     TEXT             REFERENCES ranking_runs (id),
    scored_at  BIGINT           NOT NULL
);

CREATE INDEX score_history_kk ON score_history (kk, seq);

CREATE TABLE notices (
    id           TEXT   PRIMARY KEY,
    kk           TEXT   NOT NULL,
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
    state        TEXT   NOT NULL
);

CREATE INDEX notices_kk ON notices (kk, issued_at, id);
