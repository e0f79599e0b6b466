package ports

import (
	"strings"

	"google.golang.org/grpc/codes"

	scoringv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/scoring/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/validation"
	regdomain "github.com/dtsen-id/dtsen/services/registry/domain"
	"github.com/dtsen-id/dtsen/services/scoring/app"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
)

const (
	maxListed    = 1000
	maxReasonLen = 500
	maxIDLen     = 64
)

// Validators check every request's shape before a handler runs.
func Validators() *validation.Registry {
	r := validation.NewRegistry()
	validation.Register(r, func(req *scoringv1.GetFamilyScoreRequest) error {
		_, err := familyName("name", req.GetName(), "score")
		return err
	})
	validation.Register(r, func(req *scoringv1.ListScoreHistoryRequest) error {
		if _, err := familyName("parent", req.GetParent(), ""); err != nil {
			return err
		}
		return pageSize(req.GetPageSize())
	})
	validation.Register(r, func(req *scoringv1.GetFamilyEligibilityRequest) error {
		_, err := familyName("name", req.GetName(), "eligibility")
		return err
	})
	validation.Register(r, func(req *scoringv1.ListNoticesRequest) error {
		_, err := familyName("parent", req.GetParent(), "")
		return err
	})
	validation.Register(r, func(req *scoringv1.ListEligibleRequest) error {
		if _, err := programmeName("parent", req.GetParent()); err != nil {
			return err
		}
		if err := regionPrefix("region", req.GetRegion()); err != nil {
			return err
		}
		return pageSize(req.GetPageSize())
	})
	validation.Register(r, func(req *scoringv1.ListFieldVerificationsRequest) error {
		if err := regionPrefix("region", req.GetRegion()); err != nil {
			return err
		}
		return pageSize(req.GetPageSize())
	})
	validation.Register(r, func(req *scoringv1.GetTransitionReportRequest) error {
		if err := regionPrefix("region", req.GetRegion()); err != nil {
			return err
		}
		if n := req.GetMaxListed(); n < 0 || n > maxListed {
			return invalid("max_listed", "MAX_LISTED_OUT_OF_RANGE", "max_listed must be 0-1000", "max_listed harus 0-1000")
		}
		return nil
	})
	validation.Register(r, func(req *scoringv1.GetRegionStatisticsRequest) error {
		if err := regionPrefix("region", req.GetRegion()); err != nil {
			return err
		}
		if _, ok := app.StatisticsSubregionLen(req.GetRegion()); !ok {
			return invalid("region", ReasonStatisticsLevel,
				"region must be empty (the nation), a province (32) or a regency (32.04)",
				"region harus kosong (nasional), kode provinsi (32) atau kabupaten/kota (32.04)")
		}
		return nil
	})
	validation.Register(r, func(req *scoringv1.TrainModelRequest) error {
		switch req.GetKind() {
		case scoringv1.ModelKind_MODEL_KIND_OLS, scoringv1.ModelKind_MODEL_KIND_GBT:
		default:
			return invalid("kind", "MODEL_KIND_INVALID", "kind must be MODEL_KIND_OLS or MODEL_KIND_GBT",
				"kind harus MODEL_KIND_OLS atau MODEL_KIND_GBT")
		}
		if f := req.GetValidFraction(); f != 0 && !(f > 0 && f < 0.9) {
			return invalid("valid_fraction", "VALID_FRACTION_OUT_OF_RANGE", "valid_fraction must be in (0, 0.9)",
				"valid_fraction harus di antara 0 dan 0,9")
		}
		if g := req.GetGbt(); g != nil {
			if g.GetRounds() < 0 || g.GetRounds() > 5000 || g.GetMaxDepth() < 0 || g.GetMaxDepth() > 12 ||
				g.GetMinSamplesLeaf() < 0 || g.GetMaxBins() < 0 || g.GetMaxBins() > 255 || g.GetEarlyStoppingRounds() < 0 ||
				g.GetLearningRate() < 0 || g.GetLearningRate() > 1 {
				return invalid("gbt", "GBT_PARAMS_OUT_OF_RANGE",
					"gbt: rounds 0-5000, max_depth 0-12, max_bins 0-255, learning_rate 0-1, the rest non-negative",
					"parameter gbt di luar rentang yang diizinkan")
			}
		}
		return nil
	})
	validation.Register(r, func(req *scoringv1.GetModelRequest) error {
		_, err := idName("name", req.GetName(), "models")
		return err
	})
	validation.Register(r, func(req *scoringv1.EvaluateModelRequest) error {
		_, err := idName("name", req.GetName(), "models")
		return err
	})
	validation.Register(r, func(req *scoringv1.ActivateModelRequest) error {
		if _, err := idName("name", req.GetName(), "models"); err != nil {
			return err
		}
		if reason := strings.TrimSpace(req.GetReason()); reason == "" || len(reason) > maxReasonLen {
			return invalid("reason", "ACTIVATION_REASON_REQUIRED", "say why this model goes into service (1-500 characters)",
				"sebutkan alasan model ini diaktifkan (1-500 karakter)")
		}
		return nil
	})
	validation.Register(r, func(req *scoringv1.ListModelsRequest) error {
		return pageSize(req.GetPageSize())
	})
	validation.Register(r, func(req *scoringv1.StartRankingRunRequest) error {
		if id := req.GetRunId(); id != "" && !validID(id) {
			return invalid("run_id", "RUN_ID_INVALID", "run_id is 1-64 letters, digits, '-', '_' or '.'",
				"run_id terdiri atas 1-64 huruf, angka, '-', '_' atau '.'")
		}
		return nil
	})
	validation.Register(r, func(req *scoringv1.GetRankingRunRequest) error {
		_, err := idName("name", req.GetName(), "rankingRuns")
		return err
	})
	validation.Register(r, func(req *scoringv1.ListRankingRunsRequest) error {
		return pageSize(req.GetPageSize())
	})
	return r
}

func invalid(field, reason, en, id string) error {
	return apierror.New(codes.InvalidArgument, Domain, reason).Message(en, id).Field(field, reason, en).Err()
}

func badName(field, pattern string) error {
	return invalid(field, ReasonResourceNameFormat, "expected "+pattern, "format harus "+pattern)
}

// familyName parses `families/{kk}` (suffix "") or `families/{kk}/{suffix}`.
func familyName(field, name, suffix string) (string, error) {
	pattern := "families/{kk}"
	want := 2
	if suffix != "" {
		pattern += "/" + suffix
		want = 3
	}
	parts := strings.Split(name, "/")
	if len(parts) != want || parts[0] != "families" || (suffix != "" && parts[2] != suffix) {
		return "", badName(field, pattern)
	}
	if v := regdomain.ValidateKK(parts[1]); v != nil {
		return "", invalid(field, v.Reason, v.Description, "nomor KK tidak valid")
	}
	return parts[1], nil
}

// programmeName parses `programmes/{code}`.
func programmeName(field, name string) (string, error) {
	code, ok := strings.CutPrefix(name, "programmes/")
	if !ok || code == "" || len(code) > 32 || strings.ContainsAny(code, "/ ") {
		return "", badName(field, "programmes/{code}")
	}
	return code, nil
}

// idName parses `{collection}/{id}`.
func idName(field, name, collection string) (string, error) {
	id, ok := strings.CutPrefix(name, collection+"/")
	if !ok || !validID(id) {
		return "", badName(field, collection+"/{id}")
	}
	return id, nil
}

func validID(id string) bool {
	if id == "" || len(id) > maxIDLen {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// regionPrefix checks an optional dotted region code of any level.
func regionPrefix(field, code string) error {
	if code == "" {
		return nil
	}
	if _, v := regdomain.ParseRegionCode(code); v != nil {
		return invalid(field, v.Reason, v.Description, "kode wilayah tidak valid")
	}
	return nil
}

func pageSize(n int32) error {
	if n < 0 || n > domain.MaxPageSize {
		return invalid("page_size", "PAGE_SIZE_OUT_OF_RANGE", "page_size must be 0-1000", "page_size harus 0-1000")
	}
	return nil
}
