-- Service-usage context. Each table's primary key is the resource name,
-- which is the natural key (ADR 5: re-sending a record updates it in place).
-- Times are Unix microseconds, dates YYYY-MM-DD text, months YYYY-MM text,
-- enums their proto numbers, flags a bit set (bit n = RecordFlag n); the
-- same on SQLite and PostgreSQL. match_status 2 = UNMATCHED, kept with its
-- reason until the registry feed reconciles it.
CREATE TABLE health_coverages (
    name                 TEXT PRIMARY KEY,
    nik                  TEXT    NOT NULL,
    membership_class     INTEGER NOT NULL,
    outpatient_visits    INTEGER NOT NULL,
    inpatient_admissions INTEGER NOT NULL,
    chronic_illness      INTEGER NOT NULL,
    source_agency        TEXT    NOT NULL,
    observation_date     TEXT    NOT NULL,
    match_status         INTEGER NOT NULL,
    unmatched_reason     TEXT    NOT NULL DEFAULT '',
    flags                INTEGER NOT NULL DEFAULT 0,
    family_kk            TEXT    NOT NULL DEFAULT '',
    version              BIGINT  NOT NULL,
    create_time          BIGINT  NOT NULL,
    update_time          BIGINT  NOT NULL
);
CREATE INDEX health_coverages_nik ON health_coverages (nik);
CREATE INDEX health_coverages_family ON health_coverages (family_kk);
CREATE INDEX health_coverages_unmatched ON health_coverages (name) WHERE match_status = 2;

CREATE TABLE enrolments (
    name             TEXT PRIMARY KEY,
    nik              TEXT    NOT NULL,
    school_year      TEXT    NOT NULL,
    level            INTEGER NOT NULL,
    ownership        INTEGER NOT NULL,
    fee_band         INTEGER NOT NULL,
    kip_recipient    INTEGER NOT NULL,
    source_agency    TEXT    NOT NULL,
    observation_date TEXT    NOT NULL,
    match_status     INTEGER NOT NULL,
    unmatched_reason TEXT    NOT NULL DEFAULT '',
    flags            INTEGER NOT NULL DEFAULT 0,
    family_kk        TEXT    NOT NULL DEFAULT '',
    version          BIGINT  NOT NULL,
    create_time      BIGINT  NOT NULL,
    update_time      BIGINT  NOT NULL
);
CREATE INDEX enrolments_nik ON enrolments (nik);
CREATE INDEX enrolments_family ON enrolments (family_kk);
CREATE INDEX enrolments_unmatched ON enrolments (name) WHERE match_status = 2;

CREATE TABLE utility_usages (
    name              TEXT PRIMARY KEY,
    kk                TEXT    NOT NULL,
    month             TEXT    NOT NULL,
    electricity_kwh   INTEGER NOT NULL,
    subsidised_tariff INTEGER NOT NULL,
    pln_customer_id   TEXT    NOT NULL DEFAULT '',
    subsidised_lpg_purchases INTEGER NOT NULL,
    source_agency     TEXT    NOT NULL,
    observation_date  TEXT    NOT NULL,
    match_status      INTEGER NOT NULL,
    unmatched_reason  TEXT    NOT NULL DEFAULT '',
    flags             INTEGER NOT NULL DEFAULT 0,
    family_kk         TEXT    NOT NULL DEFAULT '',
    version           BIGINT  NOT NULL,
    create_time       BIGINT  NOT NULL,
    update_time       BIGINT  NOT NULL
);
CREATE INDEX utility_usages_kk_month ON utility_usages (kk, month);
CREATE INDEX utility_usages_unmatched ON utility_usages (name) WHERE match_status = 2;

CREATE TABLE programme_participations (
    name              TEXT PRIMARY KEY,
    kk                TEXT    NOT NULL,
    nik               TEXT    NOT NULL DEFAULT '',
    programme         INTEGER NOT NULL,
    period_start      TEXT    NOT NULL,
    period_end        TEXT    NOT NULL DEFAULT '',
    disbursing_agency TEXT    NOT NULL,
    source_agency     TEXT    NOT NULL,
    observation_date  TEXT    NOT NULL,
    match_status      INTEGER NOT NULL,
    unmatched_reason  TEXT    NOT NULL DEFAULT '',
    flags             INTEGER NOT NULL DEFAULT 0,
    family_kk         TEXT    NOT NULL DEFAULT '',
    version           BIGINT  NOT NULL,
    create_time       BIGINT  NOT NULL,
    update_time       BIGINT  NOT NULL
);
CREATE INDEX programme_participations_kk ON programme_participations (kk);
CREATE INDEX programme_participations_nik ON programme_participations (nik) WHERE nik <> '';
CREATE INDEX programme_participations_unmatched ON programme_participations (name) WHERE match_status = 2;
