-- Eligibility (DESIGN.md §1): the facts a ranking run staged while scoring
-- each family, the decision and entitlement state the run left, and one row
-- per (programme, family) the family is eligible for, so that a programme's
-- list for a region is an index range, not a scan of every decision.
CREATE TABLE eligibility_facts (
    kk         TEXT   COLLATE "C" PRIMARY KEY,
    run_id     TEXT   NOT NULL,
    facts      TEXT   NOT NULL,
    dtks       TEXT   NOT NULL DEFAULT '[]'
);

CREATE TABLE eligibility (
    kk         TEXT   COLLATE "C" PRIMARY KEY,
    region     TEXT   COLLATE "C" NOT NULL,
    run_id     TEXT   NOT NULL,
    decision   TEXT   NOT NULL,
    state      TEXT   NOT NULL,
    dtks       TEXT   NOT NULL DEFAULT '[]',
    decided_at BIGINT NOT NULL
);

CREATE INDEX eligibility_region ON eligibility (region, kk);

CREATE TABLE eligible_families (
    programme  TEXT    COLLATE "C" NOT NULL,
    region     TEXT    COLLATE "C" NOT NULL,
    kk         TEXT    COLLATE "C" NOT NULL,
    decile     INTEGER NOT NULL,
    PRIMARY KEY (programme, region, kk)
);

CREATE INDEX eligible_families_kk ON eligible_families (kk);

-- How far a run's eligibility pass got, for its progress.
ALTER TABLE ranking_runs ADD COLUMN decided BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ranking_runs ADD COLUMN notices BIGINT NOT NULL DEFAULT 0;
