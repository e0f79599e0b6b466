-- Ledger of ImportRecords batches: makes a re-sent batch a no-op and lets an
-- interrupted one be resumed. summary holds the serialized
-- dtsen.type.v1.ImportSummary of a completed batch.
CREATE TABLE import_batches (
    source         TEXT    NOT NULL,
    batch_id       TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('RUNNING', 'INTERRUPTED', 'COMPLETED')),
    received_count BIGINT  NOT NULL DEFAULT 0,
    accepted_count BIGINT  NOT NULL DEFAULT 0,
    summary        BLOB,
    started_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    completed_at   BIGINT,
    PRIMARY KEY (source, batch_id)
);
