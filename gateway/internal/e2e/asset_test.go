package e2e_test

// REST tests of the asset context through the real gateway: the real registry
// (seeded with registrytest.Family(0..11)), the real asset server
// cross-checking against it, and the gateway routing both. Records are seeded
// through the asset service's own ImportRecords stream; everything else goes
// over HTTP.

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	"github.com/dtsen-id/dtsen/services/asset/assettest"
	"github.com/dtsen-id/dtsen/services/asset/demo"
)

const assetDomain = "asset.dtsen.go.id"

// assetFamilies is how many seeded families get demo asset records.
const assetFamilies = 3

// assetUnregistered is a fixture family the registry does not hold.
const assetUnregistered = 20

// assetFixture is what assetSeed stored, as the API names it.
type assetFixture struct {
	kk           string // family 0
	unmatchedKK  string // a family the registry does not know
	unmatchedNIK string // a person the registry does not know
	housing      []string
	holdings     []string
	land         []string
	vehicles     []string
	// the UNMATCHED records, one of each kind but holdings
	unmatchedHousing, unmatchedLand, unmatchedVehicle string
}

// assetSeed imports the demo housing, holdings, land parcel and four vehicles
// of each of families 0-2 (all MATCHED), and a housing, a land parcel and a
// vehicle of family 20, which the registry does not know (UNMATCHED), in one
// batch per source agency, through the service's ImportRecords stream.
func assetSeed(t *testing.T, e *env) assetFixture {
	t.Helper()
	fx := assetFixture{kk: e.fams[0].GetKkNumber()}
	var bps, bpn, korlantas []*assetv1.ImportRecordsRequest
	add := func(fam, vehicle int) {
		h, hold, l := demo.Housing(fam), demo.Holdings(fam), demo.LandParcel(fam)
		bps = append(bps, assettest.Housing(h))
		fx.housing = append(fx.housing, "families/"+h.GetKkNumber()+"/housing/"+h.GetSource())
		if fam < assetFamilies {
			bps = append(bps, assettest.Holdings(hold))
			fx.holdings = append(fx.holdings, "families/"+hold.GetKkNumber()+"/holdings/"+hold.GetSource())
		}
		bpn = append(bpn, assettest.Land(l))
		fx.land = append(fx.land, "landParcels/"+l.GetCertificateId())
		for v := vehicle; v < vehicle+demo.VehiclesPerFamily; v++ {
			x := demo.Vehicle(v)
			korlantas = append(korlantas, assettest.Vehicle(x))
			fx.vehicles = append(fx.vehicles, "vehicles/"+x.GetFrameNumber())
			if fam >= assetFamilies {
				fx.unmatchedNIK = x.GetOwnerNik()
				fx.unmatchedVehicle = fx.vehicles[len(fx.vehicles)-1]
				break // one vehicle of the unknown family is enough
			}
		}
	}
	for f := range assetFamilies {
		add(f, f*demo.VehiclesPerFamily)
	}
	add(assetUnregistered, assetUnregistered*demo.VehiclesPerFamily)
	fx.unmatchedKK = demo.Housing(assetUnregistered).GetKkNumber()
	fx.unmatchedHousing, fx.unmatchedLand = fx.housing[len(fx.housing)-1], fx.land[len(fx.land)-1]

	for _, b := range []struct {
		source string
		recs   []*assetv1.ImportRecordsRequest
	}{{demo.SourceBPS, bps}, {demo.SourceATRBPN, bpn}, {demo.SourceKorlantas, korlantas}} {
		sum := assettest.Import(t, e.asset, b.source, "e2e-asset-"+b.source, b.recs...)
		if sum.GetAcceptedCount() != int64(len(b.recs)) || sum.GetRejectedCount() != 0 {
			t.Fatalf("seed %s: %v", b.source, sum)
		}
	}
	return fx
}

func assetItems(page map[string]any, key string) []map[string]any {
	raw, _ := page[key].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, r := range raw {
		m, _ := r.(map[string]any)
		out = append(out, m)
	}
	return out
}

// assetLists are the four List routes with the JSON key of their items and
// the filter field that selects a holder.
var assetLists = []struct{ path, items, holder string }{
	{"/v1/housing", "housing", "kk_number"},
	{"/v1/holdings", "holdings", "kk_number"},
	{"/v1/landParcels", "landParcels", "owner_nik"},
	{"/v1/vehicles", "vehicles", "owner_nik"},
}

// assetListAll follows nextPageToken from the first page to the last and
// returns every name, checking each page's size and shape on the way.
func assetListAll(t *testing.T, e *env, path, items, filter string, size int) []string {
	t.Helper()
	var names []string
	token := ""
	for page := 0; ; page++ {
		q := url.Values{"pageSize": {strconv.Itoa(size)}}
		if filter != "" {
			q.Set("filter", filter)
		}
		if token != "" {
			q.Set("pageToken", token)
		}
		body := e.ok(e.get(path + "?" + q.Encode()))
		checkCamelCase(t, path, body)
		got := assetItems(body, items)
		if len(got) > size {
			t.Fatalf("%s: page of %d, pageSize %d", path, len(got), size)
		}
		for _, r := range got {
			names = append(names, str(r, "name"))
		}
		if token = str(body, "nextPageToken"); token == "" {
			return names
		}
		if len(got) == 0 {
			t.Fatalf("%s: empty page with a nextPageToken", path)
		}
		if page > 50 {
			t.Fatalf("%s: pagination does not end", path)
		}
	}
}

func assetSorted(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return out
}

// assetWantError is wantError plus what every asset error carries: the
// asset ErrorInfo domain and messages in Bahasa Indonesia and English.
func assetWantError(e *env, r response, httpStatus int, grpcStatus, reason string) apiError {
	e.t.Helper()
	a := e.wantError(r, httpStatus, grpcStatus, reason)
	if a.domain() != assetDomain {
		e.t.Errorf("domain %q, want %q", a.domain(), assetDomain)
	}
	if a.localized("id-ID") == "" || a.localized("en") == "" {
		e.t.Errorf("error without id-ID and en messages: %v", r)
	}
	return a
}

func TestAssetGet(t *testing.T) {
	e := newEnv(t, envOptions{sources: true})
	fx := assetSeed(t, e)

	t.Run("housing", func(t *testing.T) {
		e := e.sub(t)
		h := e.ok(e.get("/v1/" + fx.housing[0]))
		checkCamelCase(t, "housing", h)
		want := demo.Housing(0)
		if str(h, "name") != fx.housing[0] || str(h, "kkNumber") != fx.kk || str(h, "source") != demo.SourceBPS ||
			h["floorAreaSqm"] != want.GetFloorAreaSqm() || str(h, "plnCustomerId") != want.GetPlnCustomerId() ||
			str(h, "roofMaterial") != want.GetRoofMaterial().String() || str(h, "observationDate") != demo.ObservationDate ||
			str(h, "matchStatus") != "MATCH_STATUS_MATCHED" || str(h, "etag") != "v1" || str(h, "createTime") == "" {
			t.Fatalf("housing %v", h)
		}
	})
	t.Run("holdings", func(t *testing.T) {
		e := e.sub(t)
		h := e.ok(e.get("/v1/" + fx.holdings[0]))
		checkCamelCase(t, "holdings", h)
		livestock, _ := h["livestock"].(map[string]any)
		goods, _ := h["goods"].(map[string]any)
		if str(h, "name") != fx.holdings[0] || str(h, "matchStatus") != "MATCH_STATUS_MATCHED" ||
			goods["telephone"] != true || goods["gasCylinderLarge"] != demo.Holdings(0).GetGoods().GetGasCylinderLarge() ||
			h["goldOrSavings"] != demo.Holdings(0).GetGoldOrSavings() || livestock == nil {
			t.Fatalf("holdings %v", h)
		}
	})
	t.Run("land parcel", func(t *testing.T) {
		e := e.sub(t)
		l := e.ok(e.get("/v1/" + fx.land[0]))
		checkCamelCase(t, "landParcel", l)
		want := demo.LandParcel(0)
		// int64 is a JSON string in protojson.
		if str(l, "name") != fx.land[0] || str(l, "ownerNik") != want.GetOwnerNik() ||
			str(l, "njopValue") != strconv.FormatInt(want.GetNjopValue(), 10) || l["areaSqm"] != want.GetAreaSqm() ||
			str(l, "ownerFamily") != "families/"+fx.kk || str(l, "regionCode") != want.GetRegionCode() {
			t.Fatalf("land parcel %v", l)
		}
	})
	t.Run("vehicle", func(t *testing.T) {
		e := e.sub(t)
		v := e.ok(e.get("/v1/" + fx.vehicles[1]))
		checkCamelCase(t, "vehicle", v)
		want := demo.Vehicle(1)
		if str(v, "name") != fx.vehicles[1] || str(v, "frameNumber") != want.GetFrameNumber() || str(v, "type") != want.GetType().String() ||
			v["year"] != float64(want.GetYear()) || str(v, "estimatedValue") != strconv.FormatInt(want.GetEstimatedValue(), 10) ||
			str(v, "ownerFamily") != "families/"+fx.kk || str(v, "matchStatus") != "MATCH_STATUS_MATCHED" {
			t.Fatalf("vehicle %v", v)
		}
		// Frame numbers are stored in upper case; a lower-case name finds the same vehicle.
		lower := e.ok(e.get("/v1/" + strings.ToLower(fx.vehicles[1])))
		if str(lower, "name") != fx.vehicles[1] {
			t.Fatalf("lower-case name found %v", lower)
		}
	})
}

func TestAssetFamilySummary(t *testing.T) {
	e := newEnv(t, envOptions{sources: true})
	fx := assetSeed(t, e)

	fa := e.ok(e.get("/v1/families/" + fx.kk + "/assets"))
	checkCamelCase(t, "familyAssets", fa)
	housing, _ := fa["housing"].(map[string]any)
	holdings, _ := fa["holdings"].(map[string]any)
	totals, _ := fa["totals"].(map[string]any)
	if str(fa, "name") != "families/"+fx.kk+"/assets" || str(fa, "family") != "families/"+fx.kk ||
		fa["memberCount"] != float64(len(e.fams[0].GetMembers())) ||
		str(housing, "name") != fx.housing[0] || str(holdings, "name") != fx.holdings[0] {
		t.Fatalf("summary %v", fa)
	}
	var vehicles []string
	var value int64
	for _, v := range assetItems(fa, "vehicles") {
		vehicles = append(vehicles, str(v, "name"))
	}
	for i := range demo.VehiclesPerFamily {
		value += demo.Vehicle(i).GetEstimatedValue()
	}
	if !slices.Equal(assetSorted(vehicles), assetSorted(fx.vehicles[:demo.VehiclesPerFamily])) ||
		len(assetItems(fa, "landParcels")) != 1 || str(assetItems(fa, "landParcels")[0], "name") != fx.land[0] {
		t.Fatalf("summary lists vehicles %v, land %v", vehicles, fa["landParcels"])
	}
	if totals["vehicleCount"] != float64(demo.VehiclesPerFamily) || str(totals, "vehicleValueTotal") != strconv.FormatInt(value, 10) ||
		totals["landParcelCount"] != float64(1) || totals["landAreaSqm"] != demo.LandParcel(0).GetAreaSqm() ||
		str(totals, "landNjopTotal") != strconv.FormatInt(demo.LandParcel(0).GetNjopValue(), 10) {
		t.Fatalf("totals %v", totals)
	}

	// A registered family without asset records has an empty summary.
	empty := e.ok(e.get("/v1/families/" + e.fams[assetFamilies].GetKkNumber() + "/assets"))
	if len(assetItems(empty, "vehicles")) != 0 || len(assetItems(empty, "landParcels")) != 0 || empty["housing"] != nil {
		t.Fatalf("empty summary %v", empty)
	}
	// A family the registry does not know has none, even with UNMATCHED records.
	assetWantError(e, e.get("/v1/families/"+fx.unmatchedKK+"/assets"), http.StatusNotFound, "NOT_FOUND", "FAMILY_NOT_REGISTERED")
}

func TestAssetListPagination(t *testing.T) {
	e := newEnv(t, envOptions{sources: true})
	fx := assetSeed(t, e)
	all := map[string][]string{"/v1/housing": fx.housing, "/v1/holdings": fx.holdings, "/v1/landParcels": fx.land, "/v1/vehicles": fx.vehicles}

	for _, l := range assetLists {
		t.Run(l.items, func(t *testing.T) {
			e := e.sub(t)
			want := assetSorted(all[l.path])
			for _, size := range []int{1, 2, 3, 100} {
				// Pages come in key order; together they are every record once.
				if got := assetListAll(t, e, l.path, l.items, "", size); !slices.Equal(got, want) {
					t.Fatalf("pageSize %d: got %v, want %v", size, got, want)
				}
			}
			// Without pageSize the default page holds them all.
			if got := assetItems(e.ok(e.get(l.path)), l.items); len(got) != len(want) {
				t.Fatalf("default page: %d of %d", len(got), len(want))
			}
		})
	}

	t.Run("filters", func(t *testing.T) {
		e := e.sub(t)
		owner := demo.Vehicle(5).GetOwnerNik()
		if got := assetListAll(t, e, "/v1/vehicles", "vehicles", `owner_nik = "`+owner+`"`, 1); !slices.Equal(got, []string{fx.vehicles[5]}) {
			t.Fatalf("vehicles by owner: %v", got)
		}
		if got := assetListAll(t, e, "/v1/housing", "housing", `kk_number = "`+fx.kk+`"`, 1); !slices.Equal(got, []string{fx.housing[0]}) {
			t.Fatalf("housing by KK: %v", got)
		}
		matched := assetListAll(t, e, "/v1/vehicles", "vehicles", "match_status = MATCHED", 5)
		if !slices.Equal(matched, assetSorted(fx.vehicles[:assetFamilies*demo.VehiclesPerFamily])) {
			t.Fatalf("matched vehicles: %v", matched)
		}
		both := assetListAll(t, e, "/v1/landParcels", "landParcels", `match_status = MATCHED AND owner_nik = "`+demo.LandParcel(1).GetOwnerNik()+`"`, 2)
		if !slices.Equal(both, []string{fx.land[1]}) {
			t.Fatalf("conjunction: %v", both)
		}
	})
}

func TestAssetUnmatchedOverREST(t *testing.T) {
	e := newEnv(t, envOptions{sources: true})
	fx := assetSeed(t, e)

	v := e.ok(e.get("/v1/" + fx.unmatchedVehicle))
	if str(v, "matchStatus") != "MATCH_STATUS_UNMATCHED" || str(v, "matchReason") != "NIK_NOT_REGISTERED" ||
		str(v, "ownerNik") != fx.unmatchedNIK || str(v, "ownerFamily") != "" {
		t.Fatalf("unmatched vehicle %v", v)
	}
	l := e.ok(e.get("/v1/" + fx.unmatchedLand))
	if str(l, "matchStatus") != "MATCH_STATUS_UNMATCHED" || str(l, "matchReason") != "NIK_NOT_REGISTERED" {
		t.Fatalf("unmatched land parcel %v", l)
	}
	h := e.ok(e.get("/v1/" + fx.unmatchedHousing))
	if str(h, "matchStatus") != "MATCH_STATUS_UNMATCHED" || str(h, "matchReason") != "KK_NOT_REGISTERED" {
		t.Fatalf("unmatched housing %v", h)
	}
	for path, want := range map[string][]string{
		"/v1/vehicles":    {fx.unmatchedVehicle},
		"/v1/landParcels": {fx.unmatchedLand},
		"/v1/housing":     {fx.unmatchedHousing},
		"/v1/holdings":    nil,
	} {
		items := path[strings.LastIndex(path, "/")+1:]
		if got := assetListAll(t, e, path, items, "match_status = UNMATCHED", 2); !slices.Equal(got, want) {
			t.Errorf("%s UNMATCHED: %v, want %v", path, got, want)
		}
	}
}

func TestAssetBadInput(t *testing.T) {
	e := newEnv(t, envOptions{sources: true})
	fx := assetSeed(t, e)
	const (
		bad = http.StatusBadRequest
		inv = "INVALID_ARGUMENT"
	)

	t.Run("resource names", func(t *testing.T) {
		e := e.sub(t)
		for _, tc := range []struct{ path, reason string }{
			{"/v1/families/123/housing/bps", "KK_INVALID_LENGTH"},
			{"/v1/families/320412000000000A/housing/bps", "KK_NOT_NUMERIC"},
			{"/v1/families/" + fx.kk + "/housing/BPS!", "SOURCE_INVALID"},
			{"/v1/families/123/holdings/bps", "KK_INVALID_LENGTH"},
			{"/v1/families/" + fx.kk + "/holdings/Bad%20Source", "SOURCE_INVALID"},
			{"/v1/landParcels/bad_id", "LAND_CERTIFICATE_ID_INVALID"},
			{"/v1/vehicles/x", "VEHICLE_FRAME_NUMBER_INVALID"},
			{"/v1/vehicles/MH1JF*00001", "VEHICLE_FRAME_NUMBER_INVALID"},
			{"/v1/families/123/assets", "KK_INVALID_LENGTH"},
			{"/v1/families/320412000000000A/assets", "KK_NOT_NUMERIC"},
		} {
			a := assetWantError(e, e.get(tc.path), bad, inv, tc.reason)
			e.wantViolation(a, "name:"+tc.reason)
		}
	})

	for _, l := range assetLists {
		t.Run(l.items, func(t *testing.T) {
			e := e.sub(t)
			// Filters outside the supported grammar.
			for _, f := range []string{"foo = 1", "match_status = MAYBE", l.holder + " = 123", l.holder + ` = "1" OR x = 1`, "type = CAR"} {
				a := assetWantError(e, e.get(l.path+"?filter="+url.QueryEscape(f)), bad, inv, "FILTER_INVALID")
				e.wantViolation(a, "filter:FILTER_INVALID")
			}
			// A malformed NIK or KK number in the filter: FILTER_INVALID, with
			// the value's own reason as a second violation.
			value, reason := `"99"`, "KK_INVALID_LENGTH"
			if l.holder == "owner_nik" {
				value, reason = `"3204120000000001"`, "NIK_INVALID_BIRTH_DATE"
			}
			a := assetWantError(e, e.get(l.path+"?filter="+url.QueryEscape(l.holder+" = "+value)), bad, inv, "FILTER_INVALID")
			e.wantViolation(a, "filter:"+reason)

			a = assetWantError(e, e.get(l.path+"?pageToken=garbage!"), bad, inv, "PAGE_TOKEN_INVALID")
			e.wantViolation(a, "page_token:PAGE_TOKEN_INVALID")
			// A token is bound to the filter it was issued under.
			first := e.ok(e.get(l.path + "?pageSize=1"))
			token := str(first, "nextPageToken")
			if token == "" {
				t.Fatalf("%s: no second page", l.path)
			}
			q := url.Values{"pageToken": {token}, "filter": {"match_status = MATCHED"}}
			assetWantError(e, e.get(l.path+"?"+q.Encode()), bad, inv, "PAGE_TOKEN_INVALID")
			// A token of a list keyed differently ((KK, source) against an
			// id) is refused too.
			other := "/v1/vehicles"
			if l.holder == "owner_nik" {
				other = "/v1/housing"
			}
			otherToken := str(e.ok(e.get(other+"?pageSize=1")), "nextPageToken")
			assetWantError(e, e.get(l.path+"?pageToken="+url.QueryEscape(otherToken)), bad, inv, "PAGE_TOKEN_INVALID")

			a = assetWantError(e, e.get(l.path+"?pageSize=-1"), bad, inv, "PAGE_SIZE_NEGATIVE")
			e.wantViolation(a, "page_size:PAGE_SIZE_NEGATIVE")
		})
	}
}

func TestAssetNotFound(t *testing.T) {
	e := newEnv(t, envOptions{sources: true})
	fx := assetSeed(t, e)
	for _, tc := range []struct{ path, reason string }{
		{"/v1/families/" + fx.kk + "/housing/pln", "HOUSING_NOT_FOUND"},
		{"/v1/families/" + e.fams[assetFamilies].GetKkNumber() + "/housing/bps", "HOUSING_NOT_FOUND"},
		{"/v1/families/" + fx.kk + "/holdings/pln", "HOLDINGS_NOT_FOUND"},
		{"/v1/landParcels/99.1", "LAND_PARCEL_NOT_FOUND"},
		{"/v1/vehicles/NOPE123", "VEHICLE_NOT_FOUND"},
		{"/v1/families/" + fx.unmatchedKK + "/assets", "FAMILY_NOT_REGISTERED"},
	} {
		assetWantError(e, e.get(tc.path), http.StatusNotFound, "NOT_FOUND", tc.reason)
	}
}
