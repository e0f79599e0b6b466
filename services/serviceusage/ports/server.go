// Package ports is the service-usage gRPC server: protobuf in, use cases
// called, precise statuses out. Every handler applies the record-level access
// policy (issue 5) after the interceptor has checked the method table: reads
// are authorised from the family or person in the request before storage is
// touched, and every record returned is audited first.
package ports

import (
	"context"
	"strings"

	"google.golang.org/grpc/codes"

	suv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/pagetoken"
	"github.com/dtsen-id/dtsen/services/serviceusage/adapters"
	"github.com/dtsen-id/dtsen/services/serviceusage/app"
	"github.com/dtsen-id/dtsen/services/serviceusage/domain"
)

// Authorizer decides whether the caller may read the records of family kk
// or, when kk is empty, of person nik (identity.Client.Authorize: the region
// comes from the registry, a citizen passes only for their own family).
type Authorizer interface {
	Authorize(ctx context.Context, kk, nik string) (*auth.Principal, error)
}

// Auditor records that the caller read each of records; when it fails the
// read must fail (audit.Log.Read).
type Auditor interface {
	Read(ctx context.Context, records ...string) error
}

// Server implements suv1.ServiceUsageServiceServer.
type Server struct {
	suv1.UnimplementedServiceUsageServiceServer
	app      *app.Application
	feed     *outbox.Outbox
	stopping <-chan struct{}
	authz    Authorizer
	audit    Auditor
}

// NewServer returns the gRPC server. stopping, when closed, ends open
// WatchChanges streams so a shutdown need not wait for them.
func NewServer(a *app.Application, feed *outbox.Outbox, stopping <-chan struct{}, authz Authorizer, audit Auditor) *Server {
	return &Server{app: a, feed: feed, stopping: stopping, authz: authz, audit: audit}
}

// owner is the family or person a resource name is keyed on: the record's
// name, so a read is decided before storage is asked whether it exists.
func owner(name string) (kk, nik string) {
	parts := strings.SplitN(name, "/", 3)
	if len(parts) < 2 {
		return "", ""
	}
	switch parts[0] {
	case "families":
		return parts[1], ""
	case "persons":
		return "", parts[1]
	}
	return "", ""
}

func (s *Server) authorize(ctx context.Context, kk, nik string) error {
	_, err := s.authz.Authorize(ctx, kk, nik)
	return accessStatus(ctx, err)
}

func (s *Server) get(ctx context.Context, kind domain.Kind, name string) (domain.Record, error) {
	kk, nik := owner(name)
	if err := s.authorize(ctx, kk, nik); err != nil {
		return nil, err
	}
	rec, err := s.app.Get(ctx, kind, name)
	if err != nil {
		return nil, toStatus(err, notFoundReasons[kind])
	}
	if err := s.audit.Read(ctx, rec.Name()); err != nil {
		return nil, err
	}
	return rec, nil
}

// GetHealthCoverage implements ServiceUsageService.GetHealthCoverage.
func (s *Server) GetHealthCoverage(ctx context.Context, req *suv1.GetHealthCoverageRequest) (*suv1.HealthCoverage, error) {
	rec, err := s.get(ctx, domain.KindHealthCoverage, req.GetName())
	if err != nil {
		return nil, err
	}
	return healthToProto(rec.(*domain.HealthCoverage)), nil
}

// GetEnrolment implements ServiceUsageService.GetEnrolment.
func (s *Server) GetEnrolment(ctx context.Context, req *suv1.GetEnrolmentRequest) (*suv1.Enrolment, error) {
	rec, err := s.get(ctx, domain.KindEnrolment, req.GetName())
	if err != nil {
		return nil, err
	}
	return enrolmentToProto(rec.(*domain.Enrolment)), nil
}

// GetUtilityUsage implements ServiceUsageService.GetUtilityUsage.
func (s *Server) GetUtilityUsage(ctx context.Context, req *suv1.GetUtilityUsageRequest) (*suv1.UtilityUsage, error) {
	rec, err := s.get(ctx, domain.KindUtilityUsage, req.GetName())
	if err != nil {
		return nil, err
	}
	return utilityToProto(rec.(*domain.UtilityUsage)), nil
}

// GetProgrammeParticipation implements ServiceUsageService.GetProgrammeParticipation.
func (s *Server) GetProgrammeParticipation(ctx context.Context, req *suv1.GetProgrammeParticipationRequest) (*suv1.ProgrammeParticipation, error) {
	rec, err := s.get(ctx, domain.KindProgrammeParticipation, req.GetName())
	if err != nil {
		return nil, err
	}
	return programmeToProto(rec.(*domain.ProgrammeParticipation)), nil
}

// list runs one page of kind and returns it with the next page token.
func (s *Server) list(ctx context.Context, kind domain.Kind, size int32, token, filter string) ([]domain.Record, string, error) {
	if err := nationwide(ctx); err != nil {
		return nil, "", err
	}
	q, err := listQuery(kind, size, token, filter)
	if err != nil {
		return nil, "", err
	}
	recs, more, err := s.app.List(ctx, q)
	if err != nil {
		return nil, "", toStatus(err, notFoundReasons[kind])
	}
	names := make([]string, len(recs))
	for i, r := range recs {
		names[i] = r.Name()
	}
	if err := s.audit.Read(ctx, names...); err != nil {
		return nil, "", err
	}
	next := ""
	if more {
		next = pagetoken.Encode(strings.TrimSpace(filter), recs[len(recs)-1].Name())
	}
	return recs, next, nil
}

// nationwide admits only callers who see every region. Lists run across
// families and records carry no region to confine them by; the method table
// already keeps other roles out, and this keeps a widened table from
// exposing every family to a regional officer.
func nationwide(ctx context.Context) error {
	scope, err := auth.RegionScope(ctx)
	if err != nil {
		return err
	}
	if scope != "" {
		return apierror.New(codes.PermissionDenied, auth.Domain, auth.ReasonRoleNotAllowed).
			Message("lists span every region; read family by family instead",
				"daftar mencakup semua wilayah; bacalah per keluarga").Err()
	}
	return nil
}

// ListHealthCoverages implements ServiceUsageService.ListHealthCoverages.
func (s *Server) ListHealthCoverages(ctx context.Context, req *suv1.ListHealthCoveragesRequest) (*suv1.ListHealthCoveragesResponse, error) {
	recs, next, err := s.list(ctx, domain.KindHealthCoverage, req.GetPageSize(), req.GetPageToken(), req.GetFilter())
	if err != nil {
		return nil, err
	}
	resp := &suv1.ListHealthCoveragesResponse{NextPageToken: next}
	for _, r := range recs {
		resp.HealthCoverages = append(resp.HealthCoverages, healthToProto(r.(*domain.HealthCoverage)))
	}
	return resp, nil
}

// ListEnrolments implements ServiceUsageService.ListEnrolments.
func (s *Server) ListEnrolments(ctx context.Context, req *suv1.ListEnrolmentsRequest) (*suv1.ListEnrolmentsResponse, error) {
	recs, next, err := s.list(ctx, domain.KindEnrolment, req.GetPageSize(), req.GetPageToken(), req.GetFilter())
	if err != nil {
		return nil, err
	}
	resp := &suv1.ListEnrolmentsResponse{NextPageToken: next}
	for _, r := range recs {
		resp.Enrolments = append(resp.Enrolments, enrolmentToProto(r.(*domain.Enrolment)))
	}
	return resp, nil
}

// ListUtilityUsages implements ServiceUsageService.ListUtilityUsages.
func (s *Server) ListUtilityUsages(ctx context.Context, req *suv1.ListUtilityUsagesRequest) (*suv1.ListUtilityUsagesResponse, error) {
	recs, next, err := s.list(ctx, domain.KindUtilityUsage, req.GetPageSize(), req.GetPageToken(), req.GetFilter())
	if err != nil {
		return nil, err
	}
	resp := &suv1.ListUtilityUsagesResponse{NextPageToken: next}
	for _, r := range recs {
		resp.UtilityUsages = append(resp.UtilityUsages, utilityToProto(r.(*domain.UtilityUsage)))
	}
	return resp, nil
}

// ListProgrammeParticipations implements ServiceUsageService.ListProgrammeParticipations.
func (s *Server) ListProgrammeParticipations(ctx context.Context, req *suv1.ListProgrammeParticipationsRequest) (*suv1.ListProgrammeParticipationsResponse, error) {
	recs, next, err := s.list(ctx, domain.KindProgrammeParticipation, req.GetPageSize(), req.GetPageToken(), req.GetFilter())
	if err != nil {
		return nil, err
	}
	resp := &suv1.ListProgrammeParticipationsResponse{NextPageToken: next}
	for _, r := range recs {
		resp.ProgrammeParticipations = append(resp.ProgrammeParticipations, programmeToProto(r.(*domain.ProgrammeParticipation)))
	}
	return resp, nil
}

// GetFamilyServiceUsage implements ServiceUsageService.GetFamilyServiceUsage.
func (s *Server) GetFamilyServiceUsage(ctx context.Context, req *suv1.GetFamilyServiceUsageRequest) (*suv1.FamilyServiceUsage, error) {
	kk, err := summaryName(req.GetName())
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, kk, ""); err != nil {
		return nil, err
	}
	sum, err := s.app.FamilyServiceUsage(ctx, kk)
	if err != nil {
		return nil, toStatus(err, ReasonFamilyNotFound)
	}
	if err := s.audit.Read(ctx, summaryRecords(req.GetName(), sum)...); err != nil {
		return nil, err
	}
	out := &suv1.FamilyServiceUsage{
		Name: req.GetName(), KkNumber: kk, FamilyRegistered: sum.Registered,
		Totals: &suv1.FamilyServiceUsageTotals{
			MemberCount:            int32(sum.Totals.Members),
			MembersWithoutCoverage: int32(sum.Totals.MembersWithoutCoverage),
			ChildrenEnrolled:       int32(sum.Totals.ChildrenEnrolled),
			ActiveProgrammes:       int32(sum.Totals.ActiveProgrammes),
			CurrentSchoolYear:      sum.Totals.CurrentSchoolYear,
		},
	}
	for _, m := range sum.Members {
		mu := &suv1.MemberServiceUsage{Nik: m.NIK, Deceased: m.Deceased}
		for _, h := range m.HealthCoverages {
			mu.HealthCoverages = append(mu.HealthCoverages, healthToProto(h))
		}
		for _, e := range m.Enrolments {
			mu.Enrolments = append(mu.Enrolments, enrolmentToProto(e))
		}
		out.Members = append(out.Members, mu)
	}
	for _, u := range sum.Utilities {
		out.UtilityUsages = append(out.UtilityUsages, utilityToProto(u))
	}
	for _, p := range sum.Programmes {
		out.ProgrammeParticipations = append(out.ProgrammeParticipations, programmeToProto(p))
	}
	return out, nil
}

// summaryRecords are what a family summary discloses: the summary itself
// (the registry's member list and vital status) and every record in it.
func summaryRecords(name string, sum *app.FamilySummary) []string {
	out := []string{name}
	for _, m := range sum.Members {
		for _, h := range m.HealthCoverages {
			out = append(out, h.Name())
		}
		for _, e := range m.Enrolments {
			out = append(out, e.Name())
		}
	}
	for _, u := range sum.Utilities {
		out = append(out, u.Name())
	}
	for _, p := range sum.Programmes {
		out = append(out, p.Name())
	}
	return out
}

// decodeRecord translates one import message.
func decodeRecord(msg *suv1.ImportRecordsRequest) app.ImportRecord {
	var rec domain.Record
	var problems domain.Violations
	switch p := msg.GetPayload().(type) {
	case *suv1.ImportRecordsRequest_HealthCoverage:
		rec, problems = healthFromProto(p.HealthCoverage)
	case *suv1.ImportRecordsRequest_Enrolment:
		rec, problems = enrolmentFromProto(p.Enrolment)
	case *suv1.ImportRecordsRequest_UtilityUsage:
		rec, problems = utilityFromProto(p.UtilityUsage)
	case *suv1.ImportRecordsRequest_ProgrammeParticipation:
		rec, problems = programmeFromProto(p.ProgrammeParticipation)
	default:
		return app.ImportRecord{DecodeProblems: domain.Violations{{Field: "payload", Reason: domain.ReasonRecordRequired,
			Description: "each message after the header carries one record"}}}
	}
	return app.ImportRecord{Record: rec, DecodeProblems: problems}
}

// ImportRecords implements ServiceUsageService.ImportRecords. The method
// table admits integration clients only; each record must be of an agency
// the caller submits for, or it is rejected on its own (AGENCY_NOT_OWNER).
func (s *Server) ImportRecords(stream suv1.ServiceUsageService_ImportRecordsServer) error {
	caller, err := auth.Caller(stream.Context())
	if err != nil {
		return err
	}
	header, recv, err := app.OpenImport(s.app, stream.Recv, (*suv1.ImportRecordsRequest).GetHeader)
	if err != nil {
		return err
	}
	next := func() (app.ImportRecord, error) {
		msg, err := recv()
		if err != nil {
			return app.ImportRecord{}, err
		}
		return decodeRecord(msg), nil
	}
	summary, err := s.app.ImportRecords(stream.Context(), header, adapters.RejectionKey, caller.SubmitsFor, next)
	if err != nil {
		return toStatus(err, "")
	}
	return stream.SendAndClose(summary)
}

// WatchChanges implements ServiceUsageService.WatchChanges.
func (s *Server) WatchChanges(req *suv1.WatchChangesRequest, stream suv1.ServiceUsageService_WatchChangesServer) error {
	return s.feed.Serve(stream.Context(), Domain, req.GetAfterSequence(), s.stopping, func(e *typev1.ChangeEvent) error {
		return stream.Send(&suv1.WatchChangesResponse{Event: e})
	})
}
