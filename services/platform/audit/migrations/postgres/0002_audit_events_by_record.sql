-- Citus-ready (docs/scale-out.md §4.1): audit_events is distributed by
-- record, so "who read my data" is a single-shard query, and Citus requires
-- the primary key to include the distribution column. The old (record, id)
-- index is the new key. The collation is "C", like every distribution column.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_pkey;
DROP INDEX audit_events_record;
ALTER TABLE audit_events ALTER COLUMN record TYPE TEXT COLLATE "C";
ALTER TABLE audit_events ADD PRIMARY KEY (record, id);
