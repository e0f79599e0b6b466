package auth

import (
	"context"
	"slices"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/privacy"
)

// Metadata keys. authorization carries "Bearer <jwt>"; x-dtsen-purpose the
// purpose the caller declares for this request (audited). The citizen
// delegation keys are in delegation.go.
const (
	AuthorizationHeader = "authorization"
	PurposeHeader       = "x-dtsen-purpose"
)

// ReasonPurposeNotDeclared: an integration client named a purpose its token
// does not declare.
const ReasonPurposeNotDeclared = "PURPOSE_NOT_DECLARED"

// Authenticator verifies the bearer token of every RPC except the health and
// reflection services, and puts the Principal in the handler's context.
type Authenticator struct {
	Verifier *Verifier
	// Methods is the method table to enforce; nil means MethodRoles.
	Methods map[string][]Role
}

func (a *Authenticator) methods() map[string][]Role {
	if a.Methods != nil {
		return a.Methods
	}
	return MethodRoles
}

// Public reports whether method runs without a token: health probes and
// server reflection, which reveal no personal data.
func Public(method string) bool {
	return strings.HasPrefix(method, "/grpc.health.v1.Health/") ||
		strings.HasPrefix(method, "/grpc.reflection.")
}

// Authenticate verifies the token in ctx's incoming metadata.
func (a *Authenticator) Authenticate(ctx context.Context) (context.Context, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	raw := bearer(first(md, AuthorizationHeader))
	p, err := a.Verifier.Verify(ctx, raw)
	if err != nil {
		return ctx, err
	}
	// A workload acting for a citizen (ADR 0009) becomes that citizen
	// before anything else looks at the caller: the method table, the
	// record-level rules and the audit all see the citizen.
	if p, err = delegate(p, md); err != nil {
		return ctx, err
	}
	if err := declarePurpose(p, first(md, PurposeHeader)); err != nil {
		return ctx, err
	}
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(
		attribute.String("dtsen.role", string(p.Role)),
		attribute.String("dtsen.subject", p.Subject))
	if p.Delegated() {
		span.SetAttributes(attribute.String("dtsen.actor", p.Actor))
	}
	return WithPrincipal(ctx, p), nil
}

// declarePurpose sets p.Purpose. An integration client reads only under a
// purpose its token declares (UU 27/2022: purpose limitation); other roles
// have one purpose each.
func declarePurpose(p *Principal, declared string) error {
	if p.Role != RoleIntegrationClient {
		p.Purpose = DefaultPurpose(p.Role)
		if declared != "" && p.Role == RoleAdmin {
			p.Purpose = declared
		}
		return nil
	}
	if declared == "" {
		p.Purpose = p.Purposes[0]
		return nil
	}
	if !slices.Contains(p.Purposes, declared) {
		return apierror.New(codes.PermissionDenied, Domain, ReasonPurposeNotDeclared).
			Message("the purpose is not one this client declared", "tujuan penggunaan tidak dinyatakan oleh klien ini").
			Meta("purpose", declared).Err()
	}
	p.Purpose = declared
	return nil
}

// Unary is the server interceptor for unary RPCs.
func (a *Authenticator) Unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if Public(info.FullMethod) {
		return handler(ctx, req)
	}
	ctx, err := a.Authenticate(ctx)
	if err != nil {
		return nil, err
	}
	if err := AllowMethod(ctx, a.methods(), info.FullMethod); err != nil {
		return nil, err
	}
	resp, err := handler(ctx, req)
	if m, ok := resp.(proto.Message); ok && err == nil && FromContext(ctx).MasksIdentity() {
		privacy.MaskMessage(m)
	}
	return resp, err
}

// Stream is the server interceptor for streaming RPCs.
func (a *Authenticator) Stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if Public(info.FullMethod) {
		return handler(srv, ss)
	}
	ctx, err := a.Authenticate(ss.Context())
	if err != nil {
		return err
	}
	if err := AllowMethod(ctx, a.methods(), info.FullMethod); err != nil {
		return err
	}
	return handler(srv, &principalStream{ServerStream: ss, ctx: ctx})
}

type principalStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *principalStream) Context() context.Context { return s.ctx }

func (s *principalStream) SendMsg(m any) error {
	if pm, ok := m.(proto.Message); ok && FromContext(s.ctx).MasksIdentity() {
		privacy.MaskMessage(pm)
	}
	return s.ServerStream.SendMsg(m)
}

func first(md metadata.MD, key string) string {
	if v := md.Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

func bearer(h string) string {
	const prefix = "bearer "
	if len(h) > len(prefix) && strings.EqualFold(h[:len(prefix)], prefix) {
		return strings.TrimSpace(h[len(prefix):])
	}
	return ""
}

// BearerToken extracts the token from an Authorization header value.
func BearerToken(header string) string { return bearer(header) }
