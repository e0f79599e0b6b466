// Package wiring assembles the grievance context: the case repository, the
// use cases, the gRPC server, and the two workloads beside it — escalating
// overdue cases and applying approved changes to the owning contexts.
// cmd/grievance and the grievancetest harness both build the service here,
// so tests exercise what production runs.
package wiring

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/grpc"

	"github.com/dtsen-id/dtsen/services/grievance/adapters"
	"github.com/dtsen-id/dtsen/services/grievance/app"
	"github.com/dtsen-id/dtsen/services/grievance/domain"
	"github.com/dtsen-id/dtsen/services/grievance/ports"
	"github.com/dtsen-id/dtsen/services/platform/audit"
	"github.com/dtsen-id/dtsen/services/platform/identity"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/privacy"
	"github.com/dtsen-id/dtsen/services/platform/storage"
)

// Conns are the connections to the other contexts. The registry is
// required (families' villages, who may act for them); with the other
// three, approved changes are applied to them.
type Conns struct {
	Registry, Asset, Income, ServiceUsage grpc.ClientConnInterface
}

// Options tune the service.
type Options struct {
	// NewID names a new case.
	NewID func() string
	// Clock is now; nil is time.Now.
	Clock func() time.Time
	// SLA is the deadline per state; nil is domain.DefaultSLA.
	SLA domain.SLA
	// EscalationInterval and ApplyInterval are how often the workloads
	// run; zero takes 10 minutes and 5 seconds.
	EscalationInterval, ApplyInterval time.Duration
}

// Service is the assembled grievance context.
type Service struct {
	App    *app.App
	Server *ports.Server
	logger *slog.Logger
	opts   Options
	apply  bool
	cases  *adapters.Repository
}

// identityTTL bounds how long a family's village, as the registry gave
// it, decides which officers see its cases.
const identityTTL = time.Minute

// Build assembles the service over db (migrated with adapters.Migrations,
// outbox and audit), publishing to ob.
func Build(db *storage.DB, ob *outbox.Outbox, c Conns, auditLog *audit.Log, stopping <-chan struct{},
	logger *slog.Logger, opts Options) (*Service, error) {
	cases := adapters.NewRepository(db, ob)
	deps := app.Deps{Cases: cases, NewID: opts.NewID, Clock: opts.Clock, SLA: opts.SLA,
		Fields: adapters.Fields{}}
	apply := c.Asset != nil && c.Income != nil && c.ServiceUsage != nil
	if apply {
		deps.Sources = adapters.NewSources(adapters.Conns{Registry: c.Registry, Asset: c.Asset, Income: c.Income,
			ServiceUsage: c.ServiceUsage})
	}
	a, err := app.New(deps)
	if err != nil {
		return nil, err
	}
	ids := identity.NewClient(c.Registry, identity.Options{TTL: identityTTL})
	if opts.EscalationInterval <= 0 {
		opts.EscalationInterval = 10 * time.Minute
	}
	if opts.ApplyInterval <= 0 {
		opts.ApplyInterval = 5 * time.Second
	}
	return &Service{App: a, Server: ports.NewServer(a, ids, auditLog, ob, stopping), logger: logger, opts: opts, apply: apply,
		cases: cases}, nil
}

// Background runs the workloads until ctx ends: escalating overdue cases,
// and applying approved ones. Both are safe on several replicas (a case
// another replica moved first is a conflict, skipped) and resume after a
// crash from the cases' states alone. Meanwhile the open and overdue cases
// are exported as metrics (metrics.go).
func (s *Service) Background(ctx context.Context) error {
	defer s.observeCases()()
	escalate := time.NewTicker(s.opts.EscalationInterval)
	defer escalate.Stop()
	applyC := make(<-chan time.Time)
	if s.apply {
		t := time.NewTicker(s.opts.ApplyInterval)
		defer t.Stop()
		applyC = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-escalate.C:
			n, err := s.App.EscalateOverdue(ctx, app.Workload)
			if err != nil && ctx.Err() == nil {
				s.logger.Warn("escalating overdue cases failed; retried at the next tick",
					slog.String("error", privacy.MaskText(err.Error())))
			} else if n > 0 {
				s.logger.Info("escalated overdue cases", slog.Int("cases", n))
			}
		case <-applyC:
			res, err := s.App.ApplyApproved(ctx)
			if err != nil && ctx.Err() == nil {
				s.logger.Warn("applying approved cases failed; retried at the next tick",
					slog.String("error", privacy.MaskText(err.Error())))
			}
			if res.Applied > 0 || res.Refused > 0 {
				s.logger.Info("applied approved cases", slog.Int("applied", res.Applied), slog.Int("refused", res.Refused))
			}
		}
	}
}
