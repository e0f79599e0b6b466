package adapters

import (
	"context"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/income/domain"
	"github.com/dtsen-id/dtsen/services/platform/identity"
)

// Registry is the anti-corruption layer in front of the registry context: it
// implements domain.IdentityChecker and domain.FamilyDirectory over the
// registry's gRPC API (through platform/identity's batching cache), and
// translates registry answers into this context's terms.
type Registry struct {
	ids *identity.Client
	rpc registryv1.RegistryServiceClient
}

// NewRegistry returns the registry adapter over conn.
func NewRegistry(conn grpc.ClientConnInterface, opts identity.Options) *Registry {
	return &Registry{ids: identity.NewClient(conn, opts), rpc: registryv1.NewRegistryServiceClient(conn)}
}

// Identities is the shared identity client behind the adapter: its cache,
// the registry feed consumer (identity.Client.RegistryFeed) and the
// reconciliation sweep (identity.Client.Sweep) that every source context
// runs.
func (r *Registry) Identities() *identity.Client { return r.ids }

var (
	_ domain.IdentityChecker = (*Registry)(nil)
	_ domain.FamilyDirectory = (*Registry)(nil)
	_ domain.ReadPolicy      = (*Registry)(nil)
)

// unavailable marks registry failures so the ports answer UNAVAILABLE.
func unavailable(err error) error {
	return fmt.Errorf("%w: %w", domain.ErrRegistryUnavailable, err)
}

// CheckIdentities implements domain.IdentityChecker.
func (r *Registry) CheckIdentities(ctx context.Context, niks, kks []string) (map[string]domain.PersonIdentity, map[string]bool, error) {
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

// AuthorizeRead implements domain.ReadPolicy with the policy every source
// context shares (identity.Client.Authorize): the family's region and
// members come from the registry, asked as this service.
// A registry that cannot be asked (or refuses this service's own token)
// comes back from Authorize as UNAVAILABLE, never as a decision about the
// caller.
func (r *Registry) AuthorizeRead(ctx context.Context, kk, nik string) error {
	_, err := r.ids.Authorize(ctx, kk, nik)
	return decision(ctx, err)
}

// decision passes the policy's answers (PERMISSION_DENIED, UNAUTHENTICATED)
// and the caller's own cancellation through as they are, and marks anything
// else as the registry failing, so the client sees REGISTRY_UNAVAILABLE
// rather than the registry's internal status.
func decision(ctx context.Context, err error) error {
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	}
	switch status.Code(err) {
	case codes.PermissionDenied, codes.Unauthenticated:
		return err
	}
	return unavailable(err)
}

// FamilyMembers implements domain.FamilyDirectory with the registry's
// GetFamily: the registry alone decides who belongs to a family. The call
// carries the caller's token (the registry audits the read of its members
// under the caller's name), so the registry's refusal is the caller's too.
func (r *Registry) FamilyMembers(ctx context.Context, kk string) ([]domain.Member, error) {
	fam, err := r.rpc.GetFamily(ctx, &registryv1.GetFamilyRequest{Name: "families/" + kk})
	if status.Code(err) == codes.NotFound {
		return nil, domain.ErrFamilyNotRegistered
	}
	if err := decision(ctx, err); err != nil {
		return nil, err
	}
	out := make([]domain.Member, 0, len(fam.GetMembers()))
	for _, m := range fam.GetMembers() {
		out = append(out, domain.Member{NIK: m.GetNik(), Deceased: m.GetVitalStatus() == registryv1.VitalStatus_VITAL_STATUS_DECEASED})
	}
	return out, nil
}
