-- The workload that acted for the subject when a call was delegated: the
-- gateway for a citizen's own check (ADR 0009). Empty for a direct caller.
-- (Version 2 re-keyed the table for Citus; SQLite is never distributed.)
ALTER TABLE audit_events ADD COLUMN actor TEXT NOT NULL DEFAULT '';
