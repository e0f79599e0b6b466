-- The grievance context's open exclusion objections, as scoring last read
-- them from its change feed. A ranking run holds from the start the loss it
-- issues to a family with a row here; the row is deleted once its case is
-- decided. filed_at is Unix microseconds, like every time scoring stores.
CREATE TABLE scoring_open_objections (
    kk        TEXT   NOT NULL,
    case_id   TEXT   NOT NULL,
    -- the programme contested: a rules-table code, or '' for all of them
    programme TEXT   NOT NULL,
    filed_at  BIGINT NOT NULL,
    PRIMARY KEY (kk, case_id)
);
