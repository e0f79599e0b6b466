-- A flagged family is sent to field verification, not silently ranked: each
-- score carries the family's village and whether a flag asks for a visit, so
-- a region's officers can list the families waiting for one.
ALTER TABLE family_scores ADD COLUMN region TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE family_scores ADD COLUMN verify INTEGER NOT NULL DEFAULT 0;
CREATE INDEX family_scores_verify ON family_scores (verify, region, kk);
