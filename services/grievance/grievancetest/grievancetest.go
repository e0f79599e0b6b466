// Package grievancetest starts a real grievance gRPC server in-process, on a
// loopback port, beside a real registry, for the grievance component tests
// and the gateway's REST tests. It wires the same adapters, use cases and
// ports as cmd/grievance, and authenticates every call against the
// registry's development issuer.
package grievancetest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"
	"time"

	auditv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/audit/v1"
	grievancev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/grievance/v1"
	"github.com/dtsen-id/dtsen/services/grievance/adapters"
	"github.com/dtsen-id/dtsen/services/grievance/app"
	"github.com/dtsen-id/dtsen/services/grievance/ports"
	"github.com/dtsen-id/dtsen/services/platform/audit"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/grpcserver"
	"github.com/dtsen-id/dtsen/services/platform/identity"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
)

// Grievance is a running grievance server.
type Grievance struct {
	Addr  string
	Auth  *authtest.Env
	Audit *audit.Log
}

// Start serves the grievance context on the database at url, asking the
// registry at registryAddr (trusting env, the registry's issuer).
func Start(t testing.TB, url, registryAddr string, env *authtest.Env) *Grievance {
	t.Helper()
	db := storagetest.Open(t, url, outbox.Migrations, audit.Migrations, adapters.Migrations)
	conn, err := grpcserver.Dial(context.Background(), registryAddr, auth.ClientOptions(env.ServiceTokens("grievance"))...)
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	ob := outbox.New(db, 50*time.Millisecond)
	a, err := app.New(app.Deps{Cases: adapters.NewRepository(db, ob), NewID: func() string { return fmt.Sprintf("c-%06d", n.Add(1)) }})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := grpcserver.New(&grpcserver.Config{Addr: "127.0.0.1:0", ShutdownGrace: time.Second}, logger, ports.Validators(), env.Authenticator())
	log := audit.New(db, "grievance")
	auditv1.RegisterAuditServiceServer(srv.GRPC(), audit.NewServer(log))
	grievancev1.RegisterGrievanceServiceServer(srv.GRPC(), ports.NewServer(a, identity.NewClient(conn, identity.Options{}), log, ob, srv.Stopping()))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.RunListener(ctx, lis) }()
	t.Cleanup(func() { cancel(); <-done; _ = conn.Close() })
	return &Grievance{Addr: lis.Addr().String(), Auth: env, Audit: log}
}

// ClientAs returns a client whose calls carry a token for c.
func (g *Grievance) ClientAs(t testing.TB, c auth.Claims) grievancev1.GrievanceServiceClient {
	t.Helper()
	return grievancev1.NewGrievanceServiceClient(authtest.Dial(t, g.Addr, g.Auth.Token(t, c)))
}
