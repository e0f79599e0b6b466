package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	"github.com/dtsen-id/dtsen/gateway/internal/server"
	"github.com/dtsen-id/dtsen/gateway/web"
	auditv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/audit/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
)

const (
	validNIK    = "3204121505900001"
	missingNIK  = "3204121505909999"
	invalidName = "persons/123"
)

// fakeRegistry is a test double of the upstream registry service for
// gateway-only tests: fixed answers and status errors with details.
type fakeRegistry struct {
	registryv1.UnimplementedRegistryServiceServer

	mu    sync.Mutex
	calls int
	md    metadata.MD
	span  trace.SpanContext
}

func (f *fakeRegistry) record(ctx context.Context) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.md, _ = metadata.FromIncomingContext(ctx)
	f.span = trace.SpanContextFromContext(ctx)
}

func (f *fakeRegistry) last() (int, metadata.MD, trace.SpanContext) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls, f.md, f.span
}

// withDetails returns st with details attached (it cannot fail for these
// well-known detail types).
func withDetails(st *status.Status, details ...protoadapt.MessageV1) error {
	s, err := st.WithDetails(details...)
	if err != nil {
		panic(err)
	}
	return s.Err()
}

func (f *fakeRegistry) GetPerson(ctx context.Context, req *registryv1.GetPersonRequest) (*registryv1.Person, error) {
	f.record(ctx)
	// Headers and trailers the gateway must not leak as Grpc-Metadata-*.
	_ = grpc.SetHeader(ctx, metadata.Pairs("x-internal-shard", "db-7", "x-request-id", "upstream-chosen-id"))
	_ = grpc.SetTrailer(ctx, metadata.Pairs("x-internal-timing", "12ms"))
	switch req.GetName() {
	case "persons/" + validNIK:
		return &registryv1.Person{
			Name:        req.GetName(),
			Nik:         validNIK,
			FullName:    "Budi Santoso",
			Sex:         registryv1.Sex_SEX_MALE,
			VitalStatus: registryv1.VitalStatus_VITAL_STATUS_ALIVE,
			Family:      "families/3204120101200001",
		}, nil
	case "persons/" + missingNIK:
		return nil, withDetails(status.New(codes.NotFound, "person not found"),
			&errdetails.ErrorInfo{Reason: "PERSON_NOT_FOUND", Domain: "registry.dtsen.go.id"})
	case invalidName:
		return nil, withDetails(status.New(codes.InvalidArgument, "NIK must have 16 digits"),
			&errdetails.ErrorInfo{Reason: "NIK_INVALID_LENGTH", Domain: "registry.dtsen.go.id", Metadata: map[string]string{"length": "3"}},
			&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
				{Field: "name", Reason: "NIK_INVALID_LENGTH", Description: "NIK must have 16 digits"},
			}},
			&errdetails.LocalizedMessage{Locale: "id-ID", Message: "NIK harus 16 digit"},
		)
	}
	return nil, status.Error(codes.Internal, "unexpected name")
}

func (f *fakeRegistry) UpdatePerson(ctx context.Context, req *registryv1.UpdatePersonRequest) (*registryv1.Person, error) {
	f.record(ctx)
	if req.GetPerson().GetEtag() != "v2" {
		return nil, withDetails(status.New(codes.Aborted, "etag mismatch"),
			&errdetails.ErrorInfo{Reason: "ETAG_MISMATCH", Domain: "registry.dtsen.go.id"})
	}
	p := req.GetPerson()
	p.Etag = "v3"
	return p, nil
}

func (f *fakeRegistry) RecordDeath(ctx context.Context, req *registryv1.RecordDeathRequest) (*registryv1.Person, error) {
	f.record(ctx)
	return &registryv1.Person{Name: req.GetName(), DeathDate: req.GetDeathDate(), VitalStatus: registryv1.VitalStatus_VITAL_STATUS_DECEASED}, nil
}

func (f *fakeRegistry) ListProvinces(ctx context.Context, _ *registryv1.ListProvincesRequest) (*registryv1.ListProvincesResponse, error) {
	f.record(ctx)
	return &registryv1.ListProvincesResponse{Provinces: []*registryv1.Province{{Code: "32", DisplayName: "Jawa Barat"}}}, nil
}

// fakeAudit is a service's audit log: it answers with one event naming the
// parent it was asked for, so a test sees which upstream served the call.
type fakeAudit struct {
	auditv1.UnimplementedAuditServiceServer
	service string
}

func (f *fakeAudit) ListAuditEvents(_ context.Context, req *auditv1.ListAuditEventsRequest) (*auditv1.ListAuditEventsResponse, error) {
	return &auditv1.ListAuditEventsResponse{AuditEvents: []*auditv1.AuditEvent{
		{Name: "auditEvents/1", Service: f.service, Record: req.GetParent(), Subject: "dinsos-3204"},
	}}, nil
}

// corsOrigin is the one browser origin the test gateway allows.
const corsOrigin = "https://portal.dtsen.example"

type env struct {
	auth  *authtest.Env
	audit *fakeAudit
	// token is sent by do unless the request sets Authorization itself: the
	// Dukcapil integration client may call every route the fake serves.
	token     string
	url       string
	registry  *fakeRegistry
	health    *health.Server
	spans     *tracetest.SpanRecorder // gateway side
	upSpans   *tracetest.SpanRecorder // upstream side
	logs      *syncBuffer
	client    *http.Client
	gwHandler http.Handler
	conn      *grpc.ClientConn // to the fake registry
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var w3c = propagation.TraceContext{}

// newEnv starts a real gRPC server (the fake registry plus grpc.health.v1,
// with the otelgrpc server handler) on 127.0.0.1:0, and the real gateway
// handler in an httptest server in front of it.
func newEnv(t *testing.T, maxBody int64) *env {
	t.Helper()
	e := &env{registry: &fakeRegistry{}, spans: tracetest.NewSpanRecorder(), upSpans: tracetest.NewSpanRecorder(), logs: &syncBuffer{}}
	e.auth = authtest.Start(t)
	e.token = e.auth.Token(t, authtest.Integration("dukcapil"))
	upTP := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(e.upSpans))
	gwTP := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(e.spans))

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer(grpc.StatsHandler(otelgrpc.NewServerHandler(otelgrpc.WithTracerProvider(upTP), otelgrpc.WithPropagators(w3c))))
	registryv1.RegisterRegistryServiceServer(gs, e.registry)
	e.audit = &fakeAudit{service: "registry"}
	auditv1.RegisterAuditServiceServer(gs, e.audit)
	e.health = health.NewServer()
	healthpb.RegisterHealthServer(gs, e.health)
	go func() { _ = gs.Serve(lis) }()
	t.Cleanup(gs.Stop)

	conn, err := dial(lis.Addr().String(), otelgrpc.WithTracerProvider(gwTP), otelgrpc.WithPropagators(w3c))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	e.conn = conn

	h, err := server.New(server.Options{
		Registry:       conn,
		Verifier:       e.auth.Verifier,
		CORSOrigins:    []string{corsOrigin},
		MaxBodyBytes:   maxBody,
		Logger:         slog.New(slog.NewJSONHandler(e.logs, nil)),
		TracerProvider: gwTP,
		Propagators:    w3c,
		Pages:          web.Handler(web.Options{}),
	})
	if err != nil {
		t.Fatal(err)
	}
	e.gwHandler = h
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	e.client = srv.Client()
	return e
}

// dial connects like grpcserver.Dial does in cmd/gateway (otelgrpc client
// stats handler), but with the test's own tracer provider.
func dial(target string, opts ...otelgrpc.Option) (*grpc.ClientConn, error) {
	return grpc.NewClient(target,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler(opts...)))
}

type errorJSON struct {
	Error struct {
		Code    int               `json:"code"`
		Status  string            `json:"status"`
		Message string            `json:"message"`
		Details []json.RawMessage `json:"details"`
	} `json:"error"`
}

type detail map[string]any

func (e errorJSON) detail(t *testing.T, typeSuffix string) detail {
	t.Helper()
	for _, raw := range e.Error.Details {
		var d detail
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatalf("detail is not JSON: %s", raw)
		}
		if ty, _ := d["@type"].(string); strings.HasSuffix(ty, typeSuffix) {
			return d
		}
	}
	t.Fatalf("no %s detail in %+v", typeSuffix, e.Error)
	return nil
}

// do sends a request with the env's token and the headers in hdr; a header
// given as "" is not sent at all (Authorization included).
func (e *env) do(t *testing.T, method, path, body string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if v == "" {
			req.Header[http.CanonicalHeaderKey(k)] = nil
		} else {
			req.Header.Set(k, v)
		}
	}
	return e.send(t, req)
}

// send sends req, with the env's token unless req has an Authorization entry
// of its own (an empty entry sends no token).
func (e *env) send(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	if _, ok := req.Header["Authorization"]; !ok {
		req.Header.Set("Authorization", "Bearer "+e.token)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func decodeError(t *testing.T, resp *http.Response, body []byte, wantHTTP int, wantStatus string) errorJSON {
	t.Helper()
	if resp.StatusCode != wantHTTP {
		t.Fatalf("HTTP status = %d, want %d; body %s", resp.StatusCode, wantHTTP, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var e errorJSON
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body is not JSON: %v: %s", err, body)
	}
	if e.Error.Code != wantHTTP || e.Error.Status != wantStatus {
		t.Fatalf("error = {code %d, status %q}, want {%d, %q}; body %s", e.Error.Code, e.Error.Status, wantHTTP, wantStatus, body)
	}
	if e.Error.Message == "" {
		t.Errorf("error message is empty: %s", body)
	}
	return e
}

func TestGetPersonOK(t *testing.T) {
	e := newEnv(t, 0)
	resp, body := e.do(t, http.MethodGet, "/v1/persons/"+validNIK, "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	// lowerCamelCase names, enums as names, unset fields omitted.
	if got["fullName"] != "Budi Santoso" || got["sex"] != "SEX_MALE" || got["vitalStatus"] != "VITAL_STATUS_ALIVE" {
		t.Errorf("unexpected JSON: %s", body)
	}
	if _, ok := got["full_name"]; ok {
		t.Errorf("proto field names in JSON: %s", body)
	}
	if _, ok := got["deathDate"]; ok {
		t.Errorf("unpopulated field emitted: %s", body)
	}
}

func TestInvalidArgumentKeepsDetails(t *testing.T) {
	e := newEnv(t, 0)
	resp, body := e.do(t, http.MethodGet, "/v1/"+invalidName, "", nil)
	ej := decodeError(t, resp, body, http.StatusBadRequest, "INVALID_ARGUMENT")
	if ej.Error.Message != "NIK must have 16 digits" {
		t.Errorf("message = %q", ej.Error.Message)
	}
	info := ej.detail(t, "google.rpc.ErrorInfo")
	if info["@type"] != "type.googleapis.com/google.rpc.ErrorInfo" || info["reason"] != "NIK_INVALID_LENGTH" || info["domain"] != "registry.dtsen.go.id" {
		t.Errorf("ErrorInfo = %v", info)
	}
	if md, _ := info["metadata"].(map[string]any); md["length"] != "3" {
		t.Errorf("ErrorInfo metadata = %v", info["metadata"])
	}
	br := ej.detail(t, "google.rpc.BadRequest")
	fvs, _ := br["fieldViolations"].([]any)
	if len(fvs) != 1 {
		t.Fatalf("BadRequest = %v", br)
	}
	fv := fvs[0].(map[string]any)
	if fv["field"] != "name" || fv["reason"] != "NIK_INVALID_LENGTH" || fv["description"] != "NIK must have 16 digits" {
		t.Errorf("field violation = %v", fv)
	}
	lm := ej.detail(t, "google.rpc.LocalizedMessage")
	if lm["locale"] != "id-ID" || lm["message"] != "NIK harus 16 digit" {
		t.Errorf("LocalizedMessage = %v", lm)
	}
}

func TestNotFound(t *testing.T) {
	e := newEnv(t, 0)
	resp, body := e.do(t, http.MethodGet, "/v1/persons/"+missingNIK, "", nil)
	ej := decodeError(t, resp, body, http.StatusNotFound, "NOT_FOUND")
	if r := ej.detail(t, "ErrorInfo")["reason"]; r != "PERSON_NOT_FOUND" {
		t.Errorf("reason = %v", r)
	}
}

func TestAbortedIsConflict(t *testing.T) {
	e := newEnv(t, 0)
	resp, body := e.do(t, http.MethodPatch, "/v1/persons/"+validNIK+"?updateMask=fullName",
		`{"fullName":"Budi S.","etag":"v1"}`, map[string]string{"Content-Type": "application/json"})
	ej := decodeError(t, resp, body, http.StatusConflict, "ABORTED")
	if r := ej.detail(t, "ErrorInfo")["reason"]; r != "ETAG_MISMATCH" {
		t.Errorf("reason = %v", r)
	}

	// And the happy path of the same route, to show the body reached the service.
	resp, body = e.do(t, http.MethodPatch, "/v1/persons/"+validNIK+"?updateMask=fullName",
		`{"fullName":"Budi S.","etag":"v2"}`, map[string]string{"Content-Type": "application/json"})
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"etag":"v3"`) || !strings.Contains(string(body), `"name":"persons/`+validNIK+`"`) {
		t.Fatalf("status %d body %s", resp.StatusCode, body)
	}
}

func gatewayReason(t *testing.T, ej errorJSON, want string) {
	t.Helper()
	info := ej.detail(t, "google.rpc.ErrorInfo")
	if info["reason"] != want || info["domain"] != server.ErrorDomain {
		t.Errorf("ErrorInfo = %v, want reason %s in domain %s", info, want, server.ErrorDomain)
	}
}

func TestUnknownRouteIsJSON404(t *testing.T) {
	e := newEnv(t, 0)
	resp, body := e.do(t, http.MethodGet, "/v1/nothing/here", "", nil)
	ej := decodeError(t, resp, body, http.StatusNotFound, "NOT_FOUND")
	gatewayReason(t, ej, server.ReasonRouteNotFound)

	// "/" is the citizen page; a path beside the pages is the API's 404.
	resp, body = e.do(t, http.MethodGet, "/citizen", "", nil)
	decodeError(t, resp, body, http.StatusNotFound, "NOT_FOUND")
}

func TestWrongMethodIsJSON405(t *testing.T) {
	e := newEnv(t, 0)
	resp, body := e.do(t, http.MethodDelete, "/v1/persons/"+validNIK, "", nil)
	ej := decodeError(t, resp, body, http.StatusMethodNotAllowed, "UNIMPLEMENTED")
	gatewayReason(t, ej, server.ReasonMethodNotAllowed)

	resp, body = e.do(t, http.MethodPost, "/openapi.json", "{}", nil)
	decodeError(t, resp, body, http.StatusMethodNotAllowed, "UNIMPLEMENTED")
	if calls, _, _ := e.registry.last(); calls != 0 {
		t.Errorf("upstream called %d times", calls)
	}
}

// hiddenLength hides the body's size so the client sends it chunked and only
// http.MaxBytesReader can notice it is too large.
type hiddenLength struct{ r io.Reader }

func (h hiddenLength) Read(p []byte) (int, error) { return h.r.Read(p) }

func TestBodyTooLargeIs413(t *testing.T) {
	const limit = 128
	e := newEnv(t, limit)
	big := `{"deathDate":"2024-01-01","pad":"` + strings.Repeat("x", 4*limit) + `"}`

	for _, tc := range []struct {
		name    string
		method  string
		path    string
		chunked bool
	}{
		{"content-length", http.MethodPost, "/v1/persons/" + validNIK + ":recordDeath", false},
		{"chunked body:*", http.MethodPost, "/v1/persons/" + validNIK + ":recordDeath", true},
		{"chunked body:person", http.MethodPatch, "/v1/persons/" + validNIK, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rd io.Reader = strings.NewReader(big)
			if tc.chunked {
				rd = hiddenLength{rd}
			}
			req, err := http.NewRequest(tc.method, e.url+tc.path, rd)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if tc.chunked {
				req.ContentLength = -1 // unknown: sent chunked
			}
			resp, body := e.send(t, req)
			ej := decodeError(t, resp, body, http.StatusRequestEntityTooLarge, "INVALID_ARGUMENT")
			gatewayReason(t, ej, server.ReasonRequestBodyTooLarge)
		})
	}
	if calls, _, _ := e.registry.last(); calls != 0 {
		t.Errorf("upstream called %d times with an oversized body", calls)
	}

	// A body under the limit passes.
	resp, body := e.do(t, http.MethodPost, "/v1/persons/"+validNIK+":recordDeath", `{"deathDate":"2024-01-01"}`, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "VITAL_STATUS_DECEASED") {
		t.Fatalf("status %d body %s", resp.StatusCode, body)
	}
}

func TestMalformedJSONIs400(t *testing.T) {
	e := newEnv(t, 0)
	for name, body := range map[string]string{
		"syntax":        `{"deathDate":`,
		"not an object": `[1,2]`,
		"unknown field": `{"deathDate":"2024-01-01","religion":"x"}`,
		"wrong type":    `{"deathDate":17}`,
	} {
		t.Run(name, func(t *testing.T) {
			resp, b := e.do(t, http.MethodPost, "/v1/persons/"+validNIK+":recordDeath", body, map[string]string{"Content-Type": "application/json"})
			ej := decodeError(t, resp, b, http.StatusBadRequest, "INVALID_ARGUMENT")
			gatewayReason(t, ej, server.ReasonMalformedBody)
		})
	}
	if calls, _, _ := e.registry.last(); calls != 0 {
		t.Errorf("upstream called %d times with malformed bodies", calls)
	}
}

func TestUpstreamMetadataDoesNotLeak(t *testing.T) {
	e := newEnv(t, 0)
	resp, body := e.do(t, http.MethodGet, "/v1/persons/"+validNIK, "", map[string]string{
		"X-Request-Id": "client-req-42",
		"TE":           "trailers",
	})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	for k := range resp.Header {
		if strings.HasPrefix(strings.ToLower(k), "grpc-") {
			t.Errorf("leaked header %s: %v", k, resp.Header[k])
		}
	}
	for k := range resp.Trailer {
		t.Errorf("leaked trailer %s", k)
	}
	if got := resp.Header.Values("X-Request-Id"); len(got) != 1 || got[0] != "client-req-42" {
		t.Errorf("X-Request-Id = %v, want [client-req-42]", got)
	}

	// Errors too.
	resp, _ = e.do(t, http.MethodGet, "/v1/persons/"+missingNIK, "", nil)
	for k := range resp.Header {
		if strings.HasPrefix(strings.ToLower(k), "grpc-") {
			t.Errorf("leaked header on error %s", k)
		}
	}
	if !server.ValidRequestID(resp.Header.Get("X-Request-Id")) {
		t.Errorf("no generated X-Request-Id on error: %q", resp.Header.Get("X-Request-Id"))
	}
}

func TestRequestIDReachesUpstream(t *testing.T) {
	e := newEnv(t, 0)
	_, _ = e.do(t, http.MethodGet, "/v1/provinces", "", map[string]string{
		"X-Request-Id":          "abc-DEF_123.x",
		"X-Custom-Secret":       "nope",
		"Grpc-Metadata-X-Admin": "true",
		"Cookie":                "session=s3cret",
		"Accept-Language":       "id-ID",
	})
	_, md, _ := e.registry.last()
	if got := md.Get("x-request-id"); len(got) != 1 || got[0] != "abc-DEF_123.x" {
		t.Errorf("x-request-id metadata = %v", got)
	}
	for _, k := range []string{"x-custom-secret", "x-admin", "grpc-metadata-x-admin", "grpcgateway-x-custom-secret", "grpcgateway-cookie", "cookie"} {
		if v := md.Get(k); len(v) != 0 {
			t.Errorf("header forwarded as %s: %v", k, v)
		}
	}
	if got := md.Get("grpcgateway-accept-language"); len(got) != 1 || got[0] != "id-ID" {
		t.Errorf("permanent header Accept-Language not forwarded: %v", md)
	}

	// An invalid id is replaced by a generated one, which reaches the upstream
	// and the client alike.
	for _, bad := range []string{strings.Repeat("a", 65), "id with spaces", "id\"<script>"} {
		resp, _ := e.do(t, http.MethodGet, "/v1/provinces", "", map[string]string{"X-Request-Id": bad})
		_, md, _ = e.registry.last()
		got := md.Get("x-request-id")
		if len(got) != 1 || got[0] == bad || !server.ValidRequestID(got[0]) {
			t.Errorf("for %q: upstream x-request-id = %v", bad, got)
		}
		if resp.Header.Get("X-Request-Id") != got[0] {
			t.Errorf("for %q: response id %q != upstream id %v", bad, resp.Header.Get("X-Request-Id"), got)
		}
	}
}

func TestOpenAPI(t *testing.T) {
	e := newEnv(t, 0)
	resp, body := e.do(t, http.MethodGet, "/openapi.json", "", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	type param struct {
		Name    string `json:"name"`
		In      string `json:"in"`
		Pattern string `json:"pattern"`
	}
	type operation struct {
		OperationID string  `json:"operationId"`
		Parameters  []param `json:"parameters"`
	}
	var doc struct {
		Swagger string                          `json:"swagger"`
		Paths   map[string]map[string]operation `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if doc.Swagger != "2.0" {
		t.Errorf("swagger = %q", doc.Swagger)
	}
	// expand_slashed_path_patterns turns the rule /v1/{name=persons/*} into
	// a concrete path, so every route is distinct for generated clients.
	for path, op := range map[string]string{
		"/v1/persons/{person}":   "RegistryService_GetPerson",
		"/v1/families/{familie}": "RegistryService_GetFamily",
		"/v1/families":           "RegistryService_ListFamilies",
	} {
		get, ok := doc.Paths[path]["get"]
		if !ok || get.OperationID != op {
			t.Errorf("GET %s = %+v, want %s", path, get, op)
		}
	}
}

func TestHealthAndReadiness(t *testing.T) {
	e := newEnv(t, 0)
	resp, body := e.do(t, http.MethodGet, "/healthz", "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "SERVING") {
		t.Fatalf("healthz: %d %s", resp.StatusCode, body)
	}
	resp, body = e.do(t, http.MethodGet, "/readyz", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz while serving: %d %s", resp.StatusCode, body)
	}
	e.health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	resp, body = e.do(t, http.MethodGet, "/readyz", "", nil)
	ej := decodeError(t, resp, body, http.StatusServiceUnavailable, "UNAVAILABLE")
	gatewayReason(t, ej, server.ReasonUpstreamNotReady)
	// Liveness does not depend on the upstream.
	if resp, _ := e.do(t, http.MethodGet, "/healthz", "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("healthz with upstream down: %d", resp.StatusCode)
	}
}

func TestUpstreamDownIs503(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	_ = lis.Close() // nothing listens there any more
	conn, err := dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	env := authtest.Start(t)
	tok := env.Token(t, authtest.Admin())
	h, err := server.New(server.Options{Registry: conn, Verifier: env.Verifier, Logger: slog.New(slog.DiscardHandler), ReadinessTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/v1/persons/" + validNIK, "/readyz"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		h.ServeHTTP(rec, req)
		var ej errorJSON
		if err := json.Unmarshal(rec.Body.Bytes(), &ej); err != nil || rec.Code != http.StatusServiceUnavailable || ej.Error.Status != "UNAVAILABLE" {
			t.Errorf("%s: %d %s", path, rec.Code, rec.Body)
		}
	}
}

func TestTraceContinuesIntoService(t *testing.T) {
	e := newEnv(t, 0)
	const (
		traceID  = "4bf92f3577b34da6a3ce929d0e0e4736"
		parentID = "00f067aa0ba902b7"
	)
	resp, body := e.do(t, http.MethodGet, "/v1/persons/"+validNIK, "", map[string]string{
		"traceparent": "00-" + traceID + "-" + parentID + "-01",
	})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	_, _, upCtx := e.registry.last()
	if upCtx.TraceID().String() != traceID {
		t.Fatalf("service saw trace %s, want %s", upCtx.TraceID(), traceID)
	}

	// Gateway spans: the HTTP server span is the child of the client's
	// traceparent; the gRPC client span its child.
	httpSpan := endedSpan(t, e.spans, trace.SpanKindServer)
	clientSpan := endedSpan(t, e.spans, trace.SpanKindClient)
	if httpSpan.Parent().SpanID().String() != parentID || httpSpan.SpanContext().TraceID().String() != traceID {
		t.Errorf("HTTP span parent = %s in trace %s", httpSpan.Parent().SpanID(), httpSpan.SpanContext().TraceID())
	}
	if clientSpan.Parent().SpanID() != httpSpan.SpanContext().SpanID() {
		t.Errorf("gRPC client span is not a child of the HTTP span")
	}
	if httpSpan.Name() != "GET /v1/{name=persons/*}" {
		t.Errorf("HTTP span name = %q", httpSpan.Name())
	}
	// Upstream server span: child of the gateway's gRPC client span.
	upSpan := endedSpan(t, e.upSpans, trace.SpanKindServer)
	if upSpan.Parent().SpanID() != clientSpan.SpanContext().SpanID() || upSpan.SpanContext().TraceID().String() != traceID {
		t.Errorf("service span not a child of the gateway's client span: %v", upSpan)
	}
	if upCtx.SpanID() != upSpan.SpanContext().SpanID() {
		t.Errorf("handler span %s != server span %s", upCtx.SpanID(), upSpan.SpanContext().SpanID())
	}

	// No full NIK in any gateway span attribute (DESIGN.md §6).
	for _, s := range e.spans.Ended() {
		if strings.Contains(s.Name(), validNIK) {
			t.Errorf("span name %q contains a NIK", s.Name())
		}
		for _, a := range s.Attributes() {
			if strings.Contains(a.Value.String(), validNIK) {
				t.Errorf("span %q attribute %s=%s contains a NIK", s.Name(), a.Key, a.Value.String())
			}
		}
	}
}

// endedSpan returns the span of kind that rec saw end. A server ends its
// span after the response is on its way, so it may end a moment after the
// client has the answer: wait for it.
func endedSpan(t *testing.T, rec *tracetest.SpanRecorder, kind trace.SpanKind) sdktrace.ReadOnlySpan {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		for _, s := range rec.Ended() {
			if s.SpanKind() == kind {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %v span ended: %v", kind, rec.Ended())
		}
	}
}

func TestAccessLogHasRouteNotNIK(t *testing.T) {
	e := newEnv(t, 0)
	_, _ = e.do(t, http.MethodGet, "/v1/persons/"+validNIK+"?nik="+validNIK, "", map[string]string{"X-Request-Id": "log-test-1"})
	_, _ = e.do(t, http.MethodGet, "/v2/unknown/"+validNIK, "", nil)
	_, _ = e.do(t, http.MethodPost, "/v1/persons/"+validNIK+":recordDeath", `{"deathDate":"`+validNIK+`"}`, nil)
	logs := e.logs.String()
	if strings.Contains(logs, validNIK) {
		t.Errorf("access log contains a NIK:\n%s", logs)
	}
	var found bool
	for line := range strings.SplitSeq(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line not JSON: %s", line)
		}
		if rec["request_id"] == "log-test-1" {
			found = true
			if rec["method"] != "GET" || rec["route"] != "/v1/{name=persons/*}" || rec["status"] != float64(200) || rec["duration_ms"] == nil {
				t.Errorf("log line = %v", rec)
			}
		}
	}
	if !found {
		t.Errorf("no log line for the request:\n%s", logs)
	}
}

// With several contexts configured, /readyz asks all of them: a source
// context that is down makes the gateway DEGRADED, still ready (its routes
// answer UNAVAILABLE alone), while the registry down makes it unready; routes
// of an unconfigured context are absent.
func TestReadinessCoversEveryUpstream(t *testing.T) {
	e := newEnv(t, 0)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	assetHealth := health.NewServer()
	healthpb.RegisterHealthServer(gs, assetHealth)
	go func() { _ = gs.Serve(lis) }()
	t.Cleanup(gs.Stop)
	assetConn, err := dial(lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = assetConn.Close() })
	h, err := server.New(server.Options{Registry: e.conn, Asset: assetConn, Verifier: e.auth.Verifier, Logger: slog.New(slog.DiscardHandler), ReadinessTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	authed := func(path string) *http.Request {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+e.token)
		return req
	}
	get := func(path string) (*httptest.ResponseRecorder, errorJSON) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, authed(path))
		var ej errorJSON
		_ = json.Unmarshal(rec.Body.Bytes(), &ej)
		return rec, ej
	}
	if rec, _ := get("/readyz"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"asset":"SERVING"`) {
		t.Fatalf("readyz with both serving: %d %s", rec.Code, rec.Body)
	}
	assetHealth.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	rec, _ := get("/readyz")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"status":"DEGRADED"`) ||
		!strings.Contains(rec.Body.String(), `"asset":"NOT_SERVING"`) {
		t.Fatalf("readyz with asset down: %d %s", rec.Code, rec.Body)
	}
	const economics = "/v1/families/3204120000000001/economics"
	if rec, ej := get(economics); rec.Code != http.StatusNotFound || ej.Error.Status != "NOT_FOUND" {
		t.Fatalf("income route without an income upstream: %d %s", rec.Code, rec.Body)
	}
	// Configured, the same route reaches the upstream (which, being the fake
	// registry, does not implement the income service).
	withIncome, err := server.New(server.Options{Registry: e.conn, Income: e.conn, Verifier: e.auth.Verifier, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	rec = httptest.NewRecorder()
	withIncome.ServeHTTP(rec, authed(economics))
	if rec.Code != http.StatusNotImplemented {
		t.Fatalf("income route with an income upstream: %d %s", rec.Code, rec.Body)
	}
}

// TestPagesAreServedWithoutAToken: the web pages and their assets load
// anonymously; every other path, and any other method on the pages' paths,
// still goes through authentication.
func TestPagesAreServedWithoutAToken(t *testing.T) {
	e := newEnv(t, 0)
	noToken := map[string]string{"Authorization": ""}
	for path := range web.Pages {
		resp, body := e.do(t, http.MethodGet, path, "", noToken)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
			resp.Header.Get("Content-Security-Policy") == "" || len(body) == 0 {
			t.Errorf("GET %s: %d %s, CSP %q", path, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Security-Policy"))
		}
	}
	for _, c := range []struct{ method, path string }{
		{http.MethodPost, "/"},
		{http.MethodGet, "/v1/persons/" + validNIK},
		{http.MethodGet, "/officer/secret"},
	} {
		if resp, body := e.do(t, c.method, c.path, "", noToken); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s without a token: %d %s", c.method, c.path, resp.StatusCode, body)
		}
	}
}
