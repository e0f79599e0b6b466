package auth_test

import (
	"context"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
)

const (
	delegatedNIK     = "3204121505900001"
	delegatedSubject = "citizen-abcdefghijklmnopqrst"
)

// authenticate runs the shared Authenticator on a call carrying tok and the
// extra metadata pairs kv.
func authenticate(env *authtest.Env, tok string, kv ...string) (*auth.Principal, error) {
	md := metadata.Pairs(append([]string{auth.AuthorizationHeader, "Bearer " + tok}, kv...)...)
	ctx, err := env.Authenticator().Authenticate(metadata.NewIncomingContext(context.Background(), md))
	if err != nil {
		return nil, err
	}
	return auth.FromContext(ctx), nil
}

func delegation(nik, subject string) []string {
	return []string{auth.CitizenNIKHeader, nik, auth.CitizenSubjectHeader, subject}
}

func TestDelegation(t *testing.T) {
	env := authtest.Start(t)
	gatewayTok := env.Token(t, authtest.Gateway())

	t.Run("the gateway acts for a citizen", func(t *testing.T) {
		p, err := authenticate(env, gatewayTok, delegation(delegatedNIK, delegatedSubject)...)
		if err != nil {
			t.Fatal(err)
		}
		if p.Role != auth.RoleCitizen || p.NIK != delegatedNIK || p.Subject != delegatedSubject ||
			p.Purpose != "self_service" || p.Actor != "dtsen-gateway" || !p.Delegated() || p.Token != gatewayTok {
			t.Errorf("delegated principal %+v", p)
		}
		// The citizen rules apply: their own family only.
		ctx := auth.WithPrincipal(context.Background(), p)
		if _, err := auth.AuthorizeFamily(ctx, auth.Family{MemberNIKs: []string{delegatedNIK}}); err != nil {
			t.Errorf("own family: %v", err)
		}
		_, err = auth.AuthorizeFamily(ctx, auth.Family{MemberNIKs: []string{"3301011505900002"}})
		wantReason(t, err, codes.PermissionDenied, auth.ReasonNotOwnFamily)
		if err := auth.AllowMethod(ctx, auth.MethodRoles, "/dtsen.registry.v1.RegistryService/ListFamilies"); status.Code(err) != codes.PermissionDenied {
			t.Errorf("a delegated citizen listed families: %v", err)
		}
	})

	t.Run("without delegation metadata the gateway is itself", func(t *testing.T) {
		p, err := authenticate(env, gatewayTok)
		if err != nil || p.Role != auth.RoleService || p.Delegated() {
			t.Fatalf("%+v, %v", p, err)
		}
	})

	t.Run("nobody else may delegate", func(t *testing.T) {
		adminWithClaim := authtest.Admin()
		adminWithClaim.Delegates = []string{auth.DelegateCitizen}
		otherService := authtest.WorkloadClaims("scoring")
		otherService.Subject = "dtsen-scoring"
		otherDelegate := authtest.Gateway()
		otherDelegate.Delegates = []string{"officer"}
		for name, c := range map[string]auth.Claims{
			"a citizen":                       authtest.Citizen("3301011505900002"),
			"an officer":                      authtest.Officer(auth.RoleDistrictOfficer, "32.04"),
			"an administrator":                authtest.Admin(),
			"an administrator with the claim": adminWithClaim,
			"an integration client":           authtest.Integration("dukcapil"),
			"another workload":                otherService,
			"a workload delegating others":    otherDelegate,
		} {
			t.Run(name, func(t *testing.T) {
				tok := env.Token(t, c)
				_, err := authenticate(env, tok, delegation(delegatedNIK, delegatedSubject)...)
				wantReason(t, err, codes.PermissionDenied, auth.ReasonDelegationNotAllowed)
				// Half the metadata is refused all the same.
				_, err = authenticate(env, tok, auth.CitizenNIKHeader, delegatedNIK)
				wantReason(t, err, codes.PermissionDenied, auth.ReasonDelegationNotAllowed)
			})
		}
	})

	t.Run("a malformed delegation is refused", func(t *testing.T) {
		for name, kv := range map[string][]string{
			"a 15-digit NIK":             delegation("320412150590000", delegatedSubject),
			"a NIK with letters":         delegation("32041215059000AB", delegatedSubject),
			"an empty subject":           delegation(delegatedNIK, ""),
			"a subject carrying the NIK": delegation(delegatedNIK, "citizen-"+delegatedNIK),
			"a subject with a newline":   delegation(delegatedNIK, "citizen-a\nb"),
			"no subject":                 {auth.CitizenNIKHeader, delegatedNIK},
			"no NIK":                     {auth.CitizenSubjectHeader, delegatedSubject},
			"two NIKs":                   append(delegation(delegatedNIK, delegatedSubject), auth.CitizenNIKHeader, "3301011505900002"),
		} {
			t.Run(name, func(t *testing.T) {
				_, err := authenticate(env, gatewayTok, kv...)
				wantReason(t, err, codes.Unauthenticated, auth.ReasonDelegationInvalid)
			})
		}
	})
}

// TestDelegationForwarded checks that a service serving a delegated citizen
// forwards the delegation with the workload's token, so the next service
// acts for the same citizen, and that ActAsCitizen attaches it.
func TestDelegationForwarded(t *testing.T) {
	env := authtest.Start(t)
	seen := make(chan metadata.MD, 1)
	srv := grpc.NewServer(grpc.UnknownServiceHandler(func(_ any, ss grpc.ServerStream) error {
		md, _ := metadata.FromIncomingContext(ss.Context())
		seen <- md
		return status.Error(codes.Unimplemented, "recorded")
	}))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), append(auth.ClientOptions(env.ServiceTokens("scoring")),
		grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	call := func(ctx context.Context) metadata.MD {
		_ = conn.Invoke(ctx, "/test.Any/Call", &emptypb.Empty{}, &emptypb.Empty{})
		return <-seen
	}
	reauthenticate := func(md metadata.MD) (*auth.Principal, error) {
		ctx, err := env.Authenticator().Authenticate(metadata.NewIncomingContext(context.Background(), md))
		if err != nil {
			return nil, err
		}
		return auth.FromContext(ctx), nil
	}

	gatewayTok := env.Token(t, authtest.Gateway())
	p, err := authenticate(env, gatewayTok, delegation(delegatedNIK, delegatedSubject)...)
	if err != nil {
		t.Fatal(err)
	}
	next, err := reauthenticate(call(auth.WithPrincipal(context.Background(), p)))
	if err != nil || next.Role != auth.RoleCitizen || next.NIK != delegatedNIK || next.Subject != delegatedSubject || next.Actor != "dtsen-gateway" {
		t.Errorf("the next service saw %+v, %v", next, err)
	}
	// Under AsService the workload calls as itself, without the delegation.
	md := call(auth.AsService(auth.WithPrincipal(context.Background(), p)))
	if len(md.Get(auth.CitizenNIKHeader)) != 0 {
		t.Errorf("AsService forwarded the delegation: %v", md)
	}

	// ActAsCitizen with an explicit token: what the gateway's own check does.
	ctx := metadata.AppendToOutgoingContext(context.Background(), auth.AuthorizationHeader, "Bearer "+gatewayTok)
	next, err = reauthenticate(call(auth.ActAsCitizen(ctx, delegatedNIK, delegatedSubject)))
	if err != nil || next.Role != auth.RoleCitizen || next.Subject != delegatedSubject {
		t.Errorf("ActAsCitizen: %+v, %v", next, err)
	}
	// The same from a workload without the claim is refused.
	ctx = metadata.AppendToOutgoingContext(context.Background(), auth.AuthorizationHeader,
		"Bearer "+env.Token(t, auth.Claims{Subject: "dtsen-scoring", Role: auth.RoleService}))
	_, err = reauthenticate(call(auth.ActAsCitizen(ctx, delegatedNIK, delegatedSubject)))
	wantReason(t, err, codes.PermissionDenied, auth.ReasonDelegationNotAllowed)
}
