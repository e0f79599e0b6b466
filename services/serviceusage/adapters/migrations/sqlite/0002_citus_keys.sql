-- Citus-ready keys (docs/scale-out.md §4.5, §5), the same schema as the
-- PostgreSQL migration: each primary key starts with the table's
-- distribution column (nik or kk), and participation_keys says which KK
-- holds a person's own programme participation. SQLite cannot change a
-- primary key, so each table is rebuilt: create, copy, drop, rename, index.

CREATE TABLE health_coverages_new (
    name                 TEXT    NOT NULL,
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
    update_time          BIGINT  NOT NULL,
    PRIMARY KEY (nik, name)
);
INSERT INTO health_coverages_new SELECT name, nik, membership_class, outpatient_visits, inpatient_admissions,
    chronic_illness, source_agency, observation_date, match_status, unmatched_reason, flags, family_kk, version,
    create_time, update_time FROM health_coverages;
DROP TABLE health_coverages;
ALTER TABLE health_coverages_new RENAME TO health_coverages;
CREATE INDEX health_coverages_family ON health_coverages (family_kk);
CREATE INDEX health_coverages_unmatched ON health_coverages (name) WHERE match_status = 2;

CREATE TABLE enrolments_new (
    name             TEXT    NOT NULL,
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
    update_time      BIGINT  NOT NULL,
    PRIMARY KEY (nik, name)
);
INSERT INTO enrolments_new SELECT name, nik, school_year, level, ownership, fee_band, kip_recipient, source_agency,
    observation_date, match_status, unmatched_reason, flags, family_kk, version, create_time, update_time
    FROM enrolments;
DROP TABLE enrolments;
ALTER TABLE enrolments_new RENAME TO enrolments;
CREATE INDEX enrolments_family ON enrolments (family_kk);
CREATE INDEX enrolments_unmatched ON enrolments (name) WHERE match_status = 2;

-- A family's utility names sort by month, so the family read walks the
-- primary key newest first and (kk, month) is no longer needed.
CREATE TABLE utility_usages_new (
    name              TEXT    NOT NULL,
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
    update_time       BIGINT  NOT NULL,
    PRIMARY KEY (kk, name)
);
INSERT INTO utility_usages_new SELECT name, kk, month, electricity_kwh, subsidised_tariff, pln_customer_id,
    subsidised_lpg_purchases, source_agency, observation_date, match_status, unmatched_reason, flags, family_kk,
    version, create_time, update_time FROM utility_usages;
DROP TABLE utility_usages;
ALTER TABLE utility_usages_new RENAME TO utility_usages;
CREATE INDEX utility_usages_unmatched ON utility_usages (name) WHERE match_status = 2;

CREATE TABLE programme_participations_new (
    name              TEXT    NOT NULL,
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
    update_time       BIGINT  NOT NULL,
    PRIMARY KEY (kk, name)
);
INSERT INTO programme_participations_new SELECT name, kk, nik, programme, period_start, period_end,
    disbursing_agency, source_agency, observation_date, match_status, unmatched_reason, flags, family_kk, version,
    create_time, update_time FROM programme_participations;
DROP TABLE programme_participations;
ALTER TABLE programme_participations_new RENAME TO programme_participations;
CREATE INDEX programme_participations_nik ON programme_participations (nik) WHERE nik <> '';
CREATE INDEX programme_participations_unmatched ON programme_participations (name) WHERE match_status = 2;

-- One row per person-level participation, written in the same transaction
-- as the participation itself.
CREATE TABLE participation_keys (
    nik  TEXT NOT NULL,
    name TEXT NOT NULL,
    kk   TEXT NOT NULL,
    PRIMARY KEY (nik, name)
);
INSERT INTO participation_keys (nik, name, kk)
SELECT nik, name, kk FROM programme_participations WHERE nik <> '';
