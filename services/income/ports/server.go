// Package ports is the income context's gRPC server: it translates protobuf
// into use-case calls and use-case results into protobuf and precise
// statuses.
package ports

import (
	"context"
	"time"

	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/income/app"
	"github.com/dtsen-id/dtsen/services/income/domain"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
)

// Server implements incomev1.IncomeServiceServer.
type Server struct {
	incomev1.UnimplementedIncomeServiceServer
	app      *app.Application
	feed     *outbox.Outbox
	stopping <-chan struct{}
}

// NewServer returns the gRPC server of the income context. stopping, when
// closed, ends open WatchChanges streams so a shutdown need not wait for them.
func NewServer(a *app.Application, feed *outbox.Outbox, stopping <-chan struct{}) *Server {
	return &Server{app: a, feed: feed, stopping: stopping}
}

// Not-found reasons.
const (
	reasonIncomeNotFound      = "INCOME_NOT_FOUND"
	reasonEmploymentNotFound  = "EMPLOYMENT_NOT_FOUND"
	reasonConsumptionNotFound = "CONSUMPTION_NOT_FOUND"
	reasonBankingNotFound     = "BANKING_PATTERN_NOT_FOUND"
)

// GetIncome implements IncomeService.GetIncome.
func (s *Server) GetIncome(ctx context.Context, req *incomev1.GetIncomeRequest) (*incomev1.Income, error) {
	key, _ := domain.ParseIncomeName("name", req.GetName(), time.Now())
	x, err := s.app.GetIncome(ctx, key)
	if err != nil {
		return nil, toStatus(err, reasonIncomeNotFound)
	}
	return incomeToProto(x), nil
}

// ListIncomes implements IncomeService.ListIncomes.
func (s *Server) ListIncomes(ctx context.Context, req *incomev1.ListIncomesRequest) (*incomev1.ListIncomesResponse, error) {
	q, err := incomeList.query(req.GetParent(), req.GetFilter(), req.GetPageToken(), req.GetPageSize())
	if err != nil {
		return nil, err
	}
	xs, more, err := s.app.ListIncomes(ctx, q)
	if err != nil {
		return nil, toStatus(err, reasonIncomeNotFound)
	}
	resp := &incomev1.ListIncomesResponse{}
	for _, x := range xs {
		resp.Incomes = append(resp.Incomes, incomeToProto(x))
	}
	resp.NextPageToken = nextToken(req.GetParent(), req.GetFilter(), more, xs)
	return resp, nil
}

// GetEmployment implements IncomeService.GetEmployment.
func (s *Server) GetEmployment(ctx context.Context, req *incomev1.GetEmploymentRequest) (*incomev1.Employment, error) {
	key, _ := domain.ParseEmploymentName("name", req.GetName(), time.Now())
	x, err := s.app.GetEmployment(ctx, key)
	if err != nil {
		return nil, toStatus(err, reasonEmploymentNotFound)
	}
	return employmentToProto(x), nil
}

// ListEmployments implements IncomeService.ListEmployments.
func (s *Server) ListEmployments(ctx context.Context, req *incomev1.ListEmploymentsRequest) (*incomev1.ListEmploymentsResponse, error) {
	q, err := employmentList.query(req.GetParent(), req.GetFilter(), req.GetPageToken(), req.GetPageSize())
	if err != nil {
		return nil, err
	}
	xs, more, err := s.app.ListEmployments(ctx, q)
	if err != nil {
		return nil, toStatus(err, reasonEmploymentNotFound)
	}
	resp := &incomev1.ListEmploymentsResponse{}
	for _, x := range xs {
		resp.Employments = append(resp.Employments, employmentToProto(x))
	}
	resp.NextPageToken = nextToken(req.GetParent(), req.GetFilter(), more, xs)
	return resp, nil
}

// GetConsumption implements IncomeService.GetConsumption.
func (s *Server) GetConsumption(ctx context.Context, req *incomev1.GetConsumptionRequest) (*incomev1.Consumption, error) {
	key, _ := domain.ParseConsumptionName("name", req.GetName())
	x, err := s.app.GetConsumption(ctx, key)
	if err != nil {
		return nil, toStatus(err, reasonConsumptionNotFound)
	}
	return consumptionToProto(x), nil
}

// ListConsumptions implements IncomeService.ListConsumptions.
func (s *Server) ListConsumptions(ctx context.Context, req *incomev1.ListConsumptionsRequest) (*incomev1.ListConsumptionsResponse, error) {
	q, err := consumptionList.query(req.GetParent(), req.GetFilter(), req.GetPageToken(), req.GetPageSize())
	if err != nil {
		return nil, err
	}
	xs, more, err := s.app.ListConsumptions(ctx, q)
	if err != nil {
		return nil, toStatus(err, reasonConsumptionNotFound)
	}
	resp := &incomev1.ListConsumptionsResponse{}
	for _, x := range xs {
		resp.Consumptions = append(resp.Consumptions, consumptionToProto(x))
	}
	resp.NextPageToken = nextToken(req.GetParent(), req.GetFilter(), more, xs)
	return resp, nil
}

// GetBankingPattern implements IncomeService.GetBankingPattern.
func (s *Server) GetBankingPattern(ctx context.Context, req *incomev1.GetBankingPatternRequest) (*incomev1.BankingPattern, error) {
	key, _ := domain.ParseBankingPatternName("name", req.GetName(), time.Now())
	x, err := s.app.GetBankingPattern(ctx, key)
	if err != nil {
		return nil, toStatus(err, reasonBankingNotFound)
	}
	return bankingToProto(x), nil
}

// ListBankingPatterns implements IncomeService.ListBankingPatterns.
func (s *Server) ListBankingPatterns(ctx context.Context, req *incomev1.ListBankingPatternsRequest) (*incomev1.ListBankingPatternsResponse, error) {
	q, err := bankingList.query(req.GetParent(), req.GetFilter(), req.GetPageToken(), req.GetPageSize())
	if err != nil {
		return nil, err
	}
	xs, more, err := s.app.ListBankingPatterns(ctx, q)
	if err != nil {
		return nil, toStatus(err, reasonBankingNotFound)
	}
	resp := &incomev1.ListBankingPatternsResponse{}
	for _, x := range xs {
		resp.BankingPatterns = append(resp.BankingPatterns, bankingToProto(x))
	}
	resp.NextPageToken = nextToken(req.GetParent(), req.GetFilter(), more, xs)
	return resp, nil
}

func nextToken[T domain.Record](parent, filter string, more bool, xs []T) string {
	if !more || len(xs) == 0 {
		return ""
	}
	return pageToken(parent, filter, xs[len(xs)-1].Name())
}

// GetFamilyEconomics implements IncomeService.GetFamilyEconomics.
func (s *Server) GetFamilyEconomics(ctx context.Context, req *incomev1.GetFamilyEconomicsRequest) (*incomev1.FamilyEconomics, error) {
	kk, _ := domain.ParseEconomicsName("name", req.GetName())
	fe, err := s.app.GetFamilyEconomics(ctx, kk)
	if err != nil {
		return nil, toStatus(err, "FAMILY_NOT_REGISTERED")
	}
	return economicsToProto(fe), nil
}

// ImportRecords implements IncomeService.ImportRecords.
func (s *Server) ImportRecords(stream incomev1.IncomeService_ImportRecordsServer) error {
	header, recv, err := app.OpenImport(s.app, stream.Recv, (*incomev1.ImportRecordsRequest).GetHeader)
	if err != nil {
		return err
	}
	next := func() (domain.Record, error) {
		msg, err := recv()
		if err != nil {
			return nil, err
		}
		switch p := msg.GetPayload().(type) {
		case *incomev1.ImportRecordsRequest_Income:
			return incomeFromProto(p.Income), nil
		case *incomev1.ImportRecordsRequest_Employment:
			return employmentFromProto(p.Employment), nil
		case *incomev1.ImportRecordsRequest_Consumption:
			return consumptionFromProto(p.Consumption), nil
		case *incomev1.ImportRecordsRequest_BankingPattern:
			return bankingFromProto(p.BankingPattern), nil
		}
		return nil, nil // no record: rejected as IMPORT_RECORD_EMPTY
	}
	summary, err := s.app.ImportRecords(stream.Context(), header, next)
	if err != nil {
		return toStatus(err, "")
	}
	return stream.SendAndClose(summary)
}

// WatchChanges implements IncomeService.WatchChanges.
func (s *Server) WatchChanges(req *incomev1.WatchChangesRequest, stream incomev1.IncomeService_WatchChangesServer) error {
	return s.feed.Serve(stream.Context(), Domain, req.GetAfterSequence(), s.stopping, func(e *typev1.ChangeEvent) error {
		return stream.Send(&incomev1.WatchChangesResponse{Event: e})
	})
}
