package cli

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/dtsen-id/dtsen/services/platform/tlsconfig"
	"github.com/dtsen-id/dtsen/services/platform/tlsconfig/tlstest"
)

// TestMutualTLS: dtsenctl reaches a service that requires client
// certificates only when given one.
func TestMutualTLS(t *testing.T) {
	ca := tlstest.NewCA(t, "dtsen-test-ca")
	server := ca.Issue(t, t.TempDir(), "registry", "localhost", "127.0.0.1")
	client := ca.Issue(t, t.TempDir(), "operator")
	src, err := tlsconfig.Load(server.Config(time.Second), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.Creds(src.TransportCredentials()))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	addr := "localhost:" + portOf(lis.Addr().String())

	check := func(c *ConnConfig) error {
		conn, err := c.Conn("registry")
		if err != nil {
			return err
		}
		defer conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		return err
	}
	cfg := func() *ConnConfig {
		return &ConnConfig{Addr: map[string]*string{"registry": &addr}, TLSCA: server.CA, Timeout: 5 * time.Second}
	}
	if err := check(cfg()); err == nil {
		t.Fatal("reached a mutual-TLS service without a client certificate")
	}
	with := cfg()
	with.TLSCert, with.TLSKey = client.Cert, client.Key
	if err := check(with); err != nil {
		t.Fatalf("with a client certificate: %v", err)
	}
	half := cfg()
	half.TLSCert = client.Cert
	if err := check(half); err == nil {
		t.Fatal("--tls-cert without --tls-key was accepted")
	}
}

func portOf(hostport string) string {
	_, p, _ := net.SplitHostPort(hostport)
	return p
}
