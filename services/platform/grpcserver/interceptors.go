package grpcserver

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/logging"
	"github.com/dtsen-id/dtsen/services/platform/privacy"
	"github.com/dtsen-id/dtsen/services/platform/validation"
)

// Domain and reasons of errors raised by the server runtime itself.
const (
	Domain              = "dtsen.go.id"
	ReasonInternalPanic = "INTERNAL_PANIC"
)

// --- recovery: a handler bug must fail one RPC, never the process. ---

func panicError() error {
	return apierror.New(codes.Internal, Domain, ReasonInternalPanic).
		Message("internal error", "terjadi kesalahan internal").Err()
}

func (s *Server) logPanic(ctx context.Context, method string, p any) {
	s.logger.ErrorContext(ctx, "panic in RPC handler",
		slog.String("method", method),
		slog.Any("panic", p),
		slog.String("stack", string(debug.Stack())))
}

func (s *Server) recoverUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.logPanic(ctx, info.FullMethod, p)
			resp, err = nil, panicError()
		}
	}()
	return handler(ctx, req)
}

func (s *Server) recoverStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			s.logPanic(ss.Context(), info.FullMethod, p)
			err = panicError()
		}
	}()
	return handler(srv, ss)
}

// --- request id ---

func (s *Server) requestContext(ctx context.Context) (context.Context, string) {
	var id string
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get(RequestIDHeader); len(v) > 0 && acceptableRequestID(v[0]) {
			id = v[0]
		}
	}
	if id == "" {
		id = newRequestID()
	}
	trace.SpanFromContext(ctx).SetAttributes(attribute.String("request_id", id))
	ctx = withRequestID(ctx, id)
	ctx = logging.WithContext(ctx, s.logger.With(slog.String("request_id", id)))
	return ctx, id
}

func (s *Server) requestIDUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	ctx, id := s.requestContext(ctx)
	// Best effort: fails only if the handler already sent headers, which
	// cannot have happened yet.
	_ = grpc.SetHeader(ctx, metadata.Pairs(RequestIDHeader, id))
	return handler(ctx, req)
}

func (s *Server) requestIDStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	ctx, id := s.requestContext(ss.Context())
	_ = ss.SetHeader(metadata.Pairs(RequestIDHeader, id))
	return handler(srv, &contextStream{ServerStream: ss, ctx: ctx})
}

type contextStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (c *contextStream) Context() context.Context { return c.ctx }

// --- access log: one line per RPC with method, code and duration. Request
// and response bodies are never logged: they hold NIKs and names. ---

// logAccess logs the status the client got (err) and, for a server fault, the
// text of the handler's original error, which the client never sees.
func (s *Server) logAccess(ctx context.Context, method string, start time.Time, err, original error) {
	code := status.Code(err)
	level := slog.LevelInfo
	switch code {
	case codes.Unknown, codes.Internal, codes.DataLoss, codes.Unavailable, codes.DeadlineExceeded, codes.Unimplemented:
		level = slog.LevelError
	}
	// Kubernetes probes every few seconds; at Info they would bury real traffic.
	if level == slog.LevelInfo && strings.HasPrefix(method, "/grpc.health.v1.Health/") {
		level = slog.LevelDebug
	}
	attrs := []slog.Attr{
		slog.String("method", method),
		slog.String("code", code.String()),
		slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
	}
	if reason := apierror.ReasonOf(err); reason != "" {
		attrs = append(attrs, slog.String("reason", reason))
	}
	if original != err && code == codes.Internal {
		// An unclassified fault needs its text to be debuggable; a classified
		// error is fully described by its reason.
		attrs = append(attrs, slog.String("error", privacy.MaskText(original.Error())))
	}
	logging.FromContext(ctx).LogAttrs(ctx, level, "rpc", attrs...)
}

func (s *Server) accessLogUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	start := time.Now()
	resp, err := handler(ctx, req)
	classified := classify(err)
	s.logAccess(ctx, info.FullMethod, start, classified, err)
	return resp, classified
}

func (s *Server) accessLogStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	start := time.Now()
	err := handler(srv, ss)
	classified := classify(err)
	s.logAccess(ss.Context(), info.FullMethod, start, classified, err)
	return classified
}

// ReasonInternal marks a server-side failure that has no precise code.
const ReasonInternal = "INTERNAL"

// classify gives every error a precise status, so no handler leaks a raw Go
// error (grpc would send it as Unknown, with its text) to a client. Context
// errors keep their meaning; anything else unclassified becomes Internal with
// a generic message, its text having gone to the access log above.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "the request was cancelled")
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "the request's deadline passed")
	}
	return apierror.New(codes.Internal, Domain, ReasonInternal).
		Message("internal error; the request id identifies it in the server log",
			"terjadi kesalahan internal; id permintaan menandainya di log server").Err()
}

// --- validation: runs before the handler so no handler can skip it. ---

func (s *Server) validateUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := s.validators.Validate(req); err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

func (s *Server) validateStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	return handler(srv, &validatingStream{ServerStream: ss, validators: s.validators})
}

type validatingStream struct {
	grpc.ServerStream
	validators *validation.Registry
}

func (v *validatingStream) RecvMsg(m any) error {
	if err := v.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	return v.validators.Validate(m)
}
