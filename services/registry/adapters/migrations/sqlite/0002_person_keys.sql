-- Citus-ready registry keys (docs/scale-out.md §4.2, §5), kept identical in
-- shape on SQLite: persons' primary key becomes (family_kk, nik), which also
-- serves the members-of-a-family read (persons_family goes), and person_keys
-- maps each NIK to its one family. person_keys' primary key is the database's
-- guard that a person is in at most one family: every person insert, move and
-- delete writes it in the same transaction. SQLite compares TEXT bytewise
-- (BINARY), the order PostgreSQL's COLLATE "C" gives.
--
-- SQLite cannot change a primary key in place, so persons is rebuilt.
CREATE TABLE persons_new (
    nik               TEXT     NOT NULL,
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
    severe_disability INTEGER  NOT NULL DEFAULT 0,
    vital_status      INTEGER  NOT NULL,
    death_date        TEXT     NOT NULL DEFAULT '',
    version           BIGINT   NOT NULL,
    create_time       BIGINT   NOT NULL,
    update_time       BIGINT   NOT NULL,
    PRIMARY KEY (family_kk, nik)
);

INSERT INTO persons_new (nik, family_kk, full_name, birth_place, birth_date, sex, marital_status, relation, education,
    occupation, disability, severe_disability, vital_status, death_date, version, create_time, update_time)
SELECT nik, family_kk, full_name, birth_place, birth_date, sex, marital_status, relation, education,
    occupation, disability, severe_disability, vital_status, death_date, version, create_time, update_time
FROM persons;

DROP TABLE persons;
ALTER TABLE persons_new RENAME TO persons;

CREATE TABLE person_keys (
    nik       TEXT NOT NULL PRIMARY KEY,
    family_kk TEXT NOT NULL
);

INSERT INTO person_keys (nik, family_kk) SELECT nik, family_kk FROM persons;
