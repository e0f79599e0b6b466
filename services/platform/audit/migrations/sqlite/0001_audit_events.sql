-- Append-only log of reads of personal data (UU 27/2022): who read which
-- record, for which purpose, when. The triggers refuse UPDATE and DELETE, so
-- not even a bug in this service can rewrite history.
CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    event_time BIGINT NOT NULL,
    subject    TEXT   NOT NULL,
    role       TEXT   NOT NULL,
    region     TEXT   NOT NULL,
    purpose    TEXT   NOT NULL,
    method     TEXT   NOT NULL,
    record     TEXT   NOT NULL,
    request_id TEXT   NOT NULL,
    trace_id   TEXT   NOT NULL
);
CREATE INDEX audit_events_record ON audit_events (record, id);
CREATE INDEX audit_events_subject ON audit_events (subject, id);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
