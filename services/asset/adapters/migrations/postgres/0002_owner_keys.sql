-- Land parcels and vehicles move to their owner's shard (docs/scale-out.md
-- §4.3): Citus distributes them by owner_nik, so the family read by member
-- NIKs stays on the members' shards. A distributed table's primary key must
-- include its distribution column, so the keys become (owner_nik, id), and a
-- key table per kind, distributed by the id, keeps an id unique nationwide
-- and says who owns it now. A transfer of ownership is then a delete and an
-- insert of the record plus an update of its key row, in one transaction.
-- The (owner_nik, id) indexes are now the primary keys; an index on the id
-- alone keeps officer lists in id order.
DROP INDEX land_parcels_owner;
ALTER TABLE land_parcels DROP CONSTRAINT land_parcels_pkey;
ALTER TABLE land_parcels ALTER COLUMN owner_nik TYPE TEXT COLLATE "C";
ALTER TABLE land_parcels ADD PRIMARY KEY (owner_nik, certificate_id);
CREATE INDEX land_parcels_certificate ON land_parcels (certificate_id);

CREATE TABLE land_parcel_keys (
    certificate_id TEXT COLLATE "C" PRIMARY KEY,
    owner_nik      TEXT COLLATE "C" NOT NULL
);
INSERT INTO land_parcel_keys (certificate_id, owner_nik)
SELECT /* dtsen:fanout migration backfill */ certificate_id, owner_nik FROM land_parcels;

DROP INDEX vehicles_owner;
ALTER TABLE vehicles DROP CONSTRAINT vehicles_pkey;
ALTER TABLE vehicles ALTER COLUMN owner_nik TYPE TEXT COLLATE "C";
ALTER TABLE vehicles ADD PRIMARY KEY (owner_nik, frame_number);
CREATE INDEX vehicles_frame ON vehicles (frame_number);

CREATE TABLE vehicle_keys (
    frame_number TEXT COLLATE "C" PRIMARY KEY,
    owner_nik    TEXT COLLATE "C" NOT NULL
);
INSERT INTO vehicle_keys (frame_number, owner_nik)
SELECT /* dtsen:fanout migration backfill */ frame_number, owner_nik FROM vehicles;
