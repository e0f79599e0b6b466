-- A ranking run scans the scores it stored (several passes to cut national
-- deciles); without this index each pass would read the whole table.
CREATE INDEX family_scores_run ON family_scores (run_id, kk);
