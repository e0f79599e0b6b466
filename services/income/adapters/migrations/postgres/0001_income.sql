-- Income context: incomes, employment and banking patterns per person (NIK),
-- consumption per family (KK). Each table's primary key is the record's
-- natural key, so a re-imported record lands on the same row.
-- Times are Unix microseconds, dates YYYY-MM-DD text (income periods YYYY-MM),
-- enums the proto enum numbers: the same representation on both engines.
-- match_status: 1 MATCHED, 2 UNMATCHED (the registry does not know the NIK or
-- KK yet; match_reason says which); flags is a bit set (bit 1: owner deceased).
CREATE TABLE incomes (
    nik              TEXT COLLATE "C"   NOT NULL,
    source           INTEGER  NOT NULL,
    period_start     TEXT COLLATE "C"   NOT NULL,
    period_end       TEXT     NOT NULL DEFAULT '',
    monthly_amount   BIGINT   NOT NULL CHECK (monthly_amount >= 0),
    source_agency    TEXT     NOT NULL,
    observation_date TEXT     NOT NULL,
    match_status     INTEGER  NOT NULL CHECK (match_status IN (1, 2)),
    match_reason     TEXT     NOT NULL DEFAULT '',
    flags            INTEGER  NOT NULL DEFAULT 0,
    create_time      BIGINT   NOT NULL,
    update_time      BIGINT   NOT NULL,
    PRIMARY KEY (nik, source, period_start)
);

-- Unmatched records are few; listing them (match_status filter) and the
-- reconciliation sweep walk this small partial index.
CREATE INDEX incomes_unmatched ON incomes (nik, source, period_start) WHERE match_status = 2;

CREATE TABLE employments (
    nik              TEXT COLLATE "C"   NOT NULL,
    source_agency    TEXT COLLATE "C"   NOT NULL,
    observation_date TEXT COLLATE "C"   NOT NULL,
    sector           INTEGER  NOT NULL,
    status           INTEGER  NOT NULL,
    hours_per_week   INTEGER  NOT NULL CHECK (hours_per_week BETWEEN 0 AND 98),
    match_status     INTEGER  NOT NULL CHECK (match_status IN (1, 2)),
    match_reason     TEXT     NOT NULL DEFAULT '',
    flags            INTEGER  NOT NULL DEFAULT 0,
    create_time      BIGINT   NOT NULL,
    update_time      BIGINT   NOT NULL,
    PRIMARY KEY (nik, source_agency, observation_date)
);

CREATE INDEX employments_unmatched ON employments (nik, source_agency, observation_date) WHERE match_status = 2;

-- Consumption measured by enumerators is the welfare model's label; what
-- families declare themselves is under-reported. measurement is therefore a
-- required column (1 MEASURED_BY_ENUMERATOR, 2 SELF_DECLARED), never a
-- default, and has its own index so the label set is read without touching
-- self-declared rows.
CREATE TABLE consumptions (
    kk                  TEXT COLLATE "C"   NOT NULL,
    survey_id           TEXT COLLATE "C"   NOT NULL,
    monthly_expenditure BIGINT   NOT NULL CHECK (monthly_expenditure > 0),
    food_share_bp       INTEGER  NOT NULL CHECK (food_share_bp BETWEEN 0 AND 10000),
    survey_date         TEXT     NOT NULL,
    measurement         INTEGER  NOT NULL CHECK (measurement IN (1, 2)),
    source_agency       TEXT     NOT NULL,
    observation_date    TEXT     NOT NULL,
    match_status        INTEGER  NOT NULL CHECK (match_status IN (1, 2)),
    match_reason        TEXT     NOT NULL DEFAULT '',
    flags               INTEGER  NOT NULL DEFAULT 0,
    create_time         BIGINT   NOT NULL,
    update_time         BIGINT   NOT NULL,
    PRIMARY KEY (kk, survey_id)
);

CREATE INDEX consumptions_measurement ON consumptions (measurement, kk, survey_id);
CREATE INDEX consumptions_unmatched ON consumptions (kk, survey_id) WHERE match_status = 2;

-- loans is a JSON array of {"lender_type": n, "outstanding_amount": n},
-- validated and typed at the API; loans_total is their sum, for queries.
CREATE TABLE banking_patterns (
    nik                      TEXT COLLATE "C"   NOT NULL,
    agreement_reference      TEXT COLLATE "C"   NOT NULL,
    observation_date         TEXT COLLATE "C"   NOT NULL,
    savings_balance_band     INTEGER  NOT NULL,
    loans                    TEXT     NOT NULL DEFAULT '[]',
    loans_total              BIGINT   NOT NULL DEFAULT 0,
    monthly_card_spending    BIGINT   NOT NULL CHECK (monthly_card_spending >= 0),
    monthly_ewallet_spending BIGINT   NOT NULL CHECK (monthly_ewallet_spending >= 0),
    source_agency            TEXT     NOT NULL,
    match_status             INTEGER  NOT NULL CHECK (match_status IN (1, 2)),
    match_reason             TEXT     NOT NULL DEFAULT '',
    flags                    INTEGER  NOT NULL DEFAULT 0,
    create_time              BIGINT   NOT NULL,
    update_time              BIGINT   NOT NULL,
    PRIMARY KEY (nik, agreement_reference, observation_date)
);

CREATE INDEX banking_patterns_unmatched ON banking_patterns (nik, agreement_reference, observation_date) WHERE match_status = 2;
