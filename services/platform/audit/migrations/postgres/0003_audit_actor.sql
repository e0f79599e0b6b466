-- The workload that acted for the subject when a call was delegated: the
-- gateway for a citizen's own check (ADR 0009). Empty for a direct caller.
-- Adding a column with a constant default rewrites no row, so the
-- append-only triggers do not fire.
ALTER TABLE audit_events ADD COLUMN actor TEXT NOT NULL DEFAULT '';
