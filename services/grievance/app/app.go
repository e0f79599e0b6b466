// Package app holds the grievance context's use cases: submitting a case
// (idempotent, de-duplicated, with per-reporter limits on inclusion
// reports), taking a workflow step, listing the queue, and escalating
// overdue cases. Authorisation of the caller's role and region for a step is
// the domain's workflow table; who may submit or read is the ports' policy.
package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dtsen-id/dtsen/services/grievance/domain"
)

// Defaults.
const (
	// DefaultInclusionLimit is how many inclusion reports one reporter may
	// file in DefaultInclusionWindow: enough for a neighbourhood's real
	// cases, too few to flood a village's queue out of spite.
	DefaultInclusionLimit  = 5
	DefaultInclusionWindow = 30 * 24 * time.Hour
	// saveAttempts bounds the retries of a step that lost a race.
	saveAttempts = 3
)

// ReasonReportLimit: the reporter filed too many inclusion reports.
const ReasonReportLimit = "INCLUSION_REPORT_LIMIT"

// Deps are what App is built from.
type Deps struct {
	Cases domain.Cases
	// SLA is the deadline per state; nil is domain.DefaultSLA.
	SLA domain.SLA
	// Clock is now; nil is time.Now.
	Clock func() time.Time
	// NewID names a new case.
	NewID func() string
	// InclusionLimit reports per InclusionWindow per reporter; 0 takes the
	// defaults.
	InclusionLimit  int
	InclusionWindow time.Duration
	// Fields checks the fields a correction or a verification answer
	// changes; nil accepts none (a correction is then refused).
	Fields domain.Fields
	// Sources applies approved changes; nil leaves ApplyApproved off.
	Sources domain.Sources
}

// App runs the grievance use cases.
type App struct {
	cases   domain.Cases
	sla     domain.SLA
	now     func() time.Time
	newID   func() string
	limit   int
	window  time.Duration
	fields  domain.Fields
	sources domain.Sources
}

// New returns the App.
func New(d Deps) (*App, error) {
	if d.Cases == nil || d.NewID == nil {
		return nil, errors.New("grievance app: Cases and NewID are required")
	}
	a := &App{cases: d.Cases, sla: d.SLA, now: d.Clock, newID: d.NewID, limit: d.InclusionLimit, window: d.InclusionWindow,
		fields: d.Fields, sources: d.Sources}
	if a.fields == nil && d.Sources != nil {
		a.fields = d.Sources
	}
	if a.sla == nil {
		a.sla = domain.DefaultSLA
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.limit <= 0 {
		a.limit = DefaultInclusionLimit
	}
	if a.window <= 0 {
		a.window = DefaultInclusionWindow
	}
	return a, nil
}

// Submitted is the outcome of a submission.
type Submitted struct {
	Case domain.Case
	// Existing is true when the case was already there: the same request
	// retried, or the family's open case of the same type.
	Existing bool
}

// SubmitCase files a case. The ID and time are the App's; a retried
// request_id or an open case of the same type for the family returns that
// case, which the citizen then follows instead of a duplicate.
func (a *App) SubmitCase(ctx context.Context, s domain.Submission) (Submitted, error) {
	s.ID, s.At = a.newID(), a.now().UTC().Truncate(time.Microsecond)
	c, err := domain.NewCase(s)
	if err != nil {
		return Submitted{}, err
	}
	if cr := c.Correction; cr != nil {
		if err := a.checkChange(domain.Change{Context: cr.Context, Field: cr.Field, Value: cr.ProposedValue},
			domain.ReasonSubmissionInvalid); err != nil {
			return Submitted{}, err
		}
	}
	if c.Type == domain.InclusionReport {
		n, err := a.cases.CountReported(ctx, c.Reporter, c.Type, s.At.Add(-a.window))
		if err != nil {
			return Submitted{}, err
		}
		if n >= a.limit {
			return Submitted{}, &domain.Error{Kind: domain.ErrForbidden, Reason: ReasonReportLimit,
				Msg: fmt.Sprintf("at most %d inclusion reports in %s", a.limit, a.window)}
		}
	}
	stored, err := a.cases.Create(ctx, c, c.Deadline(a.sla))
	switch {
	case errors.Is(err, domain.ErrSameRequest), errors.Is(err, domain.ErrOpenCase):
		return Submitted{Case: stored, Existing: true}, nil
	case err != nil:
		return Submitted{}, err
	}
	return Submitted{Case: stored}, nil
}

// Get returns a case with its history.
func (a *App) Get(ctx context.Context, id string) (domain.Case, error) { return a.cases.Get(ctx, id) }

// TakeStep loads the case, takes the step at now and saves it, retrying
// when another writer changed the case in between (the step is re-checked
// against the new state, so a race can never make an illegal move).
func (a *App) TakeStep(ctx context.Context, id string, step domain.Step) (domain.Case, error) {
	step.At = a.now().UTC().Truncate(time.Microsecond)
	if step.Action == domain.RecordVerification && step.Verification != nil {
		for code, value := range step.Verification.Answers {
			if ch, ok := domain.AnswerChange(code, value); ok {
				if err := a.checkChange(ch, domain.ReasonVerificationInvalid); err != nil {
					return domain.Case{}, err
				}
			}
		}
	}
	for attempt := 1; ; attempt++ {
		c, err := a.cases.Get(ctx, id)
		if err != nil {
			return domain.Case{}, err
		}
		next, err := c.Take(step)
		if err != nil {
			return domain.Case{}, err
		}
		err = a.cases.Save(ctx, next, len(c.History), next.Deadline(a.sla))
		if err == nil {
			return next, nil
		}
		if !errors.Is(err, domain.ErrConflict) || attempt == saveAttempts {
			return domain.Case{}, err
		}
	}
}

// List returns a page of cases, the most overdue first.
func (a *App) List(ctx context.Context, q domain.Query) ([]domain.Case, []string, error) {
	return a.cases.List(ctx, q)
}

// EscalateOverdue escalates every case overdue now, a page at a time, and
// returns how many moved. It is safe to run from several replicas: a case
// another replica escalated first is a conflict, and skipped.
func (a *App) EscalateOverdue(ctx context.Context, by string) (int, error) {
	now := a.now().UTC().Truncate(time.Microsecond)
	moved := 0
	q := domain.Query{OverdueAt: now, Limit: 500}
	for {
		page, cursors, err := a.cases.List(ctx, q)
		if err != nil {
			return moved, err
		}
		for _, listed := range page {
			c, err := a.cases.Get(ctx, listed.ID)
			if err != nil {
				return moved, err
			}
			next, ok := c.Escalate(a.sla, now, by)
			if !ok {
				continue
			}
			switch err := a.cases.Save(ctx, next, len(c.History), next.Deadline(a.sla)); {
			case errors.Is(err, domain.ErrConflict):
			case err != nil:
				return moved, err
			default:
				moved++
			}
		}
		if len(page) < q.Limit {
			return moved, nil
		}
		q.After = cursors[len(cursors)-1]
	}
}

// checkChange refuses a change the owning context would not take, at the
// door: a correction no one can apply must not wait weeks for a visit and
// a decision first.
func (a *App) checkChange(ch domain.Change, reason string) error {
	if a.fields == nil {
		return &domain.Error{Kind: domain.ErrInvalid, Reason: reason, Msg: "corrections are not enabled"}
	}
	if err := a.fields.Check(ch); err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			return &domain.Error{Kind: domain.ErrInvalid, Reason: reason, Msg: de.Msg}
		}
		return &domain.Error{Kind: domain.ErrInvalid, Reason: reason, Msg: err.Error()}
	}
	return nil
}
