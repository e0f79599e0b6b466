package ports_test

import (
	"slices"
	"testing"
	"time"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	"github.com/dtsen-id/dtsen/services/asset/assettest"
	"github.com/dtsen-id/dtsen/services/asset/demo"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
)

// TestReconciliationSweep: with the registry feed off, the periodic sweep
// (DTSEN_ASSET_RECONCILE_INTERVAL) alone re-checks UNMATCHED records, so a
// record whose import looked its owner up just before the registry learned
// it, and committed just after the feed event was handled, is still matched.
func TestReconciliationSweep(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		reg := registrytest.Start(t, storagetest.SQLiteURL(t), registrytest.Options{})
		registrytest.Seed(t, reg.Client, 1)
		a := assettest.Start(t, url, reg.Addr, assettest.Options{NoFeed: true, ReconcileInterval: 50 * time.Millisecond, Auth: reg.Auth})
		const fam = 7 // not yet in the registry
		v := demo.Vehicle(fam * demo.VehiclesPerFamily)
		assettest.Import(t, a.Client, korlantas, "early", assettest.Vehicle(v))
		name := "vehicles/" + v.GetFrameNumber()
		if got, err := a.Client.GetVehicle(ctx(t), &assetv1.GetVehicleRequest{Name: name}); err != nil ||
			got.GetMatchStatus() != assetv1.MatchStatus_MATCH_STATUS_UNMATCHED {
			t.Fatalf("before: %v %v", got, err)
		}
		registrytest.Import(t, reg.Client, "late", registrytest.Family(fam))
		deadline := time.Now().Add(10 * time.Second)
		for {
			got, err := a.Client.GetVehicle(ctx(t), &assetv1.GetVehicleRequest{Name: name})
			if err != nil {
				t.Fatal(err)
			}
			if got.GetMatchStatus() == assetv1.MatchStatus_MATCH_STATUS_MATCHED {
				if got.GetOwnerFamily() != "families/"+registrytest.Family(fam).GetKkNumber() {
					t.Fatalf("reconciled %v", got)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("the sweep did not reconcile within 10 s")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// TestImportChunksSharingAKeyApplyInOrder: with tiny chunks (two in flight at
// once on PostgreSQL), records of one vehicle spread over several chunks land
// as in a serial load: a newer observation in a later chunk replaces the
// first, and an older one after it is refused.
func TestImportChunksSharingAKeyApplyInOrder(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		reg := registrytest.Start(t, storagetest.SQLiteURL(t), registrytest.Options{})
		registrytest.Seed(t, reg.Client, 4)
		a := assettest.Start(t, url, reg.Addr, assettest.Options{NoFeed: true, ChunkSize: 2, Auth: reg.Auth})
		var msgs []*assetv1.ImportRecordsRequest
		for i := range 12 {
			msgs = append(msgs, assettest.Vehicle(demo.Vehicle(i+1)))
		}
		newer, older := demo.Vehicle(0), demo.Vehicle(0)
		newer.ObservationDate, newer.EstimatedValue = "2025-06-01", 7_000_000
		older.ObservationDate, older.EstimatedValue = "2025-03-01", 1
		msgs = slices.Insert(msgs, 0, assettest.Vehicle(demo.Vehicle(0)))
		msgs = slices.Insert(msgs, 6, assettest.Vehicle(newer))
		msgs = append(msgs, assettest.Vehicle(older))
		sum := assettest.Import(t, a.Client, korlantas, "order", msgs...)
		if counts(sum) != [4]int64{15, 14, 0, 1} {
			t.Fatalf("summary %v", sum)
		}
		if rej := rejectionsByIndex(sum); !slices.Equal(rej[14], []string{"observation_date:OBSERVATION_OLDER_THAN_STORED"}) {
			t.Fatalf("rejections %v", rej)
		}
		got, err := a.Client.GetVehicle(ctx(t), &assetv1.GetVehicleRequest{Name: "vehicles/" + newer.GetFrameNumber()})
		if err != nil || got.GetEstimatedValue() != 7_000_000 || got.GetEtag() != "v2" ||
			got.GetMatchStatus() != assetv1.MatchStatus_MATCH_STATUS_MATCHED {
			t.Fatalf("vehicle %v %v", got, err)
		}
	})
}
