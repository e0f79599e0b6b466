package grpcserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/config"
	"github.com/dtsen-id/dtsen/services/platform/logging"
	"github.com/dtsen-id/dtsen/services/platform/validation"
)

// echo is a tiny hand-written service so the tests need no generated code.
// Say returns the caller's request id as seen by the handler; the value
// "panic" panics and "block" waits until the RPC is cancelled.
type echo struct {
	calls atomic.Int64
}

type echoService interface{}

func (e *echo) say(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	e.calls.Add(1)
	logging.FromContext(ctx).InfoContext(ctx, "handler ran")
	switch in.GetValue() {
	case "panic":
		panic("boom")
	case "block":
		<-ctx.Done()
		return nil, ctx.Err()
	case "raw-error":
		return nil, errors.New("disk full on /var/lib/postgresql")
	case "cancelled":
		return nil, context.Canceled
	}
	return wrapperspb.String(RequestID(ctx)), nil
}

// chat echoes every received message back until the client closes.
func (e *echo) chat(stream grpc.ServerStream) error {
	for {
		in := new(wrapperspb.StringValue)
		if err := stream.RecvMsg(in); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		e.calls.Add(1)
		if in.GetValue() == "panic" {
			panic("stream boom")
		}
		if err := stream.SendMsg(in); err != nil {
			return err
		}
	}
}

var echoDesc = grpc.ServiceDesc{
	ServiceName: "test.Echo",
	HandlerType: (*echoService)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Say",
		Handler: func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			h := func(ctx context.Context, req any) (any, error) {
				return srv.(*echo).say(ctx, req.(*wrapperspb.StringValue))
			}
			if interceptor == nil {
				return h(ctx, in)
			}
			return interceptor(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: "/test.Echo/Say"}, h)
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName:    "Chat",
		ServerStreams: true,
		ClientStreams: true,
		Handler:       func(srv any, stream grpc.ServerStream) error { return srv.(*echo).chat(stream) },
	}},
}

var chatDesc = &grpc.StreamDesc{StreamName: "Chat", ServerStreams: true, ClientStreams: true}

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

type fixture struct {
	srv  *Server
	svc  *echo
	conn *grpc.ClientConn
	logs *syncBuffer
}

func start(t *testing.T, grace time.Duration) *fixture {
	t.Helper()
	logs := &syncBuffer{}
	logger := logging.New(logs, "test", slog.LevelDebug)
	validators := validation.NewRegistry()
	validation.Register(validators, func(m *wrapperspb.StringValue) error {
		if m.GetValue() == "" {
			return apierror.New(codes.InvalidArgument, "test.dtsen.go.id", "VALUE_REQUIRED").
				Field("value", "REQUIRED", "value must not be empty").Err()
		}
		return nil
	})
	env := authtest.Start(t)
	srv := New(&Config{Addr: "127.0.0.1:0", ShutdownGrace: grace}, logger, validators, &auth.Authenticator{
		Verifier: env.Verifier,
		Methods:  map[string][]auth.Role{"/test.Echo/Say": {auth.RoleAdmin}, "/test.Echo/Chat": {auth.RoleAdmin}},
	})
	svc := &echo{}
	srv.GRPC().RegisterService(&echoDesc, svc)

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.RunListener(ctx, lis) }()
	conn, err := Dial(context.Background(), lis.Addr().String(), authtest.Bearer(env.Token(t, authtest.Admin()))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("RunListener: %v", err)
		}
	})
	return &fixture{srv: srv, svc: svc, conn: conn, logs: logs}
}

func (f *fixture) say(ctx context.Context, v string, opts ...grpc.CallOption) (string, error) {
	out := new(wrapperspb.StringValue)
	err := f.conn.Invoke(ctx, "/test.Echo/Say", wrapperspb.String(v), out, opts...)
	return out.GetValue(), err
}

func TestPanicBecomesInternalAndServerKeepsServing(t *testing.T) {
	f := start(t, time.Second)
	_, err := f.say(context.Background(), "panic")
	if status.Code(err) != codes.Internal || apierror.ReasonOf(err) != ReasonInternalPanic {
		t.Fatalf("got %v (reason %q)", err, apierror.ReasonOf(err))
	}
	if !strings.Contains(f.logs.String(), "goroutine") || !strings.Contains(f.logs.String(), "boom") {
		t.Fatalf("panic stack not logged:\n%s", f.logs.String())
	}
	if _, err := f.say(context.Background(), "hello"); err != nil {
		t.Fatalf("server stopped serving after panic: %v", err)
	}
}

func TestStreamPanicBecomesInternal(t *testing.T) {
	f := start(t, time.Second)
	stream, err := f.conn.NewStream(context.Background(), chatDesc, "/test.Echo/Chat")
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.SendMsg(wrapperspb.String("panic")); err != nil {
		t.Fatal(err)
	}
	err = stream.RecvMsg(new(wrapperspb.StringValue))
	if status.Code(err) != codes.Internal || apierror.ReasonOf(err) != ReasonInternalPanic {
		t.Fatalf("got %v", err)
	}
}

func TestRequestIDEchoedAndInContext(t *testing.T) {
	f := start(t, time.Second)
	ctx := metadata.AppendToOutgoingContext(context.Background(), RequestIDHeader, "req-123")
	var header metadata.MD
	seen, err := f.say(ctx, "hi", grpc.Header(&header))
	if err != nil {
		t.Fatal(err)
	}
	if seen != "req-123" {
		t.Fatalf("handler saw request id %q", seen)
	}
	if got := header.Get(RequestIDHeader); len(got) != 1 || got[0] != "req-123" {
		t.Fatalf("response header x-request-id = %v", got)
	}
	// The handler's log line (via logging.FromContext) carries the id.
	if !logLineHas(f.logs.String(), "handler ran", "request_id", "req-123") {
		t.Fatalf("request-scoped logger lacks request_id:\n%s", f.logs.String())
	}
	if !logLineHas(f.logs.String(), "rpc", "request_id", "req-123") {
		t.Fatalf("access log lacks request_id:\n%s", f.logs.String())
	}
}

func TestRequestIDGeneratedWhenMissingOrUnsafe(t *testing.T) {
	f := start(t, time.Second)
	for _, sent := range []string{"", `bad id "injected"`, strings.Repeat("a", 200)} {
		ctx := context.Background()
		if sent != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, RequestIDHeader, sent)
		}
		var header metadata.MD
		seen, err := f.say(ctx, "hi", grpc.Header(&header))
		if err != nil {
			t.Fatal(err)
		}
		got := header.Get(RequestIDHeader)
		if len(got) != 1 || got[0] == "" || got[0] == sent || got[0] != seen {
			t.Fatalf("sent %q: header %v, handler saw %q", sent, got, seen)
		}
	}
}

func TestValidatorRejectsBeforeHandler(t *testing.T) {
	f := start(t, time.Second)
	_, err := f.say(context.Background(), "")
	if status.Code(err) != codes.InvalidArgument || apierror.ReasonOf(err) != "VALUE_REQUIRED" {
		t.Fatalf("got %v", err)
	}
	if len(apierror.FieldViolationsOf(err)) != 1 {
		t.Fatalf("field violation lost on the wire: %v", err)
	}
	if n := f.svc.calls.Load(); n != 0 {
		t.Fatalf("handler ran %d times for an invalid request", n)
	}
}

func TestStreamMessagesAreValidated(t *testing.T) {
	f := start(t, time.Second)
	stream, err := f.conn.NewStream(context.Background(), chatDesc, "/test.Echo/Chat")
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.SendMsg(wrapperspb.String("ok")); err != nil {
		t.Fatal(err)
	}
	if err := stream.RecvMsg(new(wrapperspb.StringValue)); err != nil {
		t.Fatalf("valid stream message rejected: %v", err)
	}
	if err := stream.SendMsg(wrapperspb.String("")); err != nil {
		t.Fatal(err)
	}
	err = stream.RecvMsg(new(wrapperspb.StringValue))
	if status.Code(err) != codes.InvalidArgument || apierror.ReasonOf(err) != "VALUE_REQUIRED" {
		t.Fatalf("got %v", err)
	}
	if n := f.svc.calls.Load(); n != 1 {
		t.Fatalf("handler processed %d messages, want only the valid one", n)
	}
}

func TestAccessLogHasMethodCodeDurationButNoBody(t *testing.T) {
	f := start(t, time.Second)
	const secret = "3204121505900001"
	if _, err := f.say(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	_, _ = f.say(context.Background(), "")
	logs := f.logs.String()
	for _, want := range []string{`"msg":"rpc"`, `"method":"/test.Echo/Say"`, `"code":"OK"`,
		`"code":"InvalidArgument"`, `"reason":"VALUE_REQUIRED"`, `"duration_ms":`} {
		if !strings.Contains(logs, want) {
			t.Errorf("access log lacks %s:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, secret) {
		t.Fatalf("request body leaked into logs:\n%s", logs)
	}
}

func TestHealthAndReflectionRegistered(t *testing.T) {
	f := start(t, time.Second)
	hc := healthpb.NewHealthClient(f.conn)
	for _, svc := range []string{"", "test.Echo"} {
		resp, err := hc.Check(context.Background(), &healthpb.HealthCheckRequest{Service: svc})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("health %q: %v %v", svc, resp, err)
		}
	}
	if _, ok := f.srv.GRPC().GetServiceInfo()["grpc.reflection.v1.ServerReflection"]; !ok {
		t.Fatal("reflection not registered")
	}
}

func TestRunShutsDownGracefullyOnCancel(t *testing.T) {
	srv := New(&Config{Addr: "127.0.0.1:0", ShutdownGrace: 10 * time.Second}, slog.New(slog.DiscardHandler), nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	for srv.Addr() == "" {
		select {
		case err := <-done:
			t.Fatalf("Run returned early: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	conn, err := Dial(context.Background(), srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	watch, err := healthpb.NewHealthClient(conn).Watch(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := watch.Recv(); err != nil || r.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("before shutdown: %v %v", r, err)
	}
	cancel()
	if r, err := watch.Recv(); err != nil || r.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("shutdown did not report NOT_SERVING first: %v %v", r, err)
	}
	select {
	case <-srv.Stopping():
	default:
		t.Fatal("Stopping not closed during shutdown")
	}
	// The Watch stream keeps GracefulStop waiting; ending it lets Run return.
	conn.Close()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
}

func TestShutdownCutsOffRPCsAfterGrace(t *testing.T) {
	f := start(t, 50*time.Millisecond)
	errc := make(chan error, 1)
	go func() { _, err := f.say(context.Background(), "block"); errc <- err }()
	for f.svc.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	// Without the grace timeout this would wait for the blocked RPC forever.
	f.srv.Shutdown()
	if err := <-errc; err == nil {
		t.Fatal("blocked RPC should have been cancelled")
	}
}

func TestDialPropagatesRequestID(t *testing.T) {
	f := start(t, time.Second)
	ctx := withRequestID(context.Background(), "upstream-42")
	seen, err := f.say(ctx, "hi")
	if err != nil {
		t.Fatal(err)
	}
	if seen != "upstream-42" {
		t.Fatalf("downstream saw request id %q", seen)
	}
}

func TestRegisterConfig(t *testing.T) {
	s := config.New("serviceusage")
	s.Lookup = func(k string) (string, bool) {
		v, ok := map[string]string{"DTSEN_SERVICE_USAGE_SHUTDOWN_GRACE": "3s"}[k]
		return v, ok
	}
	cfg := RegisterConfig(s, "service-usage", ":9094")
	if err := s.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":9094" || cfg.ShutdownGrace != 3*time.Second || cfg.MaxRecvMsgBytes != DefaultMaxRecvMsgBytes {
		t.Fatalf("cfg = %+v", cfg)
	}
	var usage bytes.Buffer
	s.Output = &usage
	s.PrintUsage()
	if !strings.Contains(usage.String(), "DTSEN_SERVICE_USAGE_GRPC_ADDR") {
		t.Fatalf("usage:\n%s", usage.String())
	}
}

func TestMaxRecvMsgBytesEnforced(t *testing.T) {
	logs := &syncBuffer{}
	srv := New(&Config{ShutdownGrace: time.Second, MaxRecvMsgBytes: 1024}, logging.New(logs, "t", slog.LevelInfo), nil, nil)
	svc := &echo{}
	srv.GRPC().RegisterService(&echoDesc, svc)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	defer srv.Shutdown()
	conn, err := Dial(context.Background(), lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Invoke(context.Background(), "/test.Echo/Say", wrapperspb.String(strings.Repeat("x", 4096)), new(wrapperspb.StringValue))
	if status.Code(err) != codes.ResourceExhausted || svc.calls.Load() != 0 {
		t.Fatalf("oversized request: %v, handler calls %d", err, svc.calls.Load())
	}
}

func logLineHas(logs, msg, key, want string) bool {
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == msg && m[key] == want {
			return true
		}
	}
	return false
}

// A handler's plain Go error never reaches the client as Unknown with its
// text: it becomes Internal with a reason, and the text goes to the log.
func TestUnclassifiedErrorsBecomeInternal(t *testing.T) {
	f := start(t, time.Second)
	_, err := f.say(context.Background(), "raw-error")
	if status.Code(err) != codes.Internal || apierror.ReasonOf(err) != ReasonInternal {
		t.Fatalf("got %v (reason %q)", err, apierror.ReasonOf(err))
	}
	if strings.Contains(status.Convert(err).Message(), "disk full") {
		t.Fatalf("internal detail leaked to the client: %v", err)
	}
	if !strings.Contains(f.logs.String(), "disk full on /var/lib/postgresql") {
		t.Fatalf("the original error is not in the log:\n%s", f.logs.String())
	}
	_, err = f.say(context.Background(), "cancelled")
	if status.Code(err) != codes.Canceled {
		t.Fatalf("context.Canceled became %v", err)
	}
	if strings.Contains(f.logs.String(), `"code":"Unknown"`) {
		t.Fatalf("an error was logged as Unknown:\n%s", f.logs.String())
	}
}
