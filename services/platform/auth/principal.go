// Package auth is how every DTSEN process knows who is calling and what they
// may see (DESIGN.md §6). The gateway and each service run the same code:
// a bearer token (a JWT from an OIDC-compatible issuer) is verified against
// the issuer's JWKS, turned into a Principal, and the policy functions in
// this package decide. Services never trust a header that says who the caller
// is; they verify the signed token the gateway forwards.
package auth

import (
	"context"
	"slices"
	"strings"
)

// Role is what a principal does in the social-protection system.
type Role string

// The roles. A region-bound role carries a dotted Kemendagri region code
// (province "32", regency "32.04", district "32.04.12" or village
// "32.04.12.2001") and sees only families inside it.
const (
	// RoleCitizen is one person, bound to their NIK; they see only their own
	// family.
	RoleCitizen Role = "citizen"
	// RoleVillageOperator enters village proposals (bound to a village).
	RoleVillageOperator Role = "village_operator"
	// RoleDistrictOfficer is the regency/city social office (dinsos), bound
	// to a regency or district.
	RoleDistrictOfficer Role = "district_officer"
	// RoleFieldVerifier visits households to verify cases, in a region.
	RoleFieldVerifier Role = "field_verifier"
	// RoleProvincialOfficer oversees a province.
	RoleProvincialOfficer Role = "provincial_officer"
	// RoleAnalyst is a ministry analyst: aggregates only, never a personal row.
	RoleAnalyst Role = "analyst"
	// RoleIntegrationClient is a ministry or agency system. It reads under
	// its declared purposes and imports only its own agency's records.
	RoleIntegrationClient Role = "integration_client"
	// RoleAdmin is a central administrator; they also query the audit log.
	RoleAdmin Role = "admin"
	// RoleService is a DTSEN workload acting on its own behalf (a source
	// context checking NIKs with the registry, scoring following a change
	// feed). It obtains its token with the OAuth2 client-credentials grant.
	RoleService Role = "service"
)

// Roles lists every role, for documentation and the authorisation matrix.
var Roles = []Role{RoleCitizen, RoleVillageOperator, RoleDistrictOfficer, RoleFieldVerifier,
	RoleProvincialOfficer, RoleAnalyst, RoleIntegrationClient, RoleAdmin, RoleService}

// Known reports whether r is one of Roles.
func (r Role) Known() bool { return slices.Contains(Roles, r) }

// RegionBound reports whether the role is confined to its Region.
func (r Role) RegionBound() bool {
	switch r {
	case RoleVillageOperator, RoleDistrictOfficer, RoleFieldVerifier, RoleProvincialOfficer:
		return true
	}
	return false
}

// Principal is a verified caller.
type Principal struct {
	// Subject is the token's sub: a user id, or a client id for systems.
	Subject string
	Role    Role
	// Region is the dotted region code a region-bound role is confined to.
	Region string
	// NIK binds a citizen to their own record.
	NIK string
	// Agencies are the source agencies an integration client submits for,
	// e.g. ["bpjs-kesehatan"], lower-case as records name them.
	Agencies []string
	// Purposes are an integration client's declared purposes of use.
	Purposes []string
	// Purpose is the purpose this request declared (x-dtsen-purpose), or the
	// role's default; it goes into every audit event.
	Purpose string
	// Token is the raw bearer token, forwarded on calls this request makes
	// to other services so they verify the same caller. For a delegated
	// citizen it is the delegating workload's token (see Actor).
	Token string
	// Delegates are the principals a workload token may act for
	// (dtsen_delegates): ["citizen"] lets it send the x-dtsen-citizen-*
	// metadata (ADR 0009). Only the gateway's client carries it.
	Delegates []string
	// Actor is, for a citizen principal made by delegation, the subject of
	// the workload that acts for the citizen (the gateway); "" for a
	// caller acting for itself.
	Actor string
}

// Delegated reports whether the principal is a citizen acted for by a
// workload (ADR 0009) rather than the holder of the token itself.
func (p *Principal) Delegated() bool { return p.Actor != "" }

// InRegion reports whether the dotted region code target lies inside the
// principal's region. Regions nest on dot boundaries: "32.04" holds
// "32.04.12.2001" but not "32.041"; "" is never inside anything.
func (p *Principal) InRegion(target string) bool {
	return RegionWithin(target, p.Region)
}

// RegionWithin reports whether target lies inside scope (or equals it).
func RegionWithin(target, scope string) bool {
	if target == "" || scope == "" {
		return false
	}
	return target == scope || strings.HasPrefix(target, scope+".")
}

// Nationwide reports whether the role sees every region's personal data.
func (p *Principal) Nationwide() bool {
	switch p.Role {
	case RoleAdmin, RoleIntegrationClient, RoleService:
		return true
	}
	return false
}

// MasksIdentity reports whether responses to the principal have identities
// masked (privacy.MaskMessage): the provincial officer oversees regencies'
// work and needs regions, numbers and categories, not who each person is.
// Case-working roles see the people they work on; citizens see only their own
// family; analysts never get personal rows at all.
func (p *Principal) MasksIdentity() bool { return p.Role == RoleProvincialOfficer }

// FieldVerificationAgency is the source agency of records the grievance
// workload writes when it applies an approved correction: what a field
// verifier found at the house, decided by a district officer. Keeping it a
// source of its own keeps every agency's records as the agency sent them,
// and shows in each record where a corrected value came from.
const FieldVerificationAgency = "grievance"

// SubmitsFor reports whether the caller may import records of the given
// source agency (case-insensitive): an integration client its own
// agencies', a DTSEN workload only FieldVerificationAgency's.
func (p *Principal) SubmitsFor(agency string) bool {
	switch {
	case agency == "":
		return false
	case p.Role == RoleService:
		return strings.EqualFold(agency, FieldVerificationAgency)
	case p.Role != RoleIntegrationClient:
		return false
	}
	return slices.ContainsFunc(p.Agencies, func(a string) bool { return strings.EqualFold(a, agency) })
}

// DefaultPurpose is the audit purpose of a request that declares none.
func DefaultPurpose(r Role) string {
	switch r {
	case RoleCitizen:
		return "self_service"
	case RoleVillageOperator, RoleDistrictOfficer, RoleFieldVerifier, RoleProvincialOfficer:
		return "case_work"
	case RoleAnalyst:
		return "statistics"
	case RoleAdmin:
		return "administration"
	case RoleService:
		return "system"
	}
	return ""
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the verified caller, or nil for an unauthenticated
// context (only the health and reflection services run without one).
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
