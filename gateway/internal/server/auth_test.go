package server_test

import (
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dtsen-id/dtsen/gateway/internal/server"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
)

func TestNewRequiresVerifier(t *testing.T) {
	e := newEnv(t, 0)
	if _, err := server.New(server.Options{Registry: e.conn}); err == nil {
		t.Fatal("a gateway without a Verifier was built")
	}
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t, 0)
	for _, tc := range []struct {
		name, header, reason, challenge string
	}{
		{"no Authorization header", "", auth.ReasonTokenMissing, `Bearer realm="dtsen"`},
		{"another scheme", "Basic ZHVrY2FwaWw6c2VjcmV0", auth.ReasonTokenMissing, `Bearer realm="dtsen"`},
		{"not a JWT", "Bearer not.a.jwt", auth.ReasonTokenInvalid, `Bearer realm="dtsen", error="invalid_token"`},
		{"claims DTSEN cannot enforce", "Bearer " + e.auth.Token(t, auth.Claims{Subject: "x", Role: auth.RoleDistrictOfficer}),
			auth.ReasonTokenClaims, `Bearer realm="dtsen", error="invalid_token"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.do(t, http.MethodGet, "/v1/persons/"+validNIK, "", map[string]string{"Authorization": tc.header})
			ej := decodeError(t, resp, body, http.StatusUnauthorized, "UNAUTHENTICATED")
			if info := ej.detail(t, "google.rpc.ErrorInfo"); info["reason"] != tc.reason || info["domain"] != auth.Domain {
				t.Errorf("ErrorInfo = %v, want %s", info, tc.reason)
			}
			if got := resp.Header.Get("WWW-Authenticate"); got != tc.challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tc.challenge)
			}
			if resp.Header.Get("X-Request-Id") == "" {
				t.Error("a refused request has no X-Request-Id")
			}
		})
	}
	// Without a token an unknown route is 401 too: the route space is not
	// shown to anonymous callers.
	resp, body := e.do(t, http.MethodGet, "/v1/nothing/here", "", map[string]string{"Authorization": ""})
	decodeError(t, resp, body, http.StatusUnauthorized, "UNAUTHENTICATED")
	if calls, _, _ := e.registry.last(); calls != 0 {
		t.Errorf("upstream called %d times without a valid token", calls)
	}

	// The operational paths need none; a wrong method on them is still the
	// mux's 405, not a 401.
	for _, path := range []string{server.PathHealthz, server.PathReadyz, server.PathOpenAPI} {
		if resp, body := e.do(t, http.MethodGet, path, "", map[string]string{"Authorization": ""}); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s without a token: %d %s", path, resp.StatusCode, body)
		}
	}
	resp, body = e.do(t, http.MethodPost, server.PathOpenAPI, "{}", map[string]string{"Authorization": ""})
	decodeError(t, resp, body, http.StatusMethodNotAllowed, "UNIMPLEMENTED")
}

func TestIssuerDownIs503(t *testing.T) {
	e := newEnv(t, 0)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_ = lis.Close()
	v, err := auth.NewVerifier(auth.Config{Issuer: "http://" + lis.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	h, err := server.New(server.Options{Registry: e.conn, Verifier: v, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/v1/persons/"+validNIK, nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	h.ServeHTTP(rec, req)
	ej := decodeError(t, rec.Result(), rec.Body.Bytes(), http.StatusServiceUnavailable, "UNAVAILABLE")
	if r := ej.detail(t, "ErrorInfo")["reason"]; r != auth.ReasonIssuerUnavailable {
		t.Errorf("reason = %v", r)
	}
}

func TestCallerReachesService(t *testing.T) {
	e := newEnv(t, 0)
	other := e.auth.Token(t, authtest.Admin())
	req, err := http.NewRequest(http.MethodGet, e.url+"/v1/provinces", nil)
	if err != nil {
		t.Fatal(err)
	}
	// Two Authorization headers: the gateway verifies the first, and the
	// service must see exactly that one, never the second.
	req.Header.Add("Authorization", "Bearer "+e.token)
	req.Header.Add("Authorization", "Bearer "+other)
	req.Header.Set(server.PurposeHeader, "verification")
	if resp, body := e.send(t, req); resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	_, md, _ := e.registry.last()
	if got := md.Get("authorization"); len(got) != 1 || got[0] != "Bearer "+e.token {
		t.Errorf("authorization metadata = %q, want the verified token once", got)
	}
	if got := md.Get("grpcgateway-authorization"); len(got) != 0 {
		t.Errorf("token forwarded a second time as grpcgateway-authorization")
	}
	if got := md.Get("x-dtsen-purpose"); len(got) != 1 || got[0] != "verification" {
		t.Errorf("x-dtsen-purpose metadata = %q", got)
	}

	// A purpose the client's token does not declare is refused before any
	// service is called.
	resp, body := e.do(t, http.MethodGet, "/v1/persons/"+validNIK, "", map[string]string{server.PurposeHeader: "marketing"})
	ej := decodeError(t, resp, body, http.StatusForbidden, "PERMISSION_DENIED")
	if r := ej.detail(t, "ErrorInfo")["reason"]; r != auth.ReasonPurposeNotDeclared {
		t.Errorf("reason = %v", r)
	}
	// A purpose that is no identifier cannot travel as gRPC metadata: it is
	// the client's mistake (400), never the gateway's (500).
	admin := "Bearer " + e.auth.Token(t, authtest.Admin())
	for _, bad := range []string{"caf\xc3\xa9", "a\tb", "two words", strings.Repeat("p", 65)} {
		resp, body := e.do(t, http.MethodGet, "/v1/provinces", "", map[string]string{"Authorization": admin, server.PurposeHeader: bad})
		ej := decodeError(t, resp, body, http.StatusBadRequest, "INVALID_ARGUMENT")
		gatewayReason(t, ej, server.ReasonPurposeInvalid)
	}
	if calls, _, _ := e.registry.last(); calls != 1 {
		t.Errorf("upstream called %d times, want only the provinces call", calls)
	}
}

// The method table is enforced at the gateway before the service is called,
// and before the gateway validates the request: a caller refused the method
// learns nothing from the errors in its input.
func TestMethodTable(t *testing.T) {
	e := newEnv(t, 0)
	analyst := "Bearer " + e.auth.Token(t, authtest.Analyst())
	citizen := "Bearer " + e.auth.Token(t, authtest.Citizen(validNIK))
	for _, tc := range []struct {
		name, token, method, path, body, reason string
	}{
		{"analyst reads a person", analyst, http.MethodGet, "/v1/persons/" + validNIK, "", auth.ReasonAggregatesOnly},
		{"citizen records a death", citizen, http.MethodPost, "/v1/persons/" + validNIK + ":recordDeath", `{"deathDate":"2024-01-01"}`, auth.ReasonRoleNotAllowed},
		{"citizen with a malformed body", citizen, http.MethodPatch, "/v1/persons/" + validNIK + "?updateMask=fullName", `{"fullName":`, auth.ReasonRoleNotAllowed},
		{"citizen reads the audit log", citizen, http.MethodGet, "/v1/services/registry/auditEvents", "", auth.ReasonRoleNotAllowed},
		{"citizen names an unknown service", citizen, http.MethodGet, "/v1/services/nope/auditEvents", "", auth.ReasonRoleNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.do(t, tc.method, tc.path, tc.body, map[string]string{"Authorization": tc.token, "Content-Type": "application/json"})
			ej := decodeError(t, resp, body, http.StatusForbidden, "PERMISSION_DENIED")
			if info := ej.detail(t, "ErrorInfo"); info["reason"] != tc.reason || info["domain"] != auth.Domain {
				t.Errorf("ErrorInfo = %v, want %s", info, tc.reason)
			}
			ej.detail(t, "LocalizedMessage")
		})
	}
	if calls, _, _ := e.registry.last(); calls != 0 {
		t.Errorf("upstream called %d times for refused methods", calls)
	}
	// The same citizen may call what the table allows them.
	if resp, body := e.do(t, http.MethodGet, "/v1/persons/"+validNIK, "", map[string]string{"Authorization": citizen}); resp.StatusCode != http.StatusOK {
		t.Fatalf("citizen GET own person: %d %s", resp.StatusCode, body)
	}
}

func TestAuditRouting(t *testing.T) {
	e := newEnv(t, 0)
	admin := map[string]string{"Authorization": "Bearer " + e.auth.Token(t, authtest.Admin())}
	resp, body := e.do(t, http.MethodGet, "/v1/services/registry/auditEvents?pageSize=5", "", admin)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	// The fake echoes the parent it was asked for as the event's record.
	if !strings.Contains(string(body), `"service":"registry"`) || !strings.Contains(string(body), `"record":"services/registry"`) {
		t.Errorf("audit events = %s", body)
	}
	for _, path := range []string{"/v1/services/asset/auditEvents", "/v1/services/nope/auditEvents"} {
		// asset is a real service, but not configured behind this gateway.
		resp, body := e.do(t, http.MethodGet, path, "", admin)
		ej := decodeError(t, resp, body, http.StatusNotFound, "NOT_FOUND")
		gatewayReason(t, ej, server.ReasonServiceNotFound)
	}
}

func TestCORS(t *testing.T) {
	e := newEnv(t, 0)
	preflight := func(origin string) (*http.Response, []byte) {
		return e.do(t, http.MethodOptions, "/v1/persons/"+validNIK, "", map[string]string{
			"Authorization":                  "",
			"Origin":                         origin,
			"Access-Control-Request-Method":  http.MethodPatch,
			"Access-Control-Request-Headers": "authorization, content-type, x-dtsen-purpose",
		})
	}

	t.Run("preflight from an allowed origin", func(t *testing.T) {
		resp, body := preflight(corsOrigin)
		if resp.StatusCode != http.StatusNoContent || len(body) != 0 {
			t.Fatalf("status %d body %q", resp.StatusCode, body)
		}
		for h, want := range map[string]string{
			"Access-Control-Allow-Origin":  corsOrigin,
			"Access-Control-Allow-Methods": "GET, POST, PATCH",
			"Access-Control-Allow-Headers": "Authorization, Content-Type, X-Request-Id, X-Dtsen-Purpose, Idempotency-Key",
		} {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("%s = %q, want %q", h, got, want)
			}
		}
		if resp.Header.Get("Access-Control-Allow-Credentials") != "" {
			t.Error("credentials allowed: the API uses bearer tokens, never cookies")
		}
		if !varies(resp, "Origin") {
			t.Errorf("Vary = %q", resp.Header.Values("Vary"))
		}
	})

	t.Run("preflight from another origin", func(t *testing.T) {
		resp, body := preflight("https://evil.example")
		ej := decodeError(t, resp, body, http.StatusForbidden, "PERMISSION_DENIED")
		gatewayReason(t, ej, server.ReasonCORSOriginNotAllowed)
		noCORSHeaders(t, resp)
	})

	t.Run("request from an allowed origin", func(t *testing.T) {
		resp, body := e.do(t, http.MethodGet, "/v1/persons/"+validNIK, "", map[string]string{"Origin": corsOrigin})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != corsOrigin {
			t.Errorf("Access-Control-Allow-Origin = %q", got)
		}
		if got := resp.Header.Get("Access-Control-Expose-Headers"); got != "X-Request-Id, Retry-After" {
			t.Errorf("Access-Control-Expose-Headers = %q", got)
		}
		if !varies(resp, "Origin") {
			t.Errorf("Vary = %q", resp.Header.Values("Vary"))
		}
		// A refusal carries the CORS headers too, or the browser would hide
		// the error body from the script.
		resp, _ = e.do(t, http.MethodGet, "/v1/persons/"+validNIK, "", map[string]string{"Origin": corsOrigin, "Authorization": ""})
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Access-Control-Allow-Origin") != corsOrigin {
			t.Errorf("401: status %d, Access-Control-Allow-Origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
		}
	})

	t.Run("request from another origin", func(t *testing.T) {
		resp, _ := e.do(t, http.MethodGet, "/v1/persons/"+validNIK, "", map[string]string{"Origin": "https://evil.example"})
		noCORSHeaders(t, resp)
	})

	t.Run("no origins configured", func(t *testing.T) {
		h, err := server.New(server.Options{Registry: e.conn, Verifier: e.auth.Verifier, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodOptions, "/v1/provinces", nil)
		req.Header.Set("Origin", corsOrigin)
		req.Header.Set("Access-Control-Request-Method", http.MethodGet)
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Errorf("preflight: %d %s", rec.Code, rec.Body)
		}
		noCORSHeaders(t, rec.Result())
	})

	t.Run("configured origins are validated", func(t *testing.T) {
		for _, o := range []string{"*", "portal.dtsen.example", "ftp://portal.dtsen.example", "https://portal.dtsen.example/app", "https://"} {
			if _, err := server.New(server.Options{Registry: e.conn, Verifier: e.auth.Verifier, CORSOrigins: []string{o}}); err == nil {
				t.Errorf("origin %q accepted", o)
			}
		}
	})
}

func varies(resp *http.Response, header string) bool {
	for _, v := range resp.Header.Values("Vary") {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), header) {
				return true
			}
		}
	}
	return false
}

func noCORSHeaders(t *testing.T, resp *http.Response) {
	t.Helper()
	for k := range resp.Header {
		if strings.HasPrefix(k, "Access-Control-") {
			t.Errorf("CORS header %s: %q", k, resp.Header.Get(k))
		}
	}
}
