package e2e_test

// REST tests of the service-usage context through the real gateway: the real
// registry (seeded with registrytest.Family(0..11)), the real service-usage
// server cross-checking against it, and the gateway routing both. Records are
// seeded through the service's own ImportRecords stream; everything else goes
// over HTTP.

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dtsen-id/dtsen/gateway/internal/server"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
	"github.com/dtsen-id/dtsen/services/serviceusage/demo"
	"github.com/dtsen-id/dtsen/services/serviceusage/serviceusagetest"
)

const serviceUsageDomain = "serviceusage.dtsen.go.id"

// serviceUsageUnregistered is a fixture family the registry does not hold.
const serviceUsageUnregistered = 20

// serviceUsageFixture is what serviceUsageSeed stored.
type serviceUsageFixture struct {
	kk, nik          string // family 0 and its head
	personProgramme  string // families/0's member 1, PBI-JK, as a person's programme
	schoolYear       string // the current school year as in a name: YYYY-YYYY
	unmatchedNIK     string // a person the registry does not know
	unmatchedKK      string // a family the registry does not know
	healthCoverages  int    // how many of each kind were stored
	enrolments       int
	utilityUsages    int
	programmes       int
	unmatchedRecords int
}

// serviceUsageSeed imports families 0-2's demo records (all MATCHED), a
// person's programme, and two records about family 20, which the registry
// does not know (UNMATCHED), through the service's ImportRecords stream.
func serviceUsageSeed(t *testing.T, e *env) serviceUsageFixture {
	t.Helper()
	now := time.Now()
	var recs []*serviceusagev1.ImportRecordsRequest
	for i := range 3 {
		recs = append(recs, demo.Records(i, now)...)
	}
	person := demo.ProgrammeParticipation(0)
	person.Nik, person.Programme = e.fams[0].GetMembers()[1].GetNik(), serviceusagev1.SocialProgramme_SOCIAL_PROGRAMME_PBI_JK
	person.PeriodEnd = "2024-12-31"
	recs = append(recs,
		&serviceusagev1.ImportRecordsRequest{Payload: &serviceusagev1.ImportRecordsRequest_ProgrammeParticipation{ProgrammeParticipation: person}},
		demo.Health(demo.HealthCoverage(serviceUsageUnregistered, 0)),
		&serviceusagev1.ImportRecordsRequest{Payload: &serviceusagev1.ImportRecordsRequest_UtilityUsage{
			UtilityUsage: demo.UtilityUsage(serviceUsageUnregistered, "2025-06")}},
	)
	sum := serviceusagetest.Import(t, e.serviceUsage, "e2e-serviceusage", recs...)
	if sum.GetAcceptedCount() != int64(len(recs)) || sum.GetRejectedCount() != 0 {
		t.Fatalf("seed: %v", sum)
	}
	year := demo.Enrolment(0, 0, now).GetSchoolYear()
	return serviceUsageFixture{
		kk:               e.fams[0].GetKkNumber(),
		nik:              e.fams[0].GetMembers()[0].GetNik(),
		personProgramme:  "persons/" + person.Nik + "/programmeParticipations/pbi-jk.2024-01-01",
		schoolYear:       strings.Replace(year, "/", "-", 1),
		unmatchedNIK:     registrytest.Family(serviceUsageUnregistered).GetMembers()[0].GetNik(),
		unmatchedKK:      registrytest.Family(serviceUsageUnregistered).GetKkNumber(),
		healthCoverages:  3*4 + 1,
		enrolments:       3 * 2,
		utilityUsages:    3*3 + 1,
		programmes:       3 + 1,
		unmatchedRecords: 2,
	}
}

// serviceUsageMeta returns a record's meta object.
func serviceUsageMeta(t *testing.T, rec map[string]any) map[string]any {
	t.Helper()
	m, ok := rec["meta"].(map[string]any)
	if !ok {
		t.Fatalf("record without meta: %v", rec)
	}
	return m
}

func serviceUsageItems(page map[string]any, key string) []map[string]any {
	raw, _ := page[key].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, r := range raw {
		m, _ := r.(map[string]any)
		out = append(out, m)
	}
	return out
}

// serviceUsageLists are the four List routes with the JSON key of their items.
var serviceUsageLists = []struct{ path, items string }{
	{"/v1/healthCoverages", "healthCoverages"},
	{"/v1/enrolments", "enrolments"},
	{"/v1/utilityUsages", "utilityUsages"},
	{"/v1/programmeParticipations", "programmeParticipations"},
}

// serviceUsageListAll follows nextPageToken from the first page to the last
// and returns every name, checking each page's size and shape on the way.
func serviceUsageListAll(t *testing.T, e *env, path, items, filter string, size int) []string {
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
		got := serviceUsageItems(body, items)
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

func TestServiceUsageGet(t *testing.T) {
	e := newEnv(t, envOptions{sources: true})
	fx := serviceUsageSeed(t, e)
	h := demo.HealthCoverage(0, 0)
	child := demo.Enrolment(0, 0, time.Now())
	for _, c := range []struct {
		path   string
		fields map[string]string
	}{
		{"/v1/persons/" + fx.nik + "/healthCoverages/bpjs-kesehatan", map[string]string{
			"nik": fx.nik, "sourceAgency": "bpjs-kesehatan", "observationDate": demo.ObservationDate,
			"membershipClass": h.GetMembershipClass().String(),
		}},
		{"/v1/persons/" + child.GetNik() + "/enrolments/" + fx.schoolYear, map[string]string{
			"nik": child.GetNik(), "schoolYear": child.GetSchoolYear(), "sourceAgency": "kemendikdasmen",
			"level": child.GetLevel().String(), "ownership": "SCHOOL_OWNERSHIP_PUBLIC", "feeBand": "SCHOOL_FEE_BAND_FREE",
		}},
		{"/v1/families/" + fx.kk + "/utilityUsages/2025-06", map[string]string{
			"kkNumber": fx.kk, "month": "2025-06", "sourceAgency": "pln", "plnCustomerId": demo.UtilityUsage(0, "2025-06").GetPlnCustomerId(),
		}},
		{"/v1/families/" + fx.kk + "/programmeParticipations/pkh.2024-01-01", map[string]string{
			"kkNumber": fx.kk, "programme": "SOCIAL_PROGRAMME_PKH", "periodStart": "2024-01-01", "disbursingAgency": "bank-himbara",
		}},
		{"/v1/" + fx.personProgramme, map[string]string{
			"kkNumber": fx.kk, "programme": "SOCIAL_PROGRAMME_PBI_JK", "periodEnd": "2024-12-31",
		}},
	} {
		t.Run(c.path, func(t *testing.T) {
			e := e.sub(t)
			rec := e.ok(e.get(c.path))
			checkCamelCase(t, c.path, rec)
			if want := strings.TrimPrefix(c.path, "/v1/"); str(rec, "name") != want {
				t.Errorf("name %q, want %q", str(rec, "name"), want)
			}
			for k, want := range c.fields {
				if got := str(rec, k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			m := serviceUsageMeta(t, rec)
			if str(m, "matchStatus") != "MATCH_STATUS_MATCHED" || str(m, "family") != "families/"+fx.kk ||
				str(m, "etag") != "v1" || str(m, "createTime") == "" || m["unmatchedReason"] != nil {
				t.Errorf("meta: %v", m)
			}
		})
	}
	// Numbers stay JSON numbers (int32), booleans booleans.
	u := e.ok(e.get("/v1/families/" + fx.kk + "/utilityUsages/2025-06"))
	if kwh, ok := u["electricityKwh"].(float64); !ok || int32(kwh) != demo.UtilityUsage(0, "2025-06").GetElectricityKwh() {
		t.Errorf("electricityKwh = %v", u["electricityKwh"])
	}
}

func TestServiceUsageFamilySummary(t *testing.T) {
	e := newEnv(t, envOptions{sources: true})
	fx := serviceUsageSeed(t, e)

	t.Run("registered", func(t *testing.T) {
		e := e.sub(t)
		s := e.ok(e.get("/v1/families/" + fx.kk + "/serviceUsage"))
		checkCamelCase(t, "summary", s)
		if str(s, "name") != "families/"+fx.kk+"/serviceUsage" || str(s, "kkNumber") != fx.kk || s["familyRegistered"] != true {
			t.Fatalf("summary head: %v", s)
		}
		ms := members(s)
		if len(ms) != len(e.fams[0].GetMembers()) {
			t.Fatalf("%d members, want the registry's %d", len(ms), len(e.fams[0].GetMembers()))
		}
		for i, m := range ms {
			if str(m, "nik") != e.fams[0].GetMembers()[i].GetNik() {
				t.Errorf("member %d: %v", i, m)
			}
			if i < 4 && len(serviceUsageItems(m, "healthCoverages")) != 1 {
				t.Errorf("member %d health coverages: %v", i, m["healthCoverages"])
			}
		}
		util := serviceUsageItems(s, "utilityUsages")
		if len(util) != 3 || str(util[0], "month") != "2025-06" || str(util[2], "month") != "2025-04" {
			t.Errorf("utilities, newest first: %v", util)
		}
		progs := serviceUsageItems(s, "programmeParticipations")
		if len(progs) != 2 {
			t.Errorf("programmes (the family's PKH and a member's PBI-JK): %v", progs)
		}
		totals, _ := s["totals"].(map[string]any)
		if totals["memberCount"] != float64(len(ms)) || totals["childrenEnrolled"] != float64(2) ||
			totals["activeProgrammes"] != float64(1) || str(totals, "currentSchoolYear") != strings.Replace(fx.schoolYear, "-", "/", 1) {
			t.Errorf("totals: %v", totals)
		}
	})

	t.Run("unregistered family with its own records", func(t *testing.T) {
		e := e.sub(t)
		s := e.ok(e.get("/v1/families/" + fx.unmatchedKK + "/serviceUsage"))
		checkCamelCase(t, "summary", s)
		if s["familyRegistered"] != nil || len(members(s)) != 0 {
			t.Fatalf("an unregistered family has no members and familyRegistered false (omitted): %v", s)
		}
		util := serviceUsageItems(s, "utilityUsages")
		if len(util) != 1 || str(serviceUsageMeta(t, util[0]), "unmatchedReason") != "KK_NOT_REGISTERED" {
			t.Errorf("the family's unmatched utility: %v", util)
		}
	})

	t.Run("unknown to both", func(t *testing.T) {
		e := e.sub(t)
		kk := registrytest.Family(40).GetKkNumber()
		a := e.wantError(e.get("/v1/families/"+kk+"/serviceUsage"), http.StatusNotFound, "NOT_FOUND", "FAMILY_NOT_FOUND")
		if a.domain() != serviceUsageDomain {
			t.Errorf("domain %q", a.domain())
		}
	})
}

func TestServiceUsageUnmatchedOverREST(t *testing.T) {
	e := newEnv(t, envOptions{sources: true})
	fx := serviceUsageSeed(t, e)

	h := e.ok(e.get("/v1/persons/" + fx.unmatchedNIK + "/healthCoverages/bpjs-kesehatan"))
	m := serviceUsageMeta(t, h)
	if str(m, "matchStatus") != "MATCH_STATUS_UNMATCHED" || str(m, "unmatchedReason") != "NIK_NOT_REGISTERED" || m["family"] != nil {
		t.Errorf("unmatched health coverage meta: %v", m)
	}
	u := e.ok(e.get("/v1/families/" + fx.unmatchedKK + "/utilityUsages/2025-06"))
	if m := serviceUsageMeta(t, u); str(m, "matchStatus") != "MATCH_STATUS_UNMATCHED" || str(m, "unmatchedReason") != "KK_NOT_REGISTERED" {
		t.Errorf("unmatched utility meta: %v", m)
	}

	// The operator's work list: exactly the UNMATCHED records, with reasons.
	unmatched := 0
	for _, l := range serviceUsageLists {
		page := e.ok(e.get(l.path + "?filter=" + url.QueryEscape(`match_status = "UNMATCHED"`)))
		for _, r := range serviceUsageItems(page, l.items) {
			unmatched++
			if m := serviceUsageMeta(t, r); str(m, "matchStatus") != "MATCH_STATUS_UNMATCHED" || str(m, "unmatchedReason") == "" {
				t.Errorf("%s: %v", l.path, r)
			}
		}
	}
	if unmatched != fx.unmatchedRecords {
		t.Errorf("%d UNMATCHED records listed, want %d", unmatched, fx.unmatchedRecords)
	}
}

func TestServiceUsageListPagination(t *testing.T) {
	e := newEnv(t, envOptions{sources: true})
	fx := serviceUsageSeed(t, e)
	want := map[string]int{
		"healthCoverages": fx.healthCoverages, "enrolments": fx.enrolments,
		"utilityUsages": fx.utilityUsages, "programmeParticipations": fx.programmes,
	}
	for _, l := range serviceUsageLists {
		t.Run(l.items, func(t *testing.T) {
			e := e.sub(t)
			all := serviceUsageListAll(t, e, l.path, l.items, "", 1000)
			if len(all) != want[l.items] {
				t.Fatalf("%d %s in one page, want %d: %v", len(all), l.items, want[l.items], all)
			}
			if !sort.StringsAreSorted(all) {
				t.Errorf("not in resource-name order: %v", all)
			}
			for _, size := range []int{1, 2, 3} {
				paged := serviceUsageListAll(t, e, l.path, l.items, "", size)
				if strings.Join(paged, "\n") != strings.Join(all, "\n") {
					t.Errorf("pageSize %d: gaps or duplicates:\n got %v\nwant %v", size, paged, all)
				}
			}
		})
	}

	t.Run("with a filter", func(t *testing.T) {
		e := e.sub(t)
		filter := `family = "` + fx.kk + `"`
		all := serviceUsageListAll(t, e, "/v1/healthCoverages", "healthCoverages", filter, 1000)
		paged := serviceUsageListAll(t, e, "/v1/healthCoverages", "healthCoverages", filter, 1)
		if len(all) != 4 || strings.Join(paged, "\n") != strings.Join(all, "\n") {
			t.Errorf("family filter: %v, paged %v", all, paged)
		}
		for _, n := range all {
			if !strings.HasSuffix(n, "/healthCoverages/bpjs-kesehatan") {
				t.Errorf("unexpected %s", n)
			}
		}
	})

	t.Run("default page size", func(t *testing.T) {
		e := e.sub(t)
		page := e.ok(e.get("/v1/healthCoverages"))
		if len(serviceUsageItems(page, "healthCoverages")) != fx.healthCoverages || str(page, "nextPageToken") != "" {
			t.Errorf("one default page holds all %d: %v", fx.healthCoverages, page)
		}
	})
}

func TestServiceUsageBadInput(t *testing.T) {
	e := newEnv(t, envOptions{sources: true})
	fx := serviceUsageSeed(t, e)
	bad := func(path, reason, violation string) struct{ path, reason, violation string } {
		return struct{ path, reason, violation string }{path, reason, violation}
	}
	cases := []struct{ path, reason, violation string }{
		// Malformed names, on every Get route.
		bad("/v1/persons/123/healthCoverages/bpjs-kesehatan", "NIK_INVALID_LENGTH", "name:NIK_INVALID_LENGTH"),
		bad("/v1/persons/"+fx.nik+"/healthCoverages/BPJS", "RESOURCE_NAME_INVALID", "name:RESOURCE_NAME_INVALID"),
		bad("/v1/persons/123/enrolments/"+fx.schoolYear, "NIK_INVALID_LENGTH", "name:NIK_INVALID_LENGTH"),
		bad("/v1/persons/"+fx.nik+"/enrolments/2025", "RESOURCE_NAME_INVALID", "name:RESOURCE_NAME_INVALID"),
		bad("/v1/families/3204120000010000/utilityUsages/2025-01", "KK_INVALID_SERIAL", "name:KK_INVALID_SERIAL"),
		bad("/v1/families/"+fx.kk+"/utilityUsages/2025-13", "RESOURCE_NAME_INVALID", "name:RESOURCE_NAME_INVALID"),
		bad("/v1/families/"+fx.kk+"/programmeParticipations/PKH.2024-01-01", "RESOURCE_NAME_INVALID", "name:RESOURCE_NAME_INVALID"),
		bad("/v1/families/12/programmeParticipations/pkh.2024-01-01", "KK_INVALID_LENGTH", "name:KK_INVALID_LENGTH"),
		bad("/v1/persons/123/programmeParticipations/pkh.2024-01-01", "NIK_INVALID_LENGTH", "name:NIK_INVALID_LENGTH"),
		bad("/v1/families/12/serviceUsage", "KK_INVALID_LENGTH", "name:KK_INVALID_LENGTH"),
		// Filters: unknown field, bad syntax, malformed values.
		bad("/v1/healthCoverages?filter="+url.QueryEscape(`month = "2025-01"`), "FILTER_INVALID", "filter:FILTER_INVALID"),
		bad("/v1/healthCoverages?filter="+url.QueryEscape(`nik = "123"`), "FILTER_INVALID", "filter:NIK_INVALID_LENGTH"),
		bad("/v1/enrolments?filter="+url.QueryEscape(`nik ~ "1"`), "FILTER_INVALID", "filter:FILTER_INVALID"),
		bad("/v1/enrolments?filter="+url.QueryEscape(`school_year = "2025"`), "FILTER_INVALID", "filter:FILTER_INVALID"),
		bad("/v1/utilityUsages?filter="+url.QueryEscape(`match_status = "MAYBE"`), "FILTER_INVALID", "filter:FILTER_INVALID"),
		bad("/v1/utilityUsages?filter="+url.QueryEscape(`family = "12"`), "FILTER_INVALID", "filter:KK_INVALID_LENGTH"),
		bad("/v1/programmeParticipations?filter="+url.QueryEscape(`programme = "pkh"`), "FILTER_INVALID", "filter:FILTER_INVALID"),
	}
	// Page tokens and sizes, on every List route.
	for _, l := range serviceUsageLists {
		cases = append(cases,
			bad(l.path+"?pageToken=not-a-token", "PAGE_TOKEN_INVALID", "page_token:PAGE_TOKEN_INVALID"),
			bad(l.path+"?pageSize=-1", "PAGE_SIZE_NEGATIVE", "page_size:PAGE_SIZE_NEGATIVE"),
			bad(l.path+"?filter=bogus", "FILTER_INVALID", "filter:FILTER_INVALID"),
		)
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			e := e.sub(t)
			a := e.wantError(e.get(c.path), http.StatusBadRequest, "INVALID_ARGUMENT", c.reason)
			e.wantViolation(a, c.violation)
			if a.domain() != serviceUsageDomain {
				t.Errorf("domain %q, want %q", a.domain(), serviceUsageDomain)
			}
			if a.localized("id-ID") == "" || a.localized("en") == "" {
				t.Errorf("want LocalizedMessages in id-ID and en: %v", a.Error.Details)
			}
		})
	}

	t.Run("page token bound to its filter", func(t *testing.T) {
		e := e.sub(t)
		for _, l := range serviceUsageLists {
			token := str(e.ok(e.get(l.path+"?pageSize=1")), "nextPageToken")
			if token == "" {
				t.Fatalf("%s: no nextPageToken", l.path)
			}
			a := e.wantError(e.get(l.path+"?pageSize=1&filter="+url.QueryEscape(`match_status = "MATCHED"`)+"&pageToken="+url.QueryEscape(token)),
				http.StatusBadRequest, "INVALID_ARGUMENT", "PAGE_TOKEN_INVALID")
			e.wantViolation(a, "page_token:PAGE_TOKEN_INVALID")
		}
	})

	t.Run("page size not a number", func(t *testing.T) {
		e := e.sub(t)
		// Rejected by the gateway before the service is called.
		a := e.wantError(e.get("/v1/healthCoverages?pageSize=two"), http.StatusBadRequest, "INVALID_ARGUMENT", server.ReasonInvalidRequest)
		if a.domain() != server.ErrorDomain {
			t.Errorf("domain %q, want %q", a.domain(), server.ErrorDomain)
		}
	})
}

func TestServiceUsageNotFound(t *testing.T) {
	e := newEnv(t, envOptions{sources: true})
	fx := serviceUsageSeed(t, e)
	for path, reason := range map[string]string{
		"/v1/persons/" + fx.nik + "/healthCoverages/other-agency":                 "HEALTH_COVERAGE_NOT_FOUND",
		"/v1/persons/" + fx.nik + "/enrolments/2020-2021":                         "ENROLMENT_NOT_FOUND",
		"/v1/families/" + fx.kk + "/utilityUsages/2020-01":                        "UTILITY_USAGE_NOT_FOUND",
		"/v1/families/" + fx.kk + "/programmeParticipations/blt.2024-01-01":       "PROGRAMME_PARTICIPATION_NOT_FOUND",
		"/v1/persons/" + fx.nik + "/programmeParticipations/pbi-jk.2024-01-01":    "PROGRAMME_PARTICIPATION_NOT_FOUND",
		"/v1/families/" + registrytest.Family(40).GetKkNumber() + "/serviceUsage": "FAMILY_NOT_FOUND",
	} {
		t.Run(path, func(t *testing.T) {
			e := e.sub(t)
			a := e.wantError(e.get(path), http.StatusNotFound, "NOT_FOUND", reason)
			if a.domain() != serviceUsageDomain || a.localized("id-ID") == "" {
				t.Errorf("domain %q, localized %q", a.domain(), a.localized("id-ID"))
			}
		})
	}
}
