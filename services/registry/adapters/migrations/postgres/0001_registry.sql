-- Dukcapil context: families (Kartu Keluarga) and persons. A person row has
-- exactly one family_kk, so a person can never be in two families at once.
-- Times are Unix microseconds, dates are YYYY-MM-DD text, enums are the
-- proto enum numbers: the same representation on SQLite and PostgreSQL.
CREATE TABLE families (
    kk          TEXT     PRIMARY KEY,
    head_nik    TEXT     NOT NULL,
    region_code TEXT     COLLATE "C" NOT NULL,
    settlement  INTEGER  NOT NULL,
    street      TEXT     NOT NULL DEFAULT '',
    rt          TEXT     NOT NULL DEFAULT '',
    rw          TEXT     NOT NULL DEFAULT '',
    postal_code TEXT     NOT NULL DEFAULT '',
    version     BIGINT   NOT NULL,
    create_time BIGINT   NOT NULL,
    update_time BIGINT   NOT NULL
);

-- Region-scoped listing walks (region_code, kk); the range predicate on a
-- dotted prefix uses it directly.
CREATE INDEX families_region_kk ON families (region_code, kk);

CREATE TABLE persons (
    nik               TEXT     PRIMARY KEY,
    family_kk         TEXT     NOT NULL REFERENCES families (kk),
    full_name         TEXT     NOT NULL,
    birth_place       TEXT     NOT NULL DEFAULT '',
    birth_date        TEXT     NOT NULL,
    sex               INTEGER  NOT NULL,
    marital_status    INTEGER  NOT NULL,
    relation          INTEGER  NOT NULL,
    education         INTEGER  NOT NULL,
    occupation        INTEGER  NOT NULL,
    disability        INTEGER  NOT NULL,
    severe_disability BOOLEAN  NOT NULL DEFAULT FALSE,
    vital_status      INTEGER  NOT NULL,
    death_date        TEXT     NOT NULL DEFAULT '',
    version           BIGINT   NOT NULL,
    create_time       BIGINT   NOT NULL,
    update_time       BIGINT   NOT NULL
);

CREATE INDEX persons_family ON persons (family_kk);
