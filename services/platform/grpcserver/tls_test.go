package grpcserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/logging"
	"github.com/dtsen-id/dtsen/services/platform/tlsconfig"
	"github.com/dtsen-id/dtsen/services/platform/tlsconfig/tlstest"
)

// whoami answers with the subject of the caller's verified client
// certificate, so tests see what the server saw.
type whoami struct{ calls atomic.Int64 }

type whoamiService interface{}

var whoamiDesc = grpc.ServiceDesc{
	ServiceName: "test.Whoami",
	HandlerType: (*whoamiService)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Who",
		Handler: func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			h := func(ctx context.Context, _ any) (any, error) {
				srv.(*whoami).calls.Add(1)
				id, _ := tlsconfig.PeerIdentity(ctx)
				return wrapperspb.String(id.Subject), nil
			}
			return interceptor(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: "/test.Whoami/Who"}, h)
		},
	}},
}

type tlsFixture struct {
	addr  string
	svc   *whoami
	logs  *syncBuffer
	token string
}

// startTLS serves whoami over TLS with the identity in files, requiring
// client certificates signed by files.CA.
func startTLS(t *testing.T, files tlstest.Files, reload time.Duration) *tlsFixture {
	t.Helper()
	logs := &syncBuffer{}
	logger := logging.New(logs, "test", slog.LevelDebug)
	src, err := tlsconfig.Load(files.Config(reload), logger)
	if err != nil {
		t.Fatal(err)
	}
	env := authtest.Start(t)
	srv := New(&Config{ShutdownGrace: time.Second, TLS: src}, logger, nil, &auth.Authenticator{
		Verifier: env.Verifier,
		Methods:  map[string][]auth.Role{"/test.Whoami/Who": {auth.RoleAdmin}},
	})
	svc := &whoami{}
	srv.GRPC().RegisterService(&whoamiDesc, svc)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.RunListener(ctx, lis) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("RunListener: %v", err)
		}
	})
	return &tlsFixture{addr: lis.Addr().String(), svc: svc, logs: logs, token: env.Token(t, authtest.Admin())}
}

// who makes one call on a fresh connection (so a new handshake happens)
// and returns the client subject the server saw and the server certificate
// the client saw.
func (f *tlsFixture) who(t *testing.T, target string, opts ...grpc.DialOption) (string, *x509.Certificate, credentials.TLSInfo, error) {
	t.Helper()
	conn, err := Dial(context.Background(), target, append(opts, authtest.Bearer(f.token)...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var p peer.Peer
	out := new(wrapperspb.StringValue)
	err = conn.Invoke(ctx, "/test.Whoami/Who", wrapperspb.String("?"), out, grpc.Peer(&p))
	if err != nil {
		return "", nil, credentials.TLSInfo{}, err
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(info.State.PeerCertificates) == 0 {
		t.Fatalf("call succeeded without TLS: %#v", p.AuthInfo)
	}
	return out.GetValue(), info.State.PeerCertificates[0], info, nil
}

func clientSource(t *testing.T, files tlstest.Files, reload time.Duration) *tlsconfig.Source {
	t.Helper()
	src, err := tlsconfig.Load(files.Config(reload), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestMutualTLS(t *testing.T) {
	ca := tlstest.NewCA(t, "dtsen-ca")
	dir := t.TempDir()
	f := startTLS(t, ca.Issue(t, filepath.Join(dir, "registry"), "registry", "registry", "registry.dtsen.svc", "127.0.0.1"), 0)
	client := clientSource(t, ca.Issue(t, filepath.Join(dir, "asset"), "asset", "asset", "asset.dtsen.svc"), 0)

	seen, serverCert, info, err := f.who(t, f.addr, client.DialOption())
	if err != nil {
		t.Fatalf("mTLS call failed: %v", err)
	}
	if seen != "CN=asset,O=DTSEN test" {
		t.Errorf("server saw peer %q", seen)
	}
	if serverCert.Subject.CommonName != "registry" {
		t.Errorf("client saw server %q", serverCert.Subject)
	}
	if info.State.Version != tls.VersionTLS13 {
		t.Errorf("negotiated TLS version %x, want 1.3", info.State.Version)
	}
	if !logLineHas(f.logs.String(), "rpc", "code", "OK") || !strings.Contains(f.logs.String(), `"peer":{"subject":"CN=asset,O=DTSEN test","dns":["asset","asset.dtsen.svc"]}`) {
		t.Errorf("access log lacks the peer identity:\n%s", f.logs.String())
	}
}

func TestTLSRefusals(t *testing.T) {
	ca := tlstest.NewCA(t, "dtsen-ca")
	dir := t.TempDir()
	serverFiles := ca.Issue(t, filepath.Join(dir, "registry"), "registry", "registry", "127.0.0.1")
	f := startTLS(t, serverFiles, 0)
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)

	other := tlstest.NewCA(t, "intruder-ca")
	foreign := other.Issue(t, filepath.Join(dir, "foreign"), "asset", "asset")
	foreign.CA = serverFiles.CA // it trusts the right CA; only its own certificate is foreign

	// In TLS 1.3 the client finishes its side of the handshake before the
	// server judges its certificate, so the client's error text races the
	// server's alert (often just "broken pipe"): only the outcome is checked.
	for _, tc := range []struct {
		name string
		opt  grpc.DialOption
	}{
		{"client without a certificate", grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13}))},
		{"client certificate from another CA", clientSource(t, foreign, 0).DialOption()},
		{"plaintext client", (*tlsconfig.Source)(nil).DialOption()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, _, err := f.who(t, f.addr, tc.opt); status.Code(err) != codes.Unavailable {
				t.Fatalf("got %v, want Unavailable", err)
			}
		})
	}
	if n := f.svc.calls.Load(); n != 0 {
		t.Fatalf("handler ran %d times for refused clients", n)
	}

	t.Run("server certificate not matching the dialled name", func(t *testing.T) {
		named := startTLS(t, ca.Issue(t, filepath.Join(dir, "income"), "income", "income", "income.dtsen.svc"), 0)
		client := clientSource(t, ca.Issue(t, filepath.Join(dir, "gateway"), "gateway", "gateway"), 0)
		_, _, _, err := named.who(t, named.addr, client.DialOption())
		if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "x509") {
			t.Fatalf("127.0.0.1 accepted a certificate for income only: %v", err)
		}
		// The name comes from the target's host, here overridden as a DNS
		// name would give it: income.dtsen.svc:PORT → income.dtsen.svc.
		if _, _, _, err := named.who(t, named.addr, client.DialOption(), grpc.WithAuthority("income.dtsen.svc")); err != nil {
			t.Fatalf("the certificate's own name was refused: %v", err)
		}
	})
}

func TestCertificateRotationWithoutRestart(t *testing.T) {
	const reload = 20 * time.Millisecond
	ca := tlstest.NewCA(t, "dtsen-ca")
	serverDir, clientDir := filepath.Join(t.TempDir(), "registry"), filepath.Join(t.TempDir(), "asset")
	f := startTLS(t, ca.Issue(t, serverDir, "registry-1", "127.0.0.1"), reload)
	client := clientSource(t, ca.Issue(t, clientDir, "asset-1", "asset"), reload)

	// expect polls with fresh connections: each rotation is noticed at the
	// first handshake after the reload interval.
	expect := func(step, serverCN, clientCN string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			seen, cert, _, err := f.who(t, f.addr, client.DialOption())
			if err == nil && cert.Subject.CommonName == serverCN && seen == "CN="+clientCN+",O=DTSEN test" {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: server %v, client seen as %q, error %v; want %s and %s", step, cert, seen, err, serverCN, clientCN)
			}
			time.Sleep(reload)
		}
	}
	expect("start", "registry-1", "asset-1")

	ca.Issue(t, serverDir, "registry-2", "127.0.0.1")
	ca.Issue(t, clientDir, "asset-2", "asset")
	expect("certificates rotated", "registry-2", "asset-2")

	// A new CA: both sides must trust it for the next handshake to succeed.
	next := tlstest.NewCA(t, "dtsen-ca-2")
	next.Issue(t, serverDir, "registry-3", "127.0.0.1")
	next.Issue(t, clientDir, "asset-3", "asset")
	expect("CA rotated", "registry-3", "asset-3")

	// A broken rewrite keeps the last good identity instead of failing.
	if err := os.WriteFile(filepath.Join(serverDir, "tls.key"), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * reload)
	expect("broken key", "registry-3", "asset-3")
	if !strings.Contains(f.logs.String(), "cannot be reloaded") {
		t.Fatalf("the failed reload was not logged:\n%s", f.logs.String())
	}
}
