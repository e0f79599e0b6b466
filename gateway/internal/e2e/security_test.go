package e2e_test

// Authentication, the audit log and CORS through the real gateway in front
// of the real services (DESIGN.md §6).

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dtsen-id/dtsen/gateway/internal/server"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/auth/devissuer"
)

func TestTokens(t *testing.T) {
	e := newEnv(t, envOptions{})
	path := "/v1/persons/" + e.fams[0].GetHeadNik()
	claims := func(over map[string]any) map[string]any {
		now := time.Now()
		c := map[string]any{
			"iss": e.auth.URL, "aud": "dtsen", "sub": "admin-kemensos", "dtsen_role": string(auth.RoleAdmin),
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		}
		for k, v := range over {
			c[k] = v
		}
		return c
	}
	sign := func(over map[string]any) string {
		t.Helper()
		tok, err := e.auth.Issuer.Sign(claims(over))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	// A key the issuer never published, under the issuer's own key id.
	foreign, err := devissuer.NewForeignKey(e.auth.Issuer.KeyID())
	if err != nil {
		t.Fatal(err)
	}
	forged, err := devissuer.SignWith(foreign, claims(nil))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims(nil))
	algNone := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
		base64.RawURLEncoding.EncodeToString(payload) + "."

	refused := func(t *testing.T, tok, reason string) {
		t.Helper()
		e := e.sub(t)
		r := e.do(http.MethodGet, path, nil, "Authorization", "Bearer "+tok)
		a := e.wantError(r, http.StatusUnauthorized, "UNAUTHENTICATED", reason)
		if a.domain() != auth.Domain || a.localized("id-ID") == "" {
			t.Errorf("error details %v", a.Error.Details)
		}
		if got := r.header.Get("WWW-Authenticate"); got != `Bearer realm="dtsen", error="invalid_token"` {
			t.Errorf("WWW-Authenticate = %q", got)
		}
	}
	for _, tc := range []struct{ name, token, reason string }{
		{"expired", sign(map[string]any{"exp": time.Now().Add(-time.Minute).Unix()}), auth.ReasonTokenExpired},
		{"wrong issuer", sign(map[string]any{"iss": "https://sso.example.org"}), auth.ReasonTokenInvalid},
		{"wrong audience", sign(map[string]any{"aud": "another-system"}), auth.ReasonTokenInvalid},
		{"wrong signature", forged, auth.ReasonTokenInvalid},
		{"alg none", algNone, auth.ReasonTokenInvalid},
		{"unknown role", sign(map[string]any{"dtsen_role": "superuser"}), auth.ReasonTokenClaims},
	} {
		t.Run(tc.name, func(t *testing.T) { refused(t, tc.token, tc.reason) })
	}

	t.Run("no token", func(t *testing.T) {
		e := e.sub(t)
		r := e.do(http.MethodGet, path, nil, "Authorization", "")
		e.wantError(r, http.StatusUnauthorized, "UNAUTHENTICATED", auth.ReasonTokenMissing)
		if got := r.header.Get("WWW-Authenticate"); got != `Bearer realm="dtsen"` {
			t.Errorf("WWW-Authenticate = %q", got)
		}
	})

	valid := sign(nil)
	e.ok(e.do(http.MethodGet, path, nil, "Authorization", "Bearer "+valid))

	// Last, as it withdraws the key every other token of this env was
	// signed with.
	t.Run("a key rotated out", func(t *testing.T) {
		e := e.sub(t)
		if err := e.auth.Issuer.Rotate(false); err != nil {
			t.Fatal(err)
		}
		// The withdrawn key stops verifying once the verifier refreshes its
		// keys (authtest: every second), with no other token to prompt it.
		deadline := time.Now().Add(10 * time.Second)
		for e.do(http.MethodGet, path, nil, "Authorization", "Bearer "+valid).status == http.StatusOK {
			if time.Now().After(deadline) {
				t.Fatal("a token of a withdrawn key is still accepted after the key refresh")
			}
			time.Sleep(100 * time.Millisecond)
		}
		refused(t, valid, auth.ReasonTokenInvalid)
		// The new key verifies.
		e.ok(e.do(http.MethodGet, path, nil, "Authorization", "Bearer "+sign(nil)))
	})
}

// auditEvents returns the events of service's log whose subject is subject,
// read through the gateway as an administrator.
func auditEvents(e *env, service, subject string) []map[string]any {
	e.t.Helper()
	q := url.Values{"filter": {`subject = "` + subject + `"`}, "pageSize": {"500"}}
	page := e.ok(e.do(http.MethodGet, "/v1/services/"+service+"/auditEvents?"+q.Encode(), nil))
	checkCamelCase(e.t, "auditEvents", page)
	raw, _ := page["auditEvents"].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, r := range raw {
		m, _ := r.(map[string]any)
		out = append(out, m)
	}
	return out
}

func TestAuditThroughGateway(t *testing.T) {
	e := newEnv(t, envOptions{sources: true})
	asset := assetSeed(t, e)
	income := incomeSeed(t, e)
	su := serviceUsageSeed(t, e)
	kk, head := e.fams[0].GetKkNumber(), e.fams[0].GetHeadNik()
	family, person := "families/"+kk, "persons/"+head

	officer := authtest.Officer(auth.RoleDistrictOfficer, "32.04")
	// Each read is audited under the resource it names; a family summary
	// also under every record it shows (also).
	reads := []struct {
		service, name, method string
		also                  []string
	}{
		{"registry", family, "/dtsen.registry.v1.RegistryService/GetFamily", nil},
		{"registry", person, "/dtsen.registry.v1.RegistryService/GetPerson", nil},
		{"asset", family + "/assets", "/dtsen.asset.v1.AssetService/GetFamilyAssets", []string{asset.housing[0], asset.land[0], asset.vehicles[0]}},
		{"asset", asset.land[0], "/dtsen.asset.v1.AssetService/GetLandParcel", nil},
		{"income", family + "/economics", "/dtsen.income.v1.IncomeService/GetFamilyEconomics", []string{income.incomes[0], income.consumptions[0]}},
		{"income", income.incomes[0], "/dtsen.income.v1.IncomeService/GetIncome", nil},
		{"serviceusage", family + "/serviceUsage", "/dtsen.serviceusage.v1.ServiceUsageService/GetFamilyServiceUsage",
			[]string{person + "/healthCoverages/bpjs-kesehatan", family + "/utilityUsages/2025-06"}},
		{"serviceusage", person + "/healthCoverages/bpjs-kesehatan", "/dtsen.serviceusage.v1.ServiceUsageService/GetHealthCoverage", nil},
		{"serviceusage", su.personProgramme, "/dtsen.serviceusage.v1.ServiceUsageService/GetProgrammeParticipation", nil},
	}
	asOfficer := e.as(officer)
	for i, rd := range reads {
		asOfficer.ok(asOfficer.do(http.MethodGet, "/v1/"+rd.name, nil, server.RequestIDHeader, fmt.Sprintf("audit-officer-%d", i)))
	}
	// A refused read is not a read: it leaves no event.
	outside := authtest.Officer(auth.RoleDistrictOfficer, "33.01")
	asOutside := e.as(outside)
	asOutside.wantError(asOutside.get("/v1/"+family), http.StatusForbidden, "PERMISSION_DENIED", auth.ReasonRegionOutOfScope)

	for i, rd := range reads {
		t.Run(rd.service+" "+rd.method[strings.LastIndex(rd.method, "/")+1:], func(t *testing.T) {
			e := e.sub(t)
			// The gateway's request id is how an auditor finds the HTTP call.
			id := fmt.Sprintf("audit-officer-%d", i)
			records := map[string]map[string]any{}
			for _, x := range auditEvents(e, rd.service, officer.Subject) {
				if str(x, "requestId") == id {
					records[str(x, "record")] = x
				}
			}
			for _, rec := range rd.also {
				if records[rec] == nil {
					t.Errorf("the read of %s did not audit %s it showed; audited %v", rd.name, rec, keysOf(records))
				}
			}
			ev := records[rd.name]
			if ev == nil {
				t.Fatalf("no %s event for request %s of record %s; audited %v", rd.service, id, rd.name, keysOf(records))
			}
			for k, want := range map[string]string{
				"service": rd.service, "subject": officer.Subject, "role": string(auth.RoleDistrictOfficer),
				"region": "32.04", "purpose": "case_work", "method": rd.method,
			} {
				if got := str(ev, k); got != want {
					t.Errorf("event %s = %q, want %q", k, got, want)
				}
			}
			if str(ev, "eventTime") == "" || !strings.HasPrefix(str(ev, "name"), "auditEvents/") {
				t.Errorf("event %v", ev)
			}
		})
	}
	t.Run("outside officer left no event", func(t *testing.T) {
		e := e.sub(t)
		if evs := auditEvents(e, "registry", outside.Subject); len(evs) != 0 {
			t.Errorf("refused read audited: %v", evs)
		}
	})

	t.Run("integration client's declared purpose", func(t *testing.T) {
		e := e.sub(t)
		client := authtest.Integration("bpjs-kesehatan")
		as := e.as(client)
		as.ok(as.do(http.MethodGet, "/v1/"+family+"/serviceUsage", nil, server.PurposeHeader, "data_submission"))
		as.ok(as.get("/v1/" + family + "/serviceUsage")) // no purpose named: the first declared
		purposes := map[string]int{}
		for _, ev := range auditEvents(e, "serviceusage", client.Subject) {
			if str(ev, "record") == family+"/serviceUsage" && str(ev, "role") == string(auth.RoleIntegrationClient) {
				purposes[str(ev, "purpose")]++
			}
		}
		if purposes["data_submission"] != 1 || purposes["verification"] != 1 || len(purposes) != 2 {
			t.Errorf("purposes audited %v, want data_submission and verification once each", purposes)
		}
		r := as.do(http.MethodGet, "/v1/"+family, nil, server.PurposeHeader, "marketing")
		a := as.wantError(r, http.StatusForbidden, "PERMISSION_DENIED", auth.ReasonPurposeNotDeclared)
		if a.domain() != auth.Domain {
			t.Errorf("domain %q", a.domain())
		}
	})

	t.Run("only administrators read the log", func(t *testing.T) {
		e := e.sub(t)
		for _, c := range []auth.Claims{officer, authtest.Integration("dukcapil"), authtest.Citizen(head)} {
			as := e.as(c)
			as.wantError(as.get("/v1/services/registry/auditEvents"), http.StatusForbidden, "PERMISSION_DENIED", auth.ReasonRoleNotAllowed)
		}
		e.wantError(e.get("/v1/services/scoring/auditEvents"), http.StatusNotFound, "NOT_FOUND", server.ReasonServiceNotFound)
		// Bad input reaches the service, which names it.
		e.wantError(e.get("/v1/services/registry/auditEvents?filter="+url.QueryEscape(`nik = "x"`)),
			http.StatusBadRequest, "INVALID_ARGUMENT", "AUDIT_FILTER_INVALID")
	})
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestCORSThroughGateway(t *testing.T) {
	const portal = "https://portal.dtsen.example"
	e := newEnv(t, envOptions{corsOrigins: []string{portal}})
	path := "/v1/families/" + e.fams[0].GetKkNumber()

	t.Run("allowed origin", func(t *testing.T) {
		e := e.sub(t)
		r := e.do(http.MethodGet, path, nil, "Origin", portal)
		e.ok(r)
		if r.header.Get("Access-Control-Allow-Origin") != portal || !strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "X-Request-Id") {
			t.Errorf("CORS headers %v", r.header)
		}
	})
	t.Run("disallowed origin", func(t *testing.T) {
		e := e.sub(t)
		r := e.do(http.MethodGet, path, nil, "Origin", "https://evil.example")
		e.ok(r)
		if r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("CORS headers for a disallowed origin: %v", r.header)
		}
	})
	t.Run("preflight", func(t *testing.T) {
		e := e.sub(t)
		r := e.do(http.MethodOptions, path+"?updateMask=address", nil, "Authorization", "", "Origin", portal,
			"Access-Control-Request-Method", http.MethodPatch, "Access-Control-Request-Headers", "authorization,content-type,idempotency-key")
		if r.status != http.StatusNoContent || r.header.Get("Access-Control-Allow-Origin") != portal ||
			!strings.Contains(r.header.Get("Access-Control-Allow-Methods"), http.MethodPatch) ||
			!strings.Contains(r.header.Get("Access-Control-Allow-Headers"), "Idempotency-Key") {
			t.Errorf("preflight %v %v", r, r.header)
		}
		r = e.do(http.MethodOptions, path, nil, "Authorization", "", "Origin", "https://evil.example",
			"Access-Control-Request-Method", http.MethodGet)
		e.wantError(r, http.StatusForbidden, "PERMISSION_DENIED", server.ReasonCORSOriginNotAllowed)
		for k := range r.header {
			if strings.HasPrefix(k, "Access-Control-") {
				t.Errorf("preflight of a disallowed origin got %s", k)
			}
		}
	})
}

// An officer's unfiltered list is their region, not the country.
func TestOfficerListsOwnRegion(t *testing.T) {
	e := newEnv(t, envOptions{})
	as := e.as(authtest.Officer(auth.RoleDistrictOfficer, "33.01"))
	want := 0
	for _, f := range e.fams {
		if auth.RegionWithin(f.GetRegionCode(), "33.01") {
			want++
		}
	}
	fams, _ := as.ok(as.get("/v1/families?pageSize=100"))["families"].([]any)
	for _, f := range fams {
		if rc := str(f.(map[string]any), "regionCode"); !auth.RegionWithin(rc, "33.01") {
			t.Errorf("officer of 33.01 listed a family of %s", rc)
		}
	}
	if len(fams) != want || want == 0 {
		t.Errorf("listed %d families, want the %d of 33.01", len(fams), want)
	}
}
