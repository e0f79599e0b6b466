package adapters_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/dtsen-id/dtsen/services/asset/adapters"
	"github.com/dtsen-id/dtsen/services/asset/domain"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
)

// rival makes another writer apply c once, right after the next import chunk
// or reconciliation has read table and before it writes. On PostgreSQL the
// rival commits in a transaction of its own, as a concurrent import would.
// SQLite runs one writer at a time, so there it writes inside the
// transaction under test, as if it had committed just before; it then rolls
// back with it. It reports whether the rival's change outlives a failure.
func (fx *fixture) rival(t *testing.T, table string, c domain.Chunk) (committed bool) {
	t.Helper()
	fired := false
	fx.repo.SetAfterRead(func(ctx context.Context, tx *storage.Tx, read string) error {
		if read != table || fired {
			return nil
		}
		fired = true
		if fx.db.Engine() == storage.SQLite {
			_, err := fx.repo.ApplyImport(ctx, tx, c)
			return err
		}
		return fx.db.InTx(ctx, func(own *storage.Tx) error {
			_, err := fx.repo.ApplyImport(ctx, own, c)
			return err
		})
	})
	t.Cleanup(func() {
		if !fired {
			t.Errorf("the rival writer never ran: nothing read %s", table)
		}
	})
	return fx.db.Engine() == storage.Postgres
}

// tryApply applies one chunk and returns its error.
func (fx *fixture) tryApply(c domain.Chunk) error {
	return fx.db.InTx(context.Background(), func(tx *storage.Tx) error {
		_, err := fx.repo.ApplyImport(context.Background(), tx, c)
		return err
	})
}

// TestImportConcurrentUpdate: a chunk reads its stored records without
// locking them; another writer changes one of them before the chunk writes.
// The chunk fails with ErrConcurrentChange and writes nothing, neither the
// housing record it updated before nor its new vehicle; re-sent, it lands.
func TestImportConcurrentUpdate(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		ctx := context.Background()
		fx.apply(t, domain.Chunk{Housing: idx(housing(0, "bps")), Vehicles: idx(vehicle(0, 0), vehicle(1, 0))})
		head, _ := fx.ob.Head(ctx)

		corrected := vehicle(0, 0)
		corrected.EstimatedValue = 555
		committed := fx.rival(t, "vehicles", domain.Chunk{Vehicles: idx(corrected)})
		h := housing(0, "bps")
		h.FloorAreaSqm = 60
		changed := vehicle(0, 0)
		changed.EstimatedValue = 777
		chunk := domain.Chunk{Housing: idx(h), Vehicles: idx(changed, vehicle(2, 0))}
		if err := fx.tryApply(chunk); !errors.Is(err, adapters.ErrConcurrentChange) {
			t.Fatalf("chunk beside a concurrent writer: %v, want ErrConcurrentChange", err)
		}

		if got, _ := fx.repo.GetHousing(ctx, kk(0), "bps"); got.FloorAreaSqm != 40 || got.Version != 1 {
			t.Fatalf("housing of the failed chunk written: %+v", got)
		}
		if rows, key := fx.owners(t, "vehicles", "frame_number", "FR00002"); len(rows) != 0 || key != "" {
			t.Fatalf("new vehicle of the failed chunk written: rows under %v, key %q", rows, key)
		}
		wantValue, wantVersion, wantEvents := int64(1000), int64(1), []string(nil)
		if committed {
			wantValue, wantVersion = 555, 2
			wantEvents = []string{"asset.vehicle.updated vehicles/FR00000 families/" + kk(0)}
		}
		if v, _ := fx.repo.GetVehicle(ctx, "FR00000"); v.EstimatedValue != wantValue || v.Version != wantVersion {
			t.Fatalf("contested vehicle %+v, want the rival's value %d at version %d", v, wantValue, wantVersion)
		}
		if ev := fx.events(t, head); !slices.Equal(ev, wantEvents) {
			t.Fatalf("events %v, want %v", ev, wantEvents)
		}

		// Batches are idempotent (ADR 5): the client re-sends the chunk.
		if out := fx.apply(t, chunk); out.Accepted != 3 || out.Unchanged != 0 || len(out.Rejections) != 0 {
			t.Fatalf("re-sent %+v", out)
		}
		if v, _ := fx.repo.GetVehicle(ctx, "FR00000"); v.EstimatedValue != 777 || v.Version != wantVersion+1 {
			t.Fatalf("re-sent vehicle %+v", v)
		}
	})
}

// TestImportConcurrentTransfer: another writer moves a vehicle to a new
// owner after a chunk read it and before the chunk moves it elsewhere. The
// chunk's delete under the owner it read finds no row at that version, so
// it fails with ErrConcurrentChange: exactly one row remains, and the key
// table names its owner. The chunk's new land parcel is not written either.
func TestImportConcurrentTransfer(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		fx.apply(t, domain.Chunk{Vehicles: idx(vehicle(0, 0))})

		sold := func(owner int) *domain.Vehicle {
			v := vehicle(0, owner)
			v.ObservationDate = obs.AddDate(0, 1, 0)
			return v
		}
		committed := fx.rival(t, "vehicles", domain.Chunk{Vehicles: idx(sold(2))})
		if err := fx.tryApply(domain.Chunk{Land: idx(land(5, 1, 10, false)), Vehicles: idx(sold(1))}); !errors.Is(err, adapters.ErrConcurrentChange) {
			t.Fatalf("transfer beside a concurrent transfer: %v, want ErrConcurrentChange", err)
		}
		owner := nik(0)
		if committed {
			owner = nik(2)
		}
		if rows, key := fx.owners(t, "vehicles", "frame_number", "FR00000"); !slices.Equal(rows, []string{owner}) || key != owner {
			t.Fatalf("contested vehicle: rows under %v, key %q, want both %s", rows, key, owner)
		}
		if rows, key := fx.owners(t, "land_parcels", "certificate_id", "10.5"); len(rows) != 0 || key != "" {
			t.Fatalf("new parcel of the failed chunk written: rows under %v, key %q", rows, key)
		}
	})
}

// TestImportTransferChecksKeyOwner: a transfer points the key table at the
// new owner only if it still names the owner the chunk read; otherwise the
// chunk fails and the row stays where it was.
func TestImportTransferChecksKeyOwner(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		fx.apply(t, domain.Chunk{Vehicles: idx(vehicle(0, 0))})
		fx.repo.SetAfterRead(func(ctx context.Context, tx *storage.Tx, _ string) error {
			_, err := tx.ExecContext(ctx, "UPDATE vehicle_keys SET owner_nik = $1 WHERE frame_number = $2", nik(3), "FR00000")
			return err
		})
		sold := vehicle(0, 1)
		sold.ObservationDate = obs.AddDate(0, 1, 0)
		if err := fx.tryApply(domain.Chunk{Vehicles: idx(sold)}); !errors.Is(err, adapters.ErrConcurrentChange) {
			t.Fatalf("transfer after the key moved: %v, want ErrConcurrentChange", err)
		}
		if rows, key := fx.owners(t, "vehicles", "frame_number", "FR00000"); !slices.Equal(rows, []string{nik(0)}) || key != nik(0) {
			t.Fatalf("vehicle after the failed transfer: rows under %v, key %q", rows, key)
		}
	})
}

// TestReconcileConcurrentChange: an import changes a vehicle after the
// reconciliation read it. That attempt fails and saves nothing, not even the
// housing it re-checked before; the reconciliation runs again on its own and
// saves each record once, on top of the import's change.
func TestReconcileConcurrentChange(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		ctx := context.Background()
		fx.apply(t, domain.Chunk{Housing: idx(housing(9, "bps")), Vehicles: idx(vehicle(0, 9))})
		head, _ := fx.ob.Head(ctx)

		corrected := vehicle(0, 9)
		corrected.EstimatedValue = 555
		committed := fx.rival(t, "vehicles", domain.Chunk{Vehicles: idx(corrected)})
		if n, err := fx.repo.Reconcile(ctx, []string{nik(9)}, []string{kk(9)}, registered(9)); err != nil || n != 2 {
			t.Fatalf("reconcile beside a concurrent import: %d, %v", n, err)
		}
		if h, _ := fx.repo.GetHousing(ctx, kk(9), "bps"); h.Match != domain.Matched || h.Version != 2 {
			t.Fatalf("reconciled housing %+v", h)
		}
		want := []string{
			"asset.housing.updated families/" + kk(9) + "/housing/bps families/" + kk(9),
			"asset.vehicle.updated vehicles/FR00000 families/" + kk(9),
		}
		wantValue, wantVersion := int64(1000), int64(2)
		if committed {
			// The import's event comes first; the owner had no known family yet.
			want = append([]string{"asset.vehicle.updated vehicles/FR00000 "}, want...)
			wantValue, wantVersion = 555, 3
		}
		if ev := fx.events(t, head); !slices.Equal(ev, want) {
			t.Fatalf("events %v, want %v", ev, want)
		}
		v, _ := fx.repo.GetVehicle(ctx, "FR00000")
		if v.Match != domain.Matched || v.OwnerFamilyKK != kk(9) || v.EstimatedValue != wantValue || v.Version != wantVersion {
			t.Fatalf("reconciled vehicle %+v, want value %d at version %d", v, wantValue, wantVersion)
		}
	})
}

// TestReconcileGivesUp: a record that changes between the read and the write
// of every attempt fails the reconciliation with ErrConcurrentChange after
// the last one, and nothing is saved; the feed handles the event again.
func TestReconcileGivesUp(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		ctx := context.Background()
		fx.apply(t, domain.Chunk{Housing: idx(housing(9, "bps")), Vehicles: idx(vehicle(0, 9))})
		head, _ := fx.ob.Head(ctx)

		attempts := 0
		fx.repo.SetAfterRead(func(ctx context.Context, tx *storage.Tx, table string) error {
			if table != "vehicles" {
				return nil
			}
			attempts++
			_, err := tx.ExecContext(ctx, "UPDATE vehicles SET version = version + 1 WHERE owner_nik = $1 AND frame_number = $2",
				nik(9), "FR00000")
			return err
		})
		if _, err := fx.repo.Reconcile(ctx, []string{nik(9)}, []string{kk(9)}, registered(9)); !errors.Is(err, adapters.ErrConcurrentChange) || attempts != 3 {
			t.Fatalf("reconcile against a record changing every time: %v after %d attempts, want ErrConcurrentChange after 3", err, attempts)
		}
		if h, _ := fx.repo.GetHousing(ctx, kk(9), "bps"); h.Match != domain.Unmatched || h.Version != 1 {
			t.Fatalf("housing of the failed reconciliation saved: %+v", h)
		}
		if v, _ := fx.repo.GetVehicle(ctx, "FR00000"); v.Match != domain.Unmatched || v.Version != 1 {
			t.Fatalf("vehicle of the failed reconciliation saved: %+v", v)
		}
		if ev := fx.events(t, head); len(ev) != 0 {
			t.Fatalf("events %v", ev)
		}
	})
}

// registered is a registry that knows person i as a member of family i.
func registered(i int) ids {
	return ids{persons: map[string]domain.PersonIdentity{nik(i): {Registered: true, FamilyKK: kk(i)}},
		families: map[string]bool{kk(i): true}}
}
