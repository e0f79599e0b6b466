package grpcserver

import (
	"context"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// Dial opens a client connection to another DTSEN service. Connections are
// lazy (grpc.NewClient), so ctx only bounds future setup work.
//
// The trace context travels via the otelgrpc stats handler and the current
// request id via x-request-id, so one request is followable across services.
//
// The transport is plaintext unless opts carry credentials: pass the
// workload's tlsconfig.Source.DialOption() (service.Deps.Dial does), which
// verifies the server's certificate against the host of target and presents
// this workload's certificate for mutual TLS. Plaintext carries bearer tokens
// in clear, so it is for loopback and development only.
func Dial(ctx context.Context, target string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	_ = ctx
	base := []grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler()),
		grpc.WithChainUnaryInterceptor(propagateRequestIDUnary),
		grpc.WithChainStreamInterceptor(propagateRequestIDStream),
	}
	return grpc.NewClient(target, append(base, opts...)...)
}

func outgoingWithRequestID(ctx context.Context) context.Context {
	id := RequestID(ctx)
	if id == "" {
		return ctx
	}
	if md, ok := metadata.FromOutgoingContext(ctx); ok && len(md.Get(RequestIDHeader)) > 0 {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, RequestIDHeader, id)
}

func propagateRequestIDUnary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	return invoker(outgoingWithRequestID(ctx), method, req, reply, cc, opts...)
}

func propagateRequestIDStream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return streamer(outgoingWithRequestID(ctx), desc, cc, method, opts...)
}
