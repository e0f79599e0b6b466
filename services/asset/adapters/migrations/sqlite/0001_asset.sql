-- Asset context: housing and holdings per (KK number, source), land parcels
-- per certificate id, vehicles per frame number. Times are Unix microseconds,
-- dates YYYY-MM-DD text, enums their proto numbers and flags a comma-joined
-- list, the same on SQLite and PostgreSQL. Key columns sort bytewise on both
-- engines, so pages come in the same order everywhere.
CREATE TABLE housing (
    kk                TEXT NOT NULL,
    source            TEXT NOT NULL,
    floor_area_sqm    DOUBLE PRECISION NOT NULL,
    floor_material    INTEGER NOT NULL,
    floor_condition   INTEGER NOT NULL,
    wall_material     INTEGER NOT NULL,
    wall_condition    INTEGER NOT NULL,
    roof_material     INTEGER NOT NULL,
    roof_condition    INTEGER NOT NULL,
    tenure            INTEGER NOT NULL,
    bedrooms          INTEGER NOT NULL,
    drinking_water    INTEGER NOT NULL,
    lighting          INTEGER NOT NULL,
    electricity_power INTEGER NOT NULL,
    pln_customer_id   TEXT    NOT NULL DEFAULT '',
    cooking_fuel      INTEGER NOT NULL,
    toilet            INTEGER NOT NULL,
    sewage            INTEGER NOT NULL,
    observation_date  TEXT    NOT NULL,
    match_status      INTEGER NOT NULL,
    match_reason      TEXT    NOT NULL DEFAULT '',
    flags             TEXT    NOT NULL DEFAULT '',
    version           BIGINT  NOT NULL,
    create_time       BIGINT  NOT NULL,
    update_time       BIGINT  NOT NULL,
    PRIMARY KEY (kk, source)
);
CREATE INDEX housing_unmatched ON housing (match_status, kk, source);

CREATE TABLE holdings (
    kk                  TEXT NOT NULL,
    source              TEXT NOT NULL,
    cattle              INTEGER NOT NULL,
    buffalo             INTEGER NOT NULL,
    horse               INTEGER NOT NULL,
    pig                 INTEGER NOT NULL,
    goat_sheep          INTEGER NOT NULL,
    poultry             INTEGER NOT NULL,
    gas_cylinder_large  BOOLEAN NOT NULL,
    refrigerator        BOOLEAN NOT NULL,
    air_conditioner     BOOLEAN NOT NULL,
    water_heater        BOOLEAN NOT NULL,
    telephone           BOOLEAN NOT NULL,
    television          BOOLEAN NOT NULL,
    computer            BOOLEAN NOT NULL,
    gold_or_savings_10g BOOLEAN NOT NULL,
    observation_date    TEXT    NOT NULL,
    match_status        INTEGER NOT NULL,
    match_reason        TEXT    NOT NULL DEFAULT '',
    flags               TEXT    NOT NULL DEFAULT '',
    version             BIGINT  NOT NULL,
    create_time         BIGINT  NOT NULL,
    update_time         BIGINT  NOT NULL,
    PRIMARY KEY (kk, source)
);
CREATE INDEX holdings_unmatched ON holdings (match_status, kk, source);

CREATE TABLE land_parcels (
    certificate_id   TEXT PRIMARY KEY,
    owner_nik        TEXT    NOT NULL,
    owner_family_kk  TEXT    NOT NULL DEFAULT '',
    source           TEXT    NOT NULL,
    area_sqm         DOUBLE PRECISION NOT NULL,
    njop_value       BIGINT  NOT NULL,
    region_code      TEXT    NOT NULL,
    house_elsewhere  BOOLEAN NOT NULL,
    observation_date TEXT    NOT NULL,
    match_status     INTEGER NOT NULL,
    match_reason     TEXT    NOT NULL DEFAULT '',
    flags            TEXT    NOT NULL DEFAULT '',
    version          BIGINT  NOT NULL,
    create_time      BIGINT  NOT NULL,
    update_time      BIGINT  NOT NULL
);
CREATE INDEX land_parcels_owner ON land_parcels (owner_nik, certificate_id);
CREATE INDEX land_parcels_unmatched ON land_parcels (match_status, certificate_id);

CREATE TABLE vehicles (
    frame_number     TEXT PRIMARY KEY,
    owner_nik        TEXT    NOT NULL,
    owner_family_kk  TEXT    NOT NULL DEFAULT '',
    source           TEXT    NOT NULL,
    vehicle_type     INTEGER NOT NULL,
    model_year       INTEGER NOT NULL,
    estimated_value  BIGINT  NOT NULL,
    plate_number     TEXT    NOT NULL DEFAULT '',
    observation_date TEXT    NOT NULL,
    match_status     INTEGER NOT NULL,
    match_reason     TEXT    NOT NULL DEFAULT '',
    flags            TEXT    NOT NULL DEFAULT '',
    version          BIGINT  NOT NULL,
    create_time      BIGINT  NOT NULL,
    update_time      BIGINT  NOT NULL
);
CREATE INDEX vehicles_owner ON vehicles (owner_nik, frame_number);
CREATE INDEX vehicles_unmatched ON vehicles (match_status, frame_number);
