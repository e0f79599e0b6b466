package adapters

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/platform/identity"
	"github.com/dtsen-id/dtsen/services/serviceusage/domain"
)

// IdentityChecker adapts the shared registry client (platform/identity) to
// domain.IdentityChecker: the anti-corruption layer between the registry's
// protobuf and this context's terms.
type IdentityChecker struct{ Client *identity.Client }

var _ domain.IdentityChecker = IdentityChecker{}

// Check implements domain.IdentityChecker.
func (c IdentityChecker) Check(ctx context.Context, niks, kks []string) (map[string]domain.PersonStatus, map[string]bool, error) {
	persons, families, err := c.Client.Lookup(ctx, niks, kks)
	if err != nil {
		return nil, nil, err
	}
	out := make(map[string]domain.PersonStatus, len(persons))
	for nik, p := range persons {
		out[nik] = domain.PersonStatus{Registered: p.Registered, FamilyKK: p.FamilyKK, Deceased: p.Deceased}
	}
	return out, families, nil
}

// FamilyDirectory reads a family's members with the registry's GetFamily,
// on the caller's token (the connection's auth.ClientOptions forward it), so
// the registry applies and audits its own rules to the member list too.
type FamilyDirectory struct {
	Client registryv1.RegistryServiceClient
}

// NewFamilyDirectory returns a directory over a registry connection.
func NewFamilyDirectory(conn grpc.ClientConnInterface) FamilyDirectory {
	return FamilyDirectory{Client: registryv1.NewRegistryServiceClient(conn)}
}

var _ domain.FamilyDirectory = FamilyDirectory{}

// Members implements domain.FamilyDirectory.
func (d FamilyDirectory) Members(ctx context.Context, kk string) ([]domain.Member, error) {
	f, err := d.Client.GetFamily(ctx, &registryv1.GetFamilyRequest{Name: "families/" + kk})
	switch status.Code(err) {
	case codes.NotFound:
		return nil, domain.ErrFamilyNotRegistered
	case codes.PermissionDenied, codes.Unauthenticated:
		return nil, &domain.RefusedError{Err: err}
	}
	if err != nil {
		return nil, err
	}
	out := make([]domain.Member, len(f.GetMembers()))
	for i, m := range f.GetMembers() {
		out[i] = domain.Member{NIK: m.GetNik(), Deceased: m.GetVitalStatus() == registryv1.VitalStatus_VITAL_STATUS_DECEASED}
	}
	return out, nil
}
