package adapters_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dtsen-id/dtsen/services/asset/adapters"
	"github.com/dtsen-id/dtsen/services/asset/domain"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
)

// owners returns the owner of every stored row of one land parcel or vehicle
// (table, id column, id), and the owner its key table names ("" for none).
func (fx *fixture) owners(t *testing.T, table, idCol, id string) (rows []string, key string) {
	t.Helper()
	ctx := context.Background()
	res, err := fx.db.QueryContext(ctx, "SELECT /* dtsen:fanout test: every copy of one record */ owner_nik FROM "+table+
		" WHERE "+idCol+" = $1 ORDER BY owner_nik", id)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	for res.Next() {
		var o string
		if err := res.Scan(&o); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, o)
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{"vehicles": "vehicle_keys", "land_parcels": "land_parcel_keys"}[table]
	keyRows, err := fx.db.QueryContext(ctx, "SELECT owner_nik FROM "+keys+" WHERE "+idCol+" = $1", id)
	if err != nil {
		t.Fatal(err)
	}
	defer keyRows.Close()
	for keyRows.Next() {
		if key != "" {
			t.Fatalf("%s holds %s twice", keys, id)
		}
		if err := keyRows.Scan(&key); err != nil {
			t.Fatal(err)
		}
	}
	if err := keyRows.Err(); err != nil {
		t.Fatal(err)
	}
	return rows, key
}

// frames lists the frame numbers of vehicles.
func frames(vs []*domain.Vehicle) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.FrameNumber
	}
	return out
}

// TestRepositoryTransfer: a vehicle or land parcel whose owner changes moves
// to the new owner (docs/scale-out.md §4.3). Exactly one row remains, under
// the new owner, the key table follows, the old owner's family no longer
// shows it, and re-sending the same record changes nothing.
func TestRepositoryTransfer(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		ctx := context.Background()
		fx.apply(t, domain.Chunk{Vehicles: idx(vehicle(0, 0), vehicle(1, 0)), Land: idx(land(1, 0, 100, false))})
		before, err := fx.repo.GetVehicle(ctx, "FR00000")
		if err != nil {
			t.Fatal(err)
		}
		head, _ := fx.ob.Head(ctx)

		// Sold a month later: the vehicle to owner 1, the parcel to owner 2,
		// next to a new vehicle of owner 1 in the same chunk.
		sold := vehicle(0, 1)
		sold.ObservationDate = obs.AddDate(0, 1, 0)
		sold.EstimatedValue = 900
		parcel := land(1, 2, 100, false)
		parcel.ObservationDate = obs.AddDate(0, 1, 0)
		chunk := domain.Chunk{Vehicles: idx(sold, vehicle(2, 1)), Land: idx(parcel)}
		if out := fx.apply(t, chunk); out.Accepted != 3 || out.Unchanged != 0 || len(out.Rejections) != 0 {
			t.Fatalf("transfer %+v", out)
		}
		if rows, key := fx.owners(t, "vehicles", "frame_number", "FR00000"); !slices.Equal(rows, []string{nik(1)}) || key != nik(1) {
			t.Fatalf("transferred vehicle: rows under %v, key %q", rows, key)
		}
		if rows, key := fx.owners(t, "land_parcels", "certificate_id", "10.1"); !slices.Equal(rows, []string{nik(2)}) || key != nik(2) {
			t.Fatalf("transferred parcel: rows under %v, key %q", rows, key)
		}
		if rows, key := fx.owners(t, "vehicles", "frame_number", "FR00002"); !slices.Equal(rows, []string{nik(1)}) || key != nik(1) {
			t.Fatalf("new vehicle: rows under %v, key %q", rows, key)
		}
		v, err := fx.repo.GetVehicle(ctx, "FR00000")
		if err != nil || v.OwnerNIK != nik(1) || v.OwnerFamilyKK != kk(1) || v.EstimatedValue != 900 || v.Version != 2 ||
			!v.CreateTime.Equal(before.CreateTime) || !v.UpdateTime.After(before.UpdateTime) {
			t.Fatalf("transferred vehicle %+v %v", v, err)
		}
		if l, err := fx.repo.GetLandParcel(ctx, "10.1"); err != nil || l.OwnerNIK != nik(2) || l.Version != 2 {
			t.Fatalf("transferred parcel %+v %v", l, err)
		}
		// The families that lost the parcel and the vehicle hear of it too.
		want := []string{
			"asset.land_parcel.updated landParcels/10.1 families/" + kk(0),
			"asset.land_parcel.updated landParcels/10.1 families/" + kk(2),
			"asset.vehicle.updated vehicles/FR00000 families/" + kk(0),
			"asset.vehicle.updated vehicles/FR00000 families/" + kk(1),
			"asset.vehicle.created vehicles/FR00002 families/" + kk(1),
		}
		if ev := fx.events(t, head); !slices.Equal(ev, want) {
			t.Fatalf("events %v, want %v", ev, want)
		}

		// The old owner's family and lists no longer show them; the new
		// owner's do.
		old, err := fx.repo.FamilyRecords(ctx, kk(0), []string{nik(0)}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(frames(old.Vehicles), []string{"FR00001"}) || len(old.Land) != 0 || old.Totals.LandCount != 0 {
			t.Fatalf("old owner's family: vehicles %v, land %d, totals %+v", frames(old.Vehicles), len(old.Land), old.Totals)
		}
		if owned, _ := fx.repo.ListVehicles(ctx, domain.Query{Limit: 10, Holder: nik(0)}); !slices.Equal(frames(owned), []string{"FR00001"}) {
			t.Fatalf("old owner's list %v", frames(owned))
		}
		buyer, err := fx.repo.FamilyRecords(ctx, kk(1), []string{nik(1)}, 10)
		if err != nil || !slices.Equal(frames(buyer.Vehicles), []string{"FR00000", "FR00002"}) {
			t.Fatalf("new owner's family %v %v", frames(buyer.Vehicles), err)
		}

		// Re-sending the chunk is idempotent: unchanged, nothing written.
		head, _ = fx.ob.Head(ctx)
		if out := fx.apply(t, chunk); out.Unchanged != 3 || out.Accepted != 0 || len(out.Rejections) != 0 {
			t.Fatalf("resent %+v", out)
		}
		if now, _ := fx.ob.Head(ctx); now != head {
			t.Fatalf("resending wrote %d events", now-head)
		}
		if rows, key := fx.owners(t, "vehicles", "frame_number", "FR00000"); !slices.Equal(rows, []string{nik(1)}) || key != nik(1) {
			t.Fatalf("after resend: rows under %v, key %q", rows, key)
		}

		// The old owner's late record does not take it back.
		if out := fx.apply(t, domain.Chunk{Vehicles: idx(vehicle(0, 0))}); len(out.Rejections) != 1 ||
			out.Rejections[0].GetViolations()[0].GetReason() != domain.ReasonObservationOlderThanStored {
			t.Fatalf("older record of the old owner %+v", out)
		}
		// A later one does: back to owner 0, still one row.
		back := vehicle(0, 0)
		back.ObservationDate = obs.AddDate(0, 2, 0)
		if out := fx.apply(t, domain.Chunk{Vehicles: idx(back)}); out.Accepted != 1 {
			t.Fatalf("transfer back %+v", out)
		}
		if rows, key := fx.owners(t, "vehicles", "frame_number", "FR00000"); !slices.Equal(rows, []string{nik(0)}) || key != nik(0) {
			t.Fatalf("transferred back: rows under %v, key %q", rows, key)
		}
		if v, _ := fx.repo.GetVehicle(ctx, "FR00000"); v.Version != 3 || v.OwnerNIK != nik(0) {
			t.Fatalf("transferred back %+v", v)
		}
	})
}

// TestOwnerKeysMigration: migration 0002 re-keys the land parcels and
// vehicles already stored by their owner and backfills the key tables from
// them; the repository then reads, re-imports and transfers those records
// as if it had written them, and the key tables keep an id unique.
func TestOwnerKeysMigration(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		first := storagetest.Before(t, adapters.Migrations, 2)
		db := storagetest.Open(t, url, outbox.Migrations,
			first)

		// Stored as the code before the migration stored them.
		vs := []*domain.Vehicle{vehicle(0, 0), vehicle(1, 0), vehicle(2, 9)}
		for _, v := range vs {
			if _, err := db.SQL().ExecContext(ctx, `INSERT INTO vehicles (frame_number, owner_nik, owner_family_kk, source,
				vehicle_type, model_year, estimated_value, plate_number, observation_date, match_status, match_reason, flags,
				version, create_time, update_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, 0, 0)`,
				v.FrameNumber, v.OwnerNIK, v.OwnerFamilyKK, v.Source, int64(v.Type), int64(v.Year), v.EstimatedValue,
				v.PlateNumber, v.ObservationDate.Format(time.DateOnly), int64(v.Match), v.MatchReason,
				strings.Join(v.Flags, ",")); err != nil {
				t.Fatal(err)
			}
		}
		ls := []*domain.LandParcel{land(1, 0, 100, false), land(2, 1, 50, true)}
		for _, l := range ls {
			if _, err := db.SQL().ExecContext(ctx, `INSERT INTO land_parcels (certificate_id, owner_nik, owner_family_kk,
				source, area_sqm, njop_value, region_code, house_elsewhere, observation_date, match_status, match_reason,
				flags, version, create_time, update_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, 0, 0)`,
				l.CertificateID, l.OwnerNIK, l.OwnerFamilyKK, l.Source, l.AreaSqm, l.NJOPValue, l.RegionCode,
				l.HouseElsewhere, l.ObservationDate.Format(time.DateOnly), int64(l.Match), l.MatchReason,
				strings.Join(l.Flags, ",")); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Migrate(ctx, outbox.Migrations, adapters.Migrations); err != nil {
			t.Fatal(err)
		}
		ob := outbox.New(db, 50*time.Millisecond)
		fx := &fixture{db: db, ob: ob, repo: adapters.NewRepository(db, ob)}

		for _, v := range vs {
			if rows, key := fx.owners(t, "vehicles", "frame_number", v.FrameNumber); !slices.Equal(rows, []string{v.OwnerNIK}) || key != v.OwnerNIK {
				t.Fatalf("vehicle %s: rows under %v, key %q", v.FrameNumber, rows, key)
			}
		}
		for _, l := range ls {
			if rows, key := fx.owners(t, "land_parcels", "certificate_id", l.CertificateID); !slices.Equal(rows, []string{l.OwnerNIK}) || key != l.OwnerNIK {
				t.Fatalf("parcel %s: rows under %v, key %q", l.CertificateID, rows, key)
			}
		}
		if v, err := fx.repo.GetVehicle(ctx, "FR00002"); err != nil || !v.SameData(vs[2]) || v.Match != domain.Unmatched {
			t.Fatalf("migrated vehicle %+v %v", v, err)
		}
		if l, err := fx.repo.GetLandParcel(ctx, "10.2"); err != nil || !l.SameData(ls[1]) || l.OwnerFamilyKK != kk(1) {
			t.Fatalf("migrated parcel %+v %v", l, err)
		}

		// The same records again are unchanged; a sale moves one.
		if out := fx.apply(t, domain.Chunk{Vehicles: idx(vs...), Land: idx(ls...)}); out.Unchanged != 5 || out.Accepted != 0 {
			t.Fatalf("re-import after the migration %+v", out)
		}
		sold := vehicle(1, 3)
		sold.ObservationDate = obs.AddDate(0, 1, 0)
		if out := fx.apply(t, domain.Chunk{Vehicles: idx(sold)}); out.Accepted != 1 {
			t.Fatalf("sale after the migration %+v", out)
		}
		if rows, key := fx.owners(t, "vehicles", "frame_number", "FR00001"); !slices.Equal(rows, []string{nik(3)}) || key != nik(3) {
			t.Fatalf("sold vehicle: rows under %v, key %q", rows, key)
		}

		// A frame number or certificate exists once nationwide: the key
		// tables refuse a second owner.
		for _, stmt := range []string{
			"INSERT INTO vehicle_keys (frame_number, owner_nik) VALUES ('FR00000', '" + nik(4) + "')",
			"INSERT INTO land_parcel_keys (certificate_id, owner_nik) VALUES ('10.1', '" + nik(4) + "')",
		} {
			if _, err := db.SQL().ExecContext(ctx, stmt); !storage.IsUniqueViolation(err) {
				t.Errorf("%s: %v, want a unique violation", stmt, err)
			}
		}
	})
}
