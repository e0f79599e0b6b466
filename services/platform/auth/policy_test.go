package auth_test

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/platform/auth"
)

func as(p *auth.Principal) context.Context { return auth.WithPrincipal(context.Background(), p) }

func TestRegionWithin(t *testing.T) {
	for _, tc := range []struct {
		target, scope string
		want          bool
	}{
		{"32.04.12.2001", "32.04", true},
		{"32.04", "32.04", true},
		{"32.04.12.2001", "32", true},
		{"32.041", "32.04", false},
		{"33.01.01.2001", "32.04", false},
		{"32.04.12.2001", "32.04.12.2002", false},
		{"", "32", false},
		{"32.04", "", false},
	} {
		if got := auth.RegionWithin(tc.target, tc.scope); got != tc.want {
			t.Errorf("RegionWithin(%q, %q) = %v", tc.target, tc.scope, got)
		}
	}
}

func TestAuthorizeFamily(t *testing.T) {
	const own, other = "3204121505900001", "3301011505900002"
	fam := auth.Family{KK: "3204120101100001", Region: "32.04.12.2001", MemberNIKs: []string{own}}
	for _, tc := range []struct {
		name   string
		p      *auth.Principal
		reason string // "" = allowed
	}{
		{"citizen, own family", &auth.Principal{Role: auth.RoleCitizen, NIK: own}, ""},
		{"citizen, another family", &auth.Principal{Role: auth.RoleCitizen, NIK: other}, auth.ReasonNotOwnFamily},
		{"village operator of the village", &auth.Principal{Role: auth.RoleVillageOperator, Region: "32.04.12.2001"}, ""},
		{"village operator of the next village", &auth.Principal{Role: auth.RoleVillageOperator, Region: "32.04.12.2002"}, auth.ReasonRegionOutOfScope},
		{"dinsos of the regency", &auth.Principal{Role: auth.RoleDistrictOfficer, Region: "32.04"}, ""},
		{"dinsos of 33.01", &auth.Principal{Role: auth.RoleDistrictOfficer, Region: "33.01"}, auth.ReasonRegionOutOfScope},
		{"field verifier of the district", &auth.Principal{Role: auth.RoleFieldVerifier, Region: "32.04.12"}, ""},
		{"provincial officer of 32", &auth.Principal{Role: auth.RoleProvincialOfficer, Region: "32"}, ""},
		{"provincial officer of 33", &auth.Principal{Role: auth.RoleProvincialOfficer, Region: "33"}, auth.ReasonRegionOutOfScope},
		{"analyst", &auth.Principal{Role: auth.RoleAnalyst}, auth.ReasonAggregatesOnly},
		{"integration client", &auth.Principal{Role: auth.RoleIntegrationClient}, ""},
		{"admin", &auth.Principal{Role: auth.RoleAdmin}, ""},
		{"service", &auth.Principal{Role: auth.RoleService}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := auth.AuthorizeFamily(as(tc.p), fam)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantReason(t, err, codes.PermissionDenied, tc.reason)
		})
	}
	t.Run("an unknown region is readable only nationwide", func(t *testing.T) {
		_, err := auth.AuthorizeFamily(as(&auth.Principal{Role: auth.RoleDistrictOfficer, Region: "32.04"}), auth.Family{KK: fam.KK})
		wantReason(t, err, codes.PermissionDenied, auth.ReasonRegionOutOfScope)
	})
	t.Run("no principal fails closed", func(t *testing.T) {
		_, err := auth.AuthorizeFamily(context.Background(), fam)
		wantReason(t, err, codes.Unauthenticated, auth.ReasonTokenMissing)
	})
}

func TestHideMissing(t *testing.T) {
	notFound := statusErr(codes.NotFound)
	wantReason(t, auth.HideMissing(as(&auth.Principal{Role: auth.RoleCitizen, NIK: "3204121505900001"}), notFound),
		codes.PermissionDenied, auth.ReasonNotOwnFamily)
	if err := auth.HideMissing(as(&auth.Principal{Role: auth.RoleAdmin}), notFound); err != notFound {
		t.Fatalf("admin's NOT_FOUND changed to %v", err)
	}
}

func TestRegionScope(t *testing.T) {
	if r, err := auth.RegionScope(as(&auth.Principal{Role: auth.RoleFieldVerifier, Region: "32.04.12"})); err != nil || r != "32.04.12" {
		t.Fatalf("verifier scope %q %v", r, err)
	}
	if r, err := auth.RegionScope(as(&auth.Principal{Role: auth.RoleAdmin})); err != nil || r != "" {
		t.Fatalf("admin scope %q %v", r, err)
	}
	_, err := auth.RegionScope(as(&auth.Principal{Role: auth.RoleCitizen, NIK: "3204121505900001"}))
	wantReason(t, err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
	_, err = auth.RegionScope(as(&auth.Principal{Role: auth.RoleAnalyst}))
	wantReason(t, err, codes.PermissionDenied, auth.ReasonAggregatesOnly)
}

func TestAuthorizeImport(t *testing.T) {
	bpjs := &auth.Principal{Role: auth.RoleIntegrationClient, Agencies: []string{"bpjs-kesehatan"}}
	if _, err := auth.AuthorizeImport(as(bpjs), "BPJS-Kesehatan"); err != nil {
		t.Fatalf("owning agency refused: %v", err)
	}
	_, err := auth.AuthorizeImport(as(bpjs), "dukcapil")
	wantReason(t, err, codes.PermissionDenied, auth.ReasonAgencyNotOwner)
	_, err = auth.AuthorizeImport(as(&auth.Principal{Role: auth.RoleAdmin}), "dukcapil")
	wantReason(t, err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
}

func TestAllowMethod(t *testing.T) {
	const getFamily = "/dtsen.registry.v1.RegistryService/GetFamily"
	if err := auth.AllowMethod(as(&auth.Principal{Role: auth.RoleCitizen}), auth.MethodRoles, getFamily); err != nil {
		t.Fatal(err)
	}
	wantReason(t, auth.AllowMethod(as(&auth.Principal{Role: auth.RoleAnalyst}), auth.MethodRoles, getFamily),
		codes.PermissionDenied, auth.ReasonAggregatesOnly)
	wantReason(t, auth.AllowMethod(as(&auth.Principal{Role: auth.RoleAdmin}), auth.MethodRoles, "/dtsen.new.v1.New/Method"),
		codes.PermissionDenied, auth.ReasonRoleNotAllowed)
	for method, roles := range auth.MethodRoles {
		for _, r := range roles {
			if !r.Known() {
				t.Errorf("%s allows unknown role %q", method, r)
			}
		}
	}
}

func TestPurpose(t *testing.T) {
	env := authtest.Start(t)
	client := env.Token(t, auth.Claims{Subject: "bpjs", Role: auth.RoleIntegrationClient,
		Agencies: []string{"bpjs-kesehatan"}, Purposes: []string{"verification", "data_submission"}})
	a := env.Authenticator()
	in := func(tok, purpose string) context.Context {
		md := metadata.Pairs(auth.AuthorizationHeader, "Bearer "+tok)
		if purpose != "" {
			md.Append(auth.PurposeHeader, purpose)
		}
		return metadata.NewIncomingContext(context.Background(), md)
	}
	ctx, err := a.Authenticate(in(client, "data_submission"))
	if err != nil || auth.FromContext(ctx).Purpose != "data_submission" {
		t.Fatalf("declared purpose: %v", err)
	}
	ctx, err = a.Authenticate(in(client, ""))
	if err != nil || auth.FromContext(ctx).Purpose != "verification" {
		t.Fatalf("default purpose: %v", err)
	}
	_, err = a.Authenticate(in(client, "marketing"))
	wantReason(t, err, codes.PermissionDenied, auth.ReasonPurposeNotDeclared)
	officer := env.Token(t, auth.Claims{Subject: "dinsos", Role: auth.RoleDistrictOfficer, Region: "32.04"})
	ctx, err = a.Authenticate(in(officer, "marketing"))
	if err != nil || auth.FromContext(ctx).Purpose != "case_work" {
		t.Fatalf("an officer's purpose is their role's: %v", err)
	}
}

func statusErr(c codes.Code) error { return status.Error(c, c.String()) }

func TestResponsesMaskedByRole(t *testing.T) {
	env := authtest.Start(t)
	const method = "/dtsen.registry.v1.RegistryService/GetFamily"
	a := env.Authenticator()
	handler := func(context.Context, any) (any, error) {
		return &registryv1.Family{KkNumber: "3204120101100001", HeadNik: "3204121505900001", RegionCode: "32.04.12.2001"}, nil
	}
	read := func(c auth.Claims) *registryv1.Family {
		ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs(auth.AuthorizationHeader, "Bearer "+env.Token(t, c)))
		resp, err := a.Unary(ctx, nil, &grpc.UnaryServerInfo{FullMethod: method}, handler)
		if err != nil {
			t.Fatal(err)
		}
		return resp.(*registryv1.Family)
	}
	if f := read(authtest.Officer(auth.RoleProvincialOfficer, "32")); f.GetHeadNik() != "320412********01" || f.GetRegionCode() != "32.04.12.2001" {
		t.Fatalf("provincial officer got %v", f)
	}
	if f := read(authtest.Officer(auth.RoleDistrictOfficer, "32.04")); f.GetHeadNik() != "3204121505900001" {
		t.Fatalf("district officer got %v", f)
	}
}
