package ports_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	auditv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/audit/v1"
	suv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/audit"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
	"github.com/dtsen-id/dtsen/services/serviceusage/demo"
	"github.com/dtsen-id/dtsen/services/serviceusage/serviceusagetest"
)

// Fixture families (registry/demo regions): inside lies in 32.04.12.2001,
// neighbour in 32.04.12.2002, outside in 33.01.01.2003; unknown is in
// neither the registry nor this service.
const (
	inside    = 0
	neighbour = 1
	outside   = 3
	unknown   = 9
)

// wantDenied checks a refusal by the shared policy (auth domain).
func wantDenied(t *testing.T, err error, code codes.Code, reason string) {
	t.Helper()
	if status.Code(err) != code || apierror.ReasonOf(err) != reason || apierror.ErrorInfoOf(err).GetDomain() != auth.Domain {
		t.Fatalf("got %v (reason %q, domain %q), want %v %s in %s", err, apierror.ReasonOf(err),
			apierror.ErrorInfoOf(err).GetDomain(), code, reason, auth.Domain)
	}
}

func kkOf(i int) string      { return registrytest.Family(i).GetKkNumber() }
func nikOf(i, m int) string  { return registrytest.Family(i).Members[m].GetNik() }
func summaryOf(i int) string { return "families/" + kkOf(i) + "/serviceUsage" }
func enrolmentYear(now time.Time) string {
	y := demo.Enrolment(0, 0, now).SchoolYear
	return y[:4] + "-" + y[5:]
}

// personProgramme is a PBI JK premium paid for member 1 of family i.
func personProgramme(i int) *suv1.ProgrammeParticipation {
	p := demo.ProgrammeParticipation(i)
	p.Nik, p.Programme = nikOf(i, 1), suv1.SocialProgramme_SOCIAL_PROGRAMME_PBI_JK
	return p
}

// accessEnv registers families 0-3 and stores every demo record of inside
// and outside, with a person-level programme record each.
func accessEnv(t *testing.T, url string) *env {
	t.Helper()
	e := start(t, url, 4, serviceusagetest.Options{NoFeed: true})
	now := time.Now()
	var recs []*suv1.ImportRecordsRequest
	for _, i := range []int{inside, outside} {
		recs = append(recs, demo.Records(i, now)...)
		recs = append(recs, programme(personProgramme(i)))
	}
	if sum := serviceusagetest.Import(t, e.c, "access", recs...); sum.GetRejectedCount() != 0 {
		t.Fatalf("fixture import: %v", sum)
	}
	return e
}

// personalRead is one read of family i's personal data; it returns the
// names of the records the response disclosed.
type personalRead struct {
	method string
	call   func(ctx context.Context, c suv1.ServiceUsageServiceClient, i int) ([]string, error)
}

func one(name string, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	return []string{name}, nil
}

// personalReads are the Get methods, one call each (the programme one both
// by family and by person).
func personalReads(now time.Time) []personalRead {
	year := enrolmentYear(now)
	return []personalRead{
		{"GetHealthCoverage", func(ctx context.Context, c suv1.ServiceUsageServiceClient, i int) ([]string, error) {
			r, err := c.GetHealthCoverage(ctx, &suv1.GetHealthCoverageRequest{Name: hcName(nikOf(i, 0), "bpjs-kesehatan")})
			return one(r.GetName(), err)
		}},
		{"GetEnrolment", func(ctx context.Context, c suv1.ServiceUsageServiceClient, i int) ([]string, error) {
			r, err := c.GetEnrolment(ctx, &suv1.GetEnrolmentRequest{Name: "persons/" + nikOf(i, 2) + "/enrolments/" + year})
			return one(r.GetName(), err)
		}},
		{"GetUtilityUsage", func(ctx context.Context, c suv1.ServiceUsageServiceClient, i int) ([]string, error) {
			r, err := c.GetUtilityUsage(ctx, &suv1.GetUtilityUsageRequest{Name: "families/" + kkOf(i) + "/utilityUsages/2025-06"})
			return one(r.GetName(), err)
		}},
		{"GetProgrammeParticipation", func(ctx context.Context, c suv1.ServiceUsageServiceClient, i int) ([]string, error) {
			r, err := c.GetProgrammeParticipation(ctx, &suv1.GetProgrammeParticipationRequest{
				Name: "families/" + kkOf(i) + "/programmeParticipations/pkh.2024-01-01"})
			return one(r.GetName(), err)
		}},
		{"GetProgrammeParticipation", func(ctx context.Context, c suv1.ServiceUsageServiceClient, i int) ([]string, error) {
			r, err := c.GetProgrammeParticipation(ctx, &suv1.GetProgrammeParticipationRequest{
				Name: "persons/" + nikOf(i, 1) + "/programmeParticipations/pbi-jk.2024-01-01"})
			return one(r.GetName(), err)
		}},
		{"GetFamilyServiceUsage", func(ctx context.Context, c suv1.ServiceUsageServiceClient, i int) ([]string, error) {
			s, err := c.GetFamilyServiceUsage(ctx, &suv1.GetFamilyServiceUsageRequest{Name: summaryOf(i)})
			if err != nil {
				return nil, err
			}
			names := []string{s.GetName()}
			for _, m := range s.GetMembers() {
				for _, h := range m.GetHealthCoverages() {
					names = append(names, h.GetName())
				}
				for _, en := range m.GetEnrolments() {
					names = append(names, en.GetName())
				}
			}
			for _, u := range s.GetUtilityUsages() {
				names = append(names, u.GetName())
			}
			for _, p := range s.GetProgrammeParticipations() {
				names = append(names, p.GetName())
			}
			return names, nil
		}},
	}
}

// listRead is one List method, filtered to family i.
type listRead struct {
	method string
	call   func(ctx context.Context, c suv1.ServiceUsageServiceClient, i int) ([]string, error)
}

func listReads() []listRead {
	family := func(i int) string { return `family = "` + kkOf(i) + `"` }
	return []listRead{
		{"ListHealthCoverages", func(ctx context.Context, c suv1.ServiceUsageServiceClient, i int) ([]string, error) {
			r, err := c.ListHealthCoverages(ctx, &suv1.ListHealthCoveragesRequest{Filter: family(i)})
			var out []string
			for _, x := range r.GetHealthCoverages() {
				out = append(out, x.GetName())
			}
			return out, err
		}},
		{"ListEnrolments", func(ctx context.Context, c suv1.ServiceUsageServiceClient, i int) ([]string, error) {
			r, err := c.ListEnrolments(ctx, &suv1.ListEnrolmentsRequest{Filter: family(i)})
			var out []string
			for _, x := range r.GetEnrolments() {
				out = append(out, x.GetName())
			}
			return out, err
		}},
		{"ListUtilityUsages", func(ctx context.Context, c suv1.ServiceUsageServiceClient, i int) ([]string, error) {
			r, err := c.ListUtilityUsages(ctx, &suv1.ListUtilityUsagesRequest{Filter: family(i)})
			var out []string
			for _, x := range r.GetUtilityUsages() {
				out = append(out, x.GetName())
			}
			return out, err
		}},
		{"ListProgrammeParticipations", func(ctx context.Context, c suv1.ServiceUsageServiceClient, i int) ([]string, error) {
			r, err := c.ListProgrammeParticipations(ctx, &suv1.ListProgrammeParticipationsRequest{Filter: family(i)})
			var out []string
			for _, x := range r.GetProgrammeParticipations() {
				out = append(out, x.GetName())
			}
			return out, err
		}},
	}
}

// Each role reads inside its scope and is refused outside it, for every
// personal read, before storage is asked: a family that exists nowhere is
// refused exactly like one outside the scope.
func TestPersonalReadsByRoleAndRegion(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := accessEnv(t, url)
		reads := personalReads(time.Now())
		cases := []struct {
			name    string
			claims  auth.Claims
			served  []int
			refused map[int]string
		}{
			{"village operator", authtest.Officer(auth.RoleVillageOperator, "32.04.12.2001"), []int{inside},
				map[int]string{neighbour: auth.ReasonRegionOutOfScope, outside: auth.ReasonRegionOutOfScope, unknown: auth.ReasonRegionOutOfScope}},
			{"district officer", authtest.Officer(auth.RoleDistrictOfficer, "32.04"), []int{inside},
				map[int]string{outside: auth.ReasonRegionOutOfScope, unknown: auth.ReasonRegionOutOfScope}},
			{"field verifier", authtest.Officer(auth.RoleFieldVerifier, "32.04.12"), []int{inside},
				map[int]string{outside: auth.ReasonRegionOutOfScope, unknown: auth.ReasonRegionOutOfScope}},
			{"provincial officer", authtest.Officer(auth.RoleProvincialOfficer, "32"), []int{inside},
				map[int]string{outside: auth.ReasonRegionOutOfScope, unknown: auth.ReasonRegionOutOfScope}},
			{"provincial officer of 33", authtest.Officer(auth.RoleProvincialOfficer, "33"), []int{outside},
				map[int]string{inside: auth.ReasonRegionOutOfScope}},
			// Member 1 reads member 0's and member 2's records too: they are
			// the same family.
			{"citizen", authtest.Citizen(nikOf(inside, 1)), []int{inside},
				map[int]string{outside: auth.ReasonNotOwnFamily, unknown: auth.ReasonNotOwnFamily}},
			{"analyst", authtest.Analyst(), nil,
				map[int]string{inside: auth.ReasonAggregatesOnly, outside: auth.ReasonAggregatesOnly}},
			{"admin", authtest.Admin(), []int{inside, outside}, nil},
			{"integration client", authtest.Integration("kemensos"), []int{inside, outside}, nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				client := e.svc.ClientAs(t, c.claims)
				for _, r := range reads {
					for _, i := range c.served {
						names, err := r.call(ctx(t), client, i)
						if err != nil || len(names) == 0 {
							t.Fatalf("%s of family %d: %v %v", r.method, i, names, err)
						}
					}
					for i, reason := range c.refused {
						names, err := r.call(ctx(t), client, i)
						if names != nil {
							t.Fatalf("%s of family %d disclosed %v", r.method, i, names)
						}
						wantDenied(t, err, codes.PermissionDenied, reason)
					}
				}
			})
		}
	})
}

// Lists span every region, so only nationwide roles may list.
func TestListsAreNationwideOnly(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := accessEnv(t, url)
		refused := []struct {
			name   string
			claims auth.Claims
			reason string
		}{
			{"village operator", authtest.Officer(auth.RoleVillageOperator, "32.04.12.2001"), auth.ReasonRoleNotAllowed},
			{"district officer", authtest.Officer(auth.RoleDistrictOfficer, "32.04"), auth.ReasonRoleNotAllowed},
			{"field verifier", authtest.Officer(auth.RoleFieldVerifier, "32.04.12"), auth.ReasonRoleNotAllowed},
			{"provincial officer", authtest.Officer(auth.RoleProvincialOfficer, "32"), auth.ReasonRoleNotAllowed},
			{"citizen", authtest.Citizen(nikOf(inside, 0)), auth.ReasonRoleNotAllowed},
			{"analyst", authtest.Analyst(), auth.ReasonAggregatesOnly},
		}
		for _, c := range refused {
			client := e.svc.ClientAs(t, c.claims)
			for _, l := range listReads() {
				names, err := l.call(ctx(t), client, inside)
				if names != nil {
					t.Fatalf("%s: %s listed %v", c.name, l.method, names)
				}
				wantDenied(t, err, codes.PermissionDenied, c.reason)
			}
		}
		for _, claims := range []auth.Claims{authtest.Admin(), authtest.Integration("pln"),
			{Subject: "dtsen-scoring", Role: auth.RoleService}} {
			client := e.svc.ClientAs(t, claims)
			for _, l := range listReads() {
				if names, err := l.call(ctx(t), client, outside); err != nil || len(names) == 0 {
					t.Fatalf("%s: %s: %v %v", claims.Role, l.method, names, err)
				}
			}
		}
	})
}

// Without a token nothing is served, not even whether a record exists.
func TestNoTokenIsUnauthenticated(t *testing.T) {
	e := accessEnv(t, storagetest.SQLiteURL(t))
	anon := e.svc.Anonymous(t)
	for _, r := range personalReads(time.Now()) {
		_, err := r.call(ctx(t), anon, inside)
		wantDenied(t, err, codes.Unauthenticated, auth.ReasonTokenMissing)
	}
	for _, l := range listReads() {
		_, err := l.call(ctx(t), anon, inside)
		wantDenied(t, err, codes.Unauthenticated, auth.ReasonTokenMissing)
	}
	_, err := serviceusagetest.SendImport(ctx(t), anon, serviceusagetest.Header("bpjs", "anon"), health(demo.HealthCoverage(1, 0)))
	wantDenied(t, err, codes.Unauthenticated, auth.ReasonTokenMissing)
	stream, err := anon.WatchChanges(ctx(t), &suv1.WatchChangesRequest{})
	if err == nil {
		_, err = stream.Recv()
	}
	wantDenied(t, err, codes.Unauthenticated, auth.ReasonTokenMissing)
	if n := e.count(t, "audit_events"); n != 0 {
		t.Fatalf("%d audit events for anonymous calls", n)
	}
}

// An integration client imports only its own agency's records: the others
// are rejected one by one, nothing of them is written, and the rest of the
// batch lands. Other roles may not import at all.
func TestImportOnlyTheOwningAgency(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url, 1, serviceusagetest.Options{NoFeed: true})
		now := time.Now()
		bpjs := e.svc.ClientAs(t, authtest.Integration("bpjs-kesehatan"))

		// A programme record names a disbursing agency too; its source
		// agency is the one that counts.
		disbursedByBPJS := demo.ProgrammeParticipation(0)
		disbursedByBPJS.DisbursingAgency = "bpjs-kesehatan"
		fromBPJS := personProgramme(0)
		fromBPJS.SourceAgency, fromBPJS.DisbursingAgency = "bpjs-kesehatan", "kemensos"
		foreignAndInvalid := demo.HealthCoverage(0, 1)
		foreignAndInvalid.SourceAgency, foreignAndInvalid.OutpatientVisits = "pln", 400

		sum := serviceusagetest.Import(t, bpjs, "own-agency",
			health(demo.HealthCoverage(0, 0)),        // 0 accepted
			utility(demo.UtilityUsage(0, "2025-06")), // 1 pln
			enrolment(demo.Enrolment(0, 0, now)),     // 2 kemendikdasmen
			programme(disbursedByBPJS),               // 3 kemensos
			programme(fromBPJS),                      // 4 accepted
			health(foreignAndInvalid),                // 5 pln, and invalid
			health(demo.HealthCoverage(0, 2)),        // 6 accepted
		)
		if sum.GetReceivedCount() != 7 || sum.GetAcceptedCount() != 3 || sum.GetRejectedCount() != 4 {
			t.Fatalf("summary: %v", sum)
		}
		var rejected []int64
		for _, r := range sum.GetRejections() {
			rejected = append(rejected, r.GetIndex())
			v := r.GetViolations()
			if len(v) == 0 || v[0].GetField() != "source_agency" || v[0].GetReason() != auth.ReasonAgencyNotOwner {
				t.Fatalf("rejection %d: %v", r.GetIndex(), r)
			}
			if r.GetIndex() == 5 && (len(v) != 2 || v[1].GetReason() != "HEALTH_OUTPATIENT_VISITS_OUT_OF_RANGE") {
				t.Fatalf("a foreign record's other problems are still listed: %v", r)
			}
		}
		if !slices.Equal(rejected, []int64{1, 2, 3, 5}) {
			t.Fatalf("rejected %v, want 1 2 3 5", rejected)
		}
		for table, want := range map[string]int{"health_coverages": 2, "utility_usages": 0, "enrolments": 0, "programme_participations": 1} {
			if n := e.count(t, table); n != want {
				t.Fatalf("%s holds %d rows, want %d", table, n, want)
			}
		}
		if head := e.feedHead(t); head != 3 {
			t.Fatalf("%d change events, want one per accepted record (3)", head)
		}

		// A client of no agency here imports nothing, record by record.
		other := e.svc.ClientAs(t, authtest.Integration("dukcapil"))
		sum = serviceusagetest.Import(t, other, "not-ours", health(demo.HealthCoverage(0, 3)))
		if sum.GetAcceptedCount() != 0 || sum.GetRejectedCount() != 1 ||
			sum.GetRejections()[0].GetViolations()[0].GetReason() != auth.ReasonAgencyNotOwner {
			t.Fatalf("another agency's client: %v", sum)
		}

		for _, claims := range []auth.Claims{authtest.Admin(), authtest.Officer(auth.RoleDistrictOfficer, "32.04"),
			authtest.Citizen(nikOf(0, 3))} {
			_, err := serviceusagetest.SendImport(ctx(t), e.svc.ClientAs(t, claims), serviceusagetest.Header("bpjs", "by-"+string(claims.Role)),
				health(demo.HealthCoverage(0, 3)))
			wantDenied(t, err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
		}
		// A DTSEN workload imports only as the grievance source: an
		// agency's records are refused one by one.
		sum = serviceusagetest.Import(t, e.svc.ClientAs(t, auth.Claims{Subject: "dtsen-scoring", Role: auth.RoleService}), "by-service",
			health(demo.HealthCoverage(0, 3)))
		if sum.GetAcceptedCount() != 0 || sum.GetRejectedCount() != 1 ||
			sum.GetRejections()[0].GetViolations()[0].GetReason() != auth.ReasonAgencyNotOwner {
			t.Fatalf("a workload importing an agency's records: %v", sum)
		}
		_, err := serviceusagetest.SendImport(ctx(t), e.svc.ClientAs(t, authtest.Analyst()), serviceusagetest.Header("bpjs", "by-analyst"),
			health(demo.HealthCoverage(0, 3)))
		wantDenied(t, err, codes.PermissionDenied, auth.ReasonAggregatesOnly)
		if n := e.count(t, "health_coverages"); n != 2 {
			t.Fatalf("refused imports wrote: %d health coverages", n)
		}
	})
}

// The change feed is for DTSEN workloads and administrators.
func TestWatchChangesServiceAndAdminOnly(t *testing.T) {
	e := start(t, storagetest.SQLiteURL(t), 1, serviceusagetest.Options{NoFeed: true})
	serviceusagetest.Import(t, e.c, "w", health(demo.HealthCoverage(0, 0)))
	first := func(c suv1.ServiceUsageServiceClient) (string, error) {
		stream, err := c.WatchChanges(ctx(t), &suv1.WatchChangesRequest{})
		if err != nil {
			return "", err
		}
		resp, err := stream.Recv()
		return resp.GetEvent().GetResource(), err
	}
	for _, claims := range []auth.Claims{authtest.Admin(), {Subject: "dtsen-scoring", Role: auth.RoleService}} {
		if res, err := first(e.svc.ClientAs(t, claims)); err != nil || res != hcName(demo.HealthCoverage(0, 0).Nik, "bpjs-kesehatan") {
			t.Fatalf("%s: %q %v", claims.Role, res, err)
		}
	}
	for _, c := range []struct {
		claims auth.Claims
		reason string
	}{
		{authtest.Integration("bpjs-kesehatan"), auth.ReasonRoleNotAllowed},
		{authtest.Officer(auth.RoleDistrictOfficer, "32.04"), auth.ReasonRoleNotAllowed},
		{authtest.Citizen(nikOf(0, 0)), auth.ReasonRoleNotAllowed},
		{authtest.Analyst(), auth.ReasonAggregatesOnly},
	} {
		_, err := first(e.svc.ClientAs(t, c.claims))
		wantDenied(t, err, codes.PermissionDenied, c.reason)
	}
}

// auditEvent is what the test compares of an audit event.
type auditEvent struct{ record, subject, role, region, purpose, method string }

func (e *env) auditEvents(t *testing.T) []auditEvent {
	t.Helper()
	evs, err := e.svc.Audit.List(context.Background(), audit.Query{Limit: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]auditEvent, len(evs))
	for i, ev := range evs {
		if ev.RequestID == "" {
			t.Fatalf("audit event without a request id: %+v", ev)
		}
		out[i] = auditEvent{ev.Record, ev.Subject, ev.Role, ev.Region, ev.Purpose, ev.Method}
	}
	return out
}

func sameEvents(t *testing.T, what string, got, want []auditEvent) {
	t.Helper()
	key := func(a, b auditEvent) int {
		if a.record != b.record {
			if a.record < b.record {
				return -1
			}
			return 1
		}
		if a.method < b.method {
			return -1
		}
		if a.method > b.method {
			return 1
		}
		return 0
	}
	slices.SortFunc(got, key)
	slices.SortFunc(want, key)
	if !slices.Equal(got, want) {
		t.Fatalf("%s: audit events\n got %v\nwant %v", what, got, want)
	}
}

// Every read method, called once, leaves one event per record it returned,
// with who, in which role and region, for which purpose; refused and empty
// reads leave none.
func TestAuditCompleteness(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := accessEnv(t, url)
		if got := e.auditEvents(t); len(got) != 0 {
			t.Fatalf("imports wrote audit events: %v", got)
		}
		const svc = "/dtsen.serviceusage.v1.ServiceUsageService/"

		officer := authtest.Officer(auth.RoleDistrictOfficer, "32.04")
		client := e.svc.ClientAs(t, officer)
		var want []auditEvent
		for _, r := range personalReads(time.Now()) {
			names, err := r.call(ctx(t), client, inside)
			if err != nil || len(names) == 0 {
				t.Fatalf("%s: %v %v", r.method, names, err)
			}
			for _, n := range names {
				want = append(want, auditEvent{n, officer.Subject, string(officer.Role), "32.04", "case_work", svc + r.method})
			}
		}
		// The summary: itself, four coverages, two enrolments, three months
		// of utilities, PKH and the member's PBI JK.
		if n := len(want); n != 5+12 {
			t.Fatalf("%d records read, want 17", n)
		}
		sameEvents(t, "officer's reads", e.auditEvents(t), want)

		integration := authtest.Integration("kemensos")
		lister := e.svc.ClientAs(t, integration)
		for _, l := range listReads() {
			names, err := l.call(ctx(t), lister, outside)
			if err != nil || len(names) == 0 {
				t.Fatalf("%s: %v %v", l.method, names, err)
			}
			for _, n := range names {
				want = append(want, auditEvent{n, integration.Subject, string(integration.Role), "", "verification", svc + l.method})
			}
		}
		sameEvents(t, "officer's reads and the lists", e.auditEvents(t), want)

		// Refused, missing and empty reads record nothing.
		before := len(e.auditEvents(t))
		refusedBy := map[string]struct {
			claims auth.Claims
			family int
		}{
			"out of region":   {officer, outside},
			"another family":  {authtest.Citizen(nikOf(inside, 0)), outside},
			"unknown family":  {authtest.Citizen(nikOf(inside, 0)), unknown},
			"analyst":         {authtest.Analyst(), inside},
			"missing records": {authtest.Admin(), unknown},
		}
		for what, r := range refusedBy {
			c := e.svc.ClientAs(t, r.claims)
			for _, read := range personalReads(time.Now()) {
				if _, err := read.call(ctx(t), c, r.family); err == nil {
					t.Fatalf("%s: %s served", what, read.method)
				}
			}
		}
		for _, l := range listReads() {
			if _, err := l.call(ctx(t), client, inside); err == nil {
				t.Fatalf("a district officer listed %s", l.method)
			}
			if names, err := l.call(ctx(t), lister, unknown); err != nil || len(names) != 0 {
				t.Fatalf("%s of a family with no records: %v %v", l.method, names, err)
			}
		}
		if after := len(e.auditEvents(t)); after != before {
			t.Fatalf("refused or empty reads wrote %d audit events", after-before)
		}

		// Administrators read the log through the service's AuditService;
		// nobody else does.
		auditor := auditv1.NewAuditServiceClient(e.svc.Conn)
		asAdmin := authtest.WithToken(ctx(t), e.svc.Auth.Token(t, authtest.Admin()))
		resp, err := auditor.ListAuditEvents(asAdmin, &auditv1.ListAuditEventsRequest{Parent: "services/serviceusage",
			Filter: `subject = "` + officer.Subject + `"`, PageSize: 500})
		if err != nil || len(resp.GetAuditEvents()) != 17 {
			t.Fatalf("the officer's events through the AuditService: %d, %v", len(resp.GetAuditEvents()), err)
		}
		_, err = auditor.ListAuditEvents(ctx(t), &auditv1.ListAuditEventsRequest{})
		wantDenied(t, err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
	})
}

// A read that cannot be audited is not served.
func TestAuditFailureFailsTheRead(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := accessEnv(t, url)
		if _, err := e.svc.DB.SQL().ExecContext(context.Background(), "DROP TABLE audit_events"); err != nil {
			t.Fatal(err)
		}
		for _, r := range personalReads(time.Now()) {
			names, err := r.call(ctx(t), e.c, inside)
			if names != nil {
				t.Fatalf("%s returned %v without an audit event", r.method, names)
			}
			wantDenied(t, err, codes.Unavailable, audit.ReasonUnavailable)
		}
		for _, l := range listReads() {
			names, err := l.call(ctx(t), e.c, inside)
			if names != nil {
				t.Fatalf("%s returned %v without an audit event", l.method, names)
			}
			wantDenied(t, err, codes.Unavailable, audit.ReasonUnavailable)
		}
	})
}
