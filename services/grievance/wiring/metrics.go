package wiring

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/dtsen-id/dtsen/services/grievance/adapters"
	"github.com/dtsen-id/dtsen/services/platform/privacy"
	"github.com/dtsen-id/dtsen/services/platform/telemetry"
)

// countEvery bounds how often the case counts are read: a scrape inside
// it is answered from the last count.
const countEvery = 30 * time.Second

// countTimeout bounds one count, which runs in a scrape.
const countTimeout = 5 * time.Second

type caseInstruments struct {
	meter         metric.Meter
	open, overdue metric.Int64ObservableGauge
}

// The grievance gauges:
//
//   - dtsen_grievance_cases_open{province,state}: cases not yet APPLIED or
//     REJECTED, by province (first two digits of the village code) and state;
//   - dtsen_grievance_cases_overdue{province}: those past their state's
//     deadline.
//
// Every replica reports the same database's counts; aggregate with max,
// not sum.
var caseGauges = telemetry.Instruments[caseInstruments]{New: func(m metric.Meter) caseInstruments {
	return caseInstruments{
		meter: m,
		open: telemetry.Must(m.Int64ObservableGauge("dtsen_grievance_cases_open",
			metric.WithDescription("Open grievance cases by province and state"))),
		overdue: telemetry.Must(m.Int64ObservableGauge("dtsen_grievance_cases_overdue",
			metric.WithDescription("Open grievance cases past their state's deadline, by province"))),
	}
}}

// observeCases exports the case counts until the returned function is
// called.
func (s *Service) observeCases() (stop func()) {
	in := caseGauges.Get()
	clock := s.opts.Clock
	if clock == nil {
		clock = time.Now
	}
	var (
		mu     sync.Mutex
		at     time.Time
		counts []adapters.OpenCases
	)
	reg, err := in.meter.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		mu.Lock()
		defer mu.Unlock()
		if now := time.Now(); at.IsZero() || now.Sub(at) >= countEvery {
			cctx, cancel := context.WithTimeout(ctx, countTimeout)
			fresh, err := s.cases.CountOpen(cctx, clock())
			cancel()
			if err != nil {
				// Keep serving the last counts; retried at the next scrape.
				s.logger.WarnContext(ctx, "counting open cases for the metrics failed",
					slog.String("error", privacy.MaskText(err.Error())))
			} else {
				at, counts = now, fresh
			}
		}
		overdue := map[string]int64{}
		for _, c := range counts {
			province := attribute.String("province", c.Province)
			o.ObserveInt64(in.open, c.Open, metric.WithAttributes(province, attribute.String("state", string(c.State))))
			overdue[c.Province] += c.Overdue
		}
		for p, n := range overdue {
			o.ObserveInt64(in.overdue, n, metric.WithAttributes(attribute.String("province", p)))
		}
		return nil
	}, in.open, in.overdue)
	if err != nil {
		s.logger.Warn("grievance case metrics are off", slog.String("error", err.Error()))
		return func() {}
	}
	return func() { _ = reg.Unregister() }
}
