// Package ports is the service-usage gRPC server: protobuf in, use cases
// called, precise statuses out.
package ports

import (
	"context"
	"strings"

	suv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/pagetoken"
	"github.com/dtsen-id/dtsen/services/serviceusage/adapters"
	"github.com/dtsen-id/dtsen/services/serviceusage/app"
	"github.com/dtsen-id/dtsen/services/serviceusage/domain"
)

// Server implements suv1.ServiceUsageServiceServer.
type Server struct {
	suv1.UnimplementedServiceUsageServiceServer
	app      *app.Application
	feed     *outbox.Outbox
	stopping <-chan struct{}
}

// NewServer returns the gRPC server. stopping, when closed, ends open
// WatchChanges streams so a shutdown need not wait for them.
func NewServer(a *app.Application, feed *outbox.Outbox, stopping <-chan struct{}) *Server {
	return &Server{app: a, feed: feed, stopping: stopping}
}

func (s *Server) get(ctx context.Context, kind domain.Kind, name string) (domain.Record, error) {
	rec, err := s.app.Get(ctx, kind, name)
	if err != nil {
		return nil, toStatus(err, notFoundReasons[kind])
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
	q, err := listQuery(kind, size, token, filter)
	if err != nil {
		return nil, "", err
	}
	recs, more, err := s.app.List(ctx, q)
	if err != nil {
		return nil, "", toStatus(err, notFoundReasons[kind])
	}
	next := ""
	if more {
		next = pagetoken.Encode(strings.TrimSpace(filter), recs[len(recs)-1].Name())
	}
	return recs, next, nil
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
	sum, err := s.app.FamilyServiceUsage(ctx, kk)
	if err != nil {
		return nil, toStatus(err, ReasonFamilyNotFound)
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

// ImportRecords implements ServiceUsageService.ImportRecords.
func (s *Server) ImportRecords(stream suv1.ServiceUsageService_ImportRecordsServer) error {
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
	summary, err := s.app.ImportRecords(stream.Context(), header, adapters.RejectionKey, next)
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
