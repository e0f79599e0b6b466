package e2e_test

// REST tests of the income context through the real gateway: the real
// registry (seeded with registrytest.Family(0..11)), the real income server
// cross-checking against it, and the gateway routing both. Records are seeded
// through the income service's own ImportRecords stream; everything else goes
// over HTTP.

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"testing"

	"github.com/dtsen-id/dtsen/gateway/internal/server"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	"github.com/dtsen-id/dtsen/services/income/demo"
	"github.com/dtsen-id/dtsen/services/income/incometest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
)

const incomeDomain = "income.dtsen.go.id"

// incomeFamilies is how many seeded families get demo income records.
const incomeFamilies = 3

// incomeUnregistered is a fixture family the registry does not hold.
const incomeUnregistered = 20

// incomeFixture is what incomeSeed stored.
type incomeFixture struct {
	kk, nik, spouse string // family 0, its head and spouse
	unmatchedNIK    string // a person the registry does not know
	unmatchedKK     string // a family the registry does not know
	incomes         []string
	employments     []string
	consumptions    []string
	bankingPatterns []string
}

// incomeSeed imports families 0-2's demo records (all MATCHED: four incomes,
// the head's employment, the family's consumption, the spouse's banking
// pattern) and an income and a consumption of family 20, which the registry
// does not know (UNMATCHED), through the service's ImportRecords stream. It
// returns every stored name, computed from the records as the API names them.
func incomeSeed(t *testing.T, e *env) incomeFixture {
	t.Helper()
	unreg := registrytest.Family(incomeUnregistered)
	fx := incomeFixture{
		kk: e.fams[0].GetKkNumber(), nik: e.fams[0].GetMembers()[0].GetNik(), spouse: e.fams[0].GetMembers()[1].GetNik(),
		unmatchedNIK: unreg.GetMembers()[0].GetNik(), unmatchedKK: unreg.GetKkNumber(),
	}
	slug := map[incomev1.IncomeSource]string{
		incomev1.IncomeSource_INCOME_SOURCE_FORMAL_WAGE: "formal-wage",
		incomev1.IncomeSource_INCOME_SOURCE_BUSINESS:    "business",
		incomev1.IncomeSource_INCOME_SOURCE_TRANSFER:    "transfer",
	}
	var recs []*incomev1.ImportRecordsRequest
	addIncome := func(x *incomev1.Income) {
		recs = append(recs, incometest.IncomeRecord(x))
		fx.incomes = append(fx.incomes, "persons/"+x.GetNik()+"/incomes/"+slug[x.GetSource()]+"-"+x.GetPeriodStart())
	}
	addConsumption := func(x *incomev1.Consumption) {
		recs = append(recs, incometest.ConsumptionRecord(x))
		fx.consumptions = append(fx.consumptions, "families/"+x.GetKkNumber()+"/consumptions/"+x.GetSurveyId())
	}
	for f := range incomeFamilies {
		for m := range demo.MembersPerFamily {
			addIncome(demo.Income(f*demo.MembersPerFamily + m))
		}
		emp := demo.Employment(f)
		recs = append(recs, incometest.EmploymentRecord(emp))
		fx.employments = append(fx.employments, "persons/"+emp.GetNik()+"/employments/"+emp.GetSourceAgency()+"-"+emp.GetObservationDate())
		addConsumption(demo.Consumption(f))
		bank := demo.BankingPattern(f)
		recs = append(recs, incometest.BankingRecord(bank))
		fx.bankingPatterns = append(fx.bankingPatterns,
			"persons/"+bank.GetNik()+"/bankingPatterns/"+bank.GetAgreementReference()+"-"+bank.GetObservationDate())
	}
	addIncome(demo.IncomeOf(fx.unmatchedNIK, 0))
	unmatchedConsumption := demo.Consumption(0)
	unmatchedConsumption.KkNumber = fx.unmatchedKK
	addConsumption(unmatchedConsumption)

	sum := incometest.Import(t, e.income, "e2e-income", recs...)
	if sum.GetAcceptedCount() != int64(len(recs)) || sum.GetRejectedCount() != 0 {
		t.Fatalf("seed: %v", sum)
	}
	return fx
}

func incomeItems(page map[string]any, key string) []map[string]any {
	raw, _ := page[key].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, r := range raw {
		m, _ := r.(map[string]any)
		out = append(out, m)
	}
	return out
}

// incomeLists are the four List routes under their wildcard parents, with
// the JSON key of their items.
var incomeLists = []struct{ path, items string }{
	{"/v1/persons/-/incomes", "incomes"},
	{"/v1/persons/-/employments", "employments"},
	{"/v1/families/-/consumptions", "consumptions"},
	{"/v1/persons/-/bankingPatterns", "bankingPatterns"},
}

// incomeListAll follows nextPageToken from the first page to the last and
// returns every name, checking each page's size and shape on the way.
func incomeListAll(t *testing.T, e *env, path, items, filter string, size int) []string {
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
		got := incomeItems(body, items)
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

func incomeSorted(xs []string) []string {
	out := append([]string(nil), xs...)
	sort.Strings(out)
	return out
}

func TestIncomeGet(t *testing.T) {
	e := newEnv(t, envOptions{sources: true})
	fx := incomeSeed(t, e)

	t.Run("income", func(t *testing.T) {
		e := e.sub(t)
		x := e.ok(e.get("/v1/" + fx.incomes[0]))
		checkCamelCase(t, "income", x)
		want := demo.Income(0)
		for key, v := range map[string]string{
			"name": fx.incomes[0], "nik": fx.nik, "source": "INCOME_SOURCE_FORMAL_WAGE",
			"monthlyAmount": strconv.FormatInt(want.GetMonthlyAmount(), 10), // int64 is a JSON string
			"periodStart":   "2025-01", "periodEnd": "2025-12", "sourceAgency": "bpjs-tk", "observationDate": "2026-01-15",
			"matchStatus": "MATCH_STATUS_MATCHED",
		} {
			if got := str(x, key); got != v {
				t.Errorf("income.%s = %q, want %q", key, got, v)
			}
		}
		if str(x, "createTime") == "" || str(x, "updateTime") == "" {
			t.Errorf("income without times: %v", x)
		}
	})
	t.Run("employment", func(t *testing.T) {
		e := e.sub(t)
		x := e.ok(e.get("/v1/" + fx.employments[0]))
		checkCamelCase(t, "employment", x)
		for key, v := range map[string]string{
			"name": fx.employments[0], "nik": fx.nik, "sector": "EMPLOYMENT_SECTOR_AGRICULTURE",
			"status":      "EMPLOYMENT_STATUS_SELF_EMPLOYED_WITH_TEMPORARY_HELP",
			"matchStatus": "MATCH_STATUS_MATCHED",
		} {
			if got := str(x, key); got != v {
				t.Errorf("employment.%s = %q, want %q", key, got, v)
			}
		}
		if x["hoursPerWeek"] != float64(30) {
			t.Errorf("employment.hoursPerWeek = %v, want 30", x["hoursPerWeek"])
		}
	})
	t.Run("consumption", func(t *testing.T) {
		e := e.sub(t)
		x := e.ok(e.get("/v1/" + fx.consumptions[0]))
		checkCamelCase(t, "consumption", x)
		for key, v := range map[string]string{
			"name": fx.consumptions[0], "kkNumber": fx.kk, "surveyId": "susenas-2026-03",
			"measurement": "MEASUREMENT_MEASURED_BY_ENUMERATOR", "monthlyExpenditure": "3000000",
			"matchStatus": "MATCH_STATUS_MATCHED",
		} {
			if got := str(x, key); got != v {
				t.Errorf("consumption.%s = %q, want %q", key, got, v)
			}
		}
	})
	t.Run("banking pattern", func(t *testing.T) {
		e := e.sub(t)
		x := e.ok(e.get("/v1/" + fx.bankingPatterns[0]))
		checkCamelCase(t, "bankingPattern", x)
		for key, v := range map[string]string{
			"name": fx.bankingPatterns[0], "nik": fx.spouse, "agreementReference": "pks-ojk-2026-001",
			"savingsBalanceBand": "SAVINGS_BALANCE_BAND_ONE_TO_TEN_MILLION", "matchStatus": "MATCH_STATUS_MATCHED",
		} {
			if got := str(x, key); got != v {
				t.Errorf("bankingPattern.%s = %q, want %q", key, got, v)
			}
		}
		loans := incomeItems(x, "loans")
		if len(loans) != 1 || str(loans[0], "lenderType") != "LENDER_TYPE_LEASING" || str(loans[0], "outstandingAmount") != "9800000" {
			t.Errorf("bankingPattern.loans = %v", x["loans"])
		}
	})

	// Every List route answers 200 under a person's or family's own parent,
	// with only that owner's records.
	for _, tc := range []struct{ path, items, want string }{
		{"/v1/persons/" + fx.nik + "/incomes", "incomes", fx.incomes[0]},
		{"/v1/persons/" + fx.nik + "/employments", "employments", fx.employments[0]},
		{"/v1/families/" + fx.kk + "/consumptions", "consumptions", fx.consumptions[0]},
		{"/v1/persons/" + fx.spouse + "/bankingPatterns", "bankingPatterns", fx.bankingPatterns[0]},
	} {
		t.Run("list "+tc.path, func(t *testing.T) {
			e := e.sub(t)
			body := e.ok(e.get(tc.path))
			checkCamelCase(t, tc.path, body)
			got := incomeItems(body, tc.items)
			if len(got) != 1 || str(got[0], "name") != tc.want || str(body, "nextPageToken") != "" {
				t.Fatalf("%s: %v", tc.path, body)
			}
		})
	}
}

func TestIncomeFamilyEconomics(t *testing.T) {
	e := newEnv(t, envOptions{sources: true})
	fx := incomeSeed(t, e)

	fe := e.ok(e.get("/v1/families/" + fx.kk + "/economics"))
	checkCamelCase(t, "economics", fe)
	if str(fe, "name") != "families/"+fx.kk+"/economics" || str(fe, "kkNumber") != fx.kk {
		t.Fatalf("economics: %v", fe)
	}
	ms := members(fe)
	if len(ms) != demo.MembersPerFamily {
		t.Fatalf("members: %v", fe["members"])
	}
	// Members in the registry's order, each with their own records.
	var total int64
	for i, m := range ms {
		if str(m, "nik") != e.fams[0].GetMembers()[i].GetNik() {
			t.Errorf("member %d: %v", i, m)
		}
		if len(incomeItems(m, "incomes")) != 1 {
			t.Errorf("member %d incomes: %v", i, m["incomes"])
		}
		total += demo.Income(i).GetMonthlyAmount()
	}
	if len(incomeItems(ms[0], "employments")) != 1 || len(incomeItems(ms[1], "bankingPatterns")) != 1 {
		t.Errorf("head's employment or spouse's banking pattern missing: %v", ms)
	}
	// Measured and self-declared consumption are kept apart.
	if got := incomeItems(fe, "measuredConsumptions"); len(got) != 1 || str(got[0], "name") != fx.consumptions[0] {
		t.Errorf("measuredConsumptions: %v", fe["measuredConsumptions"])
	}
	if _, ok := fe["selfDeclaredConsumptions"]; ok {
		t.Errorf("family 0 declared nothing itself: %v", fe["selfDeclaredConsumptions"])
	}
	if str(fe, "totalMonthlyIncome") != strconv.FormatInt(total, 10) || fe["memberCount"] != float64(demo.MembersPerFamily) ||
		str(fe, "perCapitaMonthlyIncome") != strconv.FormatInt(total/demo.MembersPerFamily, 10) {
		t.Errorf("totals: total %v count %v per capita %v, want %d", fe["totalMonthlyIncome"], fe["memberCount"], fe["perCapitaMonthlyIncome"], total)
	}

	// Family 1 self-declared its consumption.
	fe1 := e.ok(e.get("/v1/families/" + e.fams[1].GetKkNumber() + "/economics"))
	if got := incomeItems(fe1, "selfDeclaredConsumptions"); len(got) != 1 || str(got[0], "measurement") != "MEASUREMENT_SELF_DECLARED" {
		t.Errorf("family 1 selfDeclaredConsumptions: %v", fe1)
	}
	if _, ok := fe1["measuredConsumptions"]; ok {
		t.Errorf("family 1 measuredConsumptions: %v", fe1["measuredConsumptions"])
	}

	// A registered family without any income record still has a summary.
	empty := e.ok(e.get("/v1/families/" + e.fams[5].GetKkNumber() + "/economics"))
	if len(members(empty)) != len(e.fams[5].GetMembers()) || str(empty, "totalMonthlyIncome") != "" {
		t.Errorf("family without records: %v", empty)
	}

	t.Run("unregistered family", func(t *testing.T) {
		e := e.sub(t)
		a := e.wantError(e.get("/v1/families/"+fx.unmatchedKK+"/economics"), http.StatusNotFound, "NOT_FOUND", "FAMILY_NOT_REGISTERED")
		if a.domain() != incomeDomain || a.localized("id-ID") == "" || a.localized("en") == "" {
			t.Errorf("error details: %v", a.Error.Details)
		}
	})
}

func TestIncomeListPagination(t *testing.T) {
	e := newEnv(t, envOptions{sources: true})
	fx := incomeSeed(t, e)
	all := map[string][]string{
		"incomes": fx.incomes, "employments": fx.employments, "consumptions": fx.consumptions, "bankingPatterns": fx.bankingPatterns,
	}
	for _, l := range incomeLists {
		t.Run(l.path, func(t *testing.T) {
			e := e.sub(t)
			want := incomeSorted(all[l.items])
			// Page sizes that divide the set evenly, leave a remainder, and
			// hold it all: every record exactly once, in natural-key order.
			for _, size := range []int{1, 2, 5, 1000} {
				got := incomeListAll(t, e, l.path, l.items, "", size)
				if len(got) != len(want) {
					t.Fatalf("pageSize %d: listed %d, want %d: %v", size, len(got), len(want), got)
				}
				if !sort.StringsAreSorted(got) {
					t.Errorf("pageSize %d: not in name order: %v", size, got)
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("pageSize %d: gap or duplicate at %d: got %v, want %v", size, i, got, want)
					}
				}
			}
		})
	}

	t.Run("filter across pages", func(t *testing.T) {
		e := e.sub(t)
		got := incomeListAll(t, e, "/v1/persons/-/incomes", "incomes", `source = "TRANSFER" AND match_status = "MATCHED"`, 2)
		if len(got) != 2*incomeFamilies {
			t.Fatalf("transfers: %v", got)
		}
		for _, n := range got {
			x := e.ok(e.get("/v1/" + n))
			if str(x, "source") != "INCOME_SOURCE_TRANSFER" {
				t.Errorf("filter leaked %v", x)
			}
		}
		measured := incomeListAll(t, e, "/v1/families/-/consumptions", "consumptions", `measurement = "MEASURED_BY_ENUMERATOR"`, 1)
		for _, n := range measured {
			if x := e.ok(e.get("/v1/" + n)); str(x, "measurement") != "MEASUREMENT_MEASURED_BY_ENUMERATOR" {
				t.Errorf("measurement filter leaked %v", x)
			}
		}
		if len(measured) != 3 { // families 0 and 2, and the unregistered family's copy of family 0's
			t.Errorf("measured consumptions: %v", measured)
		}
	})
}

func TestIncomeUnmatchedOverREST(t *testing.T) {
	e := newEnv(t, envOptions{sources: true})
	fx := incomeSeed(t, e)

	inc := e.ok(e.get("/v1/" + fx.incomes[len(fx.incomes)-1]))
	if str(inc, "nik") != fx.unmatchedNIK || str(inc, "matchStatus") != "MATCH_STATUS_UNMATCHED" || str(inc, "matchReason") != "NIK_NOT_REGISTERED" {
		t.Errorf("unmatched income: %v", inc)
	}
	cons := e.ok(e.get("/v1/" + fx.consumptions[len(fx.consumptions)-1]))
	if str(cons, "kkNumber") != fx.unmatchedKK || str(cons, "matchStatus") != "MATCH_STATUS_UNMATCHED" || str(cons, "matchReason") != "KK_NOT_REGISTERED" {
		t.Errorf("unmatched consumption: %v", cons)
	}
	// The records waiting for the registry are listed by their status.
	if got := incomeListAll(t, e, "/v1/persons/-/incomes", "incomes", `match_status = "UNMATCHED"`, 10); len(got) != 1 || got[0] != str(inc, "name") {
		t.Errorf("unmatched incomes: %v", got)
	}
	if got := incomeListAll(t, e, "/v1/families/-/consumptions", "consumptions", `match_status = "UNMATCHED"`, 10); len(got) != 1 || got[0] != str(cons, "name") {
		t.Errorf("unmatched consumptions: %v", got)
	}
	// A matched record has no reason.
	if x := e.ok(e.get("/v1/" + fx.incomes[0])); str(x, "matchReason") != "" {
		t.Errorf("matched income with a reason: %v", x)
	}
}

func TestIncomeBadInput(t *testing.T) {
	e := newEnv(t, envOptions{sources: true})
	fx := incomeSeed(t, e)
	bad := func(path, reason, violation string) struct{ path, reason, violation string } {
		return struct{ path, reason, violation string }{path, reason, violation}
	}
	cases := []struct{ path, reason, violation string }{
		// Malformed names and NIK/KK numbers, on every Get route.
		bad("/v1/persons/320412010170000/incomes/formal-wage-2025-01", "NIK_INVALID_LENGTH", "name:NIK_INVALID_LENGTH"),
		bad("/v1/persons/3204123201700001/incomes/formal-wage-2025-01", "NIK_INVALID_BIRTH_DATE", "name:NIK_INVALID_BIRTH_DATE"),
		bad("/v1/persons/"+fx.nik+"/incomes/salary-2025-01", "RESOURCE_NAME_INVALID", "name:RESOURCE_NAME_INVALID"),
		bad("/v1/persons/"+fx.nik+"/incomes/formal-wage-2025-13", "RESOURCE_NAME_INVALID", "name:RESOURCE_NAME_INVALID"),
		bad("/v1/persons/32041201017000AB/employments/bps-2026-02-01", "NIK_NOT_NUMERIC", "name:NIK_NOT_NUMERIC"),
		bad("/v1/persons/"+fx.nik+"/employments/bps", "RESOURCE_NAME_INVALID", "name:RESOURCE_NAME_INVALID"),
		bad("/v1/families/12/consumptions/susenas-2026-03", "KK_INVALID_LENGTH", "name:KK_INVALID_LENGTH"),
		bad("/v1/families/"+fx.kk+"/consumptions/Susenas", "RESOURCE_NAME_INVALID", "name:RESOURCE_NAME_INVALID"),
		bad("/v1/persons/9904120101700001/bankingPatterns/pks-ojk-2026-001-2026-03-31", "NIK_INVALID_PROVINCE", "name:NIK_INVALID_PROVINCE"),
		bad("/v1/persons/"+fx.spouse+"/bankingPatterns/pks-ojk-2026-001", "RESOURCE_NAME_INVALID", "name:RESOURCE_NAME_INVALID"),
		bad("/v1/families/12/economics", "KK_INVALID_LENGTH", "name:KK_INVALID_LENGTH"),
		// Malformed parents, on every List route.
		bad("/v1/persons/3204120101700000/incomes", "NIK_INVALID_SERIAL", "parent:NIK_INVALID_SERIAL"),
		bad("/v1/persons/123/employments", "NIK_INVALID_LENGTH", "parent:NIK_INVALID_LENGTH"),
		bad("/v1/families/12/consumptions", "KK_INVALID_LENGTH", "parent:KK_INVALID_LENGTH"),
		bad("/v1/persons/123/bankingPatterns", "NIK_INVALID_LENGTH", "parent:NIK_INVALID_LENGTH"),
		// Filters: unknown field, bad syntax, a field twice, bad values.
		bad("/v1/persons/-/incomes?filter="+url.QueryEscape(`amount = "1"`), "FILTER_INVALID", "filter:FILTER_INVALID"),
		bad("/v1/persons/-/incomes?filter="+url.QueryEscape(`source = "SALARY"`), "FILTER_INVALID", "filter:FILTER_INVALID"),
		bad("/v1/persons/-/employments?filter="+url.QueryEscape(`sector ~ "AGRICULTURE"`), "FILTER_INVALID", "filter:FILTER_INVALID"),
		bad("/v1/families/-/consumptions?filter="+url.QueryEscape(`measurement = "MEASUREMENT_UNSPECIFIED"`), "FILTER_INVALID", "filter:FILTER_INVALID"),
		bad("/v1/persons/-/bankingPatterns?filter="+url.QueryEscape(`match_status = "MATCHED" AND match_status = "UNMATCHED"`), "FILTER_INVALID", "filter:FILTER_INVALID"),
	}
	// Page tokens, page sizes and filters, on every List route.
	for _, l := range incomeLists {
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
			if a.domain() != incomeDomain {
				t.Errorf("domain %q, want %q", a.domain(), incomeDomain)
			}
			if a.localized("id-ID") == "" || a.localized("en") == "" {
				t.Errorf("want LocalizedMessages in id-ID and en: %v", a.Error.Details)
			}
		})
	}

	t.Run("page token bound to its query", func(t *testing.T) {
		e := e.sub(t)
		for _, l := range incomeLists {
			token := str(e.ok(e.get(l.path+"?pageSize=1")), "nextPageToken")
			if token == "" {
				t.Fatalf("%s: no nextPageToken", l.path)
			}
			// Another filter.
			a := e.wantError(e.get(l.path+"?pageSize=1&filter="+url.QueryEscape(`match_status = "MATCHED"`)+"&pageToken="+url.QueryEscape(token)),
				http.StatusBadRequest, "INVALID_ARGUMENT", "PAGE_TOKEN_INVALID")
			e.wantViolation(a, "page_token:PAGE_TOKEN_INVALID")
		}
		// Another parent.
		token := str(e.ok(e.get("/v1/persons/-/incomes?pageSize=1")), "nextPageToken")
		a := e.wantError(e.get("/v1/persons/"+fx.nik+"/incomes?pageToken="+url.QueryEscape(token)),
			http.StatusBadRequest, "INVALID_ARGUMENT", "PAGE_TOKEN_INVALID")
		e.wantViolation(a, "page_token:PAGE_TOKEN_INVALID")
	})

	t.Run("page size not a number", func(t *testing.T) {
		e := e.sub(t)
		// Rejected by the gateway before the service is called.
		a := e.wantError(e.get("/v1/persons/-/incomes?pageSize=two"), http.StatusBadRequest, "INVALID_ARGUMENT", server.ReasonInvalidRequest)
		if a.domain() != server.ErrorDomain {
			t.Errorf("domain %q, want %q", a.domain(), server.ErrorDomain)
		}
	})
}

func TestIncomeNotFound(t *testing.T) {
	e := newEnv(t, envOptions{sources: true})
	fx := incomeSeed(t, e)
	for path, reason := range map[string]string{
		"/v1/persons/" + fx.nik + "/incomes/pension-2025-01":                                "INCOME_NOT_FOUND",
		"/v1/persons/" + fx.nik + "/employments/bps-2020-01-01":                             "EMPLOYMENT_NOT_FOUND",
		"/v1/families/" + fx.kk + "/consumptions/susenas-2020-03":                           "CONSUMPTION_NOT_FOUND",
		"/v1/persons/" + fx.nik + "/bankingPatterns/pks-ojk-2026-001-2026-03-31":            "BANKING_PATTERN_NOT_FOUND",
		"/v1/persons/" + fx.unmatchedNIK + "/incomes/formal-wage-2024-01":                   "INCOME_NOT_FOUND",
		"/v1/families/" + e.fams[7].GetKkNumber() + "/consumptions/susenas-2026-03":         "CONSUMPTION_NOT_FOUND",
		"/v1/persons/" + e.fams[7].GetMembers()[0].GetNik() + "/employments/bps-2026-02-01": "EMPLOYMENT_NOT_FOUND",
	} {
		t.Run(path, func(t *testing.T) {
			e := e.sub(t)
			a := e.wantError(e.get(path), http.StatusNotFound, "NOT_FOUND", reason)
			if a.domain() != incomeDomain || a.localized("id-ID") == "" || a.localized("en") == "" {
				t.Errorf("error details: %v", a.Error.Details)
			}
		})
	}
	// An empty list is not an error.
	body := e.ok(e.get("/v1/persons/" + e.fams[7].GetMembers()[0].GetNik() + "/incomes"))
	if len(incomeItems(body, "incomes")) != 0 || str(body, "nextPageToken") != "" {
		t.Errorf("empty list: %v", body)
	}
}
