// Package ports is the scoring context's gRPC server: it checks who may see
// what (the shared auth policy), audits every read of a family's data, and
// translates between protobuf and the use cases.
package ports

import (
	"context"
	"errors"
	"strings"

	"google.golang.org/grpc/codes"

	scoringv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/scoring/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/audit"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/pagetoken"
	"github.com/dtsen-id/dtsen/services/scoring/app"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
)

// FamilyAuthorizer decides whether the caller may read a family's data
// (identity.Client.Authorize: the family's region comes from the registry).
type FamilyAuthorizer interface {
	Authorize(ctx context.Context, kk, nik string) (*auth.Principal, error)
}

// Server implements scoringv1.ScoringServiceServer.
type Server struct {
	scoringv1.UnimplementedScoringServiceServer
	app    *app.App
	runner *app.Runner
	authz  FamilyAuthorizer
	audit  *audit.Log
}

// NewServer returns the scoring gRPC server.
func NewServer(a *app.App, runner *app.Runner, authz FamilyAuthorizer, log *audit.Log) *Server {
	return &Server{app: a, runner: runner, authz: authz, audit: log}
}

// family authorises a read of one family's data and audits it. The use
// case then reads the source contexts as this service (auth.AsService):
// the caller's right to the family was decided here, and the sources'
// own logs record the scoring service deriving a score, not a person
// reading raw records.
func (s *Server) family(ctx context.Context, kk, record string) (context.Context, error) {
	if _, err := s.authz.Authorize(ctx, kk, ""); err != nil {
		return nil, err
	}
	if err := s.audit.Read(ctx, "families/"+kk+record); err != nil {
		return nil, err
	}
	return auth.AsService(ctx), nil
}

// GetFamilyScore implements ScoringService.GetFamilyScore.
func (s *Server) GetFamilyScore(ctx context.Context, req *scoringv1.GetFamilyScoreRequest) (*scoringv1.FamilyScore, error) {
	kk, _ := familyName("name", req.GetName(), "score")
	sctx, err := s.family(ctx, kk, "/score")
	if err != nil {
		return nil, err
	}
	res, err := s.app.FamilyScore(sctx, kk)
	if err != nil {
		return nil, toStatus(err, ReasonNotScored)
	}
	return familyScoreToProto(res), nil
}

// ListScoreHistory implements ScoringService.ListScoreHistory.
func (s *Server) ListScoreHistory(ctx context.Context, req *scoringv1.ListScoreHistoryRequest) (*scoringv1.ListScoreHistoryResponse, error) {
	kk, _ := familyName("parent", req.GetParent(), "")
	sctx, err := s.family(ctx, kk, "/scoreHistory")
	if err != nil {
		return nil, err
	}
	recs, err := s.app.ScoreHistory(sctx, kk, int(req.GetPageSize()))
	if err != nil {
		return nil, toStatus(err, ReasonNotScored)
	}
	out := &scoringv1.ListScoreHistoryResponse{}
	for _, r := range recs {
		out.Records = append(out.Records, &scoringv1.ScoreRecord{PredictedLogConsumption: r.Score, Decile: int32(r.Decile),
			Model: "models/" + r.ModelID, RankingRun: runName(r.RunID), ScoredTime: ts(r.ScoredAt)})
	}
	return out, nil
}

// GetFamilyEligibility implements ScoringService.GetFamilyEligibility.
func (s *Server) GetFamilyEligibility(ctx context.Context, req *scoringv1.GetFamilyEligibilityRequest) (*scoringv1.FamilyEligibility, error) {
	kk, _ := familyName("name", req.GetName(), "eligibility")
	sctx, err := s.family(ctx, kk, "/eligibility")
	if err != nil {
		return nil, err
	}
	fe, err := s.app.GetFamilyEligibility(sctx, kk)
	if err != nil {
		return nil, toStatus(err, ReasonNotDecided)
	}
	return eligibilityToProto(fe), nil
}

// ListNotices implements ScoringService.ListNotices.
func (s *Server) ListNotices(ctx context.Context, req *scoringv1.ListNoticesRequest) (*scoringv1.ListNoticesResponse, error) {
	kk, _ := familyName("parent", req.GetParent(), "")
	sctx, err := s.family(ctx, kk, "/notices")
	if err != nil {
		return nil, err
	}
	ns, err := s.app.ListNotices(sctx, kk)
	if err != nil {
		return nil, toStatus(err, ReasonNotDecided)
	}
	out := &scoringv1.ListNoticesResponse{}
	for _, n := range ns {
		out.Notices = append(out.Notices, noticeToProto(n, s.app.Rules()))
	}
	return out, nil
}

// ListEligible implements ScoringService.ListEligible.
func (s *Server) ListEligible(ctx context.Context, req *scoringv1.ListEligibleRequest) (*scoringv1.ListEligibleResponse, error) {
	programme, _ := programmeName("parent", req.GetParent())
	region, err := auth.ListRegion(ctx, req.GetRegion())
	if err != nil {
		return nil, err
	}
	// The token is bound to the query it came from, region included.
	query := programme + "|" + region
	page := domain.Page{Limit: int(req.GetPageSize())}
	if t := req.GetPageToken(); t != "" {
		after, err := pagetoken.Decode(Domain, t, query, 1)
		if err != nil {
			return nil, err
		}
		page.After = after[0]
	}
	fams, err := s.app.ListEligible(ctx, programme, region, page)
	if err != nil {
		if errors.Is(err, app.ErrUnknownProgramme) {
			return nil, invalid("parent", ReasonUnknownProgramme, "the rules table has no such programme",
				"tabel aturan tidak memuat program ini")
		}
		return nil, toStatus(err, ReasonNotDecided)
	}
	out := &scoringv1.ListEligibleResponse{}
	records := make([]string, len(fams))
	for i, f := range fams {
		out.Families = append(out.Families, &scoringv1.EligibleFamily{Family: "families/" + f.KK, Region: f.Region, Decile: int32(f.Decile)})
		records[i] = "families/" + f.KK + "/eligibility"
	}
	if err := s.audit.Read(ctx, records...); err != nil {
		return nil, err
	}
	if len(fams) == page.Size() {
		out.NextPageToken = pagetoken.Encode(query, domain.EligibleCursor(fams[len(fams)-1]))
	}
	return out, nil
}

// ListFieldVerifications implements ScoringService.ListFieldVerifications.
func (s *Server) ListFieldVerifications(ctx context.Context, req *scoringv1.ListFieldVerificationsRequest) (*scoringv1.ListFieldVerificationsResponse, error) {
	region, err := auth.ListRegion(ctx, req.GetRegion())
	if err != nil {
		return nil, err
	}
	query := "verify|" + region
	page, err := listPage(req.GetPageSize(), req.GetPageToken(), query)
	if err != nil {
		return nil, err
	}
	fams, err := s.app.ListForVerification(ctx, region, page)
	if err != nil {
		return nil, toStatus(err, ReasonNotScored)
	}
	out := &scoringv1.ListFieldVerificationsResponse{}
	records := make([]string, len(fams))
	for i, f := range fams {
		out.Families = append(out.Families, &scoringv1.FlaggedFamily{Family: "families/" + f.KK, Region: f.Region,
			Decile: int32(f.Decile), Flags: f.Flags, ScoredTime: ts(f.ScoredAt)})
		records[i] = "families/" + f.KK + "/score"
	}
	if err := s.audit.Read(ctx, records...); err != nil {
		return nil, err
	}
	if len(fams) == page.Size() {
		last := fams[len(fams)-1]
		out.NextPageToken = pagetoken.Encode(query, domain.RegionCursor(last.Region, last.KK))
	}
	return out, nil
}

// GetTransitionReport implements ScoringService.GetTransitionReport.
// Analysts see the counts of any region; the families gained and lost are
// personal data, listed only to the officers of the region.
func (s *Server) GetTransitionReport(ctx context.Context, req *scoringv1.GetTransitionReportRequest) (*scoringv1.TransitionReport, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return nil, err
	}
	region := req.GetRegion()
	if p.Role == auth.RoleAnalyst {
		if req.GetMaxListed() > 0 {
			return nil, apierror.New(codes.PermissionDenied, auth.Domain, auth.ReasonAggregatesOnly).
				Message("this role sees counts only; ask with max_listed 0", "peran ini hanya melihat jumlah; gunakan max_listed 0").Err()
		}
	} else if region, err = auth.ListRegion(ctx, region); err != nil {
		return nil, err
	}
	t, err := s.app.TransitionReport(ctx, region)
	if err != nil {
		return nil, toStatus(err, ReasonNotDecided)
	}
	out := transitionToProto(t, region, int(req.GetMaxListed()))
	var records []string
	for _, pt := range out.Programmes {
		for _, f := range append(pt.GainedFamilies, pt.LostFamilies...) {
			records = append(records, f+"/eligibility")
		}
	}
	if err := s.audit.Read(ctx, records...); err != nil {
		return nil, err
	}
	return out, nil
}

// statisticsReaders may ask for region statistics (auth.MethodRoles names
// the same roles): analysts and nationwide workloads for any region, the
// region-bound officers within their own.
var statisticsReaders = []auth.Role{auth.RoleAnalyst, auth.RoleAdmin, auth.RoleService, auth.RoleVillageOperator,
	auth.RoleDistrictOfficer, auth.RoleFieldVerifier, auth.RoleProvincialOfficer}

// GetRegionStatistics implements ScoringService.GetRegionStatistics. The
// answer is counts of a region, never a family: nothing personal is read,
// so, like GetTransitionReport's counts, nothing is audited. A region-bound
// officer asks for their own region (the default) or one within it; one
// whose region is a district or a village is refused, since the smallest
// region counted, a regency, is wider than theirs.
func (s *Server) GetRegionStatistics(ctx context.Context, req *scoringv1.GetRegionStatisticsRequest) (*scoringv1.RegionStatistics, error) {
	p, err := auth.Require(ctx, statisticsReaders...)
	if err != nil {
		return nil, err
	}
	region := req.GetRegion()
	if p.Role != auth.RoleAnalyst {
		if region, err = auth.ListRegion(ctx, region); err != nil {
			return nil, err
		}
		if _, ok := app.StatisticsSubregionLen(region); !ok {
			// The request was a valid level, so this is the officer's own
			// region, which is narrower than any region counted.
			return nil, apierror.New(codes.PermissionDenied, auth.Domain, auth.ReasonRegionOutOfScope).Meta("caller_region", p.Region).
				Message("statistics cover a province or a regency, which is wider than your region",
					"statistik mencakup provinsi atau kabupaten/kota, yang lebih luas dari wilayah Anda").Err()
		}
	}
	st, err := s.app.RegionStatistics(ctx, region)
	switch {
	case errors.Is(err, app.ErrNoSucceededRun):
		return nil, apierror.New(codes.NotFound, Domain, ReasonNoSucceededRun).
			Message("no ranking run has succeeded yet, so there are no deciles to count",
				"belum ada pemeringkatan yang berhasil, sehingga belum ada desil untuk dihitung").Err()
	case errors.Is(err, app.ErrStatisticsNotRecorded):
		return nil, apierror.New(codes.NotFound, Domain, ReasonStatisticsNotRecorded).
			Message("the newest ranking run's statistics were not recorded; the next run records its own",
				"statistik pemeringkatan terbaru tidak tercatat; pemeringkatan berikutnya akan mencatatnya").Err()
	case err != nil:
		return nil, toStatus(err, ReasonRunNotFound)
	}
	return regionStatisticsToProto(st), nil
}

// TrainModel implements ScoringService.TrainModel.
func (s *Server) TrainModel(ctx context.Context, req *scoringv1.TrainModelRequest) (*scoringv1.Model, error) {
	p := app.TrainParams{ValidFraction: req.GetValidFraction(), SplitSeed: req.GetSplitSeed()}
	if req.GetKind() == scoringv1.ModelKind_MODEL_KIND_GBT {
		p.GBT = gbtParams(req.GetGbt())
	}
	m, err := s.app.TrainModel(auth.AsService(ctx), kindFromProto(req.GetKind()), p)
	if err != nil {
		return nil, toStatus(err, ReasonModelNotFound)
	}
	return modelToProto(m), nil
}

// GetModel implements ScoringService.GetModel.
func (s *Server) GetModel(ctx context.Context, req *scoringv1.GetModelRequest) (*scoringv1.Model, error) {
	id, _ := idName("name", req.GetName(), "models")
	m, err := s.app.Model(ctx, id)
	if err != nil {
		return nil, toStatus(err, ReasonModelNotFound)
	}
	return modelToProto(m), nil
}

// ListModels implements ScoringService.ListModels.
func (s *Server) ListModels(ctx context.Context, req *scoringv1.ListModelsRequest) (*scoringv1.ListModelsResponse, error) {
	page, err := listPage(req.GetPageSize(), req.GetPageToken(), "models")
	if err != nil {
		return nil, err
	}
	ms, err := s.app.Models(ctx, page)
	if err != nil {
		return nil, toStatus(err, ReasonModelNotFound)
	}
	out := &scoringv1.ListModelsResponse{}
	for _, m := range ms {
		out.Models = append(out.Models, modelToProto(m))
	}
	if len(ms) == page.Size() {
		out.NextPageToken = pagetoken.Encode("models", ms[len(ms)-1].ID)
	}
	return out, nil
}

// ActivateModel implements ScoringService.ActivateModel. The activation
// records the caller's subject and reason on the model.
func (s *Server) ActivateModel(ctx context.Context, req *scoringv1.ActivateModelRequest) (*scoringv1.Model, error) {
	id, _ := idName("name", req.GetName(), "models")
	p, err := auth.Caller(ctx)
	if err != nil {
		return nil, err
	}
	m, err := s.app.ActivateModel(ctx, id, p.Subject, strings.TrimSpace(req.GetReason()))
	if err != nil {
		return nil, toStatus(err, ReasonModelNotFound)
	}
	return modelToProto(m), nil
}

// EvaluateModel implements ScoringService.EvaluateModel.
func (s *Server) EvaluateModel(ctx context.Context, req *scoringv1.EvaluateModelRequest) (*scoringv1.ModelEvaluation, error) {
	id, _ := idName("name", req.GetName(), "models")
	ev, err := s.app.EvaluateModel(ctx, id)
	if err != nil {
		return nil, toStatus(err, ReasonModelNotFound)
	}
	out := &scoringv1.ModelEvaluation{Model: "models/" + ev.Model.ID, Metrics: targetingToProto(ev.Metrics),
		Markdown: "## " + ev.Model.ID + "\n\n" + ev.Metrics.Markdown}
	if ev.Baseline != nil {
		out.Baseline, out.BaselineModel = targetingToProto(ev.BaselineMetrics), "models/"+ev.Baseline.ID
		out.Markdown += "\n## Baseline " + ev.Baseline.ID + "\n\n" + ev.BaselineMetrics.Markdown
	}
	return out, nil
}

// StartRankingRun implements ScoringService.StartRankingRun.
func (s *Server) StartRankingRun(ctx context.Context, req *scoringv1.StartRankingRunRequest) (*scoringv1.RankingRun, error) {
	run, err := s.runner.Start(auth.AsService(ctx), req.GetRunId())
	if err != nil {
		return nil, toStatus(err, ReasonRunNotFound)
	}
	return runToProto(run), nil
}

// GetRankingRun implements ScoringService.GetRankingRun.
func (s *Server) GetRankingRun(ctx context.Context, req *scoringv1.GetRankingRunRequest) (*scoringv1.RankingRun, error) {
	id, _ := idName("name", req.GetName(), "rankingRuns")
	run, err := s.app.Run(ctx, id)
	if err != nil {
		return nil, toStatus(err, ReasonRunNotFound)
	}
	return runToProto(run), nil
}

// ListRankingRuns implements ScoringService.ListRankingRuns.
func (s *Server) ListRankingRuns(ctx context.Context, req *scoringv1.ListRankingRunsRequest) (*scoringv1.ListRankingRunsResponse, error) {
	page, err := listPage(req.GetPageSize(), req.GetPageToken(), "rankingRuns")
	if err != nil {
		return nil, err
	}
	runs, err := s.app.Runs(ctx, page)
	if err != nil {
		return nil, toStatus(err, ReasonRunNotFound)
	}
	out := &scoringv1.ListRankingRunsResponse{}
	for _, r := range runs {
		out.Runs = append(out.Runs, runToProto(r))
	}
	if len(runs) == page.Size() {
		out.NextPageToken = pagetoken.Encode("rankingRuns", runs[len(runs)-1].ID)
	}
	return out, nil
}

func listPage(size int32, token, query string) (domain.Page, error) {
	page := domain.Page{Limit: int(size)}
	if token != "" {
		after, err := pagetoken.Decode(Domain, token, query, 1)
		if err != nil {
			return page, err
		}
		page.After = after[0]
	}
	return page, nil
}
