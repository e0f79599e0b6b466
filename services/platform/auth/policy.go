package auth

import (
	"context"
	"slices"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/dtsen-id/dtsen/services/platform/apierror"
)

// Reasons of PERMISSION_DENIED decisions. The policy lives here, once, so the
// gateway and every service refuse the same requests for the same reasons.
const (
	ReasonRoleNotAllowed   = "ROLE_NOT_ALLOWED"
	ReasonRegionOutOfScope = "REGION_OUT_OF_SCOPE"
	ReasonNotOwnFamily     = "NOT_OWN_FAMILY"
	ReasonAggregatesOnly   = "AGGREGATES_ONLY"
	ReasonAgencyNotOwner   = "AGENCY_NOT_OWNER"
)

// Caller returns the verified principal, or UNAUTHENTICATED when there is
// none: a handler reached without the interceptor is a wiring bug, and it
// must fail closed.
func Caller(ctx context.Context) (*Principal, error) {
	if p := FromContext(ctx); p != nil {
		return p, nil
	}
	return nil, unauthenticated(ReasonTokenMissing, "a bearer token is required", "token bearer wajib disertakan")
}

// Require returns the caller if their role is one of roles.
func Require(ctx context.Context, roles ...Role) (*Principal, error) {
	p, err := Caller(ctx)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(roles, p.Role) {
		return nil, denied(ReasonRoleNotAllowed, "this role may not call this method", "peran ini tidak boleh memanggil metode ini").Err()
	}
	return p, nil
}

// PersonalDataReaders are the roles that may read personal rows at all
// (each still confined to its scope by AuthorizeFamily). Analysts see
// aggregates only.
var PersonalDataReaders = []Role{RoleCitizen, RoleVillageOperator, RoleDistrictOfficer, RoleFieldVerifier,
	RoleProvincialOfficer, RoleIntegrationClient, RoleAdmin, RoleService}

// RequirePersonalData returns the caller if their role may read personal
// rows; an analyst gets AGGREGATES_ONLY.
func RequirePersonalData(ctx context.Context) (*Principal, error) {
	p, err := Caller(ctx)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(PersonalDataReaders, p.Role) {
		return nil, denied(ReasonAggregatesOnly, "this role sees aggregates only, never personal data",
			"peran ini hanya melihat data agregat, bukan data pribadi").Err()
	}
	return p, nil
}

// Family is what the policy needs to know about one family.
type Family struct {
	KK string
	// Region is the family's dotted village code; "" when unknown (a source
	// record whose family the registry does not know yet), which only
	// nationwide roles may read.
	Region string
	// MemberNIKs are the current members, to recognise a citizen's own family.
	MemberNIKs []string
}

// AuthorizeFamily decides whether the caller may read or act on a family's
// personal data: a citizen only their own, a region-bound officer only
// inside their region, a nationwide role anywhere, an analyst never.
func AuthorizeFamily(ctx context.Context, f Family) (*Principal, error) {
	p, err := RequirePersonalData(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case p.Nationwide():
		return p, nil
	case p.Role == RoleCitizen:
		if slices.Contains(f.MemberNIKs, p.NIK) {
			return p, nil
		}
		return nil, NotOwnFamily()
	case p.Role.RegionBound():
		if p.InRegion(f.Region) {
			return p, nil
		}
		return nil, denied(ReasonRegionOutOfScope, "the family lies outside your region",
			"keluarga ini berada di luar wilayah Anda").Meta("caller_region", p.Region).Err()
	}
	return nil, denied(ReasonRoleNotAllowed, "this role may not read family data", "peran ini tidak boleh membaca data keluarga").Err()
}

// NotOwnFamily is what a citizen gets for any family but their own. Use it
// for a family that does not exist too, so the API does not tell a citizen
// which NIKs and KK numbers exist.
func NotOwnFamily() error {
	return denied(ReasonNotOwnFamily, "you may see only your own family's data",
		"Anda hanya dapat melihat data keluarga Anda sendiri").Err()
}

// HideMissing turns NOT_FOUND into NotOwnFamily for a citizen; other roles
// get err unchanged.
func HideMissing(ctx context.Context, err error) error {
	if p := FromContext(ctx); p != nil && p.Role == RoleCitizen && status.Code(err) == codes.NotFound {
		return NotOwnFamily()
	}
	return err
}

// RegionScope is the region a list query must stay inside: the caller's
// region for a region-bound role, "" (everywhere) for a nationwide role.
// Citizens and analysts get PERMISSION_DENIED: they never list families.
func RegionScope(ctx context.Context) (string, error) {
	p, err := RequirePersonalData(ctx)
	if err != nil {
		return "", err
	}
	switch {
	case p.Nationwide():
		return "", nil
	case p.Role.RegionBound():
		return p.Region, nil
	}
	return "", denied(ReasonRoleNotAllowed, "this role may not list families", "peran ini tidak boleh menelusuri daftar keluarga").Err()
}

// ListRegion is the region a list call may walk: a region-bound officer
// stays inside their region (no region asked means all of it), a nationwide
// role walks the region asked for, or everything.
func ListRegion(ctx context.Context, asked string) (string, error) {
	scope, err := RegionScope(ctx)
	if err != nil {
		return "", err
	}
	switch {
	case scope == "":
		return asked, nil
	case asked == "":
		return scope, nil
	case RegionWithin(asked, scope):
		return asked, nil
	}
	return "", denied(ReasonRegionOutOfScope, "the region asked for lies outside your region",
		"wilayah yang diminta berada di luar wilayah Anda").Meta("caller_region", scope).Err()
}

// AuthorizeImport allows an import only to the integration client of the
// agency that owns the records, and to DTSEN workloads as
// FieldVerificationAgency (Principal.SubmitsFor).
func AuthorizeImport(ctx context.Context, agency string) (*Principal, error) {
	p, err := Require(ctx, RoleIntegrationClient, RoleService)
	if err != nil {
		return nil, err
	}
	if !p.SubmitsFor(agency) {
		return nil, ImportAgencyDenied(agency)
	}
	return p, nil
}

// ImportAgencyDenied is the error for records of an agency the caller does
// not submit for; per-record rejections use its reason.
func ImportAgencyDenied(agency string) error {
	return denied(ReasonAgencyNotOwner, "only the owning agency's integration client may submit these records",
		"hanya klien integrasi instansi pemilik yang boleh mengirim data ini").Meta("source_agency", agency).Err()
}

func denied(reason, en, id string) *apierror.Error {
	return apierror.New(codes.PermissionDenied, Domain, reason).Message(en, id)
}
