package ports_test

import (
	"context"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/audit"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/privacy"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
)

// The seeded fixture families (registrytest.Seed(t, c, 5)) live in
//
//	0: 32.04.12.2001  1: 32.04.12.2002  2: 32.73.01.1001  3: 33.01.01.2003  4: 11.01.01.2001
//
// so every region-bound role has a family inside its region and one outside.

// serviceClaims is a DTSEN workload acting as itself.
var serviceClaims = auth.Claims{Subject: "dtsen-grievance", Role: auth.RoleService}

const (
	methodGetPerson    = "/dtsen.registry.v1.RegistryService/GetPerson"
	methodGetFamily    = "/dtsen.registry.v1.RegistryService/GetFamily"
	methodListFamilies = "/dtsen.registry.v1.RegistryService/ListFamilies"
	methodLookup       = "/dtsen.registry.v1.RegistryService/LookupIdentities"
)

// auditMark is the id of the newest audit event (0 when there is none), so
// a test can see exactly the events a call added.
func auditMark(t *testing.T, reg *registrytest.Registry) int64 {
	t.Helper()
	evs, err := reg.Audit.List(context.Background(), audit.Query{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 {
		return 0
	}
	return evs[0].ID
}

// auditSince returns the events written after mark, oldest first.
func auditSince(t *testing.T, reg *registrytest.Registry, mark int64) []audit.Event {
	t.Helper()
	evs, err := reg.Audit.List(context.Background(), audit.Query{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Event
	for _, e := range evs {
		if e.ID > mark {
			out = append(out, e)
		}
	}
	slices.Reverse(out)
	return out
}

// wantAudit asserts that the events after mark are exactly one per record,
// each naming the caller c, its role, purpose and the method.
func wantAudit(t *testing.T, reg *registrytest.Registry, mark int64, c auth.Claims, purpose, method string, records ...string) {
	t.Helper()
	evs := auditSince(t, reg, mark)
	got := make([]string, len(evs))
	for i, e := range evs {
		got[i] = e.Record
		if e.Subject != c.Subject || e.Role != string(c.Role) || e.Region != c.Region || e.Purpose != purpose ||
			e.Method != method || e.RequestID == "" {
			t.Errorf("event %+v: want subject %s, role %s, region %q, purpose %s, method %s, a request id",
				e, c.Subject, c.Role, c.Region, purpose, method)
		}
	}
	slices.Sort(got)
	want := slices.Clone(records)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("audited %v, want %v", got, want)
	}
}

func wantNoAudit(t *testing.T, reg *registrytest.Registry, mark int64) {
	t.Helper()
	if evs := auditSince(t, reg, mark); len(evs) != 0 {
		t.Fatalf("unexpected audit events: %+v", evs)
	}
}

func getFamilyAs(t *testing.T, c registryv1.RegistryServiceClient, kk string) (*registryv1.Family, error) {
	t.Helper()
	return c.GetFamily(ctx(t), &registryv1.GetFamilyRequest{Name: "families/" + kk})
}

func getPersonAs(t *testing.T, c registryv1.RegistryServiceClient, nik string) (*registryv1.Person, error) {
	t.Helper()
	return c.GetPerson(ctx(t), &registryv1.GetPersonRequest{Name: "persons/" + nik})
}

// Every role reads a family and a member of it, inside and outside its
// scope; a served read leaves exactly its events, a refused one none.
func TestReadAccessByRole(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		reg := registrytest.Start(t, url, registrytest.Options{})
		fams := registrytest.Seed(t, reg.Client, 5)
		citizen := fams[0].Members[2] // a child of family 0
		ghost := registrytest.Family(500)

		type access struct {
			fam    *registryv1.Family
			code   codes.Code // OK: served
			reason string
		}
		cases := []struct {
			name   string
			claims auth.Claims
			reads  []access
		}{
			{"district officer", authtest.Officer(auth.RoleDistrictOfficer, "32.04"), []access{
				{fams[0], codes.OK, ""}, {fams[1], codes.OK, ""},
				{fams[3], codes.PermissionDenied, auth.ReasonRegionOutOfScope}, {fams[2], codes.PermissionDenied, auth.ReasonRegionOutOfScope}}},
			{"village operator", authtest.Officer(auth.RoleVillageOperator, "32.04.12.2001"), []access{
				{fams[0], codes.OK, ""},
				{fams[1], codes.PermissionDenied, auth.ReasonRegionOutOfScope}}}, // the next village of the same district
			{"field verifier", authtest.Officer(auth.RoleFieldVerifier, "32.04.12"), []access{
				{fams[1], codes.OK, ""},
				{fams[2], codes.PermissionDenied, auth.ReasonRegionOutOfScope}}},
			{"provincial officer", authtest.Officer(auth.RoleProvincialOfficer, "32"), []access{
				{fams[2], codes.OK, ""},
				{fams[3], codes.PermissionDenied, auth.ReasonRegionOutOfScope}}},
			{"citizen", authtest.Citizen(citizen.GetNik()), []access{
				{fams[0], codes.OK, ""},
				{fams[1], codes.PermissionDenied, auth.ReasonNotOwnFamily},
				{ghost, codes.PermissionDenied, auth.ReasonNotOwnFamily}}}, // a missing family looks like another's
			{"analyst", authtest.Analyst(), []access{
				{fams[0], codes.PermissionDenied, auth.ReasonAggregatesOnly},
				{ghost, codes.PermissionDenied, auth.ReasonAggregatesOnly}}},
			{"admin", authtest.Admin(), []access{{fams[3], codes.OK, ""}, {fams[4], codes.OK, ""},
				{ghost, codes.NotFound, "FAMILY_NOT_FOUND"}}},
			{"another agency's client", authtest.Integration("bpjs-kesehatan"), []access{{fams[4], codes.OK, ""}}},
			{"service", serviceClaims, []access{{fams[2], codes.OK, ""}}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := reg.ClientAs(t, tc.claims)
				for _, a := range tc.reads {
					kk, nik := a.fam.GetKkNumber(), a.fam.GetMembers()[1].GetNik()
					purpose := purposeOf(tc.claims)
					if a.code == codes.OK {
						shownKK, shownNIK := kk, nik
						if tc.claims.Role == auth.RoleProvincialOfficer { // oversight sees identities masked
							shownKK, shownNIK = privacy.MaskNIK(kk), privacy.MaskNIK(nik)
						}
						mark := auditMark(t, reg)
						if f, err := getFamilyAs(t, c, kk); err != nil || f.GetKkNumber() != shownKK {
							t.Fatalf("family in %s: %v", a.fam.GetRegionCode(), err)
						}
						wantAudit(t, reg, mark, tc.claims, purpose, methodGetFamily, "families/"+kk)
						mark = auditMark(t, reg)
						if p, err := getPersonAs(t, c, nik); err != nil || p.GetNik() != shownNIK {
							t.Fatalf("person in %s: %v", a.fam.GetRegionCode(), err)
						}
						wantAudit(t, reg, mark, tc.claims, purpose, methodGetPerson, "persons/"+nik)
						continue
					}
					mark := auditMark(t, reg)
					_, ferr := getFamilyAs(t, c, kk)
					_, perr := getPersonAs(t, c, nik)
					personReason := a.reason
					if a.reason == "FAMILY_NOT_FOUND" {
						personReason = "PERSON_NOT_FOUND"
					}
					wantStatus(t, ferr, a.code, a.reason)
					wantStatus(t, perr, a.code, personReason)
					wantNoAudit(t, reg, mark)
				}
			})
		}

		t.Run("no token", func(t *testing.T) {
			c := reg.Anonymous(t)
			mark := auditMark(t, reg)
			_, ferr := getFamilyAs(t, c, fams[0].GetKkNumber())
			_, perr := getPersonAs(t, c, fams[0].GetHeadNik())
			_, lerr := c.ListFamilies(ctx(t), &registryv1.ListFamiliesRequest{})
			_, ierr := c.LookupIdentities(ctx(t), &registryv1.LookupIdentitiesRequest{Niks: []string{fams[0].GetHeadNik()}})
			_, verr := c.ListProvinces(ctx(t), &registryv1.ListProvincesRequest{})
			for _, err := range []error{ferr, perr, lerr, ierr, verr} {
				if status.Code(err) != codes.Unauthenticated {
					t.Fatalf("without a token: %v", err)
				}
			}
			wantNoAudit(t, reg, mark)
		})

		t.Run("analyst on every personal read", func(t *testing.T) {
			c := reg.ClientAs(t, authtest.Analyst())
			mark := auditMark(t, reg)
			_, lerr := c.ListFamilies(ctx(t), &registryv1.ListFamiliesRequest{})
			_, ierr := c.LookupIdentities(ctx(t), &registryv1.LookupIdentitiesRequest{Niks: []string{fams[0].GetHeadNik()}})
			wantStatus(t, lerr, codes.PermissionDenied, auth.ReasonAggregatesOnly)
			wantStatus(t, ierr, codes.PermissionDenied, auth.ReasonAggregatesOnly)
			wantNoAudit(t, reg, mark)
		})

		t.Run("citizen asking for a nonexistent person", func(t *testing.T) {
			c := reg.ClientAs(t, authtest.Citizen(citizen.GetNik()))
			_, err := getPersonAs(t, c, ghost.GetHeadNik())
			wantStatus(t, err, codes.PermissionDenied, auth.ReasonNotOwnFamily)
		})
	})
}

// Provinces are reference data: any authenticated caller, no audit event.
func TestListProvincesAnyRole(t *testing.T) {
	reg := registrytest.Start(t, storagetest.SQLiteURL(t), registrytest.Options{})
	mark := auditMark(t, reg)
	for _, c := range []auth.Claims{authtest.Citizen(registrytest.Family(0).GetHeadNik()), authtest.Analyst(),
		authtest.Officer(auth.RoleVillageOperator, "32.04.12.2001")} {
		if resp, err := reg.ClientAs(t, c).ListProvinces(ctx(t), &registryv1.ListProvincesRequest{}); err != nil || len(resp.GetProvinces()) != 38 {
			t.Fatalf("%s: %v", c.Role, err)
		}
	}
	wantNoAudit(t, reg, mark)
}

// An unaudited read of personal data is refused, and returns nothing.
func TestReadFailsWhenAuditFails(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		reg := registrytest.Start(t, url, registrytest.Options{})
		fam := registrytest.Seed(t, reg.Client, 1)[0]
		if _, err := reg.DB.SQL().ExecContext(context.Background(), "DROP TABLE audit_events"); err != nil {
			t.Fatal(err)
		}
		c := reg.ClientAs(t, authtest.Admin())
		f, ferr := getFamilyAs(t, c, fam.GetKkNumber())
		p, perr := getPersonAs(t, c, fam.GetHeadNik())
		l, lerr := c.ListFamilies(ctx(t), &registryv1.ListFamiliesRequest{})
		i, ierr := c.LookupIdentities(ctx(t), &registryv1.LookupIdentitiesRequest{Niks: []string{fam.GetHeadNik()}})
		for _, err := range []error{ferr, perr, lerr, ierr} {
			wantStatus(t, err, codes.Unavailable, audit.ReasonUnavailable)
		}
		if f != nil || p != nil || l != nil || i != nil {
			t.Fatal("a read whose audit failed returned data")
		}
	})
}

func listKKs(t *testing.T, c registryv1.RegistryServiceClient, filter string, pageSize int32) ([]string, error) {
	t.Helper()
	var kks []string
	token := ""
	for {
		resp, err := c.ListFamilies(ctx(t), &registryv1.ListFamiliesRequest{Filter: filter, PageSize: pageSize, PageToken: token})
		if err != nil {
			return nil, err
		}
		for _, f := range resp.GetFamilies() {
			kks = append(kks, f.GetKkNumber())
		}
		if token = resp.GetNextPageToken(); token == "" {
			return kks, nil
		}
	}
}

func kksOf(fams ...*registryv1.Family) []string {
	out := make([]string, len(fams))
	for i, f := range fams {
		out[i] = f.GetKkNumber()
	}
	return out
}

func familyRecords(kks []string) []string {
	out := make([]string, len(kks))
	for i, kk := range kks {
		out[i] = "families/" + kk
	}
	return out
}

func TestListFamiliesRegionScope(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		reg := registrytest.Start(t, url, registrytest.Options{})
		fams := registrytest.Seed(t, reg.Client, 5)
		district := authtest.Officer(auth.RoleDistrictOfficer, "32.04")
		cases := []struct {
			name   string
			claims auth.Claims
			filter string
			want   []string // nil: refused with reason
			reason string
		}{
			{"officer without a filter is confined to their region", district, "", kksOf(fams[0], fams[1]), ""},
			{"officer filtering inside their region", district, `region = "32.04.12.2002"`, kksOf(fams[1]), ""},
			{"officer filtering their own region", district, `region = "32.04"`, kksOf(fams[0], fams[1]), ""},
			{"officer filtering another region", district, `region = "33.01"`, nil, auth.ReasonRegionOutOfScope},
			{"officer filtering a region that holds theirs", district, `region = "32"`, nil, auth.ReasonRegionOutOfScope},
			{"provincial officer", authtest.Officer(auth.RoleProvincialOfficer, "32"), "", kksOf(fams[0], fams[1], fams[2]), ""},
			{"village operator", authtest.Officer(auth.RoleVillageOperator, "32.04.12.2001"), "", kksOf(fams[0]), ""},
			{"field verifier outside", authtest.Officer(auth.RoleFieldVerifier, "32.04.12"), `region = "32.73"`, nil, auth.ReasonRegionOutOfScope},
			{"admin sees every region", authtest.Admin(), "", kksOf(fams[4], fams[0], fams[1], fams[2], fams[3]), ""},
			{"integration client filters freely", authtest.Integration("bpjs-kesehatan"), `region = "33"`, kksOf(fams[3]), ""},
			{"citizen", authtest.Citizen(fams[0].GetHeadNik()), "", nil, auth.ReasonRoleNotAllowed},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				mark := auditMark(t, reg)
				// Page size 1 walks every page, so the page token stays
				// bound to the region the caller is confined to.
				got, err := listKKs(t, reg.ClientAs(t, tc.claims), tc.filter, 1)
				if tc.want == nil {
					wantStatus(t, err, codes.PermissionDenied, tc.reason)
					wantNoAudit(t, reg, mark)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				want := tc.want
				if tc.claims.Role == auth.RoleProvincialOfficer { // oversight sees numbers masked
					want = nil
					for _, kk := range tc.want {
						want = append(want, privacy.MaskNIK(kk))
					}
				}
				if !slices.Equal(got, want) {
					t.Fatalf("listed %v, want %v", got, want)
				}
				wantAudit(t, reg, mark, tc.claims, purposeOf(tc.claims), methodListFamilies, familyRecords(tc.want)...)
			})
		}
	})
}

// purposeOf is the purpose audited for a request that declares none: an
// integration client's first declared purpose, the role's default otherwise.
func purposeOf(c auth.Claims) string {
	if c.Role == auth.RoleIntegrationClient {
		return c.Purposes[0]
	}
	return auth.DefaultPurpose(c.Role)
}

// writeCalls are one valid call of every write method on fams (seeded 0..1).
func writeCalls(fams []*registryv1.Family) map[string]func(context.Context, registryv1.RegistryServiceClient) error {
	fam, other := fams[0], fams[1]
	return map[string]func(context.Context, registryv1.RegistryServiceClient) error{
		"UpdateFamily": func(ctx context.Context, c registryv1.RegistryServiceClient) error {
			_, err := c.UpdateFamily(ctx, &registryv1.UpdateFamilyRequest{Family: &registryv1.Family{Name: familyName(fam),
				Settlement: registryv1.Settlement_SETTLEMENT_URBAN}, UpdateMask: mask("settlement")})
			return err
		},
		"UpdatePerson": func(ctx context.Context, c registryv1.RegistryServiceClient) error {
			_, err := c.UpdatePerson(ctx, &registryv1.UpdatePersonRequest{Person: &registryv1.Person{Name: personName(fam.Members[1]),
				FullName: "Siti Rahayu"}, UpdateMask: mask("full_name")})
			return err
		},
		"RecordDeath": func(ctx context.Context, c registryv1.RegistryServiceClient) error {
			_, err := c.RecordDeath(ctx, &registryv1.RecordDeathRequest{Name: personName(fam.Members[1]), DeathDate: "2025-01-02"})
			return err
		},
		"MovePerson": func(ctx context.Context, c registryv1.RegistryServiceClient) error {
			_, err := c.MovePerson(ctx, &registryv1.MovePersonRequest{Name: personName(fam.Members[3]), TargetFamily: familyName(other),
				RelationToHead: registryv1.FamilyRelation_FAMILY_RELATION_OTHER_RELATIVE})
			return err
		},
		"SplitFamily": func(ctx context.Context, c registryv1.RegistryServiceClient) error {
			daughter := fam.Members[2]
			_, err := c.SplitFamily(ctx, &registryv1.SplitFamilyRequest{Name: familyName(fam), NewKkNumber: "3204120900000001",
				MemberNiks: []string{daughter.GetNik()}, NewHeadNik: daughter.GetNik(),
				NewAddress:    &registryv1.Address{Street: "Jl. Melati 3", Rt: "001", Rw: "002"},
				NewRegionCode: "32.04.12.2002", NewSettlement: registryv1.Settlement_SETTLEMENT_URBAN})
			return err
		},
	}
}

// Only Dukcapil's integration client and DTSEN workloads change the
// registry; a refused write changes nothing.
func TestWritesOnlyByDukcapil(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		reg := registrytest.Start(t, url, registrytest.Options{})
		fams := registrytest.Seed(t, reg.Client, 2)
		refused := []struct {
			name   string
			claims auth.Claims
			code   codes.Code
			reason string
		}{
			{"another agency's client", authtest.Integration("bpjs-kesehatan"), codes.PermissionDenied, auth.ReasonAgencyNotOwner},
			{"district officer", authtest.Officer(auth.RoleDistrictOfficer, "32.04"), codes.PermissionDenied, auth.ReasonRoleNotAllowed},
			{"provincial officer", authtest.Officer(auth.RoleProvincialOfficer, "32"), codes.PermissionDenied, auth.ReasonRoleNotAllowed},
			{"citizen of the family", authtest.Citizen(fams[0].GetHeadNik()), codes.PermissionDenied, auth.ReasonRoleNotAllowed},
			{"admin", authtest.Admin(), codes.PermissionDenied, auth.ReasonRoleNotAllowed},
			{"analyst", authtest.Analyst(), codes.PermissionDenied, auth.ReasonAggregatesOnly},
		}
		before := []*registryv1.Family{getFamily(t, reg.Client, fams[0].GetKkNumber()), getFamily(t, reg.Client, fams[1].GetKkNumber())}
		head, rows := reg.FeedHead(t), reg.FamilyRows(t)
		for _, tc := range refused {
			c := reg.ClientAs(t, tc.claims)
			for method, call := range writeCalls(fams) {
				err := call(ctx(t), c)
				if status.Code(err) != tc.code || (tc.reason != "" && apierror.ReasonOf(err) != tc.reason) {
					t.Errorf("%s %s: %v, want %v %s", tc.name, method, err, tc.code, tc.reason)
				}
			}
		}
		if err := call(t, reg.Anonymous(t), writeCalls(fams)["UpdateFamily"]); status.Code(err) != codes.Unauthenticated {
			t.Errorf("without a token: %v", err)
		}
		for i, f := range before {
			if now := getFamily(t, reg.Client, f.GetKkNumber()); now.GetEtag() != f.GetEtag() || len(now.GetMembers()) != len(f.GetMembers()) {
				t.Fatalf("family %d changed by refused writes: %v", i, now)
			}
		}
		if reg.FeedHead(t) != head || reg.FamilyRows(t) != rows {
			t.Fatal("refused writes left change events or families")
		}

		// Dukcapil's client, and a workload applying an approved correction.
		calls := writeCalls(fams)
		for _, method := range []string{"UpdateFamily", "UpdatePerson", "MovePerson"} {
			if err := call(t, reg.Client, calls[method]); err != nil {
				t.Fatalf("dukcapil %s: %v", method, err)
			}
		}
		for _, method := range []string{"SplitFamily", "RecordDeath"} {
			if err := call(t, reg.ClientAs(t, serviceClaims), calls[method]); err != nil {
				t.Fatalf("service %s: %v", method, err)
			}
		}
		// A client submitting for several agencies, Dukcapil among them.
		if err := call(t, reg.ClientAs(t, authtest.Integration("bpjs-kesehatan", "dukcapil")), calls["UpdateFamily"]); err != nil {
			t.Fatalf("multi-agency client: %v", err)
		}
	})
}

func call(t *testing.T, c registryv1.RegistryServiceClient, fn func(context.Context, registryv1.RegistryServiceClient) error) error {
	t.Helper()
	return fn(ctx(t), c)
}

// Only the owning agency's client imports; a refused import reads no record
// and writes nothing, not even a batch row.
func TestImportOnlyByDukcapil(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		reg := registrytest.Start(t, url, registrytest.Options{})
		fams := registrytest.Families(0, 3)
		msgs := []*registryv1.ImportRecordsRequest{registrytest.Header("refused")}
		for _, f := range fams {
			msgs = append(msgs, registrytest.Record(f))
		}
		refused := []struct {
			name   string
			claims auth.Claims
			reason string
		}{
			{"another agency's client", authtest.Integration("bps"), auth.ReasonAgencyNotOwner},
			{"admin", authtest.Admin(), auth.ReasonRoleNotAllowed},
			// A DTSEN workload imports only as the grievance source; it
			// changes the registry through UpdateFamily and UpdatePerson.
			{"service", serviceClaims, auth.ReasonAgencyNotOwner},
			{"district officer", authtest.Officer(auth.RoleDistrictOfficer, "32.04"), auth.ReasonRoleNotAllowed},
			{"citizen", authtest.Citizen(fams[0].GetHeadNik()), auth.ReasonRoleNotAllowed},
		}
		for _, tc := range refused {
			_, err := registrytest.SendImport(ctx(t), reg.ClientAs(t, tc.claims), msgs...)
			wantStatus(t, err, codes.PermissionDenied, tc.reason)
		}
		_, err := registrytest.SendImport(ctx(t), reg.Anonymous(t), msgs...)
		if status.Code(err) != codes.Unauthenticated {
			t.Fatalf("without a token: %v", err)
		}
		var batches int
		if err := reg.DB.QueryRowContext(context.Background(), "SELECT count(*) FROM import_batches").Scan(&batches); err != nil {
			t.Fatal(err)
		}
		if n := reg.FamilyRows(t); n != 0 || batches != 0 || reg.FeedHead(t) != 0 {
			t.Fatalf("refused imports left %d families, %d batches, feed head %d", n, batches, reg.FeedHead(t))
		}

		// Dukcapil's client, under its submission purpose.
		sub := metadata.AppendToOutgoingContext(ctx(t), auth.PurposeHeader, "data_submission")
		sum, err := registrytest.SendImport(sub, reg.Client, msgs...)
		if err != nil || sum.GetAcceptedCount() != 3 {
			t.Fatalf("dukcapil import: %v, %v", sum, err)
		}
		if n := reg.FamilyRows(t); n != 3 {
			t.Fatalf("%d families after the import", n)
		}
	})
}

func TestWatchChangesRoles(t *testing.T) {
	reg := registrytest.Start(t, storagetest.SQLiteURL(t), registrytest.Options{})
	registrytest.Seed(t, reg.Client, 2)
	mark := auditMark(t, reg)
	for name, c := range map[string]registryv1.RegistryServiceClient{
		"admin":   reg.ClientAs(t, authtest.Admin()),
		"service": registryv1.NewRegistryServiceClient(reg.ServiceConn(t, "scoring")),
	} {
		if evs := registrytest.Watch(t, c, 0, 2); len(evs) != 2 {
			t.Fatalf("%s: %d events", name, len(evs))
		}
	}
	wantNoAudit(t, reg, mark) // resource names only: not a personal-data read

	for _, tc := range []struct {
		name   string
		c      registryv1.RegistryServiceClient
		code   codes.Code
		reason string
	}{
		{"dukcapil's client", reg.Client, codes.PermissionDenied, auth.ReasonRoleNotAllowed},
		{"district officer", reg.ClientAs(t, authtest.Officer(auth.RoleDistrictOfficer, "32.04")), codes.PermissionDenied, auth.ReasonRoleNotAllowed},
		{"citizen", reg.ClientAs(t, authtest.Citizen(registrytest.Family(0).GetHeadNik())), codes.PermissionDenied, auth.ReasonRoleNotAllowed},
		{"analyst", reg.ClientAs(t, authtest.Analyst()), codes.PermissionDenied, auth.ReasonAggregatesOnly},
		{"no token", reg.Anonymous(t), codes.Unauthenticated, ""},
	} {
		stream, err := tc.c.WatchChanges(ctx(t), &registryv1.WatchChangesRequest{})
		if err == nil {
			_, err = stream.Recv()
		}
		if status.Code(err) != tc.code || (tc.reason != "" && apierror.ReasonOf(err) != tc.reason) {
			t.Errorf("%s: %v, want %v %s", tc.name, err, tc.code, tc.reason)
		}
	}
}

// LookupIdentities tells the source contexts where each family lives, and
// audits each key asked, except for DTSEN workloads' import-time checks.
func TestLookupIdentitiesRegionsAndAudit(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		reg := registrytest.Start(t, url, registrytest.Options{})
		fams := registrytest.Seed(t, reg.Client, 4)
		ghost := registrytest.Family(500)
		req := &registryv1.LookupIdentitiesRequest{
			Niks:      []string{fams[3].Members[2].GetNik(), ghost.GetHeadNik()},
			KkNumbers: []string{fams[1].GetKkNumber(), ghost.GetKkNumber()},
		}
		records := []string{"persons/" + req.Niks[0], "persons/" + req.Niks[1], "families/" + req.KkNumbers[0], "families/" + req.KkNumbers[1]}

		mark := auditMark(t, reg)
		resp, err := reg.Client.LookupIdentities(ctx(t), req)
		if err != nil {
			t.Fatal(err)
		}
		p, unknown := resp.GetPersons()[0], resp.GetPersons()[1]
		if !p.GetRegistered() || p.GetFamily() != familyName(fams[3]) || p.GetRegionCode() != "33.01.01.2003" {
			t.Fatalf("person identity %v", p)
		}
		if unknown.GetRegistered() || unknown.GetRegionCode() != "" {
			t.Fatalf("unregistered person %v", unknown)
		}
		f, none := resp.GetFamilies()[0], resp.GetFamilies()[1]
		if !f.GetRegistered() || f.GetRegionCode() != "32.04.12.2002" || none.GetRegistered() || none.GetRegionCode() != "" {
			t.Fatalf("family identities %v", resp.GetFamilies())
		}
		// Every key asked, registered or not: the answer says whether it is.
		dukcapil := authtest.Integration(registrytest.Source)
		wantAudit(t, reg, mark, dukcapil, purposeOf(dukcapil), methodLookup, records...)

		admin := authtest.Admin()
		mark = auditMark(t, reg)
		if _, err := reg.ClientAs(t, admin).LookupIdentities(ctx(t), req); err != nil {
			t.Fatal(err)
		}
		wantAudit(t, reg, mark, admin, purposeOf(admin), methodLookup, records...)

		// A source context's import-time check, as the workload itself.
		mark = auditMark(t, reg)
		svc := registryv1.NewRegistryServiceClient(reg.ServiceConn(t, "asset"))
		if resp, err := svc.LookupIdentities(ctx(t), req); err != nil || resp.GetPersons()[0].GetRegionCode() != "33.01.01.2003" {
			t.Fatalf("service lookup: %v, %v", resp, err)
		}
		wantNoAudit(t, reg, mark)
	})
}
