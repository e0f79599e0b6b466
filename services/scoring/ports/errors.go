package ports

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"

	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/scoring/adapters"
	"github.com/dtsen-id/dtsen/services/scoring/app"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
)

// Domain is the ErrorInfo domain of every scoring error.
const Domain = "scoring.dtsen.go.id"

// Reasons of the scoring API's errors.
const (
	ReasonNotScored          = "FAMILY_NOT_SCORED"
	ReasonNotDecided         = "FAMILY_NOT_DECIDED"
	ReasonFamilyNotFound     = "FAMILY_NOT_REGISTERED"
	ReasonModelNotFound      = "MODEL_NOT_FOUND"
	ReasonRunNotFound        = "RANKING_RUN_NOT_FOUND"
	ReasonNoActiveModel      = "NO_ACTIVE_MODEL"
	ReasonRunInProgress      = "RANKING_RUN_IN_PROGRESS"
	ReasonConflict           = "CONFLICT"
	ReasonInvalid            = "INVALID_ARGUMENT"
	ReasonSourceUnavailable  = "SOURCE_UNAVAILABLE"
	ReasonNotEvaluated       = "MODEL_NOT_EVALUATED"
	ReasonUnknownProgramme   = "PROGRAMME_UNKNOWN"
	ReasonResourceNameFormat = "RESOURCE_NAME_INVALID"
	// No ranking run has succeeded, so there are no region statistics.
	ReasonNoSucceededRun = "NO_RANKING_RUN_SUCCEEDED"
	// The newest successful run's region statistics were not recorded.
	ReasonStatisticsNotRecorded = "REGION_STATISTICS_NOT_RECORDED"
	// A region statistics request named a district or a village.
	ReasonStatisticsLevel = "REGION_LEVEL_INVALID"
)

// toStatus translates a use-case error into a precise gRPC status.
// notFound is the reason a domain.ErrNotFound means in this call.
func toStatus(err error, notFound string) error {
	var src *adapters.SourceError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, adapters.ErrFamilyNotFound):
		return apierror.New(codes.NotFound, Domain, ReasonFamilyNotFound).
			Message("the registry does not know this KK number", "nomor KK ini tidak terdaftar").Err()
	case errors.Is(err, domain.ErrNoActiveModel):
		return apierror.New(codes.FailedPrecondition, Domain, ReasonNoActiveModel).
			Message("no welfare model is active yet; train and activate one first",
				"belum ada model kesejahteraan yang aktif; latih dan aktifkan model terlebih dahulu").Err()
	case errors.Is(err, app.ErrRunInProgress):
		return apierror.New(codes.FailedPrecondition, Domain, ReasonRunInProgress).
			Message("another ranking run has not finished; wait for it", "pemeringkatan lain belum selesai; tunggu hingga selesai").Err()
	case errors.Is(err, domain.ErrNotFound):
		return apierror.New(codes.NotFound, Domain, notFound).
			Message("the requested record does not exist", "data yang diminta tidak ditemukan").Err()
	case errors.Is(err, domain.ErrConflict):
		return apierror.New(codes.FailedPrecondition, Domain, ReasonConflict).
			Message(err.Error(), "permintaan bertentangan dengan keadaan saat ini").Err()
	case errors.Is(err, domain.ErrInvalid):
		return apierror.New(codes.InvalidArgument, Domain, ReasonInvalid).
			Message(err.Error(), "permintaan tidak valid").Err()
	case errors.As(err, &src):
		// Scoring derives from four contexts; one being down is an outage
		// to retry, never a reason to answer with a partial score.
		return apierror.New(codes.Unavailable, Domain, ReasonSourceUnavailable).Meta("context", src.Context).
			Message("a source context cannot be reached; retry shortly",
				"salah satu sumber data tidak dapat dihubungi; coba lagi sebentar lagi").Err()
	}
	return err
}
