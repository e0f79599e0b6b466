-- Families whose source data changed since they were last scored. The feed
-- handlers write a row before their cursor advances, so a change survives a
-- crash between the two; workers delete it once the family is re-scored.
-- Times are Unix microseconds.
CREATE TABLE scoring_dirty (
    kk          TEXT    PRIMARY KEY,
    -- first mark not yet covered by a re-score: bounds how long a family
    -- that keeps changing can be held back by Settle
    dirty_since BIGINT  NOT NULL,
    -- latest mark, strictly increasing per row: a worker deletes the row only
    -- if it still holds the value read when the re-score began
    marked_at   BIGINT  NOT NULL,
    -- consecutive failed re-scores, for the back-off
    attempts    INTEGER NOT NULL,
    -- no worker takes the row before this: a back-off, or a worker's lease
    not_before  BIGINT  NOT NULL
);
CREATE INDEX scoring_dirty_since ON scoring_dirty (dirty_since);
