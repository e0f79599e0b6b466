package adapters

import (
	"context"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/income/domain"
	"github.com/dtsen-id/dtsen/services/platform/feed"
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

var (
	_ domain.IdentityChecker = (*Registry)(nil)
	_ domain.FamilyDirectory = (*Registry)(nil)
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

// FamilyMembers implements domain.FamilyDirectory with the registry's
// GetFamily: the registry alone decides who belongs to a family.
func (r *Registry) FamilyMembers(ctx context.Context, kk string) ([]domain.Member, error) {
	fam, err := r.rpc.GetFamily(ctx, &registryv1.GetFamilyRequest{Name: "families/" + kk})
	if status.Code(err) == codes.NotFound {
		return nil, domain.ErrFamilyNotRegistered
	}
	if err != nil {
		return nil, unavailable(err)
	}
	out := make([]domain.Member, 0, len(fam.GetMembers()))
	for _, m := range fam.GetMembers() {
		out = append(out, domain.Member{NIK: m.GetNik(), Deceased: m.GetVitalStatus() == registryv1.VitalStatus_VITAL_STATUS_DECEASED})
	}
	return out, nil
}

// Touched resolves a registry change event to the NIKs and KK numbers it may
// have changed, evicting them from the cache.
func (r *Registry) Touched(ctx context.Context, ev *typev1.ChangeEvent) (niks, kks []string, err error) {
	return r.ids.Touched(ctx, ev)
}

// Forget evicts keys from the identity cache.
func (r *Registry) Forget(niks, kks []string) { r.ids.Forget(niks, kks) }

// OpenFeed opens the registry's WatchChanges stream for a feed.Consumer.
func (r *Registry) OpenFeed() feed.Open {
	return func(ctx context.Context, after int64) (func() (*typev1.ChangeEvent, error), error) {
		stream, err := r.rpc.WatchChanges(ctx, &registryv1.WatchChangesRequest{AfterSequence: after})
		if err != nil {
			return nil, err
		}
		return func() (*typev1.ChangeEvent, error) {
			resp, err := stream.Recv()
			if err != nil {
				return nil, err
			}
			return resp.GetEvent(), nil
		}, nil
	}
}
