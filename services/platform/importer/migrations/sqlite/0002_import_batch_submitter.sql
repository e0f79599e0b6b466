-- The token subject that opened the batch. A batch id is the client's
-- idempotency key: another client re-sending the same header must neither
-- resume it nor be shown its summary.
ALTER TABLE import_batches ADD COLUMN submitter TEXT NOT NULL DEFAULT '';
