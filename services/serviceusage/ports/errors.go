package ports

import (
	"context"
	"errors"

	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/serviceusage/app"
	"github.com/dtsen-id/dtsen/services/serviceusage/domain"
)

// Domain is the ErrorInfo domain of every service-usage error.
const Domain = "serviceusage.dtsen.go.id"

// Not-found reasons, one per resource.
const (
	ReasonHealthCoverageNotFound = "HEALTH_COVERAGE_NOT_FOUND"
	ReasonEnrolmentNotFound      = "ENROLMENT_NOT_FOUND"
	ReasonUtilityUsageNotFound   = "UTILITY_USAGE_NOT_FOUND"
	ReasonProgrammeNotFound      = "PROGRAMME_PARTICIPATION_NOT_FOUND"
	ReasonFamilyNotFound         = "FAMILY_NOT_FOUND"
)

var notFoundReasons = map[domain.Kind]string{
	domain.KindHealthCoverage:         ReasonHealthCoverageNotFound,
	domain.KindEnrolment:              ReasonEnrolmentNotFound,
	domain.KindUtilityUsage:           ReasonUtilityUsageNotFound,
	domain.KindProgrammeParticipation: ReasonProgrammeNotFound,
}

// toStatus translates a use-case error into a precise gRPC status. Unknown
// errors pass through; the server bootstrap turns them into Internal.
func toStatus(err error, notFoundReason string) error {
	var vs domain.Violations
	var refused *domain.RefusedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &refused):
		return refused.Err
	case errors.As(err, &vs) && len(vs) > 0:
		return violationsStatus(vs, "")
	case errors.Is(err, domain.ErrNotFound):
		return apierror.New(codes.NotFound, Domain, notFoundReason).
			Message("the requested record does not exist", "data yang diminta tidak ditemukan").Err()
	case errors.Is(err, app.ErrRegistryUnavailable):
		return apierror.New(codes.Unavailable, Domain, "REGISTRY_UNAVAILABLE").
			Message("the registry could not be reached for the identity cross-check; retry (an import resumes where it stopped)",
				"registri kependudukan tidak dapat dihubungi; coba lagi").Err()
	case errors.Is(err, app.ErrConcurrentChange):
		return apierror.New(codes.Aborted, Domain, "CONCURRENT_CHANGE").
			Message("a record changed while the request ran; retry", "data berubah saat permintaan diproses; coba lagi").Err()
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return err
}

// violationsStatus is INVALID_ARGUMENT whose reason is the first violation's,
// with every violation as a field violation.
func violationsStatus(vs domain.Violations, prefix string) error {
	e := apierror.New(codes.InvalidArgument, Domain, vs[0].Reason).
		Message("the request has invalid fields: "+vs[0].Description,
			"permintaan berisi data yang tidak valid; periksa kolom yang ditandai")
	for _, v := range vs.Prefix(prefix) {
		e.Field(v.Field, v.Reason, v.Description)
	}
	return e.Err()
}

func invalid(field, reason, en, id string) error {
	return apierror.New(codes.InvalidArgument, Domain, reason).Message(en, id).Field(field, reason, en).Err()
}

// accessStatus translates an Authorizer's answer. Refusals are the shared
// policy's own statuses (auth domain) and go out as they are; anything else
// is the registry lookup of the family's region failing, and the read is
// refused as REGISTRY_UNAVAILABLE rather than decided without a region.
func accessStatus(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil {
		return err
	}
	if c := status.Code(err); (c == codes.PermissionDenied || c == codes.Unauthenticated) &&
		apierror.ErrorInfoOf(err).GetDomain() == auth.Domain {
		return err
	}
	return toStatus(fmt.Errorf("%w: %w", app.ErrRegistryUnavailable, err), "")
}
