-- Optimistic concurrency (docs/scale-out.md §4.4): a writer updates a record
-- only if its version is still the one it read, instead of locking the rows
-- it read with FOR UPDATE, which Citus refuses over many shards. Every write
-- of a row adds 1; existing rows start at 1.
ALTER TABLE incomes ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE employments ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE consumptions ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE banking_patterns ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
