package grpcserver

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth"
)

// ReasonAuthNotConfigured: the server was built without a token verifier.
const ReasonAuthNotConfigured = "AUTH_NOT_CONFIGURED"

func authNotConfigured() error {
	return apierror.New(codes.Unauthenticated, Domain, ReasonAuthNotConfigured).
		Message("this server verifies no tokens, so it serves no one", "server ini tidak memverifikasi token sehingga tidak melayani siapa pun").Err()
}

func authUnary(a *auth.Authenticator) grpc.UnaryServerInterceptor {
	if a == nil {
		return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
			if auth.Public(info.FullMethod) {
				return handler(ctx, req)
			}
			return nil, authNotConfigured()
		}
	}
	return a.Unary
}

func authStream(a *auth.Authenticator) grpc.StreamServerInterceptor {
	if a == nil {
		return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
			if auth.Public(info.FullMethod) {
				return handler(srv, ss)
			}
			return authNotConfigured()
		}
	}
	return a.Stream
}
