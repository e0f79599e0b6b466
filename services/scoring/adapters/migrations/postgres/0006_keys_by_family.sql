-- Citus-ready keys (docs/scale-out.md §4.6, §5). score_history and notices
-- are distributed by kk, and Citus enforces a primary key only within a
-- shard, so the key must contain kk. Every kk of the tables co-located with
-- family_scores must also share one collation, "C" (byte order, as SQLite
-- compares): Citus refuses to co-locate columns whose collations differ.

-- A family's history is still read in the order it was written: seq stays
-- the identity. The (kk, seq) index it had is now the key itself.
DROP INDEX score_history_kk;
ALTER TABLE score_history DROP CONSTRAINT score_history_pkey;
ALTER TABLE score_history ALTER COLUMN kk TYPE TEXT COLLATE "C";
ALTER TABLE score_history ADD PRIMARY KEY (kk, seq);

-- A notice's id is a hash of its family, programme, kind and cause
-- (eligibility's Notice.withID), so no two families share one and the
-- narrower key changes nothing. notices_kk is rebuilt in the new collation.
ALTER TABLE notices DROP CONSTRAINT notices_pkey;
ALTER TABLE notices ALTER COLUMN kk TYPE TEXT COLLATE "C";
ALTER TABLE notices ADD PRIMARY KEY (kk, id);
