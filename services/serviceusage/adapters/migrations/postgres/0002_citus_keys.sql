-- Citus-ready keys (docs/scale-out.md §4.5, §5). Person records are
-- distributed by NIK, family records by KK number, and Citus enforces a
-- primary key only within a shard, so each key starts with that column.
-- name still embeds the NIK or KK number, so uniqueness is unchanged, except
-- for a person's own programme participation: its name
-- (persons/{nik}/programmeParticipations/...) does not carry the KK number
-- it is stored under. participation_keys, distributed by NIK, keeps such a
-- name unique across shards and says which KK holds it.
-- Distribution columns are "C" collation, byte order as on SQLite, so the
-- tables can share one co-location group.

DROP INDEX health_coverages_nik;
ALTER TABLE health_coverages DROP CONSTRAINT health_coverages_pkey;
ALTER TABLE health_coverages ALTER COLUMN nik TYPE TEXT COLLATE "C";
ALTER TABLE health_coverages ADD PRIMARY KEY (nik, name);

DROP INDEX enrolments_nik;
ALTER TABLE enrolments DROP CONSTRAINT enrolments_pkey;
ALTER TABLE enrolments ALTER COLUMN nik TYPE TEXT COLLATE "C";
ALTER TABLE enrolments ADD PRIMARY KEY (nik, name);

-- A family's utility names sort by month, so the family read walks the
-- primary key newest first and (kk, month) is no longer needed.
DROP INDEX utility_usages_kk_month;
ALTER TABLE utility_usages DROP CONSTRAINT utility_usages_pkey;
ALTER TABLE utility_usages ALTER COLUMN kk TYPE TEXT COLLATE "C";
ALTER TABLE utility_usages ADD PRIMARY KEY (kk, name);

DROP INDEX programme_participations_kk;
ALTER TABLE programme_participations DROP CONSTRAINT programme_participations_pkey;
ALTER TABLE programme_participations ALTER COLUMN kk TYPE TEXT COLLATE "C";
ALTER TABLE programme_participations ADD PRIMARY KEY (kk, name);

-- One row per person-level participation, written in the same transaction
-- as the participation itself.
CREATE TABLE participation_keys (
    nik  TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    kk   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (nik, name)
);
INSERT INTO participation_keys (nik, name, kk)
SELECT /* dtsen:fanout one-off backfill of the new key table */ nik, name, kk
FROM programme_participations WHERE nik <> '';
