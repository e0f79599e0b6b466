// Package ports is the registry's gRPC server: it translates protobuf into
// use-case calls and use-case results into protobuf and precise statuses.
package ports

import (
	"context"
	"errors"
	"strings"

	"google.golang.org/protobuf/proto"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/audit"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/cache"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/pagetoken"
	"github.com/dtsen-id/dtsen/services/registry/app"
	"github.com/dtsen-id/dtsen/services/registry/domain"
)

// Server implements registryv1.RegistryServiceServer.
type Server struct {
	registryv1.UnimplementedRegistryServiceServer
	app      *app.Application
	feed     *outbox.Outbox
	audit    *audit.Log
	families *cache.Cache
	stopping <-chan struct{}
}

// NewServer returns the gRPC server of the registry. Every read of personal
// data is recorded in log before it is returned. families caches GetFamily
// (the family a citizen checks on announcement day); it must be invalidated
// by FollowFamilies. stopping, when closed, ends open WatchChanges streams so
// a shutdown need not wait for them.
func NewServer(a *app.Application, feed *outbox.Outbox, log *audit.Log, families *cache.Cache, stopping <-chan struct{}) *Server {
	return &Server{app: a, feed: feed, audit: log, families: families, stopping: stopping}
}

// FollowFamilies invalidates the family cache from the registry's own change
// feed until ctx ends; run it beside the server.
func FollowFamilies(ctx context.Context, feed *outbox.Outbox, families *cache.Cache) error {
	return cache.FollowOutbox(ctx, feed, families, func(e outbox.Event) []string {
		if kk, ok := strings.CutPrefix(e.Family, "families/"); ok && kk != "" {
			return []string{kk}
		}
		return nil
	})
}

const (
	reasonPersonNotFound = "PERSON_NOT_FOUND"
	reasonFamilyNotFound = "FAMILY_NOT_FOUND"
	defaultPageSize      = 50
	maxPageSize          = 1000
)

// GetPerson implements RegistryService.GetPerson. Access follows the
// person's family: a citizen reads any member of their own family, an
// officer any person whose family lives in their region.
func (s *Server) GetPerson(ctx context.Context, req *registryv1.GetPersonRequest) (*registryv1.Person, error) {
	// Refuse a caller who may see no personal row before looking, so the
	// answer does not tell them whether the NIK exists.
	if _, err := auth.RequirePersonalData(ctx); err != nil {
		return nil, err
	}
	nik, _ := personName("name", req.GetName())
	p, f, err := s.app.GetPersonWithFamily(ctx, nik)
	if err != nil {
		return nil, auth.HideMissing(ctx, toStatus(err, reasonPersonNotFound))
	}
	if _, err := auth.AuthorizeFamily(ctx, policyFamily(f)); err != nil {
		return nil, err
	}
	if err := s.audit.Read(ctx, personRecord(nik)); err != nil {
		return nil, err
	}
	return personToProto(p), nil
}

// GetFamily implements RegistryService.GetFamily.
func (s *Server) GetFamily(ctx context.Context, req *registryv1.GetFamilyRequest) (*registryv1.Family, error) {
	if _, err := auth.RequirePersonalData(ctx); err != nil {
		return nil, err
	}
	kk, _ := familyName("name", req.GetName())
	// The cache holds the family as stored; the caller is authorised and the
	// read audited on every request, hit or miss.
	b, err := s.families.Get(ctx, kk, func(ctx context.Context) ([]byte, error) {
		f, err := s.app.GetFamily(ctx, kk)
		if err != nil {
			return nil, err
		}
		return proto.Marshal(familyToProto(f))
	})
	if err != nil {
		return nil, auth.HideMissing(ctx, toStatus(err, reasonFamilyNotFound))
	}
	fam := &registryv1.Family{}
	if err := proto.Unmarshal(b, fam); err != nil {
		return nil, err
	}
	if _, err := auth.AuthorizeFamily(ctx, policyFamilyProto(fam)); err != nil {
		return nil, err
	}
	if err := s.audit.Read(ctx, familyRecord(kk)); err != nil {
		return nil, err
	}
	return fam, nil
}

// ListFamilies implements RegistryService.ListFamilies.
func (s *Server) ListFamilies(ctx context.Context, req *registryv1.ListFamiliesRequest) (*registryv1.ListFamiliesResponse, error) {
	filter, _ := parseFilter(req.GetFilter())
	region, err := listRegion(ctx, filter)
	if err != nil {
		return nil, err
	}
	q := domain.FamilyQuery{RegionPrefix: region, Limit: int(req.GetPageSize())}
	if q.Limit == 0 {
		q.Limit = defaultPageSize
	}
	q.Limit = min(q.Limit, maxPageSize)
	if req.GetPageToken() != "" {
		after, err := pagetoken.Decode(Domain, req.GetPageToken(), region, 2)
		if err != nil {
			return nil, err
		}
		q.After = domain.FamilyCursor{RegionCode: after[0], KK: after[1]}
	}
	fams, more, err := s.app.ListFamilies(ctx, q)
	if err != nil {
		return nil, toStatus(err, reasonFamilyNotFound)
	}
	records := make([]string, len(fams))
	resp := &registryv1.ListFamiliesResponse{Families: make([]*registryv1.Family, len(fams))}
	for i, f := range fams {
		records[i] = familyRecord(f.KK)
		resp.Families[i] = familyToProto(f)
	}
	if err := s.audit.Read(ctx, records...); err != nil {
		return nil, err
	}
	if more {
		last := fams[len(fams)-1]
		resp.NextPageToken = pagetoken.Encode(region, last.RegionCode, last.KK)
	}
	return resp, nil
}

// UpdateFamily implements RegistryService.UpdateFamily.
func (s *Server) UpdateFamily(ctx context.Context, req *registryv1.UpdateFamilyRequest) (*registryv1.Family, error) {
	if err := authorizeWrite(ctx); err != nil {
		return nil, err
	}
	in := req.GetFamily()
	kk, _ := familyName("family.name", in.GetName())
	patch := app.FamilyPatch{
		Fields:     map[string]bool{},
		HeadNIK:    in.GetHeadNik(),
		Address:    addressFromProto(in.GetAddress()),
		RegionCode: in.GetRegionCode(),
		Settlement: domain.Settlement(in.GetSettlement()),
	}
	for _, p := range req.GetUpdateMask().GetPaths() {
		patch.Fields[p] = true
	}
	f, err := s.app.UpdateFamily(ctx, kk, in.GetEtag(), patch)
	if err != nil {
		if vs := (domain.Violations{}); errors.As(err, &vs) {
			return nil, violationsStatus(vs, "family")
		}
		return nil, toStatus(err, reasonFamilyNotFound)
	}
	return familyToProto(f), nil
}

// UpdatePerson implements RegistryService.UpdatePerson.
func (s *Server) UpdatePerson(ctx context.Context, req *registryv1.UpdatePersonRequest) (*registryv1.Person, error) {
	if err := authorizeWrite(ctx); err != nil {
		return nil, err
	}
	in := req.GetPerson()
	nik, _ := personName("person.name", in.GetName())
	patch := app.PersonPatch{
		Fields:           map[string]bool{},
		FullName:         in.GetFullName(),
		BirthPlace:       in.GetBirthPlace(),
		MaritalStatus:    domain.MaritalStatus(in.GetMaritalStatus()),
		Relation:         domain.FamilyRelation(in.GetRelationToHead()),
		Education:        domain.EducationLevel(in.GetEducation()),
		Occupation:       domain.Occupation(in.GetOccupation()),
		Disability:       domain.Disability(in.GetDisability()),
		SevereDisability: in.GetSevereDisability(),
	}
	for _, p := range req.GetUpdateMask().GetPaths() {
		patch.Fields[p] = true
	}
	p, err := s.app.UpdatePerson(ctx, nik, in.GetEtag(), patch)
	if err != nil {
		if vs := (domain.Violations{}); errors.As(err, &vs) {
			return nil, violationsStatus(vs, "person")
		}
		return nil, toStatus(err, reasonPersonNotFound)
	}
	return personToProto(p), nil
}

// RecordDeath implements RegistryService.RecordDeath.
func (s *Server) RecordDeath(ctx context.Context, req *registryv1.RecordDeathRequest) (*registryv1.Person, error) {
	if err := authorizeWrite(ctx); err != nil {
		return nil, err
	}
	nik, _ := personName("name", req.GetName())
	date, _ := domain.ParseDate("death_date", req.GetDeathDate())
	p, err := s.app.RecordDeath(ctx, nik, date)
	if err != nil {
		return nil, toStatus(err, reasonPersonNotFound)
	}
	return personToProto(p), nil
}

// MovePerson implements RegistryService.MovePerson.
func (s *Server) MovePerson(ctx context.Context, req *registryv1.MovePersonRequest) (*registryv1.Person, error) {
	if err := authorizeWrite(ctx); err != nil {
		return nil, err
	}
	nik, _ := personName("name", req.GetName())
	kk, _ := familyName("target_family", req.GetTargetFamily())
	p, err := s.app.MovePerson(ctx, nik, kk, domain.FamilyRelation(req.GetRelationToHead()), req.GetEtag())
	if errors.Is(err, app.ErrFamilyNotFound) {
		return nil, toStatus(err, reasonFamilyNotFound) // the target family, not the person
	}
	if err != nil {
		return nil, toStatus(err, reasonPersonNotFound)
	}
	return personToProto(p), nil
}

// SplitFamily implements RegistryService.SplitFamily.
func (s *Server) SplitFamily(ctx context.Context, req *registryv1.SplitFamilyRequest) (*registryv1.SplitFamilyResponse, error) {
	if err := authorizeWrite(ctx); err != nil {
		return nil, err
	}
	kk, _ := familyName("name", req.GetName())
	orig, created, err := s.app.SplitFamily(ctx, app.Split{
		KK:            kk,
		NewKK:         req.GetNewKkNumber(),
		MemberNIKs:    req.GetMemberNiks(),
		NewHeadNIK:    req.GetNewHeadNik(),
		RemainingHead: req.GetRemainingHeadNik(),
		Address:       addressFromProto(req.GetNewAddress()),
		RegionCode:    req.GetNewRegionCode(),
		Settlement:    domain.Settlement(req.GetNewSettlement()),
	})
	if err != nil {
		return nil, toStatus(err, reasonFamilyNotFound)
	}
	return &registryv1.SplitFamilyResponse{OriginalFamily: familyToProto(orig), NewFamily: familyToProto(created)}, nil
}

// ListProvinces implements RegistryService.ListProvinces.
func (s *Server) ListProvinces(context.Context, *registryv1.ListProvincesRequest) (*registryv1.ListProvincesResponse, error) {
	resp := &registryv1.ListProvincesResponse{}
	for _, p := range domain.Provinces() {
		resp.Provinces = append(resp.Provinces, &registryv1.Province{Code: p.Code, DisplayName: p.Name})
	}
	return resp, nil
}

// ImportRecords implements RegistryService.ImportRecords.
func (s *Server) ImportRecords(stream registryv1.RegistryService_ImportRecordsServer) error {
	// Before the header is read: a refused caller's batch is never looked at.
	if _, err := auth.AuthorizeImport(stream.Context(), Agency); err != nil {
		return err
	}
	header, recv, err := app.OpenImport(s.app, stream.Recv, (*registryv1.ImportRecordsRequest).GetHeader)
	if err != nil {
		return err
	}
	next := func() (app.ImportRecord, error) {
		msg, err := recv()
		if err != nil {
			return app.ImportRecord{}, err
		}
		f, problems := familyFromProto(msg.GetFamily())
		return app.ImportRecord{Family: f, DecodeProblems: problems}, nil
	}
	summary, err := s.app.ImportFamilies(stream.Context(), header, next)
	if err != nil {
		return toStatus(err, reasonFamilyNotFound)
	}
	return stream.SendAndClose(summary)
}

// WatchChanges implements RegistryService.WatchChanges. Only DTSEN workloads
// and administrators may follow the feed (the method table), and its events
// carry resource names, never personal fields, so they are not audited one by
// one: a consumer that then reads a record is audited by that read.
func (s *Server) WatchChanges(req *registryv1.WatchChangesRequest, stream registryv1.RegistryService_WatchChangesServer) error {
	return s.feed.Serve(stream.Context(), Domain, req.GetAfterSequence(), s.stopping, func(e *typev1.ChangeEvent) error {
		return stream.Send(&registryv1.WatchChangesResponse{Event: e})
	})
}
