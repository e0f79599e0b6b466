package ports

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"

	"github.com/dtsen-id/dtsen/services/asset/adapters"
	"github.com/dtsen-id/dtsen/services/asset/domain"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth"
)

// Domain is the ErrorInfo domain of every asset error.
const Domain = "asset.dtsen.go.id"

// Not-found reasons, one per resource kind.
const (
	reasonHousingNotFound  = "HOUSING_NOT_FOUND"
	reasonHoldingsNotFound = "HOLDINGS_NOT_FOUND"
	reasonLandNotFound     = "LAND_PARCEL_NOT_FOUND"
	reasonVehicleNotFound  = "VEHICLE_NOT_FOUND"
)

// toStatus translates a use-case error into a precise gRPC status. Errors it
// does not know pass through; the server bootstrap turns them into Internal.
func toStatus(err error, notFoundReason string) error {
	var vs domain.Violations
	switch {
	case err == nil:
		return nil
	case errors.As(err, &vs) && len(vs) > 0:
		return violationsStatus(vs, "")
	case errors.Is(err, domain.ErrNotFound):
		return apierror.New(codes.NotFound, Domain, notFoundReason).
			Message("the requested record does not exist", "data yang diminta tidak ditemukan").Err()
	case errors.Is(err, domain.ErrFamilyNotRegistered):
		return apierror.New(codes.NotFound, Domain, "FAMILY_NOT_REGISTERED").
			Message("the registry does not know this KK number", "nomor KK ini tidak terdaftar").Err()
	case errors.Is(err, domain.ErrRegistryUnavailable):
		return apierror.New(codes.Unavailable, Domain, "REGISTRY_UNAVAILABLE").
			Message("the registry cannot be reached to cross-check identities; retry later",
				"registri kependudukan tidak dapat dihubungi untuk pemeriksaan identitas; coba lagi nanti").Err()
	case errors.Is(err, domain.ErrNationwideOnly):
		// The shared policy's reason and domain, as the method table would
		// have refused it.
		return apierror.New(codes.PermissionDenied, auth.Domain, auth.ReasonRoleNotAllowed).
			Message("asset records carry no region, so only nationwide roles may list them",
				"data aset tidak memuat wilayah, sehingga hanya peran nasional yang boleh menelusuri daftarnya").Err()
	case errors.Is(err, adapters.ErrConcurrentChange):
		return apierror.New(codes.Aborted, Domain, "CONCURRENT_CHANGE").
			Message("the records changed while the request ran; retry",
				"data berubah saat permintaan diproses; coba lagi").Err()
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return err
}

// violationsStatus is INVALID_ARGUMENT whose ErrorInfo reason is the first
// violation's, with every violation as a field violation.
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
