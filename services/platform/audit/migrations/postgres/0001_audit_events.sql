-- Append-only log of reads of personal data (UU 27/2022): who read which
-- record, for which purpose, when. The trigger refuses UPDATE, DELETE and
-- TRUNCATE, so not even a bug in this service can rewrite history; removing
-- old events is a deliberate, separately audited database operation.
CREATE TABLE audit_events (
    id         BIGSERIAL PRIMARY KEY,
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

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
