package ports_test

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	auditv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/audit/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/income/demo"
	"github.com/dtsen-id/dtsen/services/income/incometest"
	"github.com/dtsen-id/dtsen/services/platform/audit"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/privacy"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
)

// The registry fixture families these tests seed, by region:
// 0 32.04.12.2001, 1 32.04.12.2002, 2 32.73.01.1001, 3 33.01.01.2003,
// 4 11.01.01.2001. Family 9 is never registered and has no records.
const (
	seededFamilies = 5
	missingFamily  = 9
)

// Resource names of the records securedEnv imports for family f.
func incomeOf(f int) string { return incomeName(demo.Income(f * demo.MembersPerFamily)) }

func employmentOf(f int) string {
	x := demo.Employment(f)
	return fmt.Sprintf("persons/%s/employments/%s-%s", x.GetNik(), x.GetSourceAgency(), x.GetObservationDate())
}

func consumptionOf(f int) string {
	return "families/" + demo.KK(f) + "/consumptions/" + demo.Consumption(f).GetSurveyId()
}

func bankingOf(f int) string {
	x := demo.BankingPattern(f)
	return fmt.Sprintf("persons/%s/bankingPatterns/%s-%s", x.GetNik(), x.GetAgreementReference(), x.GetObservationDate())
}

func economicsOf(f int) string { return "families/" + demo.KK(f) + "/economics" }

// securedEnv seeds the fixture families and imports, for each, the head's
// wage and employment, the spouse's banking pattern and the family's
// consumption.
func securedEnv(t *testing.T, url string) *env {
	t.Helper()
	e := start(t, url, seededFamilies, incometest.Options{NoFeed: true})
	var recs []*incomev1.ImportRecordsRequest
	for f := range seededFamilies {
		recs = append(recs, incometest.IncomeRecord(demo.Income(f*demo.MembersPerFamily)),
			incometest.EmploymentRecord(demo.Employment(f)), incometest.ConsumptionRecord(demo.Consumption(f)),
			incometest.BankingRecord(demo.BankingPattern(f)))
	}
	if sum := incometest.Import(t, e.c, "fixtures", recs...); sum.GetAcceptedCount() != int64(len(recs)) {
		t.Fatalf("fixtures: %v", sum)
	}
	return e
}

// personalRead is one method that returns personal data for a key.
type personalRead struct {
	method string
	// call reads family f's record and returns the name of what it got.
	call func(ctx context.Context, c incomev1.IncomeServiceClient, f int) (string, error)
	// audited are the records a served call must leave in the audit log.
	audited func(f int) []string
	// missing is the NOT_FOUND reason a nationwide caller gets for family
	// missingFamily.
	missing string
}

var personalReads = []personalRead{
	{"GetIncome", func(ctx context.Context, c incomev1.IncomeServiceClient, f int) (string, error) {
		x, err := c.GetIncome(ctx, &incomev1.GetIncomeRequest{Name: incomeOf(f)})
		return x.GetName(), err
	}, func(f int) []string { return []string{incomeOf(f)} }, "INCOME_NOT_FOUND"},
	{"GetEmployment", func(ctx context.Context, c incomev1.IncomeServiceClient, f int) (string, error) {
		x, err := c.GetEmployment(ctx, &incomev1.GetEmploymentRequest{Name: employmentOf(f)})
		return x.GetName(), err
	}, func(f int) []string { return []string{employmentOf(f)} }, "EMPLOYMENT_NOT_FOUND"},
	{"GetConsumption", func(ctx context.Context, c incomev1.IncomeServiceClient, f int) (string, error) {
		x, err := c.GetConsumption(ctx, &incomev1.GetConsumptionRequest{Name: consumptionOf(f)})
		return x.GetName(), err
	}, func(f int) []string { return []string{consumptionOf(f)} }, "CONSUMPTION_NOT_FOUND"},
	{"GetBankingPattern", func(ctx context.Context, c incomev1.IncomeServiceClient, f int) (string, error) {
		x, err := c.GetBankingPattern(ctx, &incomev1.GetBankingPatternRequest{Name: bankingOf(f)})
		return x.GetName(), err
	}, func(f int) []string { return []string{bankingOf(f)} }, "BANKING_PATTERN_NOT_FOUND"},
	{"GetFamilyEconomics", func(ctx context.Context, c incomev1.IncomeServiceClient, f int) (string, error) {
		x, err := c.GetFamilyEconomics(ctx, &incomev1.GetFamilyEconomicsRequest{Name: economicsOf(f)})
		return x.GetName(), err
	}, func(f int) []string {
		// The summary and every stored record it shows.
		return []string{economicsOf(f), incomeOf(f), employmentOf(f), bankingOf(f), consumptionOf(f)}
	}, "FAMILY_NOT_REGISTERED"},
}

// listCall is one List method over every owner.
type listCall struct {
	method string
	call   func(ctx context.Context, c incomev1.IncomeServiceClient) ([]string, error)
}

var listCalls = []listCall{
	{"ListIncomes", func(ctx context.Context, c incomev1.IncomeServiceClient) ([]string, error) {
		resp, err := c.ListIncomes(ctx, &incomev1.ListIncomesRequest{Parent: "persons/-"})
		var out []string
		for _, x := range resp.GetIncomes() {
			out = append(out, x.GetName())
		}
		return out, err
	}},
	{"ListEmployments", func(ctx context.Context, c incomev1.IncomeServiceClient) ([]string, error) {
		resp, err := c.ListEmployments(ctx, &incomev1.ListEmploymentsRequest{Parent: "persons/-"})
		var out []string
		for _, x := range resp.GetEmployments() {
			out = append(out, x.GetName())
		}
		return out, err
	}},
	// Measured consumption, the welfare model's label, is as protected as
	// every other record.
	{"ListConsumptions", func(ctx context.Context, c incomev1.IncomeServiceClient) ([]string, error) {
		resp, err := c.ListConsumptions(ctx, &incomev1.ListConsumptionsRequest{Parent: "families/-",
			Filter: `measurement = "MEASURED_BY_ENUMERATOR"`})
		var out []string
		for _, x := range resp.GetConsumptions() {
			out = append(out, x.GetName())
		}
		return out, err
	}},
	{"ListBankingPatterns", func(ctx context.Context, c incomev1.IncomeServiceClient) ([]string, error) {
		resp, err := c.ListBankingPatterns(ctx, &incomev1.ListBankingPatternsRequest{Parent: "persons/-"})
		var out []string
		for _, x := range resp.GetBankingPatterns() {
			out = append(out, x.GetName())
		}
		return out, err
	}},
}

func method(short string) string { return "/dtsen.income.v1.IncomeService/" + short }

func service() auth.Claims { return auth.Claims{Subject: "dtsen-scoring", Role: auth.RoleService} }

// TestReadPolicyByRoleAndRegion calls every personal read as every role, on
// families inside and outside the caller's scope and on a family that does
// not exist: a refusal is the same whether the record exists or not.
func TestReadPolicyByRoleAndRegion(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := securedEnv(t, url)
		citizen := demo.NIK(0, 2) // a child of family 0
		for _, p := range []struct {
			name    string
			claims  auth.Claims
			inside  []int
			outside []int // refused with code and reason, missingFamily among them
			code    codes.Code
			reason  string
			missing bool // missingFamily's records are NOT_FOUND (nationwide roles)
		}{
			{"district officer", authtest.Officer(auth.RoleDistrictOfficer, "32.04"), []int{0, 1}, []int{2, 3, 4, missingFamily},
				codes.PermissionDenied, auth.ReasonRegionOutOfScope, false},
			{"village operator", authtest.Officer(auth.RoleVillageOperator, "32.04.12.2001"), []int{0}, []int{1, 3, missingFamily},
				codes.PermissionDenied, auth.ReasonRegionOutOfScope, false},
			{"field verifier", authtest.Officer(auth.RoleFieldVerifier, "32.73"), []int{2}, []int{0, 3, missingFamily},
				codes.PermissionDenied, auth.ReasonRegionOutOfScope, false},
			{"provincial officer", authtest.Officer(auth.RoleProvincialOfficer, "33"), []int{3}, []int{0, 4, missingFamily},
				codes.PermissionDenied, auth.ReasonRegionOutOfScope, false},
			{"citizen", authtest.Citizen(citizen), []int{0}, []int{1, 3, missingFamily},
				codes.PermissionDenied, auth.ReasonNotOwnFamily, false},
			{"analyst", authtest.Analyst(), nil, []int{0, 3, missingFamily},
				codes.PermissionDenied, auth.ReasonAggregatesOnly, false},
			{"integration client", authtest.Integration("bps"), []int{0, 2, 3, 4}, nil, codes.OK, "", true},
			{"admin", authtest.Admin(), []int{0, 3}, nil, codes.OK, "", true},
			{"service", service(), []int{1, 4}, nil, codes.OK, "", true},
		} {
			t.Run(p.name, func(t *testing.T) {
				c := e.inc.ClientAs(t, p.claims)
				for _, r := range personalReads {
					for _, f := range p.inside {
						got, err := r.call(ctx(t), c, f)
						want := r.audited(f)[0]
						if p.claims.Role == auth.RoleProvincialOfficer { // oversight sees identities masked
							want = maskedName(want)
						}
						if err != nil || got != want {
							t.Fatalf("%s of family %d: got %q, %v; want %s", r.method, f, got, err, want)
						}
					}
					for _, f := range p.outside {
						got, err := r.call(ctx(t), c, f)
						if got != "" {
							t.Fatalf("%s of family %d returned %s", r.method, f, got)
						}
						wantStatus(t, err, p.code, p.reason)
					}
					if p.missing {
						_, err := r.call(ctx(t), c, missingFamily)
						wantStatus(t, err, codes.NotFound, r.missing)
					}
				}
			})
		}
		t.Run("no token", func(t *testing.T) {
			c := e.inc.Anonymous(t)
			for _, r := range personalReads {
				_, err := r.call(ctx(t), c, 0)
				wantStatus(t, err, codes.Unauthenticated, auth.ReasonTokenMissing)
			}
		})
	})
}

// TestListsAreNationwideOnly: region-bound roles and citizens read family by
// family; only nationwide roles list across families.
func TestListsAreNationwideOnly(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := securedEnv(t, url)
		for _, p := range []struct {
			name   string
			claims auth.Claims
			reason string
		}{
			{"citizen", authtest.Citizen(demo.NIK(0, 0)), auth.ReasonRoleNotAllowed},
			{"village operator", authtest.Officer(auth.RoleVillageOperator, "32.04.12.2001"), auth.ReasonRoleNotAllowed},
			{"district officer", authtest.Officer(auth.RoleDistrictOfficer, "32.04"), auth.ReasonRoleNotAllowed},
			{"field verifier", authtest.Officer(auth.RoleFieldVerifier, "32.04"), auth.ReasonRoleNotAllowed},
			{"provincial officer", authtest.Officer(auth.RoleProvincialOfficer, "32"), auth.ReasonRoleNotAllowed},
			{"analyst", authtest.Analyst(), auth.ReasonAggregatesOnly},
		} {
			c := e.inc.ClientAs(t, p.claims)
			for _, l := range listCalls {
				got, err := l.call(ctx(t), c)
				if len(got) != 0 {
					t.Fatalf("%s: %s returned %d records", p.name, l.method, len(got))
				}
				wantStatus(t, err, codes.PermissionDenied, p.reason)
			}
		}
		for name, claims := range map[string]auth.Claims{"integration client": authtest.Integration("bps"),
			"admin": authtest.Admin(), "service": service()} {
			c := e.inc.ClientAs(t, claims)
			for _, l := range listCalls {
				got, err := l.call(ctx(t), c)
				want := seededFamilies
				if l.method == "ListConsumptions" {
					want = (seededFamilies + 1) / 2 // even families were measured
				}
				if err != nil || len(got) != want {
					t.Fatalf("%s: %s: %d records, %v; want %d", name, l.method, len(got), err, want)
				}
			}
		}
		anon := e.inc.Anonymous(t)
		for _, l := range listCalls {
			_, err := l.call(ctx(t), anon)
			wantStatus(t, err, codes.Unauthenticated, auth.ReasonTokenMissing)
		}
	})
}

// TestWatchChangesIsForWorkloadsAndAdmins: the feed names every family
// whose figures changed, so only DTSEN workloads and administrators follow it.
func TestWatchChangesIsForWorkloadsAndAdmins(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url, 1, incometest.Options{NoFeed: true})
		incometest.Import(t, e.c, "feed", incometest.IncomeRecord(demo.Income(0)))
		first := func(c incomev1.IncomeServiceClient) (string, error) {
			stream, err := c.WatchChanges(ctx(t), &incomev1.WatchChangesRequest{})
			if err != nil {
				return "", err
			}
			resp, err := stream.Recv()
			return resp.GetEvent().GetFamily(), err
		}
		for name, claims := range map[string]auth.Claims{"service": service(), "admin": authtest.Admin()} {
			if fam, err := first(e.inc.ClientAs(t, claims)); err != nil || fam != "families/"+demo.KK(0) {
				t.Fatalf("%s: %q %v", name, fam, err)
			}
		}
		for _, p := range []struct {
			name   string
			claims auth.Claims
			reason string
		}{
			{"integration client", authtest.Integration("bps"), auth.ReasonRoleNotAllowed},
			{"district officer", authtest.Officer(auth.RoleDistrictOfficer, "32.04"), auth.ReasonRoleNotAllowed},
			{"citizen", authtest.Citizen(demo.NIK(0, 0)), auth.ReasonRoleNotAllowed},
			{"analyst", authtest.Analyst(), auth.ReasonAggregatesOnly},
		} {
			fam, err := first(e.inc.ClientAs(t, p.claims))
			if fam != "" {
				t.Fatalf("%s received an event of %s", p.name, fam)
			}
			wantStatus(t, err, codes.PermissionDenied, p.reason)
		}
		_, err := first(e.inc.Anonymous(t))
		wantStatus(t, err, codes.Unauthenticated, auth.ReasonTokenMissing)
	})
}

func rows(t *testing.T, e *env, table string) int {
	t.Helper()
	var n int
	if err := e.inc.DB.QueryRowContext(ctx(t), "SELECT /* dtsen:fanout test counts a whole table */ count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportOnlyOwnAgency: an integration client imports only the records of
// agencies it submits for; the others in its batch are rejected one by one
// and leave nothing behind, while its own land.
func TestImportOnlyOwnAgency(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url, 1, incometest.Options{NoFeed: true})
		bps := e.inc.ClientAs(t, authtest.Integration("bps"))
		invalidAgency := demo.Income(3) // bps
		invalidAgency.SourceAgency = "BPS Pusat"
		sum := incometest.Import(t, bps, "mixed-agencies",
			incometest.EmploymentRecord(demo.Employment(0)),   // 0 bps
			incometest.IncomeRecord(demo.Income(0)),           // 1 bpjs-tk
			incometest.IncomeRecord(demo.Income(1)),           // 2 djp
			incometest.ConsumptionRecord(demo.Consumption(0)), // 3 bps
			incometest.BankingRecord(demo.BankingPattern(0)),  // 4 ojk
			incometest.IncomeRecord(demo.Income(2)),           // 5 bps
			incometest.IncomeRecord(invalidAgency),            // 6 invalid, not "foreign"
		)
		if sum.GetReceivedCount() != 7 || sum.GetAcceptedCount() != 3 || sum.GetRejectedCount() != 4 {
			t.Fatalf("summary: %v", sum)
		}
		for _, i := range []int64{1, 2, 4} {
			wantRejected(t, sum, i, "source_agency", auth.ReasonAgencyNotOwner)
		}
		wantRejected(t, sum, 6, "source_agency", "SOURCE_AGENCY_INVALID")
		for _, v := range rejection(sum, 6).GetViolations() {
			if v.GetReason() == auth.ReasonAgencyNotOwner {
				t.Fatalf("an invalid agency is reported as invalid, not as another agency's: %v", v)
			}
		}
		if k := rejection(sum, 1).GetKey(); k != "persons/"+demo.NIK(0, 0)[:6]+"********"+demo.NIK(0, 0)[14:]+"/incomes/formal-wage-2025-01" {
			t.Fatalf("rejection key must mask the NIK: %s", k)
		}
		want := map[string]int{"incomes": 1, "employments": 1, "consumptions": 1, "banking_patterns": 0}
		for table, n := range want {
			if got := rows(t, e, table); got != n {
				t.Fatalf("%s: %d rows, want %d", table, got, n)
			}
		}
		_, err := getIncome(t, e.c, incomeName(demo.Income(0)))
		wantStatus(t, err, codes.NotFound, "INCOME_NOT_FOUND")

		// The owner submits its own record; the djp one stays refused.
		sum = incometest.Import(t, e.inc.ClientAs(t, authtest.Integration("bpjs-tk")), "bpjs-tk-1",
			incometest.IncomeRecord(demo.Income(0)), incometest.IncomeRecord(demo.Income(1)))
		if sum.GetAcceptedCount() != 1 {
			t.Fatalf("owner's import: %v", sum)
		}
		wantRejected(t, sum, 1, "source_agency", auth.ReasonAgencyNotOwner)
		if got := rows(t, e, "incomes"); got != 2 {
			t.Fatalf("incomes: %d rows, want 2", got)
		}
		if x, err := getIncome(t, e.c, incomeName(demo.Income(0))); err != nil || x.GetSourceAgency() != "bpjs-tk" {
			t.Fatalf("owner's record: %v %v", x, err)
		}

		// Only integration clients import at all.
		for _, p := range []struct {
			name   string
			claims auth.Claims
			reason string
		}{
			{"admin", authtest.Admin(), auth.ReasonRoleNotAllowed},
			{"district officer", authtest.Officer(auth.RoleDistrictOfficer, "32.04"), auth.ReasonRoleNotAllowed},
			{"citizen", authtest.Citizen(demo.NIK(0, 0)), auth.ReasonRoleNotAllowed},
			{"analyst", authtest.Analyst(), auth.ReasonAggregatesOnly},
		} {
			_, err := incometest.SendImport(ctx(t), e.inc.ClientAs(t, p.claims), incometest.Header("not-"+p.reason),
				incometest.IncomeRecord(demo.Income(3)))
			wantStatus(t, err, codes.PermissionDenied, p.reason)
		}
		// A DTSEN workload imports only as the grievance source: an
		// agency's records are refused one by one.
		if sum, err := incometest.SendImport(ctx(t), e.inc.ClientAs(t, service()), incometest.Header("by-service"),
			incometest.IncomeRecord(demo.Income(3))); err != nil || sum.GetAcceptedCount() != 0 || !rejectedFor(sum, auth.ReasonAgencyNotOwner) {
			t.Errorf("a workload importing an agency's records: %v, %v", sum, err)
		}
		_, err = incometest.SendImport(ctx(t), e.inc.Anonymous(t), incometest.Header("anonymous"), incometest.IncomeRecord(demo.Income(3)))
		wantStatus(t, err, codes.Unauthenticated, auth.ReasonTokenMissing)
		if got := rows(t, e, "incomes"); got != 2 {
			t.Fatalf("a refused import wrote: %d income rows, want 2", got)
		}
	})
}

// event is the part of an audit event a test can predict.
type event struct{ method, record, role, region, purpose string }

func events(t *testing.T, e *env, subject string) []event {
	t.Helper()
	evs, err := e.inc.Audit.List(ctx(t), audit.Query{Subject: subject, Limit: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]event, len(evs))
	for i, ev := range evs {
		out[i] = event{ev.Method, ev.Record, ev.Role, ev.Region, ev.Purpose}
	}
	return out
}

func wantEvents(t *testing.T, e *env, subject string, want []event) {
	t.Helper()
	got := events(t, e, subject)
	order := func(a, b event) int {
		return cmp.Or(cmp.Compare(a.method, b.method), cmp.Compare(a.record, b.record))
	}
	slices.SortFunc(got, order)
	slices.SortFunc(want, order)
	if !slices.Equal(got, want) {
		t.Fatalf("audit events of %s:\n got %v\nwant %v", subject, got, want)
	}
}

// TestAuditCompleteness calls every personal-data read once and finds
// exactly one event per record returned, naming who read it, in which role
// and region, and for which purpose; refused and empty reads leave none.
func TestAuditCompleteness(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := securedEnv(t, url)
		before := len(events(t, e, ""))

		officer := authtest.Officer(auth.RoleDistrictOfficer, "32.04")
		c := e.inc.ClientAs(t, officer)
		var want []event
		for _, r := range personalReads {
			if _, err := r.call(ctx(t), c, 0); err != nil {
				t.Fatalf("%s: %v", r.method, err)
			}
			for _, rec := range r.audited(0) {
				want = append(want, event{method(r.method), rec, "district_officer", "32.04", "case_work"})
			}
		}
		wantEvents(t, e, officer.Subject, want)

		citizen := authtest.Citizen(demo.NIK(0, 1))
		if _, err := personalReads[0].call(ctx(t), e.inc.ClientAs(t, citizen), 0); err != nil {
			t.Fatal(err)
		}
		wantEvents(t, e, citizen.Subject, []event{{method("GetIncome"), incomeOf(0), "citizen", "", "self_service"}})

		// An integration client reads under the purpose it declares.
		client := authtest.Integration("bps")
		declared := metadata.AppendToOutgoingContext(ctx(t), auth.PurposeHeader, "data_submission")
		want = nil
		for _, l := range listCalls {
			names, err := l.call(declared, e.inc.ClientAs(t, client))
			if err != nil || len(names) == 0 {
				t.Fatalf("%s: %d records, %v", l.method, len(names), err)
			}
			for _, n := range names {
				want = append(want, event{method(l.method), n, "integration_client", "", "data_submission"})
			}
		}
		wantEvents(t, e, client.Subject, want)

		// A list that returns nothing, and a record that does not exist,
		// audit nothing: nothing personal was read.
		admin := authtest.Admin()
		ac := e.inc.ClientAs(t, admin)
		if resp, err := ac.ListIncomes(ctx(t), &incomev1.ListIncomesRequest{Parent: "persons/" + unknownNIK}); err != nil || len(resp.GetIncomes()) != 0 {
			t.Fatalf("empty list: %v %v", resp, err)
		}
		_, err := personalReads[0].call(ctx(t), ac, missingFamily)
		wantStatus(t, err, codes.NotFound, "INCOME_NOT_FOUND")
		wantEvents(t, e, admin.Subject, nil)

		// Refused reads leave nothing.
		for _, p := range []struct {
			claims auth.Claims
			family int
		}{
			{authtest.Officer(auth.RoleDistrictOfficer, "33.01"), 0},
			{authtest.Officer(auth.RoleVillageOperator, "32.04.12.2002"), 0},
			{authtest.Citizen(demo.NIK(3, 0)), 0},
			{authtest.Analyst(), 0},
		} {
			c := e.inc.ClientAs(t, p.claims)
			for _, r := range personalReads {
				if _, err := r.call(ctx(t), c, p.family); err == nil {
					t.Fatalf("%s: %s was served", p.claims.Subject, r.method)
				}
			}
			for _, l := range listCalls {
				if _, err := l.call(ctx(t), c); err == nil {
					t.Fatalf("%s: %s was served", p.claims.Subject, l.method)
				}
			}
			wantEvents(t, e, p.claims.Subject, nil)
		}
		if total := len(events(t, e, "")); total != before+len(events(t, e, officer.Subject))+1+len(events(t, e, client.Subject)) {
			t.Fatalf("%d events in all, beyond the expected ones", total-before)
		}

		// The AuditService serves the log to administrators.
		tok := e.inc.Auth.Token(t, admin)
		resp, err := auditv1.NewAuditServiceClient(e.inc.Conn).ListAuditEvents(authtest.WithToken(ctx(t), tok),
			&auditv1.ListAuditEventsRequest{Filter: fmt.Sprintf("subject = %q", officer.Subject), PageSize: 100})
		if err != nil || len(resp.GetAuditEvents()) != len(events(t, e, officer.Subject)) ||
			resp.GetAuditEvents()[0].GetService() != "income" {
			t.Fatalf("AuditService: %v %v", resp, err)
		}
	})
}

// TestReadFailsWhenItCannotBeAudited: an unaudited read of personal data is
// worse than no read.
func TestReadFailsWhenItCannotBeAudited(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := securedEnv(t, url)
		if _, err := e.inc.DB.SQL().ExecContext(ctx(t), "ALTER TABLE audit_events RENAME TO audit_events_gone"); err != nil {
			t.Fatal(err)
		}
		c := e.inc.ClientAs(t, authtest.Admin())
		for _, r := range personalReads {
			got, err := r.call(ctx(t), c, 0)
			if got != "" {
				t.Fatalf("%s returned %s without an audit event", r.method, got)
			}
			wantStatus(t, err, codes.Unavailable, audit.ReasonUnavailable)
		}
		for _, l := range listCalls {
			got, err := l.call(ctx(t), c)
			if len(got) != 0 {
				t.Fatalf("%s returned %d records without audit events", l.method, len(got))
			}
			wantStatus(t, err, codes.Unavailable, audit.ReasonUnavailable)
		}
	})
}

// TestReadWithoutRegistry: a region-bound read needs the registry to place
// the family, and fails cleanly without it (no data, no audit event); a
// nationwide read does not ask it.
func TestReadWithoutRegistry(t *testing.T) {
	inc := incometest.Start(t, storagetest.SQLiteURL(t), "127.0.0.1:1", incometest.Options{NoFeed: true})
	officer := authtest.Officer(auth.RoleDistrictOfficer, "32.04")
	_, err := inc.ClientAs(t, officer).GetIncome(ctx(t), &incomev1.GetIncomeRequest{Name: incomeOf(0)})
	wantStatus(t, err, codes.Unavailable, "REGISTRY_UNAVAILABLE")
	_, err = inc.Client.GetIncome(ctx(t), &incomev1.GetIncomeRequest{Name: incomeOf(0)})
	wantStatus(t, err, codes.NotFound, "INCOME_NOT_FOUND")
	if evs, err := inc.Audit.List(ctx(t), audit.Query{Limit: 10}); err != nil || len(evs) != 0 {
		t.Fatalf("audit events: %v %v", evs, err)
	}
}

// maskedName is a resource name as privacy.MaskMessage shows it to a role
// whose responses are masked.
func maskedName(name string) string {
	return regexp.MustCompile(`\b\d{16}\b`).ReplaceAllStringFunc(name, privacy.MaskNIK)
}

// rejectedFor reports whether some record was rejected for reason.
func rejectedFor(sum *typev1.ImportSummary, reason string) bool {
	for _, r := range sum.GetRejections() {
		for _, v := range r.GetViolations() {
			if v.GetReason() == reason {
				return true
			}
		}
	}
	return false
}
