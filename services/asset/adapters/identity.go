package adapters

import (
	"context"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/asset/domain"
	"github.com/dtsen-id/dtsen/services/platform/identity"
)

// Registry is the anti-corruption layer in front of the registry context: it
// answers the asset domain's questions (domain.Identities,
// domain.FamilyDirectory, domain.ReadPolicy) through the registry's gRPC
// API and the shared identity cache, never its tables (DESIGN.md §3).
type Registry struct {
	ids *identity.Client
	rpc registryv1.RegistryServiceClient
}

// NewRegistry wraps a registry client and the identity cache over it.
func NewRegistry(ids *identity.Client, rpc registryv1.RegistryServiceClient) *Registry {
	return &Registry{ids: ids, rpc: rpc}
}

var (
	_ domain.Identities      = (*Registry)(nil)
	_ domain.FamilyDirectory = (*Registry)(nil)
	_ domain.ReadPolicy      = (*Registry)(nil)
)

// Lookup implements domain.Identities.
func (r *Registry) Lookup(ctx context.Context, niks, kks []string) (map[string]domain.PersonIdentity, map[string]bool, error) {
	persons, families, err := r.ids.Lookup(ctx, niks, kks)
	if err != nil {
		return nil, nil, unavailable(err)
	}
	out := make(map[string]domain.PersonIdentity, len(persons))
	for nik, p := range persons {
		out[nik] = domain.PersonIdentity{Registered: p.Registered, FamilyKK: p.FamilyKK, Deceased: p.Deceased}
	}
	return out, families, nil
}

// AuthorizeRead implements domain.ReadPolicy with the shared rule
// (identity.Client.Authorize): the family's region is the registry's, looked
// up as this service. Its refusals are returned as they are; a lookup that
// fails is the registry being unavailable, not a refusal.
func (r *Registry) AuthorizeRead(ctx context.Context, kk, nik string) error {
	_, err := r.ids.Authorize(ctx, kk, nik)
	if err == nil || status.Code(err) == codes.PermissionDenied {
		return err
	}
	return unavailable(err)
}

// Members implements domain.FamilyDirectory. The call carries the caller's
// own token (the connection forwards it), so the registry applies its rules
// to the member list too and audits that read in its own log.
func (r *Registry) Members(ctx context.Context, kk string) ([]domain.Member, error) {
	f, err := r.rpc.GetFamily(ctx, &registryv1.GetFamilyRequest{Name: "families/" + kk})
	switch status.Code(err) {
	case codes.OK:
	case codes.NotFound:
		return nil, domain.ErrFamilyNotRegistered
	case codes.PermissionDenied:
		// The registry's own decision about this caller: passed on, not
		// reported as an outage.
		return nil, err
	default:
		return nil, unavailable(err)
	}
	out := make([]domain.Member, len(f.GetMembers()))
	for i, m := range f.GetMembers() {
		out[i] = domain.Member{NIK: m.GetNik(), Deceased: m.GetVitalStatus() == registryv1.VitalStatus_VITAL_STATUS_DECEASED}
	}
	return out, nil
}

// unavailable keeps the registry's own status out of this context's API: a
// caller sees the asset service's UNAVAILABLE, not the registry's error.
func unavailable(err error) error {
	switch status.Code(err) {
	case codes.Canceled:
		return context.Canceled
	case codes.DeadlineExceeded:
		return context.DeadlineExceeded
	}
	return fmt.Errorf("%w: %w", domain.ErrRegistryUnavailable, err)
}
