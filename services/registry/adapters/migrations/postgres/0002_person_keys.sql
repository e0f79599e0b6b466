-- Citus-ready registry keys (docs/scale-out.md §4.2, §5). Families are
-- distributed by kk and persons by family_kk, co-located, so a family with its
-- members is one router query. Citus enforces a primary key only within a
-- shard, so it must include the distribution column: persons' key becomes
-- (family_kk, nik), which also serves the members-of-a-family read, making
-- persons_family redundant.
--
-- person_keys (distributed by nik) is the NIK -> KK index a lookup by NIK
-- alone needs, and its primary key is now the database's guard that a person
-- is in at most one family: every person insert, move and delete writes it in
-- the same transaction. It has no foreign key: it and persons are distributed
-- on different columns.
--
-- Every key column becomes COLLATE "C" (byte order, as SQLite sorts): Citus
-- co-locates only distribution columns of the same type and collation.
ALTER TABLE persons DROP CONSTRAINT persons_family_kk_fkey;
ALTER TABLE persons DROP CONSTRAINT persons_pkey;
DROP INDEX persons_family;

ALTER TABLE families ALTER COLUMN kk TYPE TEXT COLLATE "C";
ALTER TABLE persons
    ALTER COLUMN family_kk TYPE TEXT COLLATE "C",
    ALTER COLUMN nik TYPE TEXT COLLATE "C";

ALTER TABLE persons ADD CONSTRAINT persons_pkey PRIMARY KEY (family_kk, nik);
ALTER TABLE persons ADD CONSTRAINT persons_family_kk_fkey FOREIGN KEY (family_kk) REFERENCES families (kk);

CREATE TABLE person_keys (
    nik       TEXT COLLATE "C" PRIMARY KEY,
    family_kk TEXT COLLATE "C" NOT NULL
);

-- One-time backfill; the old primary key (nik) guarantees one row per NIK.
INSERT INTO person_keys (nik, family_kk)
SELECT /* dtsen:fanout one-time backfill of person_keys in migration 0002 */ nik, family_kk FROM persons;
