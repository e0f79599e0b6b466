package adapters_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/dtsen-id/dtsen/services/asset/adapters"
	"github.com/dtsen-id/dtsen/services/asset/domain"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
)

type fixture struct {
	db   *storage.DB
	ob   *outbox.Outbox
	repo *adapters.Repository
}

func open(t *testing.T, url string) *fixture {
	db := storagetest.Open(t, url, outbox.Migrations, adapters.Migrations)
	ob := outbox.New(db, 50*time.Millisecond)
	return &fixture{db: db, ob: ob, repo: adapters.NewRepository(db, ob)}
}

func (fx *fixture) apply(t *testing.T, c domain.Chunk) importer.Outcome {
	t.Helper()
	var out importer.Outcome
	err := fx.db.InTx(context.Background(), func(tx *storage.Tx) error {
		var err error
		out, err = fx.repo.ApplyImport(context.Background(), tx, c)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (fx *fixture) events(t *testing.T, after int64) []string {
	t.Helper()
	recs, err := fx.ob.Read(context.Background(), after, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, r.Event.Type+" "+r.Event.Resource+" "+r.Event.Family)
	}
	return out
}

var obs = time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC)

func nik(i int) string { return fmt.Sprintf("320412010170%04d", i+1) }
func kk(i int) string  { return fmt.Sprintf("320412000001%04d", i+1) }

func vehicle(i, owner int) *domain.Vehicle {
	v := &domain.Vehicle{FrameNumber: fmt.Sprintf("FR%05d", i), OwnerNIK: nik(owner), Type: domain.VehicleType(1 + i%6),
		Year: 2020, EstimatedValue: int64(1000 * (i + 1)), Record: domain.Record{Source: "korlantas", ObservationDate: obs}}
	v.OwnerFamilyKK = v.CheckOwner(domain.PersonIdentity{Registered: owner < 5, FamilyKK: kk(owner)})
	return v
}

func land(i, owner int, area float64, elsewhere bool) *domain.LandParcel {
	l := &domain.LandParcel{CertificateID: fmt.Sprintf("10.%d", i), OwnerNIK: nik(owner), AreaSqm: area, NJOPValue: int64(area) * 1000,
		RegionCode: "32.04.12.2001", HouseElsewhere: elsewhere, Record: domain.Record{Source: "atr-bpn", ObservationDate: obs}}
	l.OwnerFamilyKK = l.CheckOwner(domain.PersonIdentity{Registered: true, FamilyKK: kk(owner)})
	return l
}

func housing(fam int, source string) *domain.Housing {
	h := &domain.Housing{KK: kk(fam), FloorAreaSqm: 40, FloorMaterial: 1, FloorCondition: 1, WallMaterial: 1, WallCondition: 1,
		RoofMaterial: 1, RoofCondition: 1, Tenure: 1, Bedrooms: 2, DrinkingWater: 1, Lighting: domain.LightingNonPLN,
		Power: domain.PowerNone, CookingFuel: 1, Toilet: 1, Sewage: 1, Record: domain.Record{Source: source, ObservationDate: obs}}
	h.CheckFamily(fam < 5)
	return h
}

func holdings(fam int) *domain.Holdings {
	h := &domain.Holdings{KK: kk(fam), Record: domain.Record{Source: "bps", ObservationDate: obs}}
	h.CheckFamily(true)
	return h
}

func idx[T any](vs ...T) []domain.Indexed[T] {
	out := make([]domain.Indexed[T], len(vs))
	for i, v := range vs {
		out[i] = domain.Indexed[T]{Index: int64(i), Value: v}
	}
	return out
}

func TestRepositoryImportAndRead(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		ctx := context.Background()
		out := fx.apply(t, domain.Chunk{
			Housing:  idx(housing(0, "bps"), housing(0, "pln"), housing(7, "bps")),
			Holdings: idx(holdings(0)),
			Land:     idx(land(1, 0, 100, false), land(2, 1, 50.5, true)),
			Vehicles: idx(vehicle(0, 0), vehicle(1, 0), vehicle(2, 1), vehicle(3, 9)),
		})
		if out.Accepted != 10 || out.Unchanged != 0 || len(out.Rejections) != 0 {
			t.Fatalf("outcome %+v", out)
		}
		if ev := fx.events(t, 0); len(ev) != 10 || ev[0] != "asset.housing.created families/"+kk(0)+"/housing/bps families/"+kk(0) {
			t.Fatalf("events %v", ev)
		}
		h, err := fx.repo.GetHousing(ctx, kk(7), "bps")
		if err != nil || h.Match != domain.Unmatched || h.MatchReason != domain.MatchKKNotRegistered || h.Version != 1 ||
			!h.SameData(housing(7, "bps")) {
			t.Fatalf("housing %+v %v", h, err)
		}
		if _, err := fx.repo.GetHousing(ctx, kk(7), "pln"); err != domain.ErrNotFound {
			t.Fatalf("missing housing: %v", err)
		}
		v, err := fx.repo.GetVehicle(ctx, "FR00003")
		if err != nil || v.Match != domain.Unmatched || v.OwnerFamilyKK != "" {
			t.Fatalf("vehicle %+v %v", v, err)
		}
		l, err := fx.repo.GetLandParcel(ctx, "10.2")
		if err != nil || l.AreaSqm != 50.5 || !l.HouseElsewhere || l.OwnerFamilyKK != kk(1) {
			t.Fatalf("land %+v %v", l, err)
		}
		if _, err := fx.repo.GetHoldings(ctx, kk(0), "bps"); err != nil {
			t.Fatal(err)
		}

		// Lists: key order, holder and status filters, cursor.
		all, _ := fx.repo.ListVehicles(ctx, domain.Query{Limit: 10})
		if len(all) != 4 || all[0].FrameNumber != "FR00000" || all[3].FrameNumber != "FR00003" {
			t.Fatalf("list %v", all)
		}
		after, _ := fx.repo.ListVehicles(ctx, domain.Query{Limit: 2, After: [2]string{"FR00001"}})
		if len(after) != 2 || after[0].FrameNumber != "FR00002" {
			t.Fatalf("after %v", after)
		}
		owned, _ := fx.repo.ListVehicles(ctx, domain.Query{Limit: 10, Holder: nik(0)})
		unmatched, _ := fx.repo.ListVehicles(ctx, domain.Query{Limit: 10, Match: domain.Unmatched})
		if len(owned) != 2 || len(unmatched) != 1 {
			t.Fatalf("owned %d unmatched %d", len(owned), len(unmatched))
		}
		hs, _ := fx.repo.ListHousing(ctx, domain.Query{Limit: 10, After: [2]string{kk(0), "bps"}})
		if len(hs) != 2 || hs[0].Source != "pln" || hs[1].KK != kk(7) {
			t.Fatalf("housing after (kk0,bps): %v", hs)
		}
		if ls, _ := fx.repo.ListLandParcels(ctx, domain.Query{Limit: 10, Holder: nik(1)}); len(ls) != 1 {
			t.Fatalf("land of owner 1: %v", ls)
		}
		if hd, _ := fx.repo.ListHoldings(ctx, domain.Query{Limit: 10, Holder: kk(1)}); len(hd) != 0 {
			t.Fatalf("holdings of kk1: %v", hd)
		}

		// Family records and totals over two owners.
		fr, err := fx.repo.FamilyRecords(ctx, kk(0), []string{nik(0), nik(1)}, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(fr.Housing) != 2 || len(fr.Holdings) != 1 || len(fr.Land) != 2 || len(fr.Vehicles) != 3 {
			t.Fatalf("family records: %d %d %d %d", len(fr.Housing), len(fr.Holdings), len(fr.Land), len(fr.Vehicles))
		}
		tot := fr.Totals
		if tot.LandCount != 2 || tot.LandAreaSqm != 150.5 || tot.LandNJOP != 150_000 || !tot.HouseElsewhere {
			t.Fatalf("land totals %+v", tot)
		}
		if tot.VehiclesByType[domain.VehicleType(1)] != (domain.TypeTotal{Count: 1, Value: 1000}) || len(tot.VehiclesByType) != 3 {
			t.Fatalf("vehicle totals %+v", tot.VehiclesByType)
		}
		none, err := fx.repo.FamilyRecords(ctx, kk(3), nil, 10)
		if err != nil || len(none.Land) != 0 || none.Totals.LandCount != 0 {
			t.Fatalf("empty family %+v %v", none, err)
		}
	})
}

func TestRepositoryReimport(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		ctx := context.Background()
		fx.apply(t, domain.Chunk{Vehicles: idx(vehicle(0, 0), vehicle(1, 0)), Housing: idx(housing(0, "bps"))})
		head, _ := fx.ob.Head(ctx)

		// Identical: unchanged, nothing written.
		out := fx.apply(t, domain.Chunk{Vehicles: idx(vehicle(0, 0), vehicle(1, 0)), Housing: idx(housing(0, "bps"))})
		if out.Unchanged != 3 || out.Accepted != 0 {
			t.Fatalf("identical %+v", out)
		}
		// Changed, older, duplicate.
		changed := vehicle(0, 0)
		changed.EstimatedValue = 5
		older := vehicle(1, 0)
		older.ObservationDate = obs.AddDate(-1, 0, 0)
		older.EstimatedValue = 7
		dup := vehicle(0, 0)
		h := housing(0, "bps")
		h.CheckFamily(false) // the cross-check changed: a write too
		out = fx.apply(t, domain.Chunk{Vehicles: idx(changed, older, dup), Housing: idx(h)})
		if out.Accepted != 2 || out.Unchanged != 0 || len(out.Rejections) != 2 {
			t.Fatalf("mixed %+v", out)
		}
		reasons := []string{out.Rejections[0].GetViolations()[0].GetReason(), out.Rejections[1].GetViolations()[0].GetReason()}
		slices.Sort(reasons)
		if !slices.Equal(reasons, []string{domain.ReasonObservationOlderThanStored, domain.ReasonRecordDuplicateInBatch}) {
			t.Fatalf("reasons %v", reasons)
		}
		v, _ := fx.repo.GetVehicle(ctx, "FR00000")
		if v.EstimatedValue != 5 || v.Version != 2 || v.UpdateTime.Before(v.CreateTime) {
			t.Fatalf("changed vehicle %+v", v)
		}
		if o, _ := fx.repo.GetVehicle(ctx, "FR00001"); o.EstimatedValue == 7 || o.Version != 1 {
			t.Fatalf("older observation written: %+v", o)
		}
		if ev := fx.events(t, head); len(ev) != 2 || ev[0] != "asset.housing.updated families/"+kk(0)+"/housing/bps families/"+kk(0) {
			t.Fatalf("events %v", ev)
		}
	})
}

// ids is a stand-in registry.
type ids struct {
	persons  map[string]domain.PersonIdentity
	families map[string]bool
}

func (f ids) Lookup(_ context.Context, niks, kks []string) (map[string]domain.PersonIdentity, map[string]bool, error) {
	p := map[string]domain.PersonIdentity{}
	for _, n := range niks {
		p[n] = f.persons[n]
	}
	k := map[string]bool{}
	for _, x := range kks {
		k[x] = f.families[x]
	}
	return p, k, nil
}

func TestRepositoryReconcile(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		ctx := context.Background()
		fx.apply(t, domain.Chunk{Vehicles: idx(vehicle(0, 9), vehicle(1, 9), vehicle(2, 0)), Housing: idx(housing(9, "bps")),
			Land: idx(land(1, 0, 10, false))})
		head, _ := fx.ob.Head(ctx)
		reg := ids{
			persons: map[string]domain.PersonIdentity{
				nik(9): {Registered: true, FamilyKK: kk(9)},
				nik(0): {Registered: true, FamilyKK: kk(0), Deceased: true},
			},
			families: map[string]bool{kk(9): true},
		}
		n, err := fx.repo.Reconcile(ctx, []string{nik(9), nik(0)}, []string{kk(9)}, reg)
		if err != nil || n != 5 {
			t.Fatalf("reconciled %d, %v", n, err)
		}
		v, _ := fx.repo.GetVehicle(ctx, "FR00000")
		if v.Match != domain.Matched || v.OwnerFamilyKK != kk(9) || v.Version != 2 || v.MatchReason != "" {
			t.Fatalf("vehicle %+v", v)
		}
		d, _ := fx.repo.GetLandParcel(ctx, "10.1")
		if !slices.Equal(d.Flags, []string{domain.FlagOwnerDeceased}) {
			t.Fatalf("deceased owner's land %+v", d)
		}
		if h, _ := fx.repo.GetHousing(ctx, kk(9), "bps"); h.Match != domain.Matched {
			t.Fatalf("housing %+v", h)
		}
		if ev := fx.events(t, head); len(ev) != 5 {
			t.Fatalf("events %v", ev)
		}
		// Idempotent: the same answers change nothing.
		if n, err := fx.repo.Reconcile(ctx, []string{nik(9), nik(0)}, []string{kk(9)}, reg); err != nil || n != 0 {
			t.Fatalf("second reconcile %d %v", n, err)
		}
		if n, err := fx.repo.Reconcile(ctx, nil, nil, reg); err != nil || n != 0 {
			t.Fatalf("empty reconcile %d %v", n, err)
		}
	})
}

// TestRepositoryUnmatchedOwners: the sweep's source pages through UNMATCHED
// records only, resumes where the last call ended and starts over at the end,
// so records that stay unknown cannot starve the ones after them.
func TestRepositoryUnmatchedOwners(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		ctx := context.Background()
		var vs []*domain.Vehicle
		for i := range 10 { // owners 5-9 are unregistered
			vs = append(vs, vehicle(i, i))
		}
		fx.apply(t, domain.Chunk{Vehicles: idx(vs...), Housing: idx(housing(3, "bps"), housing(6, "bps"), housing(7, "bps")),
			Land: idx(land(1, 0, 10, false))})

		seenN, seenK := map[string]int{}, map[string]int{}
		for range 3 { // 5 unmatched vehicles at 2 a call: a full round
			niks, kks, err := fx.repo.UnmatchedOwners(ctx, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(niks) > 2 || len(kks) > 2 {
				t.Fatalf("more than the limit per kind: %v %v", niks, kks)
			}
			for _, n := range niks {
				seenN[n]++
			}
			for _, k := range kks {
				seenK[k]++
			}
		}
		for i := range 10 {
			if want := i >= 5; (seenN[nik(i)] == 1) != want {
				t.Errorf("owner %d seen %d times in one round", i, seenN[nik(i)])
			}
		}
		if seenK[kk(6)] == 0 || seenK[kk(7)] == 0 || seenK[kk(3)] != 0 {
			t.Errorf("families seen %v", seenK)
		}
		// The next round starts over.
		niks, _, err := fx.repo.UnmatchedOwners(ctx, 2)
		if err != nil || !slices.Equal(niks, []string{nik(5), nik(6)}) {
			t.Fatalf("second round %v %v", niks, err)
		}
	})
}
