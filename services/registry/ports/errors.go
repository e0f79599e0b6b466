package ports

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"

	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/registry/app"
	"github.com/dtsen-id/dtsen/services/registry/domain"
)

// Domain is the ErrorInfo domain of every registry error.
const Domain = "registry.dtsen.go.id"

// toStatus translates a use-case error into a precise gRPC status. Errors it
// does not know pass through; the server bootstrap turns them into Internal.
func toStatus(err error, notFoundReason string) error {
	var vs domain.Violations
	var pre *domain.Precondition
	switch {
	case err == nil:
		return nil
	case errors.As(err, &vs) && len(vs) > 0:
		return violationsStatus(vs, "")
	case errors.As(err, &pre):
		return apierror.New(codes.FailedPrecondition, Domain, pre.Reason).
			Message(pre.Description, "permintaan tidak dapat diproses pada keadaan data saat ini").Err()
	case errors.Is(err, domain.ErrNotFound):
		return apierror.New(codes.NotFound, Domain, notFoundReason).
			Message("the requested record does not exist", "data yang diminta tidak ditemukan").Err()
	case errors.Is(err, app.ErrEtagMismatch):
		return apierror.New(codes.Aborted, Domain, "ETAG_MISMATCH").
			Message("the record changed since you read it; read it again and retry",
				"data telah berubah sejak Anda membacanya; baca ulang lalu coba lagi").Err()
	case errors.Is(err, app.ErrConcurrentChange):
		return apierror.New(codes.Aborted, Domain, "CONCURRENT_CHANGE").
			Message("the record changed while the request ran; retry",
				"data berubah saat permintaan diproses; coba lagi").Err()
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return err
}

// violationsStatus is INVALID_ARGUMENT whose ErrorInfo reason is the first
// violation's, with every violation as a field violation. prefix places the
// fields inside the request (e.g. "person").
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
