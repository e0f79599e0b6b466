// Package authtest runs a real development issuer on a loopback HTTP server
// for tests, so every test authenticates exactly as production does: signed
// JWTs verified against a fetched JWKS, no bypass.
package authtest

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/devissuer"
)

// ServiceSecret is the client secret of every workload client registered
// with the test issuer.
const ServiceSecret = "test-service-secret"

// Workloads are registered as client-credentials clients with RoleService.
var Workloads = []string{"registry", "asset", "income", "serviceusage", "scoring", "grievance", "gateway"}

// WorkloadClaims are the claims of workload's client: role service, and for
// the gateway alone the right to act for citizens (ADR 0009), as the
// development issuer registers them.
func WorkloadClaims(workload string) auth.Claims {
	c := auth.Claims{Role: auth.RoleService}
	if workload == "gateway" {
		c.Delegates = []string{auth.DelegateCitizen}
	}
	return c
}

// Env is a running issuer and a verifier that trusts it.
type Env struct {
	Issuer   *devissuer.Issuer
	Verifier *auth.Verifier
	URL      string
}

// Start serves a fresh issuer until the test ends. KeyRefresh is short so
// rotation tests need not wait.
func Start(t testing.TB) *Env {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	url := "http://" + srv.Listener.Addr().String()
	clients := map[string]devissuer.Client{}
	for _, w := range Workloads {
		clients["dtsen-"+w] = devissuer.Client{Secret: ServiceSecret, Claims: WorkloadClaims(w)}
	}
	iss, err := devissuer.New(devissuer.Options{URL: url, Clients: clients})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = iss.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	v, err := auth.NewVerifier(auth.Config{Issuer: url, KeyRefresh: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &Env{Issuer: iss, Verifier: v, URL: url}
}

// Authenticator is the server interceptor pair trusting this issuer.
func (e *Env) Authenticator() *auth.Authenticator { return &auth.Authenticator{Verifier: e.Verifier} }

// Token mints a one-hour token for c.
func (e *Env) Token(t testing.TB, c auth.Claims) string {
	t.Helper()
	tok, err := e.Issuer.Mint(c, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// ServiceTokens is workload's own token source (client credentials).
func (e *Env) ServiceTokens(workload string) oauth2.TokenSource {
	return auth.ClientCredentials(e.Verifier, "dtsen-"+workload, ServiceSecret)
}

// Personas, for readable tests.

// Citizen is the person with nik.
func Citizen(nik string) auth.Claims {
	return auth.Claims{Subject: "citizen-" + nik[:6], Role: auth.RoleCitizen, NIK: nik}
}

// Officer is a region-bound role in region (dotted).
func Officer(role auth.Role, region string) auth.Claims {
	return auth.Claims{Subject: string(role) + "-" + region, Role: role, Region: region}
}

// Analyst is a ministry analyst.
func Analyst() auth.Claims { return auth.Claims{Subject: "analyst-bappenas", Role: auth.RoleAnalyst} }

// Gateway is the gateway's workload identity: a service allowed to act for
// citizens.
func Gateway() auth.Claims {
	c := WorkloadClaims("gateway")
	c.Subject = "dtsen-gateway"
	return c
}

// Admin is a central administrator.
func Admin() auth.Claims { return auth.Claims{Subject: "admin-kemensos", Role: auth.RoleAdmin} }

// Integration is an agency system submitting for agencies, reading for
// the purpose "verification".
func Integration(agencies ...string) auth.Claims {
	return auth.Claims{Subject: "client-" + agencies[0], Role: auth.RoleIntegrationClient,
		Agencies: agencies, Purposes: []string{"verification", "data_submission"}}
}

// Bearer are dial options sending tok on every call of the connection.
func Bearer(tok string) []grpc.DialOption {
	add := func(ctx context.Context) context.Context {
		if md, ok := metadata.FromOutgoingContext(ctx); ok && len(md.Get(auth.AuthorizationHeader)) > 0 {
			return ctx // a call-level token (WithToken) wins
		}
		return metadata.AppendToOutgoingContext(ctx, auth.AuthorizationHeader, "Bearer "+tok)
	}
	return []grpc.DialOption{grpc.WithChainUnaryInterceptor(
		func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			return invoker(add(ctx), method, req, reply, cc, opts...)
		}),
		grpc.WithChainStreamInterceptor(
			func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
				return streamer(add(ctx), desc, cc, method, opts...)
			})}
}

// WithToken returns ctx whose calls carry tok (overriding a Bearer default).
func WithToken(ctx context.Context, tok string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, auth.AuthorizationHeader, "Bearer "+tok)
}

// Dial connects to a test server at addr, sending tok on every call (no
// token when tok is ""); the connection closes when the test ends, before
// the server it was opened to stops.
func Dial(t testing.TB, addr, tok string) *grpc.ClientConn {
	t.Helper()
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if tok != "" {
		opts = append(opts, Bearer(tok)...)
	}
	conn, err := grpc.NewClient(addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}
