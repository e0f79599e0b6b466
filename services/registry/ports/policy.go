package ports

import (
	"context"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"

	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/registry/domain"
)

// Agency is the source agency that owns the civil registry: only its
// integration client imports and changes registry records.
const Agency = "dukcapil"

// policyFamily is what the shared policy needs to decide on f.
func policyFamily(f *domain.Family) auth.Family {
	niks := make([]string, 0, len(f.Members))
	for _, m := range f.Members {
		niks = append(niks, m.NIK)
	}
	return auth.Family{KK: f.KK, Region: f.RegionCode, MemberNIKs: niks}
}

// policyFamilyProto is policyFamily of a family as the API shows it (from
// the cache).
func policyFamilyProto(f *registryv1.Family) auth.Family {
	niks := make([]string, 0, len(f.GetMembers()))
	for _, m := range f.GetMembers() {
		niks = append(niks, m.GetNik())
	}
	return auth.Family{KK: f.GetKkNumber(), Region: f.GetRegionCode(), MemberNIKs: niks}
}

// authorizeWrite allows a change of the registry to Dukcapil's integration
// client and to DTSEN workloads (grievance applies approved corrections as
// the service itself); another agency's client gets AGENCY_NOT_OWNER. The
// method table admits only those two roles; checking the role again here
// keeps the handler closed if the table ever widens.
func authorizeWrite(ctx context.Context) error {
	p, err := auth.Require(ctx, auth.RoleIntegrationClient, auth.RoleService)
	if err != nil {
		return err
	}
	if p.Role == auth.RoleService || p.SubmitsFor(Agency) {
		return nil
	}
	return auth.ImportAgencyDenied(Agency)
}

// listRegion is the region a ListFamilies call may walk (auth.ListRegion).
func listRegion(ctx context.Context, filter string) (string, error) {
	return auth.ListRegion(ctx, filter)
}

func personRecord(nik string) string { return "persons/" + nik }

func familyRecord(kk string) string { return "families/" + kk }
