// Package grpcserver is the one gRPC server bootstrap every DTSEN service
// uses, so tracing, request ids, access logs, panic recovery, validation,
// health and reflection behave identically across services.
package grpcserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc/filters"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/logging"
	"github.com/dtsen-id/dtsen/services/platform/tlsconfig"
	"github.com/dtsen-id/dtsen/services/platform/validation"
)

// Server wraps a *grpc.Server with DTSEN's standard middleware.
type Server struct {
	cfg        Config
	logger     *slog.Logger
	validators *validation.Registry
	grpc       *grpc.Server
	health     *health.Server

	mu       sync.Mutex
	lis      net.Listener
	stopping chan struct{}
	stopOnce sync.Once
}

// New builds a server. Register services on GRPC() before Run/Serve.
// A nil logger means slog.Default(); nil validators validate nothing.
// authn verifies every caller; with a nil authn every RPC but health and
// reflection is refused, so a service wired without it fails closed.
func New(cfg *Config, logger *slog.Logger, validators *validation.Registry, authn *auth.Authenticator) *Server {
	if logger == nil {
		logger = slog.Default()
	}
	s := &Server{
		cfg:        *cfg,
		logger:     logger,
		validators: validators,
		health:     health.NewServer(),
		stopping:   make(chan struct{}),
	}
	unary := []grpc.UnaryServerInterceptor{s.recoverUnary, s.requestIDUnary}
	stream := []grpc.StreamServerInterceptor{s.recoverStream, s.requestIDStream}
	if cfg.TLS.Mutual() {
		unary = append(unary, peerUnary)
		stream = append(stream, peerStream)
	}
	// Order matters: recovery outermost so a panic anywhere below is caught;
	// request id (and the mTLS peer) before the access log so its line has
	// them; validation innermost, right before the handler.
	// Authentication runs inside the access log, so refusals are logged, and
	// before validation, so an anonymous caller learns nothing from field
	// errors.
	unary = append(unary, s.accessLogUnary, authUnary(authn), s.validateUnary)
	stream = append(stream, s.accessLogStream, authStream(authn), s.validateStream)
	opts := []grpc.ServerOption{
		// A stats handler (not interceptors) so the span covers the whole RPC
		// including our own interceptors; health probes are not traced.
		grpc.StatsHandler(otelgrpc.NewServerHandler(
			otelgrpc.WithFilter(filters.Not(filters.HealthCheck())))),
		grpc.ChainUnaryInterceptor(unary...),
		grpc.ChainStreamInterceptor(stream...),
	}
	if cfg.TLS != nil {
		opts = append(opts, grpc.Creds(cfg.TLS.TransportCredentials()))
	}
	if cfg.MaxRecvMsgBytes > 0 {
		opts = append(opts, grpc.MaxRecvMsgSize(cfg.MaxRecvMsgBytes))
	}
	s.grpc = grpc.NewServer(opts...)
	healthpb.RegisterHealthServer(s.grpc, s.health)
	reflection.Register(s.grpc)
	return s
}

// TLS returns the workload's TLS identity, nil when serving plaintext. The
// same identity is presented when dialling other services (service.Deps.Dial).
func (s *Server) TLS() *tlsconfig.Source { return s.cfg.TLS }

// peerUnary and peerStream name the verified mTLS peer in the request's
// logger, so the access log and handler logs say which workload called.
func peerUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	return handler(withPeerLogger(ctx), req)
}

func peerStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	return handler(srv, &contextStream{ServerStream: ss, ctx: withPeerLogger(ss.Context())})
}

func withPeerLogger(ctx context.Context) context.Context {
	id, ok := tlsconfig.PeerIdentity(ctx)
	if !ok {
		return ctx
	}
	return logging.WithContext(ctx, logging.FromContext(ctx).With(slog.Any("peer", id)))
}

// GRPC returns the underlying server for service registration.
func (s *Server) GRPC() *grpc.Server { return s.grpc }

// Health returns the health service so a service can report a dependency
// outage (e.g. database down) as NOT_SERVING.
func (s *Server) Health() *health.Server { return s.health }

// Addr returns the bound address once listening ("" before), useful with
// Addr "127.0.0.1:0".
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lis == nil {
		return ""
	}
	return s.lis.Addr().String()
}

// Stopping is closed when shutdown begins. Long-lived streams (WatchChanges)
// should select on it and return, so a rolling deploy does not wait out the
// whole grace period.
func (s *Server) Stopping() <-chan struct{} { return s.stopping }

// Run listens on cfg.Addr and serves until ctx is cancelled, then shuts down
// gracefully. It returns nil after a clean shutdown.
func (s *Server) Run(ctx context.Context) error {
	lis, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("grpcserver: listen %s: %w", s.cfg.Addr, err)
	}
	return s.RunListener(ctx, lis)
}

// RunListener is Run on an existing listener (tests, socket activation).
func (s *Server) RunListener(ctx context.Context, lis net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(lis) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.Shutdown()
	return <-errc
}

// Serve serves on lis until Shutdown (or Stop of GRPC()); like
// grpc.Server.Serve it blocks, and returns nil after a shutdown.
func (s *Server) Serve(lis net.Listener) error {
	s.mu.Lock()
	s.lis = lis
	s.mu.Unlock()
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	for name := range s.grpc.GetServiceInfo() {
		s.health.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	s.logger.Info("gRPC server listening", slog.String("addr", lis.Addr().String()),
		slog.Bool("tls", s.cfg.TLS != nil), slog.Bool("mutual_tls", s.cfg.TLS.Mutual()))
	err := s.grpc.Serve(lis)
	if errors.Is(err, grpc.ErrServerStopped) {
		return nil
	}
	return err
}

// Shutdown marks the server NOT_SERVING (so load balancers drain it), stops
// accepting RPCs, lets in-flight ones finish for up to cfg.ShutdownGrace and
// then cancels the rest. Safe to call more than once.
func (s *Server) Shutdown() {
	s.stopOnce.Do(func() {
		s.logger.Info("gRPC server shutting down", slog.Duration("grace", s.cfg.ShutdownGrace))
		s.health.Shutdown()
		close(s.stopping)
		done := make(chan struct{})
		go func() {
			s.grpc.GracefulStop()
			close(done)
		}()
		timer := time.NewTimer(s.cfg.ShutdownGrace)
		defer timer.Stop()
		select {
		case <-done:
		case <-timer.C:
			s.logger.Warn("grace period over; cancelling remaining RPCs")
			s.grpc.Stop()
			<-done
		}
	})
}
