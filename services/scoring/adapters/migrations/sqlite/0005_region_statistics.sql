-- Region statistics (the analyst dashboard): a run's counts per village,
-- recorded when the run's eligibility pass is done, before it succeeds.
-- Counting from the live tables instead would drift while the next run
-- overwrites them (scores at once, eligibility batch by batch), and a
-- national GROUP BY over the live rows would scan 93M of them per request;
-- a run's snapshot is at most (villages x deciles) rows, and a region's
-- counts are an index range of it (the primary keys).
--
-- The eligibility record keeps its decile and living members as columns,
-- so recording a run's counts is a GROUP BY, not a JSON parse per family.
-- Records written before this migration keep 0 until a run decides them
-- again; nothing reads these columns but the recording at a run's end.
ALTER TABLE eligibility ADD COLUMN decile INTEGER NOT NULL DEFAULT 0;
ALTER TABLE eligibility ADD COLUMN persons INTEGER NOT NULL DEFAULT 0;

-- Families ranked by a run, per village and national decile.
CREATE TABLE run_region_deciles (
    run_id   TEXT    NOT NULL,
    region   TEXT    COLLATE BINARY NOT NULL,
    decile   INTEGER NOT NULL,
    families BIGINT  NOT NULL,
    PRIMARY KEY (run_id, region, decile)
);

-- Families a run made eligible per village and programme, quotas applied,
-- and their living members (a quota in persons counts those).
CREATE TABLE run_region_programmes (
    run_id    TEXT   NOT NULL,
    region    TEXT   COLLATE BINARY NOT NULL,
    programme TEXT   NOT NULL,
    eligible  BIGINT NOT NULL,
    persons   BIGINT NOT NULL,
    PRIMARY KEY (run_id, region, programme)
);

-- The newest successful run, decided before this migration, gets its counts
-- from the decisions stored now, unless a newer run has already begun
-- overwriting them (its eligibility pass has started).
INSERT INTO run_region_deciles (run_id, region, decile, families)
SELECT e.run_id, e.region, CAST(json_extract(e.decision, '$.decile') AS INTEGER), COUNT(*)
FROM eligibility e
WHERE e.run_id = (SELECT id FROM ranking_runs WHERE state = 'SUCCEEDED' ORDER BY finish_time DESC, id DESC LIMIT 1)
  AND NOT EXISTS (SELECT 1 FROM ranking_runs WHERE state NOT IN ('SUCCEEDED', 'FAILED') AND decided > 0)
GROUP BY e.run_id, e.region, CAST(json_extract(e.decision, '$.decile') AS INTEGER);

INSERT INTO run_region_programmes (run_id, region, programme, eligible, persons)
SELECT e.run_id, e.region, f.programme, COUNT(*), SUM(CAST(json_extract(e.decision, '$.persons') AS INTEGER))
FROM eligible_families f JOIN eligibility e ON e.kk = f.kk
WHERE e.run_id = (SELECT id FROM ranking_runs WHERE state = 'SUCCEEDED' ORDER BY finish_time DESC, id DESC LIMIT 1)
  AND NOT EXISTS (SELECT 1 FROM ranking_runs WHERE state NOT IN ('SUCCEEDED', 'FAILED') AND decided > 0)
GROUP BY e.run_id, e.region, f.programme;
