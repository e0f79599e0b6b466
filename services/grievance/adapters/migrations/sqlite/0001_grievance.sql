-- Grievance cases and their append-only history. Times are Unix
-- microseconds; due_at is the current state's deadline, the largest BIGINT
-- for a closed case, so "most overdue first" is one index order.
CREATE TABLE cases (
    id           TEXT   COLLATE BINARY PRIMARY KEY,
    type         TEXT   NOT NULL,
    state        TEXT   NOT NULL,
    kk           TEXT   COLLATE BINARY NOT NULL DEFAULT '',
    region       TEXT   COLLATE BINARY NOT NULL,
    reporter     TEXT   NOT NULL,
    request_id   TEXT   NOT NULL DEFAULT '',
    body         TEXT   NOT NULL,
    submitted_at BIGINT NOT NULL,
    due_at       BIGINT NOT NULL,
    version      INTEGER NOT NULL
);

-- A retried submission finds its case; a family has one open case a type.
CREATE UNIQUE INDEX cases_request ON cases (reporter, request_id) WHERE request_id <> '';
CREATE UNIQUE INDEX cases_open ON cases (kk, type) WHERE kk <> '' AND state NOT IN ('APPLIED', 'REJECTED');
CREATE INDEX cases_due ON cases (due_at, id);
CREATE INDEX cases_region ON cases (region, due_at, id);
CREATE INDEX cases_reporter ON cases (reporter, type, submitted_at);

-- Append-only: the repository only ever inserts here.
CREATE TABLE case_transitions (
    case_id    TEXT    COLLATE BINARY NOT NULL,
    seq        INTEGER NOT NULL,
    at         BIGINT  NOT NULL,
    by_subject TEXT    NOT NULL,
    role       TEXT    NOT NULL DEFAULT '',
    from_state TEXT    NOT NULL DEFAULT '',
    to_state   TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    reason     TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (case_id, seq)
);
