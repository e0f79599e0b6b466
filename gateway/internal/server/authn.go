package server

import (
	"context"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/dtsen-id/dtsen/gateway/internal/citizen"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth"
)

// PurposeHeader is the HTTP header in which a caller declares the purpose of
// a request. It is audited with every read of personal data, and an
// integration client may name only a purpose its token declares (UU 27/2022:
// purpose limitation). It reaches the services as x-dtsen-purpose.
const PurposeHeader = "X-Dtsen-Purpose"

// maxPurposeLength bounds X-Dtsen-Purpose; declared purposes are short
// identifiers such as "verification".
const maxPurposeLength = 64

// validPurpose reports whether a declared purpose is an identifier
// (letters, digits, "_", "-", "."), as issuers declare them. Anything else is
// the client's error, answered 400 here: non-ASCII or control characters
// could not even travel as gRPC metadata, and would surface as a 500.
func validPurpose(p string) bool {
	if p == "" || len(p) > maxPurposeLength {
		return false
	}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-', c == '.':
		default:
			return false
		}
	}
	return true
}

func purposeInvalid() *status.Status {
	return gatewayError(codes.InvalidArgument, ReasonPurposeInvalid,
		"X-Dtsen-Purpose must be a purpose identifier of at most 64 letters, digits, '_', '-' or '.'",
		"X-Dtsen-Purpose harus berupa pengenal tujuan penggunaan, paling banyak 64 huruf, angka, '_', '-' atau '.'.", nil)
}

// publicPath reports whether path is served without a token: liveness,
// readiness and the API description reveal no personal data, and probes and
// API explorers call them anonymously. Matching is on the path alone, so a
// wrong method on them still gets the mux's JSON 405.
func publicPath(path string) bool {
	switch path {
	case PathHealthz, PathReadyz, PathOpenAPI:
		return true
	}
	return false
}

// authenticate verifies the request's bearer token and declared purpose
// with the same Authenticator every service's interceptor runs, so the
// gateway and the services cannot disagree about who is calling: the HTTP
// headers are presented to it as the gRPC metadata they become upstream.
//
// A citizen session token (citizen.TokenPrefix) is verified by the citizen
// service instead: the request then acts as that citizen, delegated, with
// the gateway's own token upstream (ADR 0009).
func (g *gateway) authenticate(r *http.Request) (*auth.Principal, error) {
	if raw := auth.BearerToken(r.Header.Get("Authorization")); citizen.IsSessionToken(raw) {
		return g.citizen.Authenticate(raw)
	}
	md := metadata.MD{}
	if v := r.Header.Values("Authorization"); len(v) > 0 {
		md[auth.AuthorizationHeader] = v
	}
	if v := r.Header.Values(PurposeHeader); len(v) > 0 {
		md[auth.PurposeHeader] = v
	}
	ctx, err := g.authn.Authenticate(metadata.NewIncomingContext(r.Context(), md))
	if err != nil {
		return nil, err
	}
	return auth.FromContext(ctx), nil
}

// writeAuthError answers a request whose credentials were refused. Per RFC
// 6750 §3 a request that presented a token which failed is told
// error="invalid_token"; one without any token only gets the challenge.
func writeAuthError(w http.ResponseWriter, err error) {
	st := status.Convert(err)
	if st.Code() == codes.Unauthenticated && apierror.ReasonOf(err) != auth.ReasonTokenMissing {
		w.Header().Set("WWW-Authenticate", bearerChallenge+`, error="invalid_token"`)
	}
	writeError(w, runtime.HTTPStatusFromCode(st.Code()), st)
}

// callerMetadata is a runtime.WithMetadata annotator: it sends the service
// exactly the token the gateway verified (annotators replace header values
// under the same key, so a second Authorization header cannot slip past) and
// the declared purpose. The services verify both again (defence in depth).
// For a citizen session it sends the gateway's own token and the delegation
// instead, never the session token.
func callerMetadata(ctx context.Context, r *http.Request) metadata.MD {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil
	}
	if p.Delegated() {
		return auth.OutgoingMetadata(p)
	}
	md := metadata.Pairs(auth.AuthorizationHeader, "Bearer "+p.Token)
	if v := r.Header.Get(PurposeHeader); v != "" {
		md.Set(auth.PurposeHeader, v)
	}
	return md
}

// checkMethod is a runtime.WithMetadata annotator, because annotators are
// the first code grpc-gateway runs with the RPC method known
// (runtime.RPCMethod is not yet set in route middleware). It decides the
// method table (auth.MethodRoles) for the caller before the generated
// handler decodes the body and the query: authorisation comes before
// validation, so a caller who may not call a method learns nothing from its
// input errors (AIP-211). The refusal is recorded in the request state;
// trackedConn then refuses to call upstream and the error handler answers
// it. Record-level rules (own family, region, agency) stay in the services.
func checkMethod(ctx context.Context, _ *http.Request) metadata.MD {
	method, ok := runtime.RPCMethod(ctx)
	rs := stateFrom(ctx)
	if !ok || rs == nil {
		return nil
	}
	if err := auth.AllowMethod(ctx, auth.MethodRoles, method); err != nil {
		rs.denied.Store(status.Convert(err))
	}
	return nil
}
