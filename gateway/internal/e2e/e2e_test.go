// Package e2e_test drives the REST API end to end: the real gateway handler
// (server.New) in front of the real registry gRPC server (registrytest) on a
// fresh SQLite database, through a real HTTP listener, every call carrying a
// token of a real development issuer that the gateway and every service
// trust. It pins the REST contract of DESIGN.md §5 (lowerCamelCase JSON,
// Google JSON errors with ErrorInfo, BadRequest and LocalizedMessage details,
// precise status codes), §6 (authentication, the method table, record-level
// scope, audit) and §7 (bad input is a 4xx with a reason and never a partial
// write).
package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/dtsen-id/dtsen/gateway/internal/server"
	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/asset/assettest"
	"github.com/dtsen-id/dtsen/services/grievance/grievancetest"
	"github.com/dtsen-id/dtsen/services/income/incometest"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/idempotency"
	"github.com/dtsen-id/dtsen/services/platform/ratelimit"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
	"github.com/dtsen-id/dtsen/services/scoring/scoringtest"
	"github.com/dtsen-id/dtsen/services/serviceusage/serviceusagetest"
)

const (
	typeErrorInfo        = "type.googleapis.com/google.rpc.ErrorInfo"
	typeBadRequest       = "type.googleapis.com/google.rpc.BadRequest"
	typeLocalizedMessage = "type.googleapis.com/google.rpc.LocalizedMessage"

	registryDomain = "registry.dtsen.go.id"

	// seeded is how many fixture families every test starts with.
	seeded = 12
)

// env is one test's stack: registry on SQLite, gateway handler, HTTP server.
type env struct {
	t    *testing.T
	base string
	http *http.Client
	fams []*registryv1.Family // the seeded fixtures, as imported

	// auth is the one issuer the gateway and every service trust.
	auth *authtest.Env
	// reader and writer are the tokens do sends when a request names no
	// Authorization of its own: an administrator reads everything, and
	// Dukcapil's integration client is the one caller that changes the
	// civil registry.
	reader, writer string

	// With envOptions.sources: the source contexts behind the gateway, and
	// gRPC clients to seed them.
	asset        assetv1.AssetServiceClient
	income       incomev1.IncomeServiceClient
	serviceUsage serviceusagev1.ServiceUsageServiceClient
	// With envOptions.scoring: the scoring service behind the gateway.
	scoring *scoringtest.Scoring
	// With envOptions.grievance: the grievance service behind it.
	grievance *grievancetest.Grievance
}

type envOptions struct {
	maxBodyBytes int64
	// sources also starts the asset, income and service-usage services,
	// cross-checking against the registry, and routes them.
	sources bool
	// scoring also starts the scoring service over the sources (which it
	// implies) and routes it; grievance starts the grievance service.
	scoring, grievance bool
	// corsOrigins are the gateway's allowed browser origins.
	corsOrigins []string
	// rateLimits are the gateway's; zero is effectively unlimited, so tests
	// about other things never meet a limit.
	rateLimits ratelimit.Policy
	// redis, when set, backs the gateway's rate limits and idempotency keys
	// and the registry's family cache, under redisPrefix.
	redis       *redis.Client
	redisPrefix string
}

func newEnv(t *testing.T, opts envOptions) *env {
	t.Helper()
	t.Parallel()
	reg := registrytest.Start(t, storagetest.SQLiteURL(t), registrytest.Options{Redis: opts.redis, RedisPrefix: opts.redisPrefix})

	e := &env{t: t, auth: reg.Auth}
	e.reader = reg.Auth.Token(t, authtest.Admin())
	e.writer = reg.Auth.Token(t, authtest.Integration(registrytest.Source))
	// The gateway's connections carry no credentials of their own: each call
	// forwards its caller's token, and the service verifies it again.
	gw := server.Options{
		Registry:     dialTest(t, reg.Addr),
		Verifier:     reg.Auth.Verifier,
		CORSOrigins:  opts.corsOrigins,
		MaxBodyBytes: opts.maxBodyBytes,
		Logger:       slog.New(slog.DiscardHandler),
		RateLimiter:  ratelimit.New(opts.redis, "gateway-"+opts.redisPrefix, slog.New(slog.DiscardHandler)),
		RateLimits:   opts.rateLimits,
		Idempotency:  idempotency.New(opts.redis, "gateway-"+opts.redisPrefix, time.Hour, slog.New(slog.DiscardHandler)),
	}
	if gw.RateLimits == (ratelimit.Policy{}) {
		gw.RateLimits = noRateLimits
	}
	if opts.sources || opts.scoring {
		a := assettest.Start(t, storagetest.SQLiteURL(t), reg.Addr, assettest.Options{Auth: reg.Auth})
		in := incometest.Start(t, storagetest.SQLiteURL(t), reg.Addr, incometest.Options{Auth: reg.Auth})
		su := serviceusagetest.Start(t, storagetest.SQLiteURL(t), reg.Addr, serviceusagetest.Options{Auth: reg.Auth})
		gw.Asset, gw.Income, gw.ServiceUsage = dialTest(t, a.Addr), dialTest(t, in.Addr), dialTest(t, su.Addr)
		e.asset, e.income, e.serviceUsage = a.Client, in.Client, su.Client
		if opts.scoring {
			sc := scoringtest.Start(t, storagetest.SQLiteURL(t),
				&scoringtest.Sources{Registry: reg, Asset: a, Income: in, ServiceUsage: su}, scoringtest.Options{})
			gw.Scoring, e.scoring = dialTest(t, sc.Addr), sc
		}
	}
	if opts.grievance {
		g := grievancetest.Start(t, storagetest.SQLiteURL(t), reg.Addr, reg.Auth)
		gw.Grievance, e.grievance = dialTest(t, g.Addr), g
	}
	h, err := server.New(gw)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	e.base, e.http = srv.URL, srv.Client()
	for i := range seeded {
		e.fams = append(e.fams, registrytest.Family(i))
	}
	importFamilies(t, reg.Client, "e2e-seed", e.fams)
	return e
}

// unlimited and noRateLimits let a test's calls through the gateway's
// limits; the limits have tests of their own (abuse_test.go, citizen_test.go).
var (
	unlimited    = ratelimit.Limit{Requests: 1 << 30, Per: time.Minute}
	noRateLimits = ratelimit.Policy{PerClient: unlimited, PerIP: unlimited, PerNIK: unlimited}
)

// ranked is every context as make run leaves it: the four source contexts
// seeded with scoringtest's families, scoring trained, activated and ranked,
// and grievance wired to apply approved changes to the sources.
type ranked struct {
	src       *scoringtest.Sources
	scoring   *scoringtest.Scoring
	grievance *grievancetest.Grievance
}

// startRanked starts it; applyEvery > 0 runs grievance's workloads on that
// interval, otherwise the test drives them.
func startRanked(tb testing.TB, applyEvery time.Duration) *ranked {
	tb.Helper()
	src := scoringtest.StartSources(tb, scoringtest.SourceOptions{})
	sc := scoringtest.Start(tb, storagetest.SQLiteURL(tb), src, scoringtest.Options{})
	sc.Ranked(tb)
	g := grievancetest.StartWith(tb, storagetest.SQLiteURL(tb), grievancetest.Options{Auth: src.Registry.Auth,
		RegistryAddr: src.Registry.Addr, AssetAddr: src.Asset.Addr, IncomeAddr: src.Income.Addr,
		ServiceUsageAddr: src.ServiceUsage.Addr, Background: applyEvery > 0, ApplyInterval: applyEvery})
	return &ranked{src: src, scoring: sc, grievance: g}
}

// options connects a gateway to every context of p, trusting p's issuer,
// with no rate limits.
func (p *ranked) options(tb testing.TB) server.Options {
	return server.Options{
		Registry: dialTest(tb, p.src.Registry.Addr), Asset: dialTest(tb, p.src.Asset.Addr),
		Income: dialTest(tb, p.src.Income.Addr), ServiceUsage: dialTest(tb, p.src.ServiceUsage.Addr),
		Scoring: dialTest(tb, p.scoring.Addr), Grievance: dialTest(tb, p.grievance.Addr),
		Verifier: p.src.Registry.Auth.Verifier, Logger: slog.New(slog.DiscardHandler), RateLimits: noRateLimits,
	}
}

// serve starts a gateway with opts and returns its base URL and client.
func serve(tb testing.TB, opts server.Options) (string, *http.Client) {
	tb.Helper()
	h, err := server.New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv.URL, srv.Client()
}

func dialTest(t testing.TB, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// importFamilies seeds through the registry's own ImportRecords stream: a
// header first, then one message per family.
func importFamilies(t *testing.T, c registryv1.RegistryServiceClient, batch string, fams []*registryv1.Family) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stream, err := c.ImportRecords(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&registryv1.ImportRecordsRequest{Payload: &registryv1.ImportRecordsRequest_Header{
		Header: &typev1.ImportBatchHeader{Source: "dukcapil", BatchId: batch},
	}}); err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if err := stream.Send(&registryv1.ImportRecordsRequest{Payload: &registryv1.ImportRecordsRequest_Family{Family: f}}); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := stream.CloseAndRecv()
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if sum.GetAcceptedCount() != int64(len(fams)) || sum.GetRejectedCount() != 0 {
		t.Fatalf("import: accepted %d rejected %d of %d: %v", sum.GetAcceptedCount(), sum.GetRejectedCount(), len(fams), sum.GetRejections())
	}
}

// response is one HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) String() string { return fmt.Sprintf("HTTP %d %s", r.status, r.body) }

// do sends a request and checks what every response must satisfy: JSON
// content (but for a 204), no gRPC metadata leaked as Grpc-Metadata-*
// headers or trailers, and an X-Request-Id. header is name, value pairs; a
// request without an Authorization pair carries the reader's token if it is
// a GET and the writer's otherwise, and an Authorization pair with an empty
// value sends no token.
func (e *env) do(method, path string, body io.Reader, header ...string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.base+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	tok := e.writer
	if method == http.MethodGet {
		tok = e.reader
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, hs := range []http.Header{resp.Header, resp.Trailer} {
		for k := range hs {
			if strings.HasPrefix(strings.ToLower(k), "grpc-") {
				e.t.Errorf("%s %s: response leaks gRPC metadata header %q: %v", method, path, k, hs[k])
			}
		}
	}
	if resp.Header.Get("X-Request-Id") == "" {
		e.t.Errorf("%s %s: no X-Request-Id in the response", method, path)
	}
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusNoContent && !strings.HasPrefix(ct, "application/json") {
		e.t.Errorf("%s %s: Content-Type %q, want application/json", method, path, ct)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// sub returns e reporting to the subtest t.
func (e *env) sub(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

// as returns e sending a token for claims on every request, reads and
// writes alike.
func (e *env) as(claims auth.Claims) *env {
	c := *e
	c.reader = e.auth.Token(e.t, claims)
	c.writer = c.reader
	return &c
}

func (e *env) get(path string) response { return e.do(http.MethodGet, path, nil) }

func (e *env) send(method, path string, body any) response {
	e.t.Helper()
	var b []byte
	switch v := body.(type) {
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			e.t.Fatal(err)
		}
	}
	return e.do(method, path, bytes.NewReader(b))
}

// ok decodes a 200 response into a generic JSON object.
func (e *env) ok(r response) map[string]any {
	e.t.Helper()
	if r.status != http.StatusOK {
		e.t.Fatalf("want 200, got %v", r)
	}
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		e.t.Fatalf("decode %s: %v", r.body, err)
	}
	return m
}

// snapshot is the JSON of a resource, for "nothing changed" comparisons.
func (e *env) snapshot(path string) map[string]any {
	e.t.Helper()
	return e.ok(e.get(path))
}

func (e *env) unchanged(path string, before map[string]any) {
	e.t.Helper()
	if after := e.snapshot(path); !reflect.DeepEqual(before, after) {
		e.t.Errorf("%s changed after a rejected write:\nbefore %v\nafter  %v", path, before, after)
	}
}

// apiError is the Google JSON error body (AIP-193).
type apiError struct {
	Error struct {
		Code    int              `json:"code"`
		Status  string           `json:"status"`
		Message string           `json:"message"`
		Details []map[string]any `json:"details"`
	} `json:"error"`
}

func (a apiError) detail(typ string) map[string]any {
	for _, d := range a.Error.Details {
		if d["@type"] == typ {
			return d
		}
	}
	return nil
}

func (a apiError) reason() string {
	s, _ := a.detail(typeErrorInfo)["reason"].(string)
	return s
}

func (a apiError) domain() string {
	s, _ := a.detail(typeErrorInfo)["domain"].(string)
	return s
}

func (a apiError) localized(locale string) string {
	for _, d := range a.Error.Details {
		if d["@type"] == typeLocalizedMessage && d["locale"] == locale {
			s, _ := d["message"].(string)
			return s
		}
	}
	return ""
}

// violations returns "field:reason" for every BadRequest field violation.
func (a apiError) violations() []string {
	var out []string
	for _, d := range a.Error.Details {
		if d["@type"] != typeBadRequest {
			continue
		}
		fvs, _ := d["fieldViolations"].([]any)
		for _, fv := range fvs {
			m, _ := fv.(map[string]any)
			out = append(out, fmt.Sprintf("%v:%v", m["field"], m["reason"]))
		}
	}
	return out
}

// wantError checks the HTTP status, the error body's code and status, and
// the ErrorInfo reason, and returns the decoded body for further checks.
func (e *env) wantError(r response, httpStatus int, grpcStatus, reason string) apiError {
	e.t.Helper()
	var a apiError
	if err := json.Unmarshal(r.body, &a); err != nil {
		e.t.Fatalf("decode error body of %v: %v", r, err)
	}
	if r.status != httpStatus || a.Error.Code != httpStatus || a.Error.Status != grpcStatus || a.reason() != reason {
		e.t.Fatalf("want HTTP %d %s %s, got %v", httpStatus, grpcStatus, reason, r)
	}
	if a.Error.Message == "" {
		e.t.Errorf("error without message: %v", r)
	}
	if a.detail(typeErrorInfo)["domain"] == "" {
		e.t.Errorf("ErrorInfo without domain: %v", r)
	}
	return a
}

func (e *env) wantViolation(a apiError, fieldReason string) {
	e.t.Helper()
	for _, v := range a.violations() {
		if v == fieldReason {
			return
		}
	}
	e.t.Errorf("want BadRequest field violation %s, got %v", fieldReason, a.violations())
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

func members(f map[string]any) []map[string]any {
	ms, _ := f["members"].([]any)
	out := make([]map[string]any, 0, len(ms))
	for _, m := range ms {
		mm, _ := m.(map[string]any)
		out = append(out, mm)
	}
	return out
}

// checkCamelCase fails on any snake_case key anywhere in v: REST JSON uses
// lowerCamelCase names (DESIGN.md §5).
func checkCamelCase(t *testing.T, where string, v any) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if strings.Contains(k, "_") {
				t.Errorf("%s: snake_case JSON key %q", where, k)
			}
			checkCamelCase(t, where+"."+k, c)
		}
	case []any:
		for i, c := range x {
			checkCamelCase(t, fmt.Sprintf("%s[%d]", where, i), c)
		}
	}
}

func TestGetPerson(t *testing.T) {
	e := newEnv(t, envOptions{})
	f := e.fams[0]
	head := f.GetMembers()[0]

	p := e.ok(e.get("/v1/persons/" + head.GetNik()))
	checkCamelCase(t, "person", p)
	for key, want := range map[string]string{
		"name":           "persons/" + head.GetNik(),
		"nik":            head.GetNik(),
		"fullName":       head.GetFullName(),
		"birthDate":      head.GetBirthDate(),
		"birthPlace":     head.GetBirthPlace(),
		"relationToHead": "FAMILY_RELATION_HEAD",
		"sex":            "SEX_MALE",
		"education":      "EDUCATION_LEVEL_SENIOR_SECONDARY",
		"vitalStatus":    "VITAL_STATUS_ALIVE",
		"family":         "families/" + f.GetKkNumber(),
	} {
		if got := str(p, key); got != want {
			t.Errorf("person.%s = %q, want %q", key, got, want)
		}
	}
	if str(p, "etag") == "" || str(p, "createTime") == "" {
		t.Errorf("person without etag or createTime: %v", p)
	}

	t.Run("unknown NIK", func(t *testing.T) {
		e := e.sub(t)
		// Structurally valid (Kab. Bandung, born 15 May 1990) but not stored.
		a := e.wantError(e.get("/v1/persons/3204121505909999"), http.StatusNotFound, "NOT_FOUND", "PERSON_NOT_FOUND")
		if a.domain() != registryDomain {
			t.Errorf("domain %q, want %q", a.domain(), registryDomain)
		}
		if a.localized("id-ID") == "" || a.localized("en") == "" {
			t.Errorf("want LocalizedMessage in en and id-ID: %v", a.Error.Details)
		}
	})

	for _, tc := range []struct{ name, nik, reason string }{
		{"15 digits", "320412010170000", "NIK_INVALID_LENGTH"},
		{"day 32", "3204123201700001", "NIK_INVALID_BIRTH_DATE"},
		{"letters", "32041201017000AB", "NIK_NOT_NUMERIC"},
		{"unknown province", "9904120101700001", "NIK_INVALID_PROVINCE"},
		{"serial 0000", "3204120101700000", "NIK_INVALID_SERIAL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.sub(t)
			a := e.wantError(e.get("/v1/persons/"+tc.nik), http.StatusBadRequest, "INVALID_ARGUMENT", tc.reason)
			e.wantViolation(a, "name:"+tc.reason)
			if a.domain() != registryDomain {
				t.Errorf("domain %q, want %q", a.domain(), registryDomain)
			}
			if a.localized("id-ID") == "" {
				t.Errorf("want a LocalizedMessage in id-ID: %v", a.Error.Details)
			}
			if strings.Contains(string(a.Error.Message), tc.nik) {
				t.Errorf("error message repeats the NIK: %q", a.Error.Message)
			}
		})
	}
}

func TestGetFamily(t *testing.T) {
	e := newEnv(t, envOptions{})
	want := e.fams[3]
	f := e.ok(e.get("/v1/families/" + want.GetKkNumber()))
	checkCamelCase(t, "family", f)
	if str(f, "name") != "families/"+want.GetKkNumber() || str(f, "kkNumber") != want.GetKkNumber() ||
		str(f, "headNik") != want.GetHeadNik() || str(f, "regionCode") != want.GetRegionCode() ||
		str(f, "settlement") != "SETTLEMENT_RURAL" || str(f, "etag") == "" {
		t.Errorf("family = %v", f)
	}
	ms := members(f)
	if len(ms) != len(want.GetMembers()) {
		t.Fatalf("%d members, want %d", len(ms), len(want.GetMembers()))
	}
	seen := map[string]string{}
	for _, m := range ms {
		seen[str(m, "nik")] = str(m, "relationToHead")
	}
	for _, m := range want.GetMembers() {
		if seen[m.GetNik()] != m.GetRelationToHead().String() {
			t.Errorf("member %s relation %q, want %s", m.GetNik(), seen[m.GetNik()], m.GetRelationToHead())
		}
	}
	if addr, _ := f["address"].(map[string]any); str(addr, "postalCode") != want.GetAddress().GetPostalCode() {
		t.Errorf("address = %v", f["address"])
	}

	e.wantError(e.get("/v1/families/3204120000099999"), http.StatusNotFound, "NOT_FOUND", "FAMILY_NOT_FOUND")
	a := e.wantError(e.get("/v1/families/320412000000001"), http.StatusBadRequest, "INVALID_ARGUMENT", "KK_INVALID_LENGTH")
	e.wantViolation(a, "name:KK_INVALID_LENGTH")
	if a.localized("id-ID") == "" {
		t.Errorf("want a LocalizedMessage in id-ID: %v", a.Error.Details)
	}
}

func TestListFamilies(t *testing.T) {
	e := newEnv(t, envOptions{})

	t.Run("pages", func(t *testing.T) {
		e := e.sub(t)
		seen := map[string]int{}
		token, pages := "", 0
		for {
			q := url.Values{"pageSize": {"2"}}
			if token != "" {
				q.Set("pageToken", token)
			}
			page := e.ok(e.get("/v1/families?" + q.Encode()))
			checkCamelCase(t, "page", page)
			fams, _ := page["families"].([]any)
			if len(fams) > 2 {
				t.Fatalf("page of %d families, pageSize 2", len(fams))
			}
			for _, f := range fams {
				seen[str(f.(map[string]any), "kkNumber")]++
			}
			pages++
			token = str(page, "nextPageToken")
			if token == "" {
				break
			}
			if pages > seeded {
				t.Fatal("pagination does not end")
			}
		}
		if len(seen) != seeded {
			t.Errorf("saw %d distinct families, want %d", len(seen), seeded)
		}
		for _, f := range e.fams {
			if seen[f.GetKkNumber()] != 1 {
				t.Errorf("family %s seen %d times", f.GetKkNumber(), seen[f.GetKkNumber()])
			}
		}
	})

	t.Run("filter", func(t *testing.T) {
		e := e.sub(t)
		want := 0
		for _, f := range e.fams {
			if strings.HasPrefix(f.GetRegionCode(), "32.04.") {
				want++
			}
		}
		seen, token := 0, ""
		for range seeded + 1 {
			path := `/v1/families?filter=region%20%3D%20%2232.04%22&pageSize=2`
			if token != "" {
				path += "&pageToken=" + url.QueryEscape(token)
			}
			page := e.ok(e.get(path))
			fams, _ := page["families"].([]any)
			for _, f := range fams {
				if rc := str(f.(map[string]any), "regionCode"); !strings.HasPrefix(rc, "32.04.") {
					t.Errorf("filter region 32.04 returned region %s", rc)
				}
				seen++
			}
			if token = str(page, "nextPageToken"); token == "" {
				break
			}
		}
		if seen != want || want == 0 {
			t.Errorf("filter returned %d families, want %d", seen, want)
		}
	})

	t.Run("bad filter", func(t *testing.T) {
		e := e.sub(t)
		for _, f := range []string{`name = "x"`, `region = 32.04`, `region`, `region = "32.04" AND x = 1`} {
			a := e.wantError(e.get("/v1/families?filter="+url.QueryEscape(f)), http.StatusBadRequest, "INVALID_ARGUMENT", "FILTER_INVALID")
			e.wantViolation(a, "filter:FILTER_INVALID")
			if a.localized("id-ID") == "" {
				t.Errorf("want a LocalizedMessage in id-ID: %v", a.Error.Details)
			}
		}
		// A well-formed filter on a region that does not exist: still
		// FILTER_INVALID; the field violation names the region problem.
		a := e.wantError(e.get("/v1/families?filter="+url.QueryEscape(`region = "99"`)), http.StatusBadRequest, "INVALID_ARGUMENT", "FILTER_INVALID")
		if vs := a.violations(); len(vs) != 1 || !strings.HasPrefix(vs[0], "filter:REGION_") {
			t.Errorf("field violations %v, want one on filter with a REGION_* reason", vs)
		}
	})

	t.Run("bad page token", func(t *testing.T) {
		e := e.sub(t)
		a := e.wantError(e.get("/v1/families?pageToken=not-a-token"), http.StatusBadRequest, "INVALID_ARGUMENT", "PAGE_TOKEN_INVALID")
		e.wantViolation(a, "page_token:PAGE_TOKEN_INVALID")
		// A token is bound to its filter (AIP-158).
		page := e.ok(e.get("/v1/families?pageSize=1"))
		token := str(page, "nextPageToken")
		if token == "" {
			t.Fatal("no nextPageToken")
		}
		e.wantError(e.get("/v1/families?pageSize=1&filter="+url.QueryEscape(`region = "32"`)+"&pageToken="+url.QueryEscape(token)),
			http.StatusBadRequest, "INVALID_ARGUMENT", "PAGE_TOKEN_INVALID")
	})

	t.Run("bad page size", func(t *testing.T) {
		e := e.sub(t)
		e.wantError(e.get("/v1/families?pageSize=-1"), http.StatusBadRequest, "INVALID_ARGUMENT", "PAGE_SIZE_NEGATIVE")
		// Not a number: rejected by the gateway before the registry is called.
		a := e.wantError(e.get("/v1/families?pageSize=two"), http.StatusBadRequest, "INVALID_ARGUMENT", server.ReasonInvalidRequest)
		if a.domain() != server.ErrorDomain {
			t.Errorf("domain %q, want %q", a.domain(), server.ErrorDomain)
		}
	})
}

func newAddress() map[string]any {
	return map[string]any{"street": "Jl. Kopo No. 45", "rt": "001", "rw": "002", "postalCode": "40227"}
}

func TestUpdateFamily(t *testing.T) {
	e := newEnv(t, envOptions{maxBodyBytes: 512})
	kk := e.fams[0].GetKkNumber()
	path := "/v1/families/" + kk
	before := e.snapshot(path)
	oldEtag := str(before, "etag")

	updated := e.ok(e.send(http.MethodPatch, path+"?updateMask=address", map[string]any{"address": newAddress(), "etag": oldEtag}))
	if reflect.DeepEqual(updated["address"], before["address"]) {
		t.Fatalf("address not updated: %v", updated["address"])
	}
	if got := updated["address"].(map[string]any); str(got, "street") != "Jl. Kopo No. 45" || str(got, "postalCode") != "40227" {
		t.Errorf("address = %v", got)
	}
	newEtag := str(updated, "etag")
	if newEtag == "" || newEtag == oldEtag {
		t.Errorf("etag %q after update, was %q", newEtag, oldEtag)
	}
	current := e.snapshot(path)
	if !reflect.DeepEqual(current["address"], updated["address"]) || str(current, "etag") != newEtag {
		t.Errorf("GET after PATCH = %v, PATCH returned %v", current, updated)
	}
	otherAddr := map[string]any{"street": "Jl. Lain No. 1", "rt": "004", "rw": "005", "postalCode": "40228"}

	t.Run("stale etag", func(t *testing.T) {
		e := e.sub(t)
		a := e.wantError(e.send(http.MethodPatch, path+"?updateMask=address", map[string]any{"address": otherAddr, "etag": oldEtag}),
			http.StatusConflict, "ABORTED", "ETAG_MISMATCH")
		if a.localized("id-ID") == "" {
			t.Errorf("want a LocalizedMessage in id-ID: %v", a.Error.Details)
		}
		e.unchanged(path, current)
	})

	t.Run("missing update mask", func(t *testing.T) {
		e := e.sub(t)
		for _, body := range []map[string]any{
			{"address": otherAddr, "etag": newEtag},
			{"regionCode": "32.04.12.2002", "etag": newEtag},
			{"regionCode": "32.04.12.2002"},
		} {
			a := e.wantError(e.send(http.MethodPatch, path, body), http.StatusBadRequest, "INVALID_ARGUMENT", "UPDATE_MASK_REQUIRED")
			e.wantViolation(a, "update_mask:UPDATE_MASK_REQUIRED")
			e.unchanged(path, current)
		}
		// An empty updateMask is missing too.
		e.wantError(e.send(http.MethodPatch, path+"?updateMask=", map[string]any{"address": otherAddr}),
			http.StatusBadRequest, "INVALID_ARGUMENT", "UPDATE_MASK_REQUIRED")
		e.unchanged(path, current)
	})

	t.Run("mask spellings", func(t *testing.T) {
		e := e.sub(t)
		// lowerCamelCase (as the JSON names fields) and snake_case both work.
		cur := e.snapshot(path)
		r := e.ok(e.send(http.MethodPatch, path+"?updateMask=regionCode", map[string]any{"regionCode": "32.04.12.2002", "etag": str(cur, "etag")}))
		if str(r, "regionCode") != "32.04.12.2002" {
			t.Errorf("regionCode = %q", str(r, "regionCode"))
		}
		r = e.ok(e.send(http.MethodPatch, path+"?update_mask=region_code,settlement", map[string]any{"regionCode": "32.04.12.2001", "settlement": "SETTLEMENT_URBAN", "etag": str(r, "etag")}))
		if str(r, "regionCode") != "32.04.12.2001" || str(r, "settlement") != "SETTLEMENT_URBAN" {
			t.Errorf("family = %v", r)
		}
		if !reflect.DeepEqual(r["address"], current["address"]) {
			t.Errorf("address changed though not in the mask: %v", r["address"])
		}
		current = e.snapshot(path)
		newEtag = str(current, "etag")
	})

	t.Run("mask field not updatable", func(t *testing.T) {
		e := e.sub(t)
		a := e.wantError(e.send(http.MethodPatch, path+"?updateMask=kk_number", map[string]any{"kkNumber": "3204120000000002", "etag": newEtag}),
			http.StatusBadRequest, "INVALID_ARGUMENT", "UPDATE_MASK_FIELD_NOT_UPDATABLE")
		e.wantViolation(a, "update_mask:UPDATE_MASK_FIELD_NOT_UPDATABLE")
		e.unchanged(path, current)
	})

	t.Run("invalid address", func(t *testing.T) {
		e := e.sub(t)
		bad := map[string]any{"street": "Jl. Kopo", "rt": "abc", "rw": "002", "postalCode": "40227"}
		a := e.wantError(e.send(http.MethodPatch, path+"?updateMask=address", map[string]any{"address": bad, "etag": newEtag}),
			http.StatusBadRequest, "INVALID_ARGUMENT", "ADDRESS_RT_INVALID")
		if len(a.violations()) == 0 {
			t.Errorf("want field violations: %v", a.Error.Details)
		}
		e.unchanged(path, current)
	})

	t.Run("unknown JSON field", func(t *testing.T) {
		e := e.sub(t)
		a := e.wantError(e.send(http.MethodPatch, path+"?updateMask=address", `{"address":{"street":"Jl. X","rt":"001","rw":"002","postalCode":"40227"},"etag":"`+newEtag+`","bogus":1}`),
			http.StatusBadRequest, "INVALID_ARGUMENT", server.ReasonMalformedBody)
		if a.domain() != server.ErrorDomain {
			t.Errorf("domain %q, want %q", a.domain(), server.ErrorDomain)
		}
		e.unchanged(path, current)
	})

	t.Run("malformed JSON", func(t *testing.T) {
		e := e.sub(t)
		e.wantError(e.send(http.MethodPatch, path+"?updateMask=address", `{"address":`),
			http.StatusBadRequest, "INVALID_ARGUMENT", server.ReasonMalformedBody)
		e.unchanged(path, current)
	})

	t.Run("body too large", func(t *testing.T) {
		e := e.sub(t)
		big := map[string]any{"address": map[string]any{"street": strings.Repeat("Jl. Panjang ", 80), "rt": "001", "rw": "002", "postalCode": "40227"}, "etag": newEtag}
		a := e.wantError(e.send(http.MethodPatch, path+"?updateMask=address", big),
			http.StatusRequestEntityTooLarge, "INVALID_ARGUMENT", server.ReasonRequestBodyTooLarge)
		if a.detail(typeErrorInfo)["metadata"].(map[string]any)["limitBytes"] != "512" {
			t.Errorf("ErrorInfo = %v", a.detail(typeErrorInfo))
		}
		e.unchanged(path, current)

		// Without Content-Length (chunked), the limit is hit while reading.
		b, _ := json.Marshal(big)
		e.wantError(e.do(http.MethodPatch, path+"?updateMask=address", struct{ io.Reader }{bytes.NewReader(b)}),
			http.StatusRequestEntityTooLarge, "INVALID_ARGUMENT", server.ReasonRequestBodyTooLarge)
		e.unchanged(path, current)
	})

	t.Run("unknown family", func(t *testing.T) {
		e := e.sub(t)
		e.wantError(e.send(http.MethodPatch, "/v1/families/3204120000099999?updateMask=address", map[string]any{"address": otherAddr}),
			http.StatusNotFound, "NOT_FOUND", "FAMILY_NOT_FOUND")
	})

	t.Run("malformed KK", func(t *testing.T) {
		e := e.sub(t)
		a := e.wantError(e.send(http.MethodPatch, "/v1/families/123?updateMask=address", map[string]any{"address": otherAddr}),
			http.StatusBadRequest, "INVALID_ARGUMENT", "KK_INVALID_LENGTH")
		e.wantViolation(a, "family.name:KK_INVALID_LENGTH")
	})
}

func TestUpdatePerson(t *testing.T) {
	e := newEnv(t, envOptions{})
	nik := e.fams[1].GetMembers()[2].GetNik()
	path := "/v1/persons/" + nik
	before := e.snapshot(path)

	p := e.ok(e.send(http.MethodPatch, path+"?updateMask=education",
		map[string]any{"education": "EDUCATION_LEVEL_SENIOR_SECONDARY", "etag": str(before, "etag")}))
	if str(p, "education") != "EDUCATION_LEVEL_SENIOR_SECONDARY" {
		t.Errorf("education = %q", str(p, "education"))
	}
	if str(p, "etag") == str(before, "etag") {
		t.Errorf("etag unchanged after update")
	}
	// Only the masked field changed.
	for _, k := range []string{"fullName", "birthDate", "occupation", "relationToHead", "maritalStatus"} {
		if p[k] != before[k] {
			t.Errorf("%s changed from %v to %v", k, before[k], p[k])
		}
	}
	current := e.snapshot(path)

	e.wantError(e.send(http.MethodPatch, path+"?updateMask=education",
		map[string]any{"education": "EDUCATION_LEVEL_BACHELOR", "etag": str(before, "etag")}),
		http.StatusConflict, "ABORTED", "ETAG_MISMATCH")
	e.unchanged(path, current)

	a := e.wantError(e.send(http.MethodPatch, path+"?updateMask=nik", map[string]any{"nik": "3204120101700002"}),
		http.StatusBadRequest, "INVALID_ARGUMENT", "UPDATE_MASK_FIELD_NOT_UPDATABLE")
	e.wantViolation(a, "update_mask:UPDATE_MASK_FIELD_NOT_UPDATABLE")
	e.unchanged(path, current)

	e.wantError(e.send(http.MethodPatch, path+"?updateMask=education", map[string]any{"education": "EDUCATION_LEVEL_SOMETHING"}),
		http.StatusBadRequest, "INVALID_ARGUMENT", server.ReasonMalformedBody)
	e.unchanged(path, current)

	// A name in the body cannot redirect the write: the path names the resource.
	other := "/v1/persons/" + e.fams[1].GetMembers()[3].GetNik()
	otherBefore := e.snapshot(other)
	p = e.ok(e.send(http.MethodPatch, path+"?updateMask=full_name",
		map[string]any{"fullName": "Dewi Lestari Putri", "name": strings.TrimPrefix(other, "/v1/"), "etag": str(current, "etag")}))
	if str(p, "nik") != nik || str(p, "fullName") != "Dewi Lestari Putri" {
		t.Errorf("PATCH with another name in the body updated %v", p)
	}
	e.unchanged(other, otherBefore)
}

func TestRecordDeath(t *testing.T) {
	e := newEnv(t, envOptions{})
	f := e.fams[2]
	nik := f.GetMembers()[1].GetNik() // the spouse
	path := "/v1/persons/" + nik

	t.Run("invalid date", func(t *testing.T) {
		e := e.sub(t)
		before := e.snapshot(path)
		a := e.wantError(e.send(http.MethodPost, path+":recordDeath", map[string]any{"deathDate": "2024-02-30"}),
			http.StatusBadRequest, "INVALID_ARGUMENT", "DATE_INVALID")
		e.wantViolation(a, "death_date:DATE_INVALID")
		future := time.Now().AddDate(0, 0, 3).Format(time.DateOnly)
		e.wantError(e.send(http.MethodPost, path+":recordDeath", map[string]any{"deathDate": future}),
			http.StatusBadRequest, "INVALID_ARGUMENT", "PERSON_DEATH_DATE_INVALID")
		e.unchanged(path, before)
	})

	// The name in the path wins over one in the body (body: "*").
	head := "/v1/persons/" + f.GetHeadNik()
	headBefore := e.snapshot(head)
	first := e.ok(e.send(http.MethodPost, path+":recordDeath", map[string]any{"deathDate": "2024-01-02", "name": strings.TrimPrefix(head, "/v1/")}))
	e.unchanged(head, headBefore)
	if str(first, "nik") != nik {
		t.Fatalf("recordDeath recorded the death of %s, want %s", str(first, "nik"), nik)
	}
	if str(first, "vitalStatus") != "VITAL_STATUS_DECEASED" || str(first, "deathDate") != "2024-01-02" {
		t.Fatalf("after recordDeath: %v", first)
	}
	again := e.ok(e.send(http.MethodPost, path+":recordDeath", map[string]any{"deathDate": "2024-01-02"}))
	if str(again, "etag") != str(first, "etag") {
		t.Errorf("repeating the same death changed the etag: %q then %q", str(first, "etag"), str(again, "etag"))
	}
	current := e.snapshot(path)
	family := e.snapshot("/v1/families/" + f.GetKkNumber())

	a := e.wantError(e.send(http.MethodPost, path+":recordDeath", map[string]any{"deathDate": "2024-01-03"}),
		http.StatusBadRequest, "FAILED_PRECONDITION", "PERSON_ALREADY_DECEASED")
	if a.localized("id-ID") == "" {
		t.Errorf("want a LocalizedMessage in id-ID: %v", a.Error.Details)
	}
	e.unchanged(path, current)
	e.unchanged("/v1/families/"+f.GetKkNumber(), family)

	e.wantError(e.send(http.MethodPost, "/v1/persons/3204121505909999:recordDeath", map[string]any{"deathDate": "2024-01-02"}),
		http.StatusNotFound, "NOT_FOUND", "PERSON_NOT_FOUND")
}

func TestMovePerson(t *testing.T) {
	e := newEnv(t, envOptions{})
	src, dst := e.fams[0], e.fams[1]
	nik := src.GetMembers()[3].GetNik() // the younger child
	srcPath, dstPath := "/v1/families/"+src.GetKkNumber(), "/v1/families/"+dst.GetKkNumber()
	path := "/v1/persons/" + nik

	t.Run("errors", func(t *testing.T) {
		e := e.sub(t)
		srcBefore, dstBefore, pBefore := e.snapshot(srcPath), e.snapshot(dstPath), e.snapshot(path)
		e.wantError(e.send(http.MethodPost, path+":move", map[string]any{
			"targetFamily": "families/" + src.GetKkNumber(), "relationToHead": "FAMILY_RELATION_CHILD"}),
			http.StatusBadRequest, "FAILED_PRECONDITION", "PERSON_ALREADY_MEMBER")
		e.wantError(e.send(http.MethodPost, path+":move", map[string]any{
			"targetFamily": "families/" + dst.GetKkNumber(), "relationToHead": "FAMILY_RELATION_HEAD"}),
			http.StatusBadRequest, "INVALID_ARGUMENT", "PERSON_RELATION_INVALID")
		e.wantError(e.send(http.MethodPost, path+":move", map[string]any{
			"targetFamily": "families/" + dst.GetKkNumber(), "relationToHead": "FAMILY_RELATION_OTHER_RELATIVE", "etag": "W/\"999\""}),
			http.StatusConflict, "ABORTED", "ETAG_MISMATCH")
		a := e.wantError(e.send(http.MethodPost, path+":move", map[string]any{
			"targetFamily": "families/123", "relationToHead": "FAMILY_RELATION_OTHER_RELATIVE"}),
			http.StatusBadRequest, "INVALID_ARGUMENT", "KK_INVALID_LENGTH")
		e.wantViolation(a, "target_family:KK_INVALID_LENGTH")
		e.unchanged(srcPath, srcBefore)
		e.unchanged(dstPath, dstBefore)
		e.unchanged(path, pBefore)
	})

	t.Run("unknown target family", func(t *testing.T) {
		e := e.sub(t)
		srcBefore := e.snapshot(srcPath)
		r := e.send(http.MethodPost, path+":move", map[string]any{
			"targetFamily": "families/3204120000099999", "relationToHead": "FAMILY_RELATION_OTHER_RELATIVE"})
		// The missing resource is the target family, not the person.
		e.wantError(r, http.StatusNotFound, "NOT_FOUND", "FAMILY_NOT_FOUND")
		e.unchanged(srcPath, srcBefore)
	})

	dstEtag := str(e.snapshot(dstPath), "etag")
	moved := e.ok(e.send(http.MethodPost, path+":move", map[string]any{
		"targetFamily": "families/" + dst.GetKkNumber(), "relationToHead": "FAMILY_RELATION_OTHER_RELATIVE", "etag": dstEtag}))
	if str(moved, "family") != "families/"+dst.GetKkNumber() || str(moved, "relationToHead") != "FAMILY_RELATION_OTHER_RELATIVE" {
		t.Errorf("moved person = %v", moved)
	}
	if n := len(members(e.snapshot(srcPath))); n != len(src.GetMembers())-1 {
		t.Errorf("source family has %d members, want %d", n, len(src.GetMembers())-1)
	}
	if n := len(members(e.snapshot(dstPath))); n != len(dst.GetMembers())+1 {
		t.Errorf("target family has %d members, want %d", n, len(dst.GetMembers())+1)
	}
	if got := e.snapshot(path); str(got, "family") != "families/"+dst.GetKkNumber() {
		t.Errorf("GET person after move: family %q", str(got, "family"))
	}
}

func TestSplitFamily(t *testing.T) {
	e := newEnv(t, envOptions{})
	f := e.fams[2] // Kota Bandung, 32.73.01
	child := f.GetMembers()[2].GetNik()
	path := "/v1/families/" + f.GetKkNumber()
	const newKK = "3273010000099001"
	split := func(kk string, members ...string) map[string]any {
		return map[string]any{
			"newKkNumber":   kk,
			"memberNiks":    members,
			"newHeadNik":    members[0],
			"newAddress":    newAddress(),
			"newRegionCode": "32.73.01.1001",
			"newSettlement": "SETTLEMENT_URBAN",
		}
	}

	t.Run("errors", func(t *testing.T) {
		e := e.sub(t)
		before := e.snapshot(path)
		other := e.fams[7]
		otherBefore := e.snapshot("/v1/families/" + other.GetKkNumber())
		// The new KK number is taken.
		e.wantError(e.send(http.MethodPost, path+":split", split(other.GetKkNumber(), child)),
			http.StatusBadRequest, "FAILED_PRECONDITION", "FAMILY_ALREADY_EXISTS")
		// Someone from another family.
		a := e.wantError(e.send(http.MethodPost, path+":split", split(newKK, other.GetMembers()[2].GetNik())),
			http.StatusBadRequest, "INVALID_ARGUMENT", "PERSON_NOT_MEMBER")
		e.wantViolation(a, "member_niks[0]:PERSON_NOT_MEMBER")
		// The new head is not among the movers.
		body := split(newKK, child)
		body["newHeadNik"] = f.GetHeadNik()
		e.wantError(e.send(http.MethodPost, path+":split", body),
			http.StatusBadRequest, "INVALID_ARGUMENT", "FAMILY_HEAD_NOT_MEMBER")
		e.unchanged(path, before)
		e.unchanged("/v1/families/"+other.GetKkNumber(), otherBefore)
		e.wantError(e.get("/v1/families/"+newKK), http.StatusNotFound, "NOT_FOUND", "FAMILY_NOT_FOUND")
	})

	resp := e.ok(e.send(http.MethodPost, path+":split", split(newKK, child)))
	orig, _ := resp["originalFamily"].(map[string]any)
	created, _ := resp["newFamily"].(map[string]any)
	if len(members(orig)) != len(f.GetMembers())-1 {
		t.Errorf("original family has %d members", len(members(orig)))
	}
	if str(created, "kkNumber") != newKK || str(created, "headNik") != child || len(members(created)) != 1 {
		t.Fatalf("new family = %v", created)
	}
	if rel := str(members(created)[0], "relationToHead"); rel != "FAMILY_RELATION_HEAD" {
		t.Errorf("new head's relation %q", rel)
	}
	got := e.snapshot("/v1/families/" + newKK)
	if str(got, "regionCode") != "32.73.01.1001" || str(got, "settlement") != "SETTLEMENT_URBAN" {
		t.Errorf("GET new family = %v", got)
	}
	if p := e.snapshot("/v1/persons/" + child); str(p, "family") != "families/"+newKK {
		t.Errorf("GET person after split: family %q", str(p, "family"))
	}
}

func TestListProvinces(t *testing.T) {
	e := newEnv(t, envOptions{})
	resp := e.ok(e.get("/v1/provinces"))
	ps, _ := resp["provinces"].([]any)
	if len(ps) != 38 {
		t.Fatalf("%d provinces, want 38", len(ps))
	}
	codes := map[string]string{}
	for _, p := range ps {
		m := p.(map[string]any)
		codes[str(m, "code")] = str(m, "displayName")
	}
	if codes["32"] == "" || codes["11"] == "" || len(codes) != 38 {
		t.Errorf("provinces = %v", codes)
	}
}

func TestRoutingAndHeaders(t *testing.T) {
	e := newEnv(t, envOptions{})

	a := e.wantError(e.get("/v1/nothing/here"), http.StatusNotFound, "NOT_FOUND", server.ReasonRouteNotFound)
	if a.domain() != server.ErrorDomain {
		t.Errorf("domain %q", a.domain())
	}
	e.wantError(e.get("/v2/persons/"+e.fams[0].GetHeadNik()), http.StatusNotFound, "NOT_FOUND", server.ReasonRouteNotFound)

	r := e.do(http.MethodDelete, "/v1/persons/"+e.fams[0].GetHeadNik(), nil)
	e.wantError(r, http.StatusMethodNotAllowed, "UNIMPLEMENTED", server.ReasonMethodNotAllowed)
	e.wantError(e.send(http.MethodPut, "/v1/families/"+e.fams[0].GetKkNumber(), `{}`),
		http.StatusMethodNotAllowed, "UNIMPLEMENTED", server.ReasonMethodNotAllowed)

	t.Run("request id", func(t *testing.T) {
		e := e.sub(t)
		r := e.do(http.MethodGet, "/v1/persons/"+e.fams[0].GetHeadNik(), nil, "X-Request-Id", "e2e-req-42")
		if got := r.header.Values("X-Request-Id"); len(got) != 1 || got[0] != "e2e-req-42" {
			t.Errorf("X-Request-Id = %q, want [e2e-req-42]", got)
		}
		// Errors echo it too.
		r = e.do(http.MethodGet, "/v1/persons/3204121505909999", nil, "X-Request-Id", "e2e-req-43")
		if got := r.header.Get("X-Request-Id"); got != "e2e-req-43" {
			t.Errorf("X-Request-Id on error = %q", got)
		}
		// An unacceptable id is replaced, not echoed.
		r = e.do(http.MethodGet, "/v1/provinces", nil, "X-Request-Id", "bad id with spaces")
		if got := r.header.Get("X-Request-Id"); got == "" || got == "bad id with spaces" {
			t.Errorf("X-Request-Id = %q", got)
		}
	})

	t.Run("metadata headers are not forwarded", func(t *testing.T) {
		e := e.sub(t)
		// do() already fails on any Grpc-* response header; send some in.
		e.ok(e.do(http.MethodGet, "/v1/persons/"+e.fams[0].GetHeadNik(), nil, "Grpc-Metadata-X-Shard", "7"))
	})
}

func TestOpenAPI(t *testing.T) {
	e := newEnv(t, envOptions{})
	doc := e.ok(e.get("/openapi.json"))
	paths, _ := doc["paths"].(map[string]any)
	if len(paths) == 0 {
		t.Fatalf("OpenAPI document without paths: %v", doc)
	}
	found := false
	for p := range paths {
		found = found || strings.HasPrefix(p, "/v1/families")
	}
	if !found {
		t.Errorf("OpenAPI paths %v lack /v1/families", keys(paths))
	}
	// A generated client must know every route needs the bearer token.
	defs, _ := doc["securityDefinitions"].(map[string]any)
	bearer, _ := defs["bearer"].(map[string]any)
	sec, _ := doc["security"].([]any)
	if bearer["in"] != "header" || bearer["name"] != "Authorization" || len(sec) != 1 {
		t.Errorf("OpenAPI security: definitions %v, requirements %v", defs, sec)
	}
	e.ok(e.get("/healthz"))
	e.ok(e.get("/readyz"))
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
