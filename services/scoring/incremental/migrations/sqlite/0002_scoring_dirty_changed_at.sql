-- The latest commit time, as the source context stamped it, of the changes
-- a mark stands for: a score computed from data read after it covers them
-- all, whenever the feed was read.
ALTER TABLE scoring_dirty ADD COLUMN changed_at BIGINT NOT NULL DEFAULT 0;
