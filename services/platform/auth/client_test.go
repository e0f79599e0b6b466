package auth_test

import (
	"context"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
)

// TestClientOptions checks what identity an outgoing call carries, as seen
// by a real server: the caller's token while serving a request, the
// workload's own in the background or under AsService.
func TestClientOptions(t *testing.T) {
	env := authtest.Start(t)
	seen := make(chan metadata.MD, 1)
	srv := grpc.NewServer(grpc.UnknownServiceHandler(func(_ any, ss grpc.ServerStream) error {
		md, _ := metadata.FromIncomingContext(ss.Context())
		seen <- md
		return status.Error(codes.Unimplemented, "recorded")
	}))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)

	dial := func(opts ...grpc.DialOption) *grpc.ClientConn {
		conn, err := grpc.NewClient(lis.Addr().String(), append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		return conn
	}
	withOwn := dial(auth.ClientOptions(env.ServiceTokens("scoring"))...)
	withoutOwn := dial(auth.ClientOptions(nil)...)
	call := func(conn *grpc.ClientConn, ctx context.Context) metadata.MD {
		_ = conn.Invoke(ctx, "/test.Any/Call", &emptypb.Empty{}, &emptypb.Empty{})
		return <-seen
	}
	subject := func(md metadata.MD) string {
		v := md.Get(auth.AuthorizationHeader)
		if len(v) == 0 {
			return ""
		}
		p, err := env.Verifier.Verify(context.Background(), auth.BearerToken(v[0]))
		if err != nil {
			t.Fatal(err)
		}
		return p.Subject
	}

	caller := env.Token(t, authtest.Officer(auth.RoleDistrictOfficer, "32.04"))
	p, err := env.Verifier.Verify(context.Background(), caller)
	if err != nil {
		t.Fatal(err)
	}
	p.Purpose = "case_work"
	serving := auth.WithPrincipal(context.Background(), p)

	md := call(withOwn, serving)
	if got := subject(md); got != p.Subject {
		t.Errorf("while serving, the call carried %q, want the caller %q", got, p.Subject)
	}
	if got := md.Get(auth.PurposeHeader); len(got) != 1 || got[0] != "case_work" {
		t.Errorf("purpose forwarded as %v", got)
	}
	if got := subject(call(withOwn, auth.AsService(serving))); got != "dtsen-scoring" {
		t.Errorf("under AsService the call carried %q, want the workload", got)
	}
	if got := subject(call(withOwn, context.Background())); got != "dtsen-scoring" {
		t.Errorf("in the background the call carried %q, want the workload", got)
	}
	if got := subject(call(withoutOwn, context.Background())); got != "" {
		t.Errorf("without own credentials the call carried %q", got)
	}
}
