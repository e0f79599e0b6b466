package ports_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	suv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
	"github.com/dtsen-id/dtsen/services/serviceusage/demo"
	"github.com/dtsen-id/dtsen/services/serviceusage/serviceusagetest"
)

// --- helpers ---

func wantStatus(t *testing.T, err error, code codes.Code, reason string) {
	t.Helper()
	if status.Code(err) != code || apierror.ReasonOf(err) != reason {
		t.Fatalf("got %v (reason %q), want %v %s", err, apierror.ReasonOf(err), code, reason)
	}
	if apierror.ErrorInfoOf(err).GetDomain() != "serviceusage.dtsen.go.id" ||
		apierror.LocalizedMessageOf(err, apierror.LocaleIndonesian) == "" ||
		apierror.LocalizedMessageOf(err, apierror.LocaleEnglish) == "" {
		t.Fatalf("%v lacks the ErrorInfo domain or localized messages", err)
	}
}

func wantField(t *testing.T, err error, field, reason string) {
	t.Helper()
	for _, v := range apierror.FieldViolationsOf(err) {
		if v.GetField() == field && v.GetReason() == reason {
			return
		}
	}
	t.Fatalf("no field violation %s %s in %v", field, reason, apierror.FieldViolationsOf(err))
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// env is a registry holding families 0..registered-1 and a service-usage
// server pointed at it, both trusting one issuer. c is the default
// integration client (nationwide reads, imports for every demo agency);
// admin follows the change feed.
type env struct {
	reg   *registrytest.Registry
	svc   *serviceusagetest.Service
	c     suv1.ServiceUsageServiceClient
	admin suv1.ServiceUsageServiceClient
}

func start(t *testing.T, url string, registered int, opts serviceusagetest.Options) *env {
	t.Helper()
	reg := registrytest.Start(t, storagetest.SQLiteURL(t), registrytest.Options{})
	if registered > 0 {
		registrytest.Seed(t, reg.Client, registered)
	}
	opts.Auth = reg.Auth
	svc := serviceusagetest.Start(t, url, reg.Addr, opts)
	return &env{reg: reg, svc: svc, c: svc.Client, admin: svc.ClientAs(t, authtest.Admin())}
}

func health(h *suv1.HealthCoverage) *suv1.ImportRecordsRequest { return demo.Health(h) }

func enrolment(e *suv1.Enrolment) *suv1.ImportRecordsRequest {
	return &suv1.ImportRecordsRequest{Payload: &suv1.ImportRecordsRequest_Enrolment{Enrolment: e}}
}

func utility(u *suv1.UtilityUsage) *suv1.ImportRecordsRequest {
	return &suv1.ImportRecordsRequest{Payload: &suv1.ImportRecordsRequest_UtilityUsage{UtilityUsage: u}}
}

func programme(p *suv1.ProgrammeParticipation) *suv1.ImportRecordsRequest {
	return &suv1.ImportRecordsRequest{Payload: &suv1.ImportRecordsRequest_ProgrammeParticipation{ProgrammeParticipation: p}}
}

func hcName(nik, agency string) string { return "persons/" + nik + "/healthCoverages/" + agency }

func (e *env) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := e.svc.DB.QueryRowContext(context.Background(), "SELECT /* dtsen:fanout test counts a whole table */ count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (e *env) feedHead(t *testing.T) int64 {
	t.Helper()
	var n int64
	if err := e.svc.DB.QueryRowContext(context.Background(), "SELECT sequence FROM outbox_head WHERE id = 1").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// --- ImportRecords ---

func TestImportMixedBatch(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url, 3, serviceusagetest.Options{})
		now := time.Now()
		unknownKK := registrytest.Family(50).GetKkNumber()
		deadNIK := registrytest.Family(2).Members[0].GetNik()
		if _, err := e.reg.Client.RecordDeath(ctx(t), &registryv1.RecordDeathRequest{Name: "persons/" + deadNIK, DeathDate: "2025-01-05"}); err != nil {
			t.Fatal(err)
		}

		badNIK := demo.HealthCoverage(0, 1)
		badNIK.Nik = badNIK.Nik[:12] + "0000"
		badClass := demo.HealthCoverage(0, 2)
		badClass.MembershipClass = 0
		badVisits := demo.HealthCoverage(0, 3)
		badVisits.OutpatientVisits = 400
		badDate := demo.UtilityUsage(1, "2025-05")
		badDate.ObservationDate = "2025-02-30"
		badYear := demo.Enrolment(1, 0, now)
		badYear.SchoolYear = "2024/2026"
		noPLN := demo.UtilityUsage(1, "2025-04")
		noPLN.PlnCustomerId = ""
		noPLN.SubsidisedTariff = true
		endBefore := demo.ProgrammeParticipation(1)
		endBefore.PeriodEnd = "2023-01-01"
		unknownFamily := demo.UtilityUsage(50, "2025-06")
		dead := demo.HealthCoverage(2, 0)
		dup := demo.HealthCoverage(0, 0)
		dup.OutpatientVisits = 9

		batch := []*suv1.ImportRecordsRequest{
			health(demo.HealthCoverage(0, 0)),    // 0 ok
			health(badNIK),                       // 1
			health(badClass),                     // 2
			health(badVisits),                    // 3
			utility(badDate),                     // 4
			enrolment(badYear),                   // 5
			utility(noPLN),                       // 6
			programme(endBefore),                 // 7
			{},                                   // 8 empty payload
			utility(unknownFamily),               // 9 ok, UNMATCHED
			health(dead),                         // 10 ok, flagged
			health(dup),                          // 11 duplicate of 0
			enrolment(demo.Enrolment(1, 1, now)), // 12 ok
		}
		sum := serviceusagetest.Import(t, e.c, "mixed", batch...)
		if sum.GetReceivedCount() != 13 || sum.GetAcceptedCount() != 4 || sum.GetRejectedCount() != 9 || sum.GetReplayed() {
			t.Fatalf("summary = %v", sum)
		}
		want := map[int64][2]string{
			1: {"nik", "NIK_INVALID_SERIAL"}, 2: {"membership_class", "HEALTH_MEMBERSHIP_CLASS_INVALID"},
			3: {"outpatient_visits", "HEALTH_OUTPATIENT_VISITS_OUT_OF_RANGE"}, 4: {"observation_date", "DATE_INVALID"},
			5: {"school_year", "SCHOOL_YEAR_INVALID"}, 6: {"pln_customer_id", "UTILITY_PLN_CUSTOMER_ID_REQUIRED"},
			7: {"period_end", "PROGRAMME_PERIOD_END_BEFORE_START"}, 8: {"payload", "RECORD_REQUIRED"},
			11: {"", "RECORD_DUPLICATE_IN_BATCH"},
		}
		for _, r := range sum.GetRejections() {
			w, ok := want[r.GetIndex()]
			if !ok || len(r.GetViolations()) == 0 || r.GetViolations()[0].GetField() != w[0] || r.GetViolations()[0].GetReason() != w[1] {
				t.Errorf("rejection %d = %v, want %v", r.GetIndex(), r, w)
			}
			if r.GetIndex() == 1 && r.GetKey() == hcName(badNIK.Nik, "bpjs-kesehatan") {
				t.Errorf("rejection key carries the full NIK: %q", r.GetKey())
			}
		}
		// Nothing of a rejected record was written.
		if n := e.count(t, "health_coverages"); n != 2 {
			t.Fatalf("%d health coverages stored, want 2", n)
		}
		if n := e.count(t, "utility_usages"); n != 1 {
			t.Fatalf("%d utility rows stored, want 1", n)
		}
		if n := e.count(t, "programme_participations"); n != 0 {
			t.Fatalf("%d programme rows stored, want 0", n)
		}

		u, err := e.c.GetUtilityUsage(ctx(t), &suv1.GetUtilityUsageRequest{Name: "families/" + unknownKK + "/utilityUsages/2025-06"})
		if err != nil {
			t.Fatal(err)
		}
		if u.GetMeta().GetMatchStatus() != suv1.MatchStatus_MATCH_STATUS_UNMATCHED || u.GetMeta().GetUnmatchedReason() != "KK_NOT_REGISTERED" {
			t.Fatalf("unknown family's record: %v", u.GetMeta())
		}
		h, err := e.c.GetHealthCoverage(ctx(t), &suv1.GetHealthCoverageRequest{Name: hcName(deadNIK, "bpjs-kesehatan")})
		if err != nil {
			t.Fatal(err)
		}
		if h.GetMeta().GetMatchStatus() != suv1.MatchStatus_MATCH_STATUS_MATCHED ||
			len(h.GetMeta().GetFlags()) != 1 || h.GetMeta().GetFlags()[0] != suv1.RecordFlag_RECORD_FLAG_PERSON_DECEASED {
			t.Fatalf("deceased person's record: %v", h.GetMeta())
		}
		if h.GetMeta().GetFamily() != "families/"+registrytest.Family(2).GetKkNumber() {
			t.Fatalf("a person's record carries the registry family: %v", h.GetMeta())
		}
		first, err := e.c.GetHealthCoverage(ctx(t), &suv1.GetHealthCoverageRequest{Name: hcName(demo.HealthCoverage(0, 0).Nik, "bpjs-kesehatan")})
		if err != nil || first.GetOutpatientVisits() != demo.HealthCoverage(0, 0).OutpatientVisits {
			t.Fatalf("the first of two records with one key wins: %v %v", first, err)
		}
	})
}

func TestImportReplayUpdateAndStale(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url, 2, serviceusagetest.Options{ChunkSize: 3})
		recs := append(demo.Records(0, time.Now()), demo.Records(1, time.Now())...)
		sum := serviceusagetest.Import(t, e.c, "b1", recs...)
		if sum.GetAcceptedCount() != int64(len(recs)) || sum.GetRejectedCount() != 0 {
			t.Fatalf("first import: %v", sum)
		}
		head := e.feedHead(t)
		if head != int64(len(recs)) {
			t.Fatalf("feed head %d, want one created event per record (%d)", head, len(recs))
		}
		again := serviceusagetest.Import(t, e.c, "b1", recs...)
		if !again.GetReplayed() || again.GetAcceptedCount() != sum.GetAcceptedCount() {
			t.Fatalf("re-sent batch: %v", again)
		}
		// The same records in a new batch: all unchanged, nothing written.
		same := serviceusagetest.Import(t, e.c, "b2", recs...)
		if same.GetUnchangedCount() != int64(len(recs)) || same.GetAcceptedCount() != 0 || e.feedHead(t) != head {
			t.Fatalf("identical records: %v, head %d", same, e.feedHead(t))
		}
		// A newer observation updates in place; an older one is refused.
		newer := demo.HealthCoverage(0, 0)
		newer.ObservationDate, newer.OutpatientVisits = "2025-07-31", 12
		older := demo.HealthCoverage(0, 1)
		older.ObservationDate, older.OutpatientVisits = "2025-01-31", 12
		mixed := serviceusagetest.Import(t, e.c, "b3", health(newer), health(older))
		if mixed.GetAcceptedCount() != 1 || mixed.GetRejectedCount() != 1 ||
			mixed.GetRejections()[0].GetViolations()[0].GetReason() != "OBSERVATION_OLDER_THAN_STORED" {
			t.Fatalf("newer/older: %v", mixed)
		}
		got, err := e.c.GetHealthCoverage(ctx(t), &suv1.GetHealthCoverageRequest{Name: hcName(newer.Nik, newer.SourceAgency)})
		if err != nil || got.GetOutpatientVisits() != 12 || got.GetMeta().GetEtag() != "v2" {
			t.Fatalf("updated record: %v %v", got, err)
		}
		evs := registryEvents(t, e, head, 1)
		if evs[0] != "serviceusage.healthCoverage.updated "+hcName(newer.Nik, newer.SourceAgency) {
			t.Fatalf("update event: %v", evs)
		}
	})
}

func registryEvents(t *testing.T, e *env, after int64, n int) []string {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := e.admin.WatchChanges(c, &suv1.WatchChangesRequest{AfterSequence: after})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for len(out) < n {
		resp, err := stream.Recv()
		if err != nil {
			t.Fatalf("watch after %d: got %v: %v", after, out, err)
		}
		if resp.GetEvent().GetSequence() != after+int64(len(out))+1 {
			t.Fatalf("sequence %d after %d events from %d: a gap or duplicate", resp.GetEvent().GetSequence(), len(out), after)
		}
		out = append(out, resp.GetEvent().GetEventType()+" "+resp.GetEvent().GetResource())
	}
	return out
}

func TestImportHeaderErrors(t *testing.T) {
	e := start(t, storagetest.SQLiteURL(t), 0, serviceusagetest.Options{NoFeed: true})
	_, err := serviceusagetest.SendImport(ctx(t), e.c, health(demo.HealthCoverage(0, 0)))
	wantStatus(t, err, codes.InvalidArgument, "IMPORT_HEADER_MISSING")
	_, err = serviceusagetest.SendImport(ctx(t), e.c, serviceusagetest.Header("BAD SOURCE", "b"))
	wantStatus(t, err, codes.InvalidArgument, "IMPORT_HEADER_INVALID")
	wantField(t, err, "header.source", "IMPORT_SOURCE_INVALID")
	_, err = serviceusagetest.SendImport(ctx(t), e.c, serviceusagetest.Header("bpjs", "b"), health(demo.HealthCoverage(0, 0)), serviceusagetest.Header("bpjs", "c"))
	wantStatus(t, err, codes.InvalidArgument, "IMPORT_HEADER_REPEATED")
	if n := e.count(t, "health_coverages"); n != 0 {
		t.Fatalf("a failed stream wrote %d records", n)
	}
}

// --- Get and List ---

func TestGetEveryKind(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url, 1, serviceusagetest.Options{NoFeed: true})
		now := time.Now()
		person := demo.ProgrammeParticipation(0)
		person.Nik, person.Programme = registrytest.Family(0).Members[1].GetNik(), suv1.SocialProgramme_SOCIAL_PROGRAMME_PBI_JK
		person.PeriodEnd = "2024-12-31"
		recs := append(demo.Records(0, now), programme(person))
		serviceusagetest.Import(t, e.c, "g", recs...)

		h := demo.HealthCoverage(0, 0)
		got, err := e.c.GetHealthCoverage(ctx(t), &suv1.GetHealthCoverageRequest{Name: hcName(h.Nik, h.SourceAgency)})
		if err != nil || got.GetMembershipClass() != h.MembershipClass || got.GetObservationDate() != h.ObservationDate ||
			got.GetMeta().GetMatchStatus() != suv1.MatchStatus_MATCH_STATUS_MATCHED || got.GetMeta().GetEtag() != "v1" {
			t.Fatalf("health: %v %v", got, err)
		}
		en := demo.Enrolment(0, 0, now)
		year := en.SchoolYear[:4] + "-" + en.SchoolYear[5:]
		gotE, err := e.c.GetEnrolment(ctx(t), &suv1.GetEnrolmentRequest{Name: "persons/" + en.Nik + "/enrolments/" + year})
		if err != nil || gotE.GetSchoolYear() != en.SchoolYear || gotE.GetLevel() != en.Level || gotE.GetKipRecipient() != en.KipRecipient {
			t.Fatalf("enrolment: %v %v", gotE, err)
		}
		kk := registrytest.Family(0).GetKkNumber()
		gotU, err := e.c.GetUtilityUsage(ctx(t), &suv1.GetUtilityUsageRequest{Name: "families/" + kk + "/utilityUsages/2025-06"})
		want := demo.UtilityUsage(0, "2025-06")
		if err != nil || gotU.GetElectricityKwh() != want.ElectricityKwh || gotU.GetPlnCustomerId() != want.PlnCustomerId ||
			gotU.GetSubsidisedLpgPurchases() != want.SubsidisedLpgPurchases || gotU.GetSubsidisedTariff() != want.SubsidisedTariff {
			t.Fatalf("utility: %v %v", gotU, err)
		}
		gotP, err := e.c.GetProgrammeParticipation(ctx(t), &suv1.GetProgrammeParticipationRequest{Name: "families/" + kk + "/programmeParticipations/pkh.2024-01-01"})
		if err != nil || gotP.GetPeriodEnd() != "" || gotP.GetDisbursingAgency() != "bank-himbara" {
			t.Fatalf("programme: %v %v", gotP, err)
		}
		gotPP, err := e.c.GetProgrammeParticipation(ctx(t), &suv1.GetProgrammeParticipationRequest{Name: "persons/" + person.Nik + "/programmeParticipations/pbi-jk.2024-01-01"})
		if err != nil || gotPP.GetKkNumber() != kk || gotPP.GetPeriodEnd() != "2024-12-31" || len(gotPP.GetMeta().GetFlags()) != 0 {
			t.Fatalf("person programme: %v %v", gotPP, err)
		}

		// Not found, per resource.
		_, err = e.c.GetHealthCoverage(ctx(t), &suv1.GetHealthCoverageRequest{Name: hcName(h.Nik, "other-agency")})
		wantStatus(t, err, codes.NotFound, "HEALTH_COVERAGE_NOT_FOUND")
		_, err = e.c.GetEnrolment(ctx(t), &suv1.GetEnrolmentRequest{Name: "persons/" + en.Nik + "/enrolments/2020-2021"})
		wantStatus(t, err, codes.NotFound, "ENROLMENT_NOT_FOUND")
		_, err = e.c.GetUtilityUsage(ctx(t), &suv1.GetUtilityUsageRequest{Name: "families/" + kk + "/utilityUsages/2020-01"})
		wantStatus(t, err, codes.NotFound, "UTILITY_USAGE_NOT_FOUND")
		_, err = e.c.GetProgrammeParticipation(ctx(t), &suv1.GetProgrammeParticipationRequest{Name: "families/" + kk + "/programmeParticipations/blt.2024-01-01"})
		wantStatus(t, err, codes.NotFound, "PROGRAMME_PARTICIPATION_NOT_FOUND")
	})
}

func TestBadRequests(t *testing.T) {
	e := start(t, storagetest.SQLiteURL(t), 0, serviceusagetest.Options{NoFeed: true})
	nik := registrytest.Family(0).Members[0].GetNik()
	kk := registrytest.Family(0).GetKkNumber()
	cases := []struct {
		name          string
		call          func() error
		field, reason string
	}{
		{"health name", func() error {
			_, err := e.c.GetHealthCoverage(ctx(t), &suv1.GetHealthCoverageRequest{Name: "persons/" + nik})
			return err
		}, "name", "RESOURCE_NAME_INVALID"},
		{"health nik", func() error {
			_, err := e.c.GetHealthCoverage(ctx(t), &suv1.GetHealthCoverageRequest{Name: hcName("123", "bpjs")})
			return err
		}, "name", "NIK_INVALID_LENGTH"},
		{"enrolment year", func() error {
			_, err := e.c.GetEnrolment(ctx(t), &suv1.GetEnrolmentRequest{Name: "persons/" + nik + "/enrolments/2025"})
			return err
		}, "name", "RESOURCE_NAME_INVALID"},
		{"utility kk", func() error {
			_, err := e.c.GetUtilityUsage(ctx(t), &suv1.GetUtilityUsageRequest{Name: "families/3204120000010000/utilityUsages/2025-01"})
			return err
		}, "name", "KK_INVALID_SERIAL"},
		{"programme slug", func() error {
			_, err := e.c.GetProgrammeParticipation(ctx(t), &suv1.GetProgrammeParticipationRequest{Name: "families/" + kk + "/programmeParticipations/PKH.2024-01-01"})
			return err
		}, "name", "RESOURCE_NAME_INVALID"},
		{"summary name", func() error {
			_, err := e.c.GetFamilyServiceUsage(ctx(t), &suv1.GetFamilyServiceUsageRequest{Name: "families/" + kk})
			return err
		}, "name", "RESOURCE_NAME_INVALID"},
		{"summary kk", func() error {
			_, err := e.c.GetFamilyServiceUsage(ctx(t), &suv1.GetFamilyServiceUsageRequest{Name: "families/12/serviceUsage"})
			return err
		}, "name", "KK_INVALID_LENGTH"},
		{"page size", func() error {
			_, err := e.c.ListHealthCoverages(ctx(t), &suv1.ListHealthCoveragesRequest{PageSize: -1})
			return err
		}, "page_size", "PAGE_SIZE_NEGATIVE"},
		{"filter field", func() error {
			_, err := e.c.ListHealthCoverages(ctx(t), &suv1.ListHealthCoveragesRequest{Filter: `month = "2025-01"`})
			return err
		}, "filter", "FILTER_INVALID"},
		{"filter syntax", func() error {
			_, err := e.c.ListEnrolments(ctx(t), &suv1.ListEnrolmentsRequest{Filter: `nik ~ "1"`})
			return err
		}, "filter", "FILTER_INVALID"},
		{"filter nik", func() error {
			_, err := e.c.ListEnrolments(ctx(t), &suv1.ListEnrolmentsRequest{Filter: `nik = "3204120101150000"`})
			return err
		}, "filter", "NIK_INVALID_SERIAL"},
		{"filter match", func() error {
			_, err := e.c.ListUtilityUsages(ctx(t), &suv1.ListUtilityUsagesRequest{Filter: `match_status = "MAYBE"`})
			return err
		}, "filter", "FILTER_INVALID"},
		{"filter programme", func() error {
			_, err := e.c.ListProgrammeParticipations(ctx(t), &suv1.ListProgrammeParticipationsRequest{Filter: `programme = "pkh"`})
			return err
		}, "filter", "FILTER_INVALID"},
		{"page token", func() error {
			_, err := e.c.ListUtilityUsages(ctx(t), &suv1.ListUtilityUsagesRequest{PageToken: "garbage"})
			return err
		}, "page_token", "PAGE_TOKEN_INVALID"},
		{"watch", func() error {
			s, err := e.admin.WatchChanges(ctx(t), &suv1.WatchChangesRequest{AfterSequence: -1})
			if err == nil {
				_, err = s.Recv()
			}
			return err
		}, "after_sequence", "SEQUENCE_NEGATIVE"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			if status.Code(err) != codes.InvalidArgument {
				t.Fatalf("got %v, want INVALID_ARGUMENT", err)
			}
			wantField(t, err, c.field, c.reason)
			if apierror.LocalizedMessageOf(err, apierror.LocaleIndonesian) == "" {
				t.Fatal("no Indonesian message")
			}
		})
	}
}

func listAll(t *testing.T, e *env, filter string, size int32) []string {
	t.Helper()
	var names []string
	token := ""
	for page := 0; ; page++ {
		resp, err := e.c.ListHealthCoverages(ctx(t), &suv1.ListHealthCoveragesRequest{PageSize: size, PageToken: token, Filter: filter})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.GetHealthCoverages()) > int(size) {
			t.Fatalf("page of %d > page_size %d", len(resp.GetHealthCoverages()), size)
		}
		for _, h := range resp.GetHealthCoverages() {
			names = append(names, h.GetName())
		}
		token = resp.GetNextPageToken()
		if token == "" {
			return names
		}
		if page > 100 {
			t.Fatal("pagination does not end")
		}
	}
}

func TestListPaginationAndFilters(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url, 5, serviceusagetest.Options{NoFeed: true})
		var recs []*suv1.ImportRecordsRequest
		for i := range 7 { // families 5 and 6 are not registered
			for m := range 4 {
				recs = append(recs, health(demo.HealthCoverage(i, m)))
			}
		}
		serviceusagetest.Import(t, e.c, "l", recs...)
		all := listAll(t, e, "", 3)
		if len(all) != 28 {
			t.Fatalf("listed %d of 28", len(all))
		}
		seen := map[string]bool{}
		for i, n := range all {
			if seen[n] || (i > 0 && all[i-1] >= n) {
				t.Fatalf("duplicate or out of order at %d: %s", i, n)
			}
			seen[n] = true
		}
		if un := listAll(t, e, `match_status = "UNMATCHED"`, 5); len(un) != 8 {
			t.Fatalf("%d unmatched, want 8 (families 5 and 6)", len(un))
		}
		nik := demo.HealthCoverage(3, 2).Nik
		if one := listAll(t, e, `nik = "`+nik+`" AND source_agency = "bpjs-kesehatan"`, 10); len(one) != 1 || one[0] != hcName(nik, "bpjs-kesehatan") {
			t.Fatalf("nik filter: %v", one)
		}
		kk := registrytest.Family(1).GetKkNumber()
		if fam := listAll(t, e, `family = "`+kk+`"`, 2); len(fam) != 4 {
			t.Fatalf("family filter: %v", fam)
		}
		// A token is bound to its filter.
		resp, err := e.c.ListHealthCoverages(ctx(t), &suv1.ListHealthCoveragesRequest{PageSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.c.ListHealthCoverages(ctx(t), &suv1.ListHealthCoveragesRequest{PageSize: 1, PageToken: resp.GetNextPageToken(),
			Filter: `match_status = "MATCHED"`})
		wantStatus(t, err, codes.InvalidArgument, "PAGE_TOKEN_INVALID")

		// The other kinds list and filter too.
		serviceusagetest.Import(t, e.c, "l2", demo.Records(0, time.Now())...)
		ur, err := e.c.ListUtilityUsages(ctx(t), &suv1.ListUtilityUsagesRequest{Filter: `month = "2025-05"`})
		if err != nil || len(ur.GetUtilityUsages()) != 1 {
			t.Fatalf("utilities: %v %v", ur, err)
		}
		er, err := e.c.ListEnrolments(ctx(t), &suv1.ListEnrolmentsRequest{Filter: `family = "` + registrytest.Family(0).GetKkNumber() + `"`})
		if err != nil || len(er.GetEnrolments()) != 2 {
			t.Fatalf("enrolments: %v %v", er, err)
		}
		pr, err := e.c.ListProgrammeParticipations(ctx(t), &suv1.ListProgrammeParticipationsRequest{Filter: `programme = "PKH"`})
		if err != nil || len(pr.GetProgrammeParticipations()) != 1 {
			t.Fatalf("programmes: %v %v", pr, err)
		}
	})
}

// --- GetFamilyServiceUsage ---

func TestFamilyServiceUsage(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url, 2, serviceusagetest.Options{NoFeed: true})
		now := time.Now()
		kk := registrytest.Family(0).GetKkNumber()
		ended := demo.ProgrammeParticipation(0)
		ended.Programme, ended.PeriodStart, ended.PeriodEnd = suv1.SocialProgramme_SOCIAL_PROGRAMME_BLT, "2022-01-01", "2022-03-31"
		pbi := demo.ProgrammeParticipation(0)
		pbi.Nik, pbi.Programme = registrytest.Family(0).Members[0].GetNik(), suv1.SocialProgramme_SOCIAL_PROGRAMME_PBI_JK
		recs := append(demo.Records(0, now), programme(ended), programme(pbi))
		recs = append(recs, demo.Records(1, now)...) // another family's records stay out
		serviceusagetest.Import(t, e.c, "f", recs...)

		s, err := e.c.GetFamilyServiceUsage(ctx(t), &suv1.GetFamilyServiceUsageRequest{Name: "families/" + kk + "/serviceUsage"})
		if err != nil {
			t.Fatal(err)
		}
		if !s.GetFamilyRegistered() || len(s.GetMembers()) != 4 || len(s.GetUtilityUsages()) != 3 || len(s.GetProgrammeParticipations()) != 3 {
			t.Fatalf("summary: %v", s)
		}
		if s.GetUtilityUsages()[0].GetMonth() != "2025-06" {
			t.Fatalf("utilities are newest first: %v", s.GetUtilityUsages())
		}
		// Demo family 0: member classes PBI_APBN, CLASS_3, PBI_APBD, NONE:
		// one member has no coverage. Both children are enrolled this year.
		// PKH and PBI JK are active; BLT ended in 2022.
		tot := s.GetTotals()
		if tot.GetMemberCount() != 4 || tot.GetMembersWithoutCoverage() != 1 || tot.GetChildrenEnrolled() != 2 ||
			tot.GetActiveProgrammes() != 2 || tot.GetCurrentSchoolYear() != demo.Enrolment(0, 0, now).SchoolYear {
			t.Fatalf("totals: %v", tot)
		}
		for _, m := range s.GetMembers() {
			if len(m.GetHealthCoverages()) != 1 || m.GetHealthCoverages()[0].GetNik() != m.GetNik() {
				t.Fatalf("member %v", m)
			}
		}

		// Unknown to the registry, with records: shown, unregistered.
		serviceusagetest.Import(t, e.c, "f2", utility(demo.UtilityUsage(9, "2025-06")))
		s, err = e.c.GetFamilyServiceUsage(ctx(t), &suv1.GetFamilyServiceUsageRequest{Name: "families/" + registrytest.Family(9).GetKkNumber() + "/serviceUsage"})
		if err != nil || s.GetFamilyRegistered() || len(s.GetMembers()) != 0 || len(s.GetUtilityUsages()) != 1 {
			t.Fatalf("unregistered family: %v %v", s, err)
		}
		// Unknown to both: NOT_FOUND.
		_, err = e.c.GetFamilyServiceUsage(ctx(t), &suv1.GetFamilyServiceUsageRequest{Name: "families/" + registrytest.Family(8).GetKkNumber() + "/serviceUsage"})
		wantStatus(t, err, codes.NotFound, "FAMILY_NOT_FOUND")
	})
}

// --- WatchChanges ---

func TestWatchChangesResume(t *testing.T) {
	e := start(t, storagetest.SQLiteURL(t), 1, serviceusagetest.Options{NoFeed: true})
	serviceusagetest.Import(t, e.c, "w1", health(demo.HealthCoverage(0, 0)), health(demo.HealthCoverage(0, 1)))
	first := registryEvents(t, e, 0, 2)
	if first[0] != "serviceusage.healthCoverage.created "+hcName(demo.HealthCoverage(0, 0).Nik, "bpjs-kesehatan") {
		t.Fatalf("events: %v", first)
	}
	// A live follower sees a later import; a resumed one starts after its cursor.
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := e.admin.WatchChanges(c, &suv1.WatchChangesRequest{AfterSequence: 2})
	if err != nil {
		t.Fatal(err)
	}
	serviceusagetest.Import(t, e.c, "w2", utility(demo.UtilityUsage(0, "2025-06")))
	resp, err := stream.Recv()
	if err != nil || resp.GetEvent().GetSequence() != 3 || resp.GetEvent().GetEventType() != "serviceusage.utilityUsage.created" ||
		resp.GetEvent().GetFamily() != "families/"+registrytest.Family(0).GetKkNumber() {
		t.Fatalf("live event: %v %v", resp, err)
	}
	if again := registryEvents(t, e, 1, 2); again[0] != first[1] {
		t.Fatalf("resume after 1: %v", again)
	}
}

// --- Reconciliation, end to end across the two services ---

func TestUnmatchedRecordsAreReconciledFromTheRegistryFeed(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url, 1, serviceusagetest.Options{})
		now := time.Now()
		late := registrytest.Family(7) // not yet in the registry
		recs := []*suv1.ImportRecordsRequest{
			health(demo.HealthCoverage(7, 0)),
			enrolment(demo.Enrolment(7, 1, now)),
			utility(demo.UtilityUsage(7, "2025-06")),
			programme(demo.ProgrammeParticipation(7)),
		}
		sum := serviceusagetest.Import(t, e.c, "early", recs...)
		if sum.GetAcceptedCount() != 4 {
			t.Fatalf("unknown identities are kept, not dropped: %v", sum)
		}
		un, err := e.c.ListHealthCoverages(ctx(t), &suv1.ListHealthCoveragesRequest{Filter: `match_status = "UNMATCHED"`})
		if err != nil || len(un.GetHealthCoverages()) != 1 || un.GetHealthCoverages()[0].GetMeta().GetUnmatchedReason() != "NIK_NOT_REGISTERED" {
			t.Fatalf("unmatched before: %v %v", un, err)
		}
		head := e.feedHead(t)

		// The registry learns the family; the feed consumer reconciles.
		registrytest.Import(t, e.reg.Client, "late", late)
		deadline := time.Now().Add(10 * time.Second)
		for {
			if e.countUnmatched(t) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d records still UNMATCHED 10 s after the registry import", e.countUnmatched(t))
			}
			time.Sleep(50 * time.Millisecond)
		}
		h, err := e.c.GetHealthCoverage(ctx(t), &suv1.GetHealthCoverageRequest{Name: hcName(late.Members[0].GetNik(), "bpjs-kesehatan")})
		if err != nil || h.GetMeta().GetMatchStatus() != suv1.MatchStatus_MATCH_STATUS_MATCHED || h.GetMeta().GetUnmatchedReason() != "" ||
			h.GetMeta().GetFamily() != "families/"+late.GetKkNumber() || h.GetMeta().GetEtag() != "v2" {
			t.Fatalf("reconciled record: %v %v", h, err)
		}
		evs := registryEvents(t, e, head, 4)
		for _, ev := range evs {
			if !strings.Contains(ev, ".reconciled ") {
				t.Fatalf("reconciliation events: %v", evs)
			}
		}

		// A later death in the registry flags the person's records.
		if _, err := e.reg.Client.RecordDeath(ctx(t), &registryv1.RecordDeathRequest{Name: "persons/" + late.Members[0].GetNik(), DeathDate: "2025-08-01"}); err != nil {
			t.Fatal(err)
		}
		deadline = time.Now().Add(10 * time.Second)
		for {
			h, err = e.c.GetHealthCoverage(ctx(t), &suv1.GetHealthCoverageRequest{Name: hcName(late.Members[0].GetNik(), "bpjs-kesehatan")})
			if err == nil && len(h.GetMeta().GetFlags()) == 1 && h.GetMeta().GetFlags()[0] == suv1.RecordFlag_RECORD_FLAG_PERSON_DECEASED {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("death not reflected: %v %v", h, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		// Idempotent: a second replica whose cursor is reset re-delivers the
		// whole registry feed, and nothing is written again.
		headNow := e.feedHead(t)
		if _, err := e.svc.DB.SQL().ExecContext(context.Background(), "UPDATE feed_cursors SET sequence = 0"); err != nil {
			t.Fatal(err)
		}
		serviceusagetest.Start(t, url, e.reg.Addr, serviceusagetest.Options{Auth: e.reg.Auth})
		regHead := e.reg.FeedHead(t)
		deadline = time.Now().Add(10 * time.Second)
		for {
			var cur int64
			if err := e.svc.DB.QueryRowContext(context.Background(), "SELECT sequence FROM feed_cursors WHERE feed = 'registry'").Scan(&cur); err != nil {
				t.Fatal(err)
			}
			if cur == regHead {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("replaying consumer stuck at %d of %d", cur, regHead)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if e.feedHead(t) != headNow {
			t.Fatalf("replaying the registry feed wrote %d more events", e.feedHead(t)-headNow)
		}
	})
}

func (e *env) countUnmatched(t *testing.T) int {
	t.Helper()
	total := 0
	for _, table := range []string{"health_coverages", "enrolments", "utility_usages", "programme_participations"} {
		var n int
		if err := e.svc.DB.QueryRowContext(context.Background(), "SELECT /* dtsen:fanout test counts every unmatched record */ count(*) FROM "+table+" WHERE match_status = 2").Scan(&n); err != nil {
			t.Fatal(err)
		}
		total += n
	}
	return total
}

// Without the registry nothing is written unchecked: an import fails with
// UNAVAILABLE (its batch can be re-sent) and the summary cannot be built.
func TestRegistryUnavailable(t *testing.T) {
	svc := serviceusagetest.Start(t, storagetest.SQLiteURL(t), "127.0.0.1:1", serviceusagetest.Options{NoFeed: true})
	_, err := serviceusagetest.SendImport(ctx(t), svc.Client, serviceusagetest.Header("bpjs", "down"), health(demo.HealthCoverage(0, 0)))
	wantStatus(t, err, codes.Unavailable, "REGISTRY_UNAVAILABLE")
	var n int
	if err := svc.DB.QueryRowContext(context.Background(), "SELECT /* dtsen:fanout test counts a whole table */ count(*) FROM health_coverages").Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d records written without a cross-check: %v", n, err)
	}
	_, err = svc.Client.GetFamilyServiceUsage(ctx(t), &suv1.GetFamilyServiceUsageRequest{Name: "families/" + registrytest.Family(0).GetKkNumber() + "/serviceUsage"})
	wantStatus(t, err, codes.Unavailable, "REGISTRY_UNAVAILABLE")
	// A regional officer's read needs the family's region from the registry:
	// without it the read is refused, never decided without a region.
	officer := svc.ClientAs(t, authtest.Officer(auth.RoleDistrictOfficer, "32.04"))
	_, err = officer.GetHealthCoverage(ctx(t), &suv1.GetHealthCoverageRequest{Name: hcName(demo.HealthCoverage(0, 0).Nik, "bpjs-kesehatan")})
	wantStatus(t, err, codes.Unavailable, "REGISTRY_UNAVAILABLE")
}
