package ports_test

// Who may call what (docs/asset.md): every method through the real gRPC
// server, with real tokens from a development issuer, against a real
// registry that knows each family's region.

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	"github.com/dtsen-id/dtsen/services/asset/assettest"
	"github.com/dtsen-id/dtsen/services/asset/demo"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/audit"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
)

// The fixture's families. Registered: 0 (32.04.12.2001), 1 (32.04.12.2002),
// 2 (32.73.01.1001), 3 (33.01.01.2003), 4 (11.01.01.2001). Family 7's records
// are stored but the registry does not know it (no region); family 8 exists
// nowhere.
const (
	famUnregistered = 7
	famNowhere      = 8
)

// seedSecurity registers families 0-4 and imports a housing, holdings, land
// parcel (owned by the head) and vehicle (owned by the head) for each of
// families 0-4 and 7.
func seedSecurity(t *testing.T, url string) *env {
	t.Helper()
	e := start(t, url, 5)
	var survey, land, kor []*assetv1.ImportRecordsRequest
	for _, f := range []int{0, 1, 2, 3, 4, famUnregistered} {
		survey = append(survey, assettest.Housing(demo.Housing(f)), assettest.Holdings(demo.Holdings(f)))
		land = append(land, assettest.Land(demo.LandParcel(f)))
		kor = append(kor, assettest.Vehicle(demo.Vehicle(f*demo.VehiclesPerFamily)))
	}
	for _, b := range []struct {
		source string
		recs   []*assetv1.ImportRecordsRequest
	}{{bps, survey}, {bpn, land}, {korlantas, kor}} {
		if sum := assettest.Import(t, e.c, b.source, "sec-"+b.source, b.recs...); sum.GetRejectedCount() != 0 {
			t.Fatalf("seed %s: %v", b.source, sum.GetRejections())
		}
	}
	return e
}

func kkOf(fam int) string { return registrytest.Family(fam).GetKkNumber() }

// personalRead is one method that returns personal data, asked for the
// record of family fam that the fixture stores.
type personalRead struct {
	method string
	// notFound is the reason a nationwide caller gets for family famNowhere.
	notFound string
	call     func(ctx context.Context, c assetv1.AssetServiceClient, fam int) error
}

var personalReads = []personalRead{
	{"GetHousing", "HOUSING_NOT_FOUND", func(ctx context.Context, c assetv1.AssetServiceClient, fam int) error {
		_, err := c.GetHousing(ctx, &assetv1.GetHousingRequest{Name: "families/" + kkOf(fam) + "/housing/bps"})
		return err
	}},
	{"GetHoldings", "HOLDINGS_NOT_FOUND", func(ctx context.Context, c assetv1.AssetServiceClient, fam int) error {
		_, err := c.GetHoldings(ctx, &assetv1.GetHoldingsRequest{Name: "families/" + kkOf(fam) + "/holdings/bps"})
		return err
	}},
	{"GetLandParcel", "LAND_PARCEL_NOT_FOUND", func(ctx context.Context, c assetv1.AssetServiceClient, fam int) error {
		_, err := c.GetLandParcel(ctx, &assetv1.GetLandParcelRequest{Name: "landParcels/" + demo.LandParcel(fam).GetCertificateId()})
		return err
	}},
	{"GetVehicle", "VEHICLE_NOT_FOUND", func(ctx context.Context, c assetv1.AssetServiceClient, fam int) error {
		_, err := c.GetVehicle(ctx, &assetv1.GetVehicleRequest{Name: "vehicles/" + demo.Vehicle(fam*demo.VehiclesPerFamily).GetFrameNumber()})
		return err
	}},
	{"GetFamilyAssets", "FAMILY_NOT_REGISTERED", func(ctx context.Context, c assetv1.AssetServiceClient, fam int) error {
		_, err := c.GetFamilyAssets(ctx, &assetv1.GetFamilyAssetsRequest{Name: "families/" + kkOf(fam) + "/assets"})
		return err
	}},
}

// lists are the four List methods, unfiltered.
var lists = []struct {
	method string
	call   func(ctx context.Context, c assetv1.AssetServiceClient) (int, error)
}{
	{"ListHousing", func(ctx context.Context, c assetv1.AssetServiceClient) (int, error) {
		r, err := c.ListHousing(ctx, &assetv1.ListHousingRequest{})
		return len(r.GetHousing()), err
	}},
	{"ListHoldings", func(ctx context.Context, c assetv1.AssetServiceClient) (int, error) {
		r, err := c.ListHoldings(ctx, &assetv1.ListHoldingsRequest{})
		return len(r.GetHoldings()), err
	}},
	{"ListLandParcels", func(ctx context.Context, c assetv1.AssetServiceClient) (int, error) {
		r, err := c.ListLandParcels(ctx, &assetv1.ListLandParcelsRequest{})
		return len(r.GetLandParcels()), err
	}},
	{"ListVehicles", func(ctx context.Context, c assetv1.AssetServiceClient) (int, error) {
		r, err := c.ListVehicles(ctx, &assetv1.ListVehiclesRequest{})
		return len(r.GetVehicles()), err
	}},
}

// wantDenied checks a refusal of the shared policy: its code, reason, the
// policy's ErrorInfo domain and both messages.
func wantDenied(t *testing.T, err error, code codes.Code, reason string) {
	t.Helper()
	if status.Code(err) != code || apierror.ReasonOf(err) != reason {
		t.Fatalf("got %v (reason %q), want %v %s", err, apierror.ReasonOf(err), code, reason)
	}
	if apierror.ErrorInfoOf(err).GetDomain() != auth.Domain || apierror.LocalizedMessageOf(err, apierror.LocaleIndonesian) == "" ||
		apierror.LocalizedMessageOf(err, apierror.LocaleEnglish) == "" {
		t.Fatalf("%v lacks the policy's ErrorInfo domain or localized messages", err)
	}
}

// citizenOf is a citizen who is the third member (a child, owning neither
// the parcel nor the vehicle) of family fam.
func citizenOf(fam int) auth.Claims {
	return authtest.Citizen(registrytest.Family(fam).GetMembers()[2].GetNik())
}

func TestPersonalReadsByRoleAndRegion(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := seedSecurity(t, url)
		for _, p := range []struct {
			who             string
			claims          auth.Claims
			inside, outside []int
			reason          string
		}{
			{"district officer of 32.04", authtest.Officer(auth.RoleDistrictOfficer, "32.04"),
				[]int{0, 1}, []int{2, 3, 4, famUnregistered, famNowhere}, auth.ReasonRegionOutOfScope},
			{"village operator of 32.04.12.2001", authtest.Officer(auth.RoleVillageOperator, "32.04.12.2001"),
				[]int{0}, []int{1, 3, famUnregistered, famNowhere}, auth.ReasonRegionOutOfScope},
			{"field verifier of 32.73", authtest.Officer(auth.RoleFieldVerifier, "32.73"),
				[]int{2}, []int{0, 3, famUnregistered, famNowhere}, auth.ReasonRegionOutOfScope},
			{"provincial officer of 33", authtest.Officer(auth.RoleProvincialOfficer, "33"),
				[]int{3}, []int{0, 2, 4, famUnregistered, famNowhere}, auth.ReasonRegionOutOfScope},
			// A citizen learns nothing of other families, existing or not.
			{"citizen of family 0", citizenOf(0), []int{0}, []int{1, 3, famUnregistered, famNowhere}, auth.ReasonNotOwnFamily},
		} {
			t.Run(p.who, func(t *testing.T) {
				c := e.asset.ClientAs(t, p.claims)
				for _, r := range personalReads {
					for _, fam := range p.inside {
						if err := r.call(ctx(t), c, fam); err != nil {
							t.Fatalf("%s of family %d: %v", r.method, fam, err)
						}
					}
					for _, fam := range p.outside {
						wantDenied(t, r.call(ctx(t), c, fam), codes.PermissionDenied, p.reason)
					}
				}
				for _, l := range lists {
					_, err := l.call(ctx(t), c)
					wantDenied(t, err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
				}
			})
		}

		t.Run("analyst", func(t *testing.T) {
			c := e.asset.ClientAs(t, authtest.Analyst())
			for _, r := range personalReads {
				for _, fam := range []int{0, famNowhere} {
					wantDenied(t, r.call(ctx(t), c, fam), codes.PermissionDenied, auth.ReasonAggregatesOnly)
				}
			}
			for _, l := range lists {
				_, err := l.call(ctx(t), c)
				wantDenied(t, err, codes.PermissionDenied, auth.ReasonAggregatesOnly)
			}
		})

		// Nationwide roles read every family, and records the registry does
		// not know; for them a missing record is plainly NOT_FOUND.
		for _, n := range []struct {
			who    string
			client assetv1.AssetServiceClient
		}{
			{"integration client", e.c},
			{"admin", e.admin},
			{"another agency's integration client", e.asset.ClientAs(t, authtest.Integration("bpjs-kesehatan"))},
		} {
			t.Run(n.who, func(t *testing.T) {
				for _, r := range personalReads {
					for _, fam := range []int{0, 3, 4} {
						if err := r.call(ctx(t), n.client, fam); err != nil {
							t.Fatalf("%s of family %d: %v", r.method, fam, err)
						}
					}
					err := r.call(ctx(t), n.client, famUnregistered)
					if r.method == "GetFamilyAssets" {
						wantStatus(t, err, codes.NotFound, "FAMILY_NOT_REGISTERED")
					} else if err != nil {
						t.Fatalf("%s of the unregistered family: %v", r.method, err)
					}
					wantStatus(t, r.call(ctx(t), n.client, famNowhere), codes.NotFound, r.notFound)
				}
				for _, l := range lists {
					if got, err := l.call(ctx(t), n.client); err != nil || got != 6 {
						t.Fatalf("%s: %d records, %v; want 6", l.method, got, err)
					}
				}
			})
		}

		t.Run("no token", func(t *testing.T) {
			c := e.asset.Anonymous(t)
			for _, r := range personalReads {
				wantDenied(t, r.call(ctx(t), c, 0), codes.Unauthenticated, auth.ReasonTokenMissing)
			}
			for _, l := range lists {
				_, err := l.call(ctx(t), c)
				wantDenied(t, err, codes.Unauthenticated, auth.ReasonTokenMissing)
			}
			_, err := assettest.SendImport(ctx(t), c, assettest.Header(korlantas, "anon"), assettest.Vehicle(demo.Vehicle(1)))
			wantDenied(t, err, codes.Unauthenticated, auth.ReasonTokenMissing)
			wantDenied(t, recvWatch(t, c), codes.Unauthenticated, auth.ReasonTokenMissing)
		})

	})
}

// A region-bound officer gets the same refusal for a parcel or vehicle
// outside their region as for an id that does not exist: the name carries
// no owner, so a missing record is treated as one without a known region.
func TestOwnedRecordRefusalHidesExistence(t *testing.T) {
	e := seedSecurity(t, storagetest.SQLiteURL(t))
	officer := e.asset.ClientAs(t, authtest.Officer(auth.RoleDistrictOfficer, "32.04"))
	citizen := e.asset.ClientAs(t, citizenOf(0))
	for _, name := range []string{"landParcels/" + demo.LandParcel(3).GetCertificateId(), "landParcels/99.1"} {
		_, err := officer.GetLandParcel(ctx(t), &assetv1.GetLandParcelRequest{Name: name})
		wantDenied(t, err, codes.PermissionDenied, auth.ReasonRegionOutOfScope)
		_, err = citizen.GetLandParcel(ctx(t), &assetv1.GetLandParcelRequest{Name: name})
		wantDenied(t, err, codes.PermissionDenied, auth.ReasonNotOwnFamily)
	}
	for _, name := range []string{"vehicles/" + demo.Vehicle(3*demo.VehiclesPerFamily).GetFrameNumber(), "vehicles/NOPE123"} {
		_, err := officer.GetVehicle(ctx(t), &assetv1.GetVehicleRequest{Name: name})
		wantDenied(t, err, codes.PermissionDenied, auth.ReasonRegionOutOfScope)
		_, err = citizen.GetVehicle(ctx(t), &assetv1.GetVehicleRequest{Name: name})
		wantDenied(t, err, codes.PermissionDenied, auth.ReasonNotOwnFamily)
	}
	// Their own family's record that does not exist is just missing.
	_, err := citizen.GetHousing(ctx(t), &assetv1.GetHousingRequest{Name: "families/" + kkOf(0) + "/housing/pln"})
	wantStatus(t, err, codes.NotFound, "HOUSING_NOT_FOUND")
	if len(listAudit(t, e.asset.Audit)) != 0 {
		t.Fatal("refused reads were audited")
	}
}

func TestImportOnlyByOwningAgency(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url, 2)
		nothingWritten := func() {
			t.Helper()
			for _, table := range []string{"vehicles", "vehicle_keys", "import_batches", "outbox_events"} {
				if n := e.asset.Rows(t, table); n != 0 {
					t.Fatalf("a refused import wrote %d rows to %s", n, table)
				}
			}
		}
		recs := []*assetv1.ImportRecordsRequest{assettest.Header(korlantas, "v"), assettest.Vehicle(demo.Vehicle(0)),
			assettest.Vehicle(demo.Vehicle(1))}

		// Another agency's client, and every role that is not an
		// integration client, are refused before anything is written.
		_, err := assettest.SendImport(ctx(t), e.asset.ClientAs(t, authtest.Integration(bps)), recs...)
		wantDenied(t, err, codes.PermissionDenied, auth.ReasonAgencyNotOwner)
		if apierror.ErrorInfoOf(err).GetMetadata()["source_agency"] != korlantas {
			t.Fatalf("refusal does not name the agency: %v", apierror.ErrorInfoOf(err))
		}
		nothingWritten()
		for _, c := range []struct {
			claims auth.Claims
			reason string
		}{
			{authtest.Admin(), auth.ReasonRoleNotAllowed},
			{authtest.Officer(auth.RoleDistrictOfficer, "32.04"), auth.ReasonRoleNotAllowed},
			{citizenOf(0), auth.ReasonRoleNotAllowed},
			// A DTSEN workload imports only as the grievance source.
			{auth.Claims{Subject: "dtsen-scoring", Role: auth.RoleService}, auth.ReasonAgencyNotOwner},
			{authtest.Analyst(), auth.ReasonAggregatesOnly},
		} {
			_, err := assettest.SendImport(ctx(t), e.asset.ClientAs(t, c.claims), recs...)
			wantDenied(t, err, codes.PermissionDenied, c.reason)
		}
		nothingWritten()

		// The owner imports; a record naming another agency is rejected on
		// its own (SOURCE_MISMATCH) and the rest lands.
		owner := e.asset.ClientAs(t, authtest.Integration(korlantas))
		foreign := demo.Vehicle(2)
		foreign.Source = bps
		sum, err := assettest.SendImport(ctx(t), owner, append(recs, assettest.Vehicle(foreign))...)
		if err != nil {
			t.Fatal(err)
		}
		if counts(sum) != [4]int64{3, 2, 0, 1} || !slices.Contains(rejectionsByIndex(sum)[2], "source:SOURCE_MISMATCH") {
			t.Fatalf("owner's import %v", sum)
		}
		if n := e.asset.Rows(t, "vehicles"); n != 2 {
			t.Fatalf("vehicles = %d, want 2", n)
		}
		// Re-sending the owner's batch from another agency does not even
		// show its summary.
		_, err = assettest.SendImport(ctx(t), e.asset.ClientAs(t, authtest.Integration(bps)), recs...)
		wantDenied(t, err, codes.PermissionDenied, auth.ReasonAgencyNotOwner)
		if again, err := assettest.SendImport(ctx(t), owner, recs...); err != nil || !again.GetReplayed() {
			t.Fatalf("owner's replay %v %v", again, err)
		}
	})
}

// recvWatch opens WatchChanges from the start and returns the error of the
// first receive (nil when an event arrived).
func recvWatch(t *testing.T, c assetv1.AssetServiceClient) error {
	t.Helper()
	stream, err := c.WatchChanges(ctx(t), &assetv1.WatchChangesRequest{})
	if err != nil {
		return err
	}
	_, err = stream.Recv()
	return err
}

func TestWatchChangesOnlyForWorkloadsAndAdmins(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url, 1)
		assettest.Import(t, e.c, korlantas, "w", assettest.Vehicle(demo.Vehicle(0)))
		for _, c := range []auth.Claims{authtest.Admin(), {Subject: "dtsen-scoring", Role: auth.RoleService}} {
			if err := recvWatch(t, e.asset.ClientAs(t, c)); err != nil {
				t.Fatalf("%s: %v", c.Role, err)
			}
		}
		for _, c := range []struct {
			claims auth.Claims
			reason string
		}{
			{authtest.Integration(korlantas), auth.ReasonRoleNotAllowed},
			{authtest.Officer(auth.RoleProvincialOfficer, "32"), auth.ReasonRoleNotAllowed},
			{authtest.Officer(auth.RoleVillageOperator, "32.04.12.2001"), auth.ReasonRoleNotAllowed},
			{citizenOf(0), auth.ReasonRoleNotAllowed},
			{authtest.Analyst(), auth.ReasonAggregatesOnly},
		} {
			wantDenied(t, recvWatch(t, e.asset.ClientAs(t, c.claims)), codes.PermissionDenied, c.reason)
		}
	})
}

// auditKey is what an audit event must say about one read.
type auditKey struct{ method, record, subject, role, region, purpose string }

func listAudit(t *testing.T, log *audit.Log) []audit.Event {
	t.Helper()
	evs, err := log.List(ctx(t), audit.Query{Limit: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestAuditRecordsEveryPersonalRead(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := seedSecurity(t, url)
		// A second vehicle of family 0, owned by the spouse, so the family
		// summary shows records of more than one member.
		assettest.Import(t, e.c, korlantas, "sec-more", assettest.Vehicle(demo.Vehicle(1)))
		if n := len(listAudit(t, e.asset.Audit)); n != 0 {
			t.Fatalf("imports left %d audit events", n)
		}

		// Refused reads, of every kind, leave no event.
		officer := e.asset.ClientAs(t, authtest.Officer(auth.RoleDistrictOfficer, "32.04"))
		citizen := e.asset.ClientAs(t, citizenOf(0))
		analyst := e.asset.ClientAs(t, authtest.Analyst())
		for _, r := range personalReads {
			for _, c := range []struct {
				client assetv1.AssetServiceClient
				fam    int
			}{{officer, 3}, {officer, famNowhere}, {citizen, 1}, {citizen, famNowhere}, {analyst, 0}} {
				if err := r.call(ctx(t), c.client, c.fam); status.Code(err) != codes.PermissionDenied {
					t.Fatalf("%s of family %d: %v, want a refusal", r.method, c.fam, err)
				}
			}
		}
		for _, l := range lists {
			if _, err := l.call(ctx(t), officer); status.Code(err) != codes.PermissionDenied {
				t.Fatalf("%s by an officer: %v", l.method, err)
			}
		}
		if evs := listAudit(t, e.asset.Audit); len(evs) != 0 {
			t.Fatalf("refused reads left %d audit events, first %+v", len(evs), evs[0])
		}

		// Each personal-data read once: the officer reads family 0, the
		// integration client lists everything.
		for _, r := range personalReads {
			if err := r.call(ctx(t), officer, 0); err != nil {
				t.Fatalf("%s: %v", r.method, err)
			}
		}
		for _, l := range lists {
			if _, err := l.call(ctx(t), e.c); err != nil {
				t.Fatalf("%s: %v", l.method, err)
			}
		}

		want := map[auditKey]int{}
		officerRead := func(method string, records ...string) {
			for _, rec := range records {
				want[auditKey{"/dtsen.asset.v1.AssetService/" + method, rec, "district_officer-32.04", "district_officer", "32.04", "case_work"}]++
			}
		}
		kk := kkOf(0)
		housing, holdings := "families/"+kk+"/housing/bps", "families/"+kk+"/holdings/bps"
		land := "landParcels/" + demo.LandParcel(0).GetCertificateId()
		v0, v1 := "vehicles/"+demo.Vehicle(0).GetFrameNumber(), "vehicles/"+demo.Vehicle(1).GetFrameNumber()
		officerRead("GetHousing", housing)
		officerRead("GetHoldings", holdings)
		officerRead("GetLandParcel", land)
		officerRead("GetVehicle", v0)
		officerRead("GetFamilyAssets", "families/"+kk+"/assets", housing, holdings, land, v0, v1)

		listed := func(method string, records ...string) {
			for _, rec := range records {
				want[auditKey{"/dtsen.asset.v1.AssetService/" + method, rec, "client-" + bps, "integration_client", "", "verification"}]++
			}
		}
		for _, f := range []int{0, 1, 2, 3, 4, famUnregistered} {
			listed("ListHousing", "families/"+kkOf(f)+"/housing/bps")
			listed("ListHoldings", "families/"+kkOf(f)+"/holdings/bps")
			listed("ListLandParcels", "landParcels/"+demo.LandParcel(f).GetCertificateId())
			listed("ListVehicles", "vehicles/"+demo.Vehicle(f*demo.VehiclesPerFamily).GetFrameNumber())
		}
		listed("ListVehicles", v1)

		got := map[auditKey]int{}
		requests := map[string]string{} // request id -> method
		for _, ev := range listAudit(t, e.asset.Audit) {
			got[auditKey{ev.Method, ev.Record, ev.Subject, ev.Role, ev.Region, ev.Purpose}]++
			if ev.RequestID == "" || ev.Time.IsZero() {
				t.Fatalf("event without request id or time: %+v", ev)
			}
			if m, ok := requests[ev.RequestID]; ok && m != ev.Method {
				t.Fatalf("request %s audited under %s and %s", ev.RequestID, m, ev.Method)
			}
			requests[ev.RequestID] = ev.Method
		}
		if len(requests) != len(personalReads)+len(lists) {
			t.Errorf("events of %d requests, want %d", len(requests), len(personalReads)+len(lists))
		}
		for k, n := range want {
			if got[k] != n {
				t.Errorf("%+v: %d events, want %d", k, got[k], n)
			}
		}
		for k, n := range got {
			if want[k] == 0 {
				t.Errorf("unexpected event %+v (%d)", k, n)
			}
		}

		// The purpose the caller declares is the one recorded.
		agency := e.asset.ClientAs(t, authtest.Integration(bps))
		pctx := metadataPurpose(ctx(t), "data_submission")
		if _, err := agency.GetVehicle(pctx, &assetv1.GetVehicleRequest{Name: v0}); err != nil {
			t.Fatal(err)
		}
		evs, err := e.asset.Audit.List(ctx(t), audit.Query{Record: v0, Method: "/dtsen.asset.v1.AssetService/GetVehicle", Purpose: "data_submission", Limit: 10})
		if err != nil || len(evs) != 1 {
			t.Fatalf("declared purpose: %v %v", evs, err)
		}
	})
}

// A read that cannot be audited is refused and returns no data.
func TestReadFailsWhenAuditCannotBeWritten(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := seedSecurity(t, url)
		if _, err := e.asset.DB.SQL().ExecContext(context.Background(), "DROP TABLE audit_events"); err != nil {
			t.Fatal(err)
		}
		for _, r := range personalReads {
			err := r.call(ctx(t), e.c, 0)
			wantDenied(t, err, codes.Unavailable, audit.ReasonUnavailable)
		}
		for _, l := range lists {
			n, err := l.call(ctx(t), e.c)
			wantDenied(t, err, codes.Unavailable, audit.ReasonUnavailable)
			if n != 0 {
				t.Fatalf("%s returned %d records unaudited", l.method, n)
			}
		}
		// A read that returns nothing has nothing to audit.
		resp, err := e.c.ListVehicles(ctx(t), &assetv1.ListVehiclesRequest{Filter: fmt.Sprintf("owner_nik = %q", registrytest.Family(9).GetHeadNik())})
		if err != nil || len(resp.GetVehicles()) != 0 {
			t.Fatalf("empty page: %v %v", resp, err)
		}
		// Imports write no audit event and still work.
		if sum := assettest.Import(t, e.c, korlantas, "after", assettest.Vehicle(demo.Vehicle(2))); sum.GetAcceptedCount() != 1 {
			t.Fatalf("import %v", sum)
		}
	})
}

// metadataPurpose declares the purpose of the calls made with ctx.
func metadataPurpose(ctx context.Context, purpose string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, auth.PurposeHeader, purpose)
}
