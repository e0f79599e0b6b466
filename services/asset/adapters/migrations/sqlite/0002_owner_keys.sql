-- Land parcels and vehicles move to their owner's shard (docs/scale-out.md
-- §4.3): the primary keys become (owner_nik, id), and a key table per kind
-- keeps an id unique nationwide and says who owns it now, as on PostgreSQL.
-- SQLite cannot change a primary key in place, so each table is rebuilt.
CREATE TABLE land_parcels_new (
    certificate_id   TEXT    NOT NULL,
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
    update_time      BIGINT  NOT NULL,
    PRIMARY KEY (owner_nik, certificate_id)
);
INSERT INTO land_parcels_new (certificate_id, owner_nik, owner_family_kk, source, area_sqm, njop_value, region_code,
    house_elsewhere, observation_date, match_status, match_reason, flags, version, create_time, update_time)
SELECT certificate_id, owner_nik, owner_family_kk, source, area_sqm, njop_value, region_code,
    house_elsewhere, observation_date, match_status, match_reason, flags, version, create_time, update_time
FROM land_parcels;
DROP TABLE land_parcels;
ALTER TABLE land_parcels_new RENAME TO land_parcels;
CREATE INDEX land_parcels_certificate ON land_parcels (certificate_id);
CREATE INDEX land_parcels_unmatched ON land_parcels (match_status, certificate_id);

CREATE TABLE land_parcel_keys (
    certificate_id TEXT NOT NULL PRIMARY KEY,
    owner_nik      TEXT NOT NULL
);
INSERT INTO land_parcel_keys (certificate_id, owner_nik) SELECT certificate_id, owner_nik FROM land_parcels;

CREATE TABLE vehicles_new (
    frame_number     TEXT    NOT NULL,
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
    update_time      BIGINT  NOT NULL,
    PRIMARY KEY (owner_nik, frame_number)
);
INSERT INTO vehicles_new (frame_number, owner_nik, owner_family_kk, source, vehicle_type, model_year, estimated_value,
    plate_number, observation_date, match_status, match_reason, flags, version, create_time, update_time)
SELECT frame_number, owner_nik, owner_family_kk, source, vehicle_type, model_year, estimated_value,
    plate_number, observation_date, match_status, match_reason, flags, version, create_time, update_time
FROM vehicles;
DROP TABLE vehicles;
ALTER TABLE vehicles_new RENAME TO vehicles;
CREATE INDEX vehicles_frame ON vehicles (frame_number);
CREATE INDEX vehicles_unmatched ON vehicles (match_status, frame_number);

CREATE TABLE vehicle_keys (
    frame_number TEXT NOT NULL PRIMARY KEY,
    owner_nik    TEXT NOT NULL
);
INSERT INTO vehicle_keys (frame_number, owner_nik) SELECT frame_number, owner_nik FROM vehicles;
