// Package ports is the grievance context's gRPC server: who may file, see
// and list cases (the shared auth policy), auditing every read of a case,
// and the translation between protobuf and the use cases.
package ports

import (
	"context"
	"errors"
	"strings"
	"time"

	"google.golang.org/grpc/codes"

	grievancev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/grievance/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/grievance/app"
	"github.com/dtsen-id/dtsen/services/grievance/domain"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/audit"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/identity"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/pagetoken"
)

// Domain is the ErrorInfo domain of every grievance error.
const Domain = "grievance.dtsen.go.id"

// Families is what the server asks the registry: a family's village, and
// whether the caller may act for it (identity.Client).
type Families interface {
	LookupFamilies(ctx context.Context, niks, kks []string) (map[string]identity.Person, map[string]identity.Family, error)
	Authorize(ctx context.Context, kk, nik string) (*auth.Principal, error)
}

// Server implements grievancev1.GrievanceServiceServer.
type Server struct {
	grievancev1.UnimplementedGrievanceServiceServer
	app      *app.App
	families Families
	audit    *audit.Log
	feed     *outbox.Outbox
	stopping <-chan struct{}
	sla      domain.SLA
	now      func() time.Time
}

// NewServer returns the grievance gRPC server. feed is the outbox the
// repository publishes to; stopping, when closed, ends open WatchChanges
// streams so a shutdown need not wait for them.
func NewServer(a *app.App, families Families, log *audit.Log, feed *outbox.Outbox, stopping <-chan struct{}) *Server {
	return &Server{app: a, families: families, audit: log, feed: feed, stopping: stopping, sla: domain.DefaultSLA, now: time.Now}
}

// FeedDomain names the grievance context's change feed.
const FeedDomain = "grievance"

// WatchChanges implements GrievanceService.WatchChanges.
func (s *Server) WatchChanges(req *grievancev1.WatchChangesRequest, stream grievancev1.GrievanceService_WatchChangesServer) error {
	return s.feed.Serve(stream.Context(), FeedDomain, req.GetAfterSequence(), s.stopping, func(e *typev1.ChangeEvent) error {
		return stream.Send(&grievancev1.WatchChangesResponse{Event: e})
	})
}

func toStatus(err error) error {
	var de *domain.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &de):
		code := codes.InvalidArgument
		switch {
		case errors.Is(de.Kind, domain.ErrWrongState):
			code = codes.FailedPrecondition
		case errors.Is(de.Kind, domain.ErrForbidden):
			code = codes.PermissionDenied
		}
		return apierror.New(code, Domain, de.Reason).Message(de.Msg, "permintaan ditolak: "+de.Reason).Err()
	case errors.Is(err, domain.ErrNotFound):
		return apierror.New(codes.NotFound, Domain, "CASE_NOT_FOUND").
			Message("no such case", "kasus tidak ditemukan").Err()
	case errors.Is(err, domain.ErrConflict):
		return apierror.New(codes.Aborted, Domain, "CONCURRENT_CHANGE").
			Message("the case changed while the request ran; retry", "kasus berubah saat permintaan diproses; coba lagi").Err()
	case errors.Is(err, domain.ErrInvalid):
		return apierror.New(codes.InvalidArgument, Domain, "INVALID_ARGUMENT").Message(err.Error(), "permintaan tidak valid").Err()
	}
	return err
}

// SubmitCase implements GrievanceService.SubmitCase. A citizen files
// objections and corrections for their own family, inclusion reports about
// any registered family, and proposals for a family not registered yet;
// officers file within their region; only a village operator enters a
// musyawarah desa's batch.
func (s *Server) SubmitCase(ctx context.Context, req *grievancev1.SubmitCaseRequest) (*grievancev1.SubmitCaseResponse, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return nil, err
	}
	sub, err := submissionFromProto(req)
	if err != nil {
		return nil, err
	}
	sub.Reporter = p.Subject
	if p.Role == auth.RoleCitizen {
		sub.ReporterNIK = p.NIK
	}
	if sub.Type == domain.VillageDeliberation && p.Role != auth.RoleVillageOperator && p.Role != auth.RoleAdmin {
		return nil, apierror.New(codes.PermissionDenied, auth.Domain, auth.ReasonRoleNotAllowed).
			Message("a village deliberation batch is entered by the village operator", "berita acara musyawarah desa diisi operator desa").Err()
	}
	if sub.KK != "" {
		_, fams, err := s.families.LookupFamilies(ctx, nil, []string{sub.KK})
		if err != nil {
			return nil, apierror.New(codes.Unavailable, Domain, "REGISTRY_UNAVAILABLE").
				Message("the registry cannot be asked now; retry", "registri tidak dapat dihubungi; coba lagi").Err()
		}
		f := fams[sub.KK]
		if !f.Registered {
			if p.Role == auth.RoleCitizen {
				return nil, auth.NotOwnFamily()
			}
			return nil, apierror.New(codes.NotFound, Domain, "FAMILY_NOT_REGISTERED").
				Message("the registry does not know this KK number; file a new registration", "nomor KK tidak terdaftar").Err()
		}
		sub.Region = f.Region
		ownFamilyOnly := sub.Type == domain.ExclusionObjection || sub.Type == domain.DataCorrection
		if p.Role != auth.RoleCitizen || ownFamilyOnly {
			if _, err := s.families.Authorize(ctx, sub.KK, ""); err != nil {
				return nil, err
			}
		}
	} else if p.Role.RegionBound() && !auth.RegionWithin(sub.Region, p.Region) {
		return nil, apierror.New(codes.PermissionDenied, auth.Domain, auth.ReasonRegionOutOfScope).
			Message("the village lies outside your region", "desa berada di luar wilayah Anda").Err()
	}
	res, err := s.app.SubmitCase(ctx, sub)
	if err != nil {
		return nil, toStatus(err)
	}
	if err := s.audit.Read(ctx, "cases/"+res.Case.ID); err != nil {
		return nil, err
	}
	return &grievancev1.SubmitCaseResponse{Case: caseToProto(res.Case, s.sla, s.now(), true), Existing: res.Existing}, nil
}

// mayRead decides whether the caller may see a case: its reporter, the
// officers and verifiers of its region, and central roles. Whether they see
// the reporter depends on the case (an inclusion report's reporter is shown
// to officers only).
func mayRead(p *auth.Principal, c domain.Case) (visible, showReporter bool) {
	switch {
	case p.Subject == c.Reporter:
		return true, true
	case p.Role == auth.RoleAdmin || p.Role == auth.RoleService:
		return true, true
	case p.Role.RegionBound():
		return auth.RegionWithin(c.Region, p.Region), true
	}
	return false, false
}

// GetCase implements GrievanceService.GetCase. A case the caller may not
// see is NOT_FOUND, so case ids reveal nothing.
func (s *Server) GetCase(ctx context.Context, req *grievancev1.GetCaseRequest) (*grievancev1.Case, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.app.Get(ctx, caseID(req.GetName()))
	if err != nil {
		return nil, toStatus(err)
	}
	visible, showReporter := mayRead(p, c)
	if !visible {
		return nil, toStatus(domain.ErrNotFound)
	}
	if err := s.audit.Read(ctx, "cases/"+c.ID); err != nil {
		return nil, err
	}
	out := caseToProto(c, s.sla, s.now(), showReporter)
	if c.ReporterProtected() && p.Role == auth.RoleCitizen {
		// The reporter follows the case, not the reported family's house:
		// what the verifier found there is for the officers.
		out.Verification = nil
	}
	return out, nil
}

// ListCases implements GrievanceService.ListCases. Officers list their
// region's cases; a citizen lists the cases they reported, wherever the
// family lives (the region asked for is ignored), and nobody else's.
func (s *Server) ListCases(ctx context.Context, req *grievancev1.ListCasesRequest) (*grievancev1.ListCasesResponse, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var region, reporter string
	if p.Role == auth.RoleCitizen {
		reporter = p.Subject
	} else if region, err = auth.ListRegion(ctx, req.GetRegion()); err != nil {
		return nil, err
	}
	q := domain.Query{RegionPrefix: region, Reporter: reporter, State: stateFromProto(req.GetState()),
		Type: typeNames[req.GetCaseType()], Limit: int(req.GetPageSize())}
	if req.GetOverdue() {
		q.OverdueAt = s.now()
	}
	filter := strings.Join([]string{region, string(q.State), string(q.Type), map[bool]string{true: "overdue"}[req.GetOverdue()]}, "|")
	if reporter != "" {
		filter += "|reporter:" + reporter
	}
	if t := req.GetPageToken(); t != "" {
		after, err := pagetoken.Decode(Domain, t, filter, 1)
		if err != nil {
			return nil, err
		}
		q.After = after[0]
	}
	cases, cursors, err := s.app.List(ctx, q)
	if err != nil {
		return nil, toStatus(err)
	}
	out := &grievancev1.ListCasesResponse{}
	records := make([]string, len(cases))
	for i, c := range cases {
		pc := caseToProto(c, s.sla, s.now(), true)
		if reporter != "" && c.ReporterProtected() {
			pc.Verification = nil // as GetCase: the visit to a reported house is for the officers
		}
		out.Cases = append(out.Cases, pc)
		records[i] = "cases/" + c.ID
	}
	if err := s.audit.Read(ctx, records...); err != nil {
		return nil, err
	}
	if len(cases) > 0 && len(cases) == pageLimit(q.Limit) {
		out.NextPageToken = pagetoken.Encode(filter, cursors[len(cursors)-1])
	}
	return out, nil
}

func (s *Server) step(ctx context.Context, name string, st domain.Step) (*grievancev1.Case, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return nil, err
	}
	st.By = domain.Actor{Subject: p.Subject, Role: p.Role, Region: p.Region}
	c, err := s.app.TakeStep(ctx, caseID(name), st)
	if err != nil {
		return nil, toStatus(err)
	}
	return caseToProto(c, s.sla, s.now(), true), nil
}

// TriageCase implements GrievanceService.TriageCase.
func (s *Server) TriageCase(ctx context.Context, req *grievancev1.TriageCaseRequest) (*grievancev1.Case, error) {
	return s.step(ctx, req.GetName(), domain.Step{Action: domain.Triage, Reason: req.GetReason()})
}

// AssignCase implements GrievanceService.AssignCase.
func (s *Server) AssignCase(ctx context.Context, req *grievancev1.AssignCaseRequest) (*grievancev1.Case, error) {
	return s.step(ctx, req.GetName(), domain.Step{Action: domain.Assign, Assignee: req.GetAssignee(), Reason: req.GetReason()})
}

// RecordVerification implements GrievanceService.RecordVerification.
func (s *Server) RecordVerification(ctx context.Context, req *grievancev1.RecordVerificationRequest) (*grievancev1.Case, error) {
	v, err := verificationFromProto(req.GetVerification())
	if err != nil {
		return nil, err
	}
	return s.step(ctx, req.GetName(), domain.Step{Action: domain.RecordVerification, Verification: v})
}

// DecideCase implements GrievanceService.DecideCase.
func (s *Server) DecideCase(ctx context.Context, req *grievancev1.DecideCaseRequest) (*grievancev1.Case, error) {
	action := domain.Reject
	if req.GetApprove() {
		action = domain.Approve
	}
	return s.step(ctx, req.GetName(), domain.Step{Action: action, Reason: req.GetReason()})
}

// pageLimit is the page size the repository applies (domain.Query.Limit).
func pageLimit(n int) int {
	if n <= 0 || n > 1000 {
		return 100
	}
	return n
}
