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
	"github.com/dtsen-id/dtsen/services/grievance/wiring"
	"github.com/dtsen-id/dtsen/services/platform/audit"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/grpcserver"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"google.golang.org/grpc"
)

// Grievance is a running grievance server.
type Grievance struct {
	Addr  string
	Auth  *authtest.Env
	Audit *audit.Log
	// App is the use cases behind the server, for driving the workloads
	// (ApplyApproved, EscalateOverdue) at the moment a test chooses.
	App *app.App
}

// Options are what StartWith wires beyond the registry.
type Options struct {
	// Auth is the registry's issuer, trusted for every call.
	Auth *authtest.Env
	// RegistryAddr is required; with AssetAddr, IncomeAddr and
	// ServiceUsageAddr too, approved changes can be applied.
	RegistryAddr, AssetAddr, IncomeAddr, ServiceUsageAddr string
	// Clock is now; nil is time.Now.
	Clock func() time.Time
	// Background runs the workloads (escalation, applying) on their tickers
	// at ApplyInterval; otherwise the test calls App's methods itself.
	Background    bool
	ApplyInterval time.Duration
}

// Start serves the grievance context on the database at url, asking the
// registry at registryAddr (trusting env, the registry's issuer).
func Start(t testing.TB, url, registryAddr string, env *authtest.Env) *Grievance {
	t.Helper()
	return StartWith(t, url, Options{Auth: env, RegistryAddr: registryAddr})
}

// StartWith serves the grievance context on the database at url, wired as
// opts says, the way cmd/grievance wires it.
func StartWith(t testing.TB, url string, opts Options) *Grievance {
	t.Helper()
	env := opts.Auth
	db := storagetest.Open(t, url, outbox.Migrations, audit.Migrations, adapters.Migrations)
	dial := func(addr string) grpc.ClientConnInterface {
		if addr == "" {
			return nil
		}
		conn, err := grpcserver.Dial(context.Background(), addr, auth.ClientOptions(env.ServiceTokens("grievance"))...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		return conn
	}
	conns := wiring.Conns{Registry: dial(opts.RegistryAddr), Asset: dial(opts.AssetAddr), Income: dial(opts.IncomeAddr),
		ServiceUsage: dial(opts.ServiceUsageAddr)}
	var n atomic.Int64
	ob := outbox.New(db, 50*time.Millisecond)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := grpcserver.New(&grpcserver.Config{Addr: "127.0.0.1:0", ShutdownGrace: time.Second}, logger, ports.Validators(), env.Authenticator())
	log := audit.New(db, "grievance")
	s, err := wiring.Build(db, ob, conns, log, srv.Stopping(), logger, wiring.Options{
		NewID: func() string { return fmt.Sprintf("c-%06d", n.Add(1)) }, Clock: opts.Clock, ApplyInterval: opts.ApplyInterval})
	if err != nil {
		t.Fatal(err)
	}
	auditv1.RegisterAuditServiceServer(srv.GRPC(), audit.NewServer(log))
	grievancev1.RegisterGrievanceServiceServer(srv.GRPC(), s.Server)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() { done <- srv.RunListener(ctx, lis) }()
	background := 1
	if opts.Background {
		background++
		go func() { done <- s.Background(ctx) }()
	}
	t.Cleanup(func() {
		cancel()
		for range background {
			<-done
		}
	})
	return &Grievance{Addr: lis.Addr().String(), Auth: env, Audit: log, App: s.App}
}

// ClientAs returns a client whose calls carry a token for c.
func (g *Grievance) ClientAs(t testing.TB, c auth.Claims) grievancev1.GrievanceServiceClient {
	t.Helper()
	return grievancev1.NewGrievanceServiceClient(authtest.Dial(t, g.Addr, g.Auth.Token(t, c)))
}
