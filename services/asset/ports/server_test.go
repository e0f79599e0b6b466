package ports_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/asset/assettest"
	"github.com/dtsen-id/dtsen/services/asset/demo"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
)

const (
	bps       = demo.SourceBPS
	bpn       = demo.SourceATRBPN
	korlantas = demo.SourceKorlantas
)

func TestImportAndGetEveryKind(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url, 2)
		sum := assettest.Import(t, e.c, bps, "b1", assettest.Housing(demo.Housing(0)), assettest.Holdings(demo.Holdings(0)))
		if counts(sum) != [4]int64{2, 2, 0, 0} {
			t.Fatalf("bps summary %v", sum)
		}
		assettest.Import(t, e.c, bpn, "l1", assettest.Land(demo.LandParcel(0)))
		assettest.Import(t, e.c, korlantas, "v1", assettest.Vehicle(demo.Vehicle(0)), assettest.Vehicle(demo.Vehicle(1)))

		kk := registrytest.Family(0).GetKkNumber()
		h, err := e.c.GetHousing(ctx(t), &assetv1.GetHousingRequest{Name: "families/" + kk + "/housing/bps"})
		if err != nil {
			t.Fatal(err)
		}
		want := demo.Housing(0)
		if h.GetFloorAreaSqm() != want.GetFloorAreaSqm() || h.GetRoofMaterial() != want.GetRoofMaterial() ||
			h.GetElectricityPower() != want.GetElectricityPower() || h.GetPlnCustomerId() != want.GetPlnCustomerId() ||
			h.GetSewage() != want.GetSewage() || h.GetObservationDate() != demo.ObservationDate || h.GetSource() != bps {
			t.Fatalf("housing = %v, want %v", h, want)
		}
		if h.GetMatchStatus() != assetv1.MatchStatus_MATCH_STATUS_MATCHED || h.GetEtag() != "v1" || h.GetCreateTime() == nil {
			t.Fatalf("housing check/etag = %v %q", h.GetMatchStatus(), h.GetEtag())
		}
		hold, err := e.c.GetHoldings(ctx(t), &assetv1.GetHoldingsRequest{Name: "families/" + kk + "/holdings/bps"})
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(hold.GetLivestock(), demo.Holdings(0).GetLivestock()) || !proto.Equal(hold.GetGoods(), demo.Holdings(0).GetGoods()) ||
			hold.GetGoldOrSavings() != demo.Holdings(0).GetGoldOrSavings() {
			t.Fatalf("holdings = %v", hold)
		}
		l, err := e.c.GetLandParcel(ctx(t), &assetv1.GetLandParcelRequest{Name: "landParcels/" + demo.LandParcel(0).GetCertificateId()})
		if err != nil {
			t.Fatal(err)
		}
		if l.GetAreaSqm() != demo.LandParcel(0).GetAreaSqm() || l.GetNjopValue() != demo.LandParcel(0).GetNjopValue() ||
			l.GetOwnerFamily() != "families/"+kk || l.GetMatchStatus() != assetv1.MatchStatus_MATCH_STATUS_MATCHED {
			t.Fatalf("land = %v", l)
		}
		// Frame numbers are keys in upper case; a lower-case name finds them.
		frame := demo.Vehicle(1).GetFrameNumber()
		v, err := e.c.GetVehicle(ctx(t), &assetv1.GetVehicleRequest{Name: "vehicles/" + frame})
		if err != nil {
			t.Fatal(err)
		}
		if v.GetType() != demo.Vehicle(1).GetType() || v.GetYear() != demo.Vehicle(1).GetYear() ||
			v.GetOwnerNik() != demo.Vehicle(1).GetOwnerNik() || v.GetOwnerFamily() != "families/"+kk {
			t.Fatalf("vehicle = %v", v)
		}

		// Not found, per kind.
		_, err = e.c.GetHousing(ctx(t), &assetv1.GetHousingRequest{Name: "families/" + kk + "/housing/pln"})
		wantStatus(t, err, codes.NotFound, "HOUSING_NOT_FOUND")
		_, err = e.c.GetHoldings(ctx(t), &assetv1.GetHoldingsRequest{Name: "families/" + kk + "/holdings/pln"})
		wantStatus(t, err, codes.NotFound, "HOLDINGS_NOT_FOUND")
		_, err = e.c.GetLandParcel(ctx(t), &assetv1.GetLandParcelRequest{Name: "landParcels/99.1"})
		wantStatus(t, err, codes.NotFound, "LAND_PARCEL_NOT_FOUND")
		_, err = e.c.GetVehicle(ctx(t), &assetv1.GetVehicleRequest{Name: "vehicles/NOPE123"})
		wantStatus(t, err, codes.NotFound, "VEHICLE_NOT_FOUND")
	})
}

func TestBadNames(t *testing.T) {
	e := start(t, storagetest.SQLiteURL(t), 0)
	kk := registrytest.Family(0).GetKkNumber()
	for _, tc := range []struct {
		call          func() error
		reason, field string
	}{
		{func() error {
			_, err := e.c.GetHousing(ctx(t), &assetv1.GetHousingRequest{Name: "families/" + kk + "/holdings/bps"})
			return err
		}, "RESOURCE_NAME_INVALID", "name"},
		{func() error {
			_, err := e.c.GetHousing(ctx(t), &assetv1.GetHousingRequest{Name: "families/123/housing/bps"})
			return err
		}, "KK_INVALID_LENGTH", "name"},
		{func() error {
			_, err := e.c.GetHousing(ctx(t), &assetv1.GetHousingRequest{Name: "families/" + kk + "/housing/BPS!"})
			return err
		}, "SOURCE_INVALID", "name"},
		{func() error {
			_, err := e.c.GetHoldings(ctx(t), &assetv1.GetHoldingsRequest{Name: "households/" + kk})
			return err
		}, "RESOURCE_NAME_INVALID", "name"},
		{func() error {
			_, err := e.c.GetLandParcel(ctx(t), &assetv1.GetLandParcelRequest{Name: "landParcels/a/b"})
			return err
		}, "LAND_CERTIFICATE_ID_INVALID", "name"},
		{func() error {
			_, err := e.c.GetLandParcel(ctx(t), &assetv1.GetLandParcelRequest{Name: "parcels/1"})
			return err
		}, "RESOURCE_NAME_INVALID", "name"},
		{func() error {
			_, err := e.c.GetVehicle(ctx(t), &assetv1.GetVehicleRequest{Name: "vehicles/x"})
			return err
		}, "VEHICLE_FRAME_NUMBER_INVALID", "name"},
		{func() error {
			_, err := e.c.GetFamilyAssets(ctx(t), &assetv1.GetFamilyAssetsRequest{Name: "families/" + kk})
			return err
		}, "RESOURCE_NAME_INVALID", "name"},
		{func() error {
			_, err := e.c.GetFamilyAssets(ctx(t), &assetv1.GetFamilyAssetsRequest{Name: "families/320412000000000A/assets"})
			return err
		}, "KK_NOT_NUMERIC", "name"},
	} {
		err := tc.call()
		wantStatus(t, err, codes.InvalidArgument, tc.reason)
		wantField(t, err, tc.field, tc.reason)
	}
}

// badRecords is one invalid record per rule, with the violation expected.
func badRecords() []struct {
	msg   *assetv1.ImportRecordsRequest
	field string
	want  string
} {
	h := func(f func(*assetv1.Housing)) *assetv1.ImportRecordsRequest {
		x := demo.Housing(1)
		x.Source = ""
		f(x)
		return assettest.Housing(x)
	}
	return []struct {
		msg   *assetv1.ImportRecordsRequest
		field string
		want  string
	}{
		{h(func(x *assetv1.Housing) { x.KkNumber = "32041200000" }), "kk_number", "KK_INVALID_LENGTH"},
		{h(func(x *assetv1.Housing) { x.ObservationDate = "2025-02-30" }), "observation_date", "DATE_INVALID"},
		{h(func(x *assetv1.Housing) { x.ObservationDate = "" }), "observation_date", "OBSERVATION_DATE_REQUIRED"},
		{h(func(x *assetv1.Housing) { x.Source = "pln" }), "source", "SOURCE_MISMATCH"},
		{h(func(x *assetv1.Housing) { x.FloorAreaSqm = -3 }), "floor_area_sqm", "HOUSING_FLOOR_AREA_INVALID"},
		{h(func(x *assetv1.Housing) { x.WallMaterial = 99 }), "wall_material", "HOUSING_WALL_MATERIAL_INVALID"},
		{h(func(x *assetv1.Housing) { x.Tenure = 0 }), "tenure", "HOUSING_TENURE_INVALID"},
		{h(func(x *assetv1.Housing) {
			x.ElectricityPower = assetv1.ElectricityPower_ELECTRICITY_POWER_NONE
		}), "electricity_power", "HOUSING_ELECTRICITY_POWER_LIGHTING_MISMATCH"},
		{h(func(x *assetv1.Housing) { x.PlnCustomerId = "12AB" }), "pln_customer_id", "HOUSING_PLN_CUSTOMER_ID_INVALID"},
		{func() *assetv1.ImportRecordsRequest {
			x := demo.LandParcel(1)
			x.Source, x.RegionCode = "", "32.04.12"
			return assettest.Land(x)
		}(), "region_code", "REGION_CODE_NOT_VILLAGE"},
		{func() *assetv1.ImportRecordsRequest {
			x := demo.LandParcel(2)
			x.Source, x.NjopValue = "", -1
			return assettest.Land(x)
		}(), "njop_value", "LAND_NJOP_INVALID"},
		{func() *assetv1.ImportRecordsRequest {
			x := demo.Vehicle(5)
			x.Source, x.OwnerNik = "", x.OwnerNik[:12]+"0000"
			return assettest.Vehicle(x)
		}(), "owner_nik", "NIK_INVALID_SERIAL"},
		{func() *assetv1.ImportRecordsRequest {
			x := demo.Vehicle(6)
			x.Source, x.Year = "", 1850
			return assettest.Vehicle(x)
		}(), "year", "VEHICLE_YEAR_INVALID"},
		{func() *assetv1.ImportRecordsRequest {
			x := demo.Holdings(1)
			x.Source, x.Livestock.Poultry = "", -1
			return assettest.Holdings(x)
		}(), "livestock.poultry", "LIVESTOCK_COUNT_INVALID"},
		{&assetv1.ImportRecordsRequest{}, "payload", "IMPORT_RECORD_EMPTY"},
	}
}

func TestImportMixedValidAndInvalid(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url, 3)
		// The batch's source is "survey"; valid records leave theirs empty.
		valid := func() []*assetv1.ImportRecordsRequest {
			h, l, v := demo.Housing(0), demo.LandParcel(0), demo.Vehicle(0)
			h.Source, l.Source, v.Source = "", "", ""
			return []*assetv1.ImportRecordsRequest{assettest.Housing(h), assettest.Land(l), assettest.Vehicle(v)}
		}()
		bad := badRecords()
		var msgs []*assetv1.ImportRecordsRequest
		wantRej := map[int64]string{}
		for i, b := range bad {
			msgs = append(msgs, b.msg)
			wantRej[int64(i)] = b.field + ":" + b.want
		}
		msgs = append(msgs, valid...)
		sum := assettest.Import(t, e.c, "survey", "mixed", msgs...)
		n := int64(len(bad))
		if counts(sum) != [4]int64{n + 3, 3, 0, n} {
			t.Fatalf("summary counts %v: %v", counts(sum), sum.GetRejections())
		}
		got := rejectionsByIndex(sum)
		for i, w := range wantRej {
			if !slices.Contains(got[i], w) {
				t.Errorf("record %d: rejections %v, want %s", i, got[i], w)
			}
		}
		// Nothing of a rejected record was written: one row per valid record.
		for table, want := range map[string]int{"housing": 1, "land_parcels": 1, "land_parcel_keys": 1, "vehicles": 1,
			"vehicle_keys": 1, "holdings": 0} {
			if got := e.asset.Rows(t, table); got != want {
				t.Errorf("%s rows = %d, want %d", table, got, want)
			}
		}
		if h := e.asset.FeedHead(t); h != 3 {
			t.Errorf("feed head = %d, want 3 events", h)
		}
		// The batch's source was applied to records that left theirs empty.
		kk := registrytest.Family(0).GetKkNumber()
		if _, err := e.c.GetHousing(ctx(t), &assetv1.GetHousingRequest{Name: "families/" + kk + "/housing/survey"}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestImportHeaderErrors(t *testing.T) {
	e := start(t, storagetest.SQLiteURL(t), 1)
	_, err := assettest.SendImport(ctx(t), e.c)
	wantStatus(t, err, codes.InvalidArgument, "IMPORT_HEADER_MISSING")
	_, err = assettest.SendImport(ctx(t), e.c, assettest.Vehicle(demo.Vehicle(0)))
	wantStatus(t, err, codes.InvalidArgument, "IMPORT_HEADER_MISSING")
	_, err = assettest.SendImport(ctx(t), e.c, assettest.Header("BPS", "x"))
	wantStatus(t, err, codes.InvalidArgument, "IMPORT_HEADER_INVALID")
	_, err = assettest.SendImport(ctx(t), e.c, assettest.Header(korlantas, "r"), assettest.Vehicle(demo.Vehicle(0)),
		assettest.Header(korlantas, "r2"))
	wantStatus(t, err, codes.InvalidArgument, "IMPORT_HEADER_REPEATED")
	if n := e.asset.Rows(t, "vehicles"); n != 0 {
		t.Fatalf("a refused stream wrote %d vehicles", n)
	}
}

func TestImportIdempotency(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url, 2)
		recs := []*assetv1.ImportRecordsRequest{assettest.Vehicle(demo.Vehicle(0)), assettest.Vehicle(demo.Vehicle(1)),
			assettest.Vehicle(demo.Vehicle(2))}
		first := assettest.Import(t, e.c, korlantas, "v1", recs...)
		if counts(first) != [4]int64{3, 3, 0, 0} {
			t.Fatalf("first %v", first)
		}
		// The same batch again: the stored summary, nothing written.
		head := e.asset.FeedHead(t)
		again := assettest.Import(t, e.c, korlantas, "v1", recs...)
		if !again.GetReplayed() || counts(again) != counts(first) || e.asset.FeedHead(t) != head {
			t.Fatalf("replay = %v, feed %d -> %d", again, head, e.asset.FeedHead(t))
		}
		// Identical records in a new batch: unchanged.
		same := assettest.Import(t, e.c, korlantas, "v2", recs...)
		if counts(same) != [4]int64{3, 0, 3, 0} || e.asset.FeedHead(t) != head {
			t.Fatalf("identical re-send %v", same)
		}
		// A changed record updates with a new etag; an older observation of
		// another is refused; a key twice in one batch is refused the second time.
		changed := demo.Vehicle(0)
		changed.EstimatedValue = 9_000_000
		changed.ObservationDate = "2025-06-01"
		older := demo.Vehicle(1)
		older.EstimatedValue = 1
		older.ObservationDate = "2024-01-01"
		dup := demo.Vehicle(0)
		dup.ObservationDate = "2025-06-01"
		sum := assettest.Import(t, e.c, korlantas, "v3", assettest.Vehicle(changed), assettest.Vehicle(older), assettest.Vehicle(dup))
		if counts(sum) != [4]int64{3, 1, 0, 2} {
			t.Fatalf("v3 %v", sum)
		}
		rej := rejectionsByIndex(sum)
		if !slices.Contains(rej[1], "observation_date:OBSERVATION_OLDER_THAN_STORED") ||
			!slices.Contains(rej[2], "frame_number:RECORD_DUPLICATE_IN_BATCH") {
			t.Fatalf("rejections %v", rej)
		}
		v, err := e.c.GetVehicle(ctx(t), &assetv1.GetVehicleRequest{Name: "vehicles/" + changed.GetFrameNumber()})
		if err != nil {
			t.Fatal(err)
		}
		if v.GetEstimatedValue() != 9_000_000 || v.GetEtag() != "v2" || v.GetUpdateTime().AsTime().Equal(v.GetCreateTime().AsTime()) {
			t.Fatalf("updated vehicle %v", v)
		}
		v1, _ := e.c.GetVehicle(ctx(t), &assetv1.GetVehicleRequest{Name: "vehicles/" + older.GetFrameNumber()})
		if v1.GetEstimatedValue() != demo.Vehicle(1).GetEstimatedValue() || v1.GetEtag() != "v1" {
			t.Fatalf("an older observation overwrote %v", v1)
		}
		if e.asset.FeedHead(t) != head+1 {
			t.Fatalf("feed head %d, want %d", e.asset.FeedHead(t), head+1)
		}
	})
}

func TestCrossChecks(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url, 2)
		// A death recorded before the asset import: accepted but flagged.
		owner := registrytest.Family(1).GetMembers()[0]
		if _, err := e.reg.Client.RecordDeath(ctx(t), &registryv1.RecordDeathRequest{Name: "persons/" + owner.GetNik(),
			DeathDate: "2024-12-01"}); err != nil {
			t.Fatal(err)
		}
		dead := demo.Vehicle(4) // member 0 of family 1
		unknownOwner := demo.Vehicle(40)
		unknownKK := demo.Housing(9)
		unknownKK.Source = ""
		dead.Source, unknownOwner.Source = "", ""
		sum := assettest.Import(t, e.c, "mixed", "x", assettest.Vehicle(dead), assettest.Vehicle(unknownOwner), assettest.Housing(unknownKK))
		if counts(sum) != [4]int64{3, 3, 0, 0} {
			t.Fatalf("unknown identities must be kept, not rejected: %v", sum)
		}
		v, _ := e.c.GetVehicle(ctx(t), &assetv1.GetVehicleRequest{Name: "vehicles/" + dead.GetFrameNumber()})
		if v.GetMatchStatus() != assetv1.MatchStatus_MATCH_STATUS_MATCHED || !slices.Equal(v.GetFlags(), []string{"OWNER_DECEASED"}) {
			t.Fatalf("deceased owner's vehicle: %v %v", v.GetMatchStatus(), v.GetFlags())
		}
		u, _ := e.c.GetVehicle(ctx(t), &assetv1.GetVehicleRequest{Name: "vehicles/" + unknownOwner.GetFrameNumber()})
		if u.GetMatchStatus() != assetv1.MatchStatus_MATCH_STATUS_UNMATCHED || u.GetMatchReason() != "NIK_NOT_REGISTERED" || u.GetOwnerFamily() != "" {
			t.Fatalf("unknown owner's vehicle: %v", u)
		}
		h, _ := e.c.GetHousing(ctx(t), &assetv1.GetHousingRequest{Name: "families/" + unknownKK.GetKkNumber() + "/housing/mixed"})
		if h.GetMatchStatus() != assetv1.MatchStatus_MATCH_STATUS_UNMATCHED || h.GetMatchReason() != "KK_NOT_REGISTERED" {
			t.Fatalf("unknown family's housing: %v", h)
		}
	})
}

// TestReconciliationEndToEnd: a record whose identities the registry does not
// know is held UNMATCHED; once the family is imported into the registry, the
// asset service's registry feed consumer marks it MATCHED on its own.
func TestReconciliationEndToEnd(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url, 1)
		const fam = 7 // not yet in the registry
		v := demo.Vehicle(fam * demo.VehiclesPerFamily)
		h := demo.Housing(fam)
		assettest.Import(t, e.c, korlantas, "early-v", assettest.Vehicle(v))
		assettest.Import(t, e.c, bps, "early-h", assettest.Housing(h))
		vname := "vehicles/" + v.GetFrameNumber()
		hname := "families/" + h.GetKkNumber() + "/housing/bps"
		got, _ := e.c.GetVehicle(ctx(t), &assetv1.GetVehicleRequest{Name: vname})
		if got.GetMatchStatus() != assetv1.MatchStatus_MATCH_STATUS_UNMATCHED {
			t.Fatalf("before: %v", got)
		}
		head := e.asset.FeedHead(t)

		registrytest.Import(t, e.reg.Client, "late", registrytest.Family(fam))

		deadline := time.Now().Add(10 * time.Second)
		for {
			gv, err1 := e.c.GetVehicle(ctx(t), &assetv1.GetVehicleRequest{Name: vname})
			gh, err2 := e.c.GetHousing(ctx(t), &assetv1.GetHousingRequest{Name: hname})
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if gv.GetMatchStatus() == assetv1.MatchStatus_MATCH_STATUS_MATCHED && gh.GetMatchStatus() == assetv1.MatchStatus_MATCH_STATUS_MATCHED {
				if gv.GetOwnerFamily() != "families/"+h.GetKkNumber() || gv.GetMatchReason() != "" || gv.GetEtag() != "v2" {
					t.Fatalf("reconciled vehicle %v", gv)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("not reconciled within 10 s: vehicle %v, housing %v", gv.GetMatchStatus(), gh.GetMatchStatus())
			}
			time.Sleep(50 * time.Millisecond)
		}
		// Each reconciled record published one event, and nothing repeats
		// however often the registry feed is replayed (its events are
		// redelivered after a reconnect; the handler is idempotent).
		events := watch(t, e.admin, head, 2)
		types := []string{events[0].GetEventType(), events[1].GetEventType()}
		slices.Sort(types)
		if !slices.Equal(types, []string{"asset.housing.updated", "asset.vehicle.updated"}) {
			t.Fatalf("events %v", events)
		}
		if _, err := e.asset.DB.SQL().ExecContext(context.Background(), "UPDATE feed_cursors SET sequence = 0"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		if e.asset.FeedHead(t) != head+2 {
			t.Fatalf("replaying the registry feed changed records again: head %d, want %d", e.asset.FeedHead(t), head+2)
		}
	})
}

func TestGetFamilyAssets(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url, 2)
		kk := registrytest.Family(0).GetKkNumber()
		newer := demo.Housing(0)
		newer.Source, newer.ObservationDate, newer.FloorAreaSqm = "pbi-survey", "2025-03-01", 48
		assettest.Import(t, e.c, bps, "h", assettest.Housing(demo.Housing(0)), assettest.Holdings(demo.Holdings(0)))
		assettest.Import(t, e.c, "pbi-survey", "h2", assettest.Housing(newer))
		land2 := demo.LandParcel(0)
		land2.CertificateId, land2.AreaSqm, land2.NjopValue, land2.HouseElsewhere = "20.1", 1000, 5_000_000, true
		assettest.Import(t, e.c, bpn, "l", assettest.Land(demo.LandParcel(0)), assettest.Land(land2), assettest.Land(demo.LandParcel(1)))
		var vs []*assetv1.ImportRecordsRequest
		for i := range 8 { // family 0 owns 0-3, family 1 owns 4-7
			vs = append(vs, assettest.Vehicle(demo.Vehicle(i)))
		}
		assettest.Import(t, e.c, korlantas, "v", vs...)
		// One member dies: they no longer share the floor area.
		if _, err := e.reg.Client.RecordDeath(ctx(t), &registryv1.RecordDeathRequest{
			Name: "persons/" + registrytest.Family(0).GetMembers()[3].GetNik(), DeathDate: "2025-01-01"}); err != nil {
			t.Fatal(err)
		}

		fa, err := e.c.GetFamilyAssets(ctx(t), &assetv1.GetFamilyAssetsRequest{Name: "families/" + kk + "/assets"})
		if err != nil {
			t.Fatal(err)
		}
		if fa.GetFamily() != "families/"+kk || fa.GetMemberCount() != 3 || fa.GetHousing().GetSource() != "pbi-survey" ||
			fa.GetFloorAreaPerCapitaSqm() != 16 || fa.GetHoldings().GetSource() != bps {
			t.Fatalf("summary header: members %d housing %s per-capita %v", fa.GetMemberCount(), fa.GetHousing().GetSource(), fa.GetFloorAreaPerCapitaSqm())
		}
		tot := fa.GetTotals()
		wantArea := demo.LandParcel(0).GetAreaSqm() + 1000
		if len(fa.GetLandParcels()) != 2 || tot.GetLandParcelCount() != 2 || tot.GetLandAreaSqm() != wantArea ||
			tot.GetLandNjopTotal() != demo.LandParcel(0).GetNjopValue()+5_000_000 || !tot.GetHouseElsewhere() {
			t.Fatalf("land totals %v (%d parcels)", tot, len(fa.GetLandParcels()))
		}
		var value int64
		byType := map[assetv1.VehicleType]int32{}
		for i := range 4 {
			value += demo.Vehicle(i).GetEstimatedValue()
			byType[demo.Vehicle(i).GetType()]++
		}
		if len(fa.GetVehicles()) != 4 || tot.GetVehicleCount() != 4 || tot.GetVehicleValueTotal() != value {
			t.Fatalf("vehicle totals %v", tot)
		}
		for _, vt := range tot.GetVehiclesByType() {
			if byType[vt.GetType()] != vt.GetCount() {
				t.Fatalf("by type %v, want %v", tot.GetVehiclesByType(), byType)
			}
			delete(byType, vt.GetType())
		}
		if len(byType) != 0 {
			t.Fatalf("types missing from totals: %v", byType)
		}

		_, err = e.c.GetFamilyAssets(ctx(t), &assetv1.GetFamilyAssetsRequest{Name: "families/" + registrytest.Family(30).GetKkNumber() + "/assets"})
		wantStatus(t, err, codes.NotFound, "FAMILY_NOT_REGISTERED")
	})
}

func TestGetFamilyAssetsRegistryDown(t *testing.T) {
	a := assettest.Start(t, storagetest.SQLiteURL(t), "127.0.0.1:1", assettest.Options{NoFeed: true})
	_, err := a.Client.GetFamilyAssets(ctx(t), &assetv1.GetFamilyAssetsRequest{Name: "families/" + registrytest.Family(0).GetKkNumber() + "/assets"})
	wantStatus(t, err, codes.Unavailable, "REGISTRY_UNAVAILABLE")
	_, err = assettest.SendImport(ctx(t), a.Client, assettest.Header(korlantas, "down"), assettest.Vehicle(demo.Vehicle(0)))
	wantStatus(t, err, codes.Unavailable, "REGISTRY_UNAVAILABLE")
	if n := a.Rows(t, "vehicles"); n != 0 {
		t.Fatalf("an import without the cross-check wrote %d vehicles", n)
	}
}

func listVehicles(t *testing.T, c assetv1.AssetServiceClient, filter string, size int32) []string {
	t.Helper()
	var out []string
	token := ""
	for {
		resp, err := c.ListVehicles(ctx(t), &assetv1.ListVehiclesRequest{PageSize: size, PageToken: token, Filter: filter})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.GetVehicles()) > int(size) {
			t.Fatalf("page of %d > %d", len(resp.GetVehicles()), size)
		}
		for _, v := range resp.GetVehicles() {
			out = append(out, v.GetFrameNumber())
		}
		if token = resp.GetNextPageToken(); token == "" {
			return out
		}
	}
}

func TestListPagination(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url, 3)
		var msgs []*assetv1.ImportRecordsRequest
		var all []string
		for i := range 23 { // families 0-5; only 0-2 are registered
			msgs = append(msgs, assettest.Vehicle(demo.Vehicle(i)))
			all = append(all, demo.Vehicle(i).GetFrameNumber())
		}
		assettest.Import(t, e.c, korlantas, "p", msgs...)
		slices.Sort(all)
		for _, size := range []int32{1, 5, 23, 100} {
			if got := listVehicles(t, e.c, "", size); !slices.Equal(got, all) {
				t.Fatalf("page size %d: got %v", size, got)
			}
		}
		owner := demo.Vehicle(5).GetOwnerNik()
		if got := listVehicles(t, e.c, fmt.Sprintf("owner_nik = %q", owner), 2); !slices.Equal(got, []string{demo.Vehicle(5).GetFrameNumber()}) {
			t.Fatalf("by owner: %v", got)
		}
		unmatched := listVehicles(t, e.c, "match_status = UNMATCHED", 4)
		if len(unmatched) != 23-12 {
			t.Fatalf("unmatched = %d, want 11", len(unmatched))
		}
		if got := listVehicles(t, e.c, fmt.Sprintf("match_status = MATCHED AND owner_nik = %q", owner), 4); len(got) != 1 {
			t.Fatalf("conjunction: %v", got)
		}

		// Housing lists by (KK, source).
		assettest.Import(t, e.c, bps, "hh", assettest.Housing(demo.Housing(1)), assettest.Housing(demo.Housing(0)))
		resp, err := e.c.ListHousing(ctx(t), &assetv1.ListHousingRequest{PageSize: 1})
		if err != nil || len(resp.GetHousing()) != 1 || resp.GetNextPageToken() == "" {
			t.Fatalf("housing page 1: %v %v", resp, err)
		}
		resp2, err := e.c.ListHousing(ctx(t), &assetv1.ListHousingRequest{PageSize: 1, PageToken: resp.GetNextPageToken()})
		if err != nil || len(resp2.GetHousing()) != 1 || resp2.GetNextPageToken() != "" ||
			resp2.GetHousing()[0].GetKkNumber() <= resp.GetHousing()[0].GetKkNumber() {
			t.Fatalf("housing page 2: %v %v", resp2, err)
		}
		byKK, err := e.c.ListHousing(ctx(t), &assetv1.ListHousingRequest{Filter: fmt.Sprintf("kk_number = %q", demo.Housing(1).GetKkNumber())})
		if err != nil || len(byKK.GetHousing()) != 1 {
			t.Fatalf("housing by kk: %v %v", byKK, err)
		}
		if l, err := e.c.ListLandParcels(ctx(t), &assetv1.ListLandParcelsRequest{}); err != nil || len(l.GetLandParcels()) != 0 {
			t.Fatalf("empty land list: %v %v", l, err)
		}
		if l, err := e.c.ListHoldings(ctx(t), &assetv1.ListHoldingsRequest{}); err != nil || len(l.GetHoldings()) != 0 {
			t.Fatalf("empty holdings list: %v %v", l, err)
		}

		// Bad input.
		first, _ := e.c.ListVehicles(ctx(t), &assetv1.ListVehiclesRequest{PageSize: 2})
		_, err = e.c.ListVehicles(ctx(t), &assetv1.ListVehiclesRequest{PageToken: first.GetNextPageToken(), Filter: "match_status = MATCHED"})
		wantStatus(t, err, codes.InvalidArgument, "PAGE_TOKEN_INVALID")
		_, err = e.c.ListVehicles(ctx(t), &assetv1.ListVehiclesRequest{PageToken: "garbage!"})
		wantStatus(t, err, codes.InvalidArgument, "PAGE_TOKEN_INVALID")
		_, err = e.c.ListVehicles(ctx(t), &assetv1.ListVehiclesRequest{PageSize: -1})
		wantStatus(t, err, codes.InvalidArgument, "PAGE_SIZE_NEGATIVE")
		for _, f := range []string{"kk_number = \"x\"", "owner_nik = 123", "match_status = MAYBE", "owner_nik = \"1\" OR x = 1", "type = CAR"} {
			_, err = e.c.ListVehicles(ctx(t), &assetv1.ListVehiclesRequest{Filter: f})
			wantStatus(t, err, codes.InvalidArgument, "FILTER_INVALID")
		}
		_, err = e.c.ListLandParcels(ctx(t), &assetv1.ListLandParcelsRequest{Filter: `owner_nik = "3204120000000001"`})
		wantStatus(t, err, codes.InvalidArgument, "FILTER_INVALID")
		wantField(t, err, "filter", "NIK_INVALID_BIRTH_DATE")
		_, err = e.c.ListHoldings(ctx(t), &assetv1.ListHoldingsRequest{Filter: `kk_number = "99"`})
		wantStatus(t, err, codes.InvalidArgument, "FILTER_INVALID")
		wantField(t, err, "filter", "KK_INVALID_LENGTH")
	})
}

func TestWatchChanges(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url, 1)
		assettest.Import(t, e.c, korlantas, "w", assettest.Vehicle(demo.Vehicle(0)), assettest.Vehicle(demo.Vehicle(1)),
			assettest.Vehicle(demo.Vehicle(2)))
		all := watch(t, e.admin, 0, 3)
		for i, ev := range all {
			if ev.GetSequence() != int64(i+1) || ev.GetEventType() != "asset.vehicle.created" ||
				ev.GetFamily() != "families/"+registrytest.Family(0).GetKkNumber() || ev.GetCommitTime() == nil {
				t.Fatalf("event %d = %v", i, ev)
			}
		}
		resumed := watch(t, e.admin, 2, 1)
		if !proto.Equal(resumed[0], all[2]) {
			t.Fatalf("resume after 2 = %v", resumed)
		}
		stream, err := e.admin.WatchChanges(ctx(t), &assetv1.WatchChangesRequest{AfterSequence: -1})
		if err == nil {
			_, err = stream.Recv()
		}
		wantStatus(t, err, codes.InvalidArgument, "SEQUENCE_NEGATIVE")
	})
}
