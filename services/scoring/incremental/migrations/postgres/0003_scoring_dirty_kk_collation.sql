-- scoring_dirty is distributed by kk, co-located with the scores
-- (docs/scale-out.md §4.6): its kk must compare as family_scores' does,
-- "C" (byte order), or Citus refuses to co-locate the two. The primary key
-- is rebuilt in the new collation.
ALTER TABLE scoring_dirty ALTER COLUMN kk TYPE TEXT COLLATE "C";
