package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dtsen-id/dtsen/services/grievance/domain"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/privacy"
)

// Workload is the subject the grievance workload records its own steps as
// (APPLY, ESCALATE).
const Workload = "dtsen-grievance"

// ApplyResult counts what one pass over the approved cases did.
type ApplyResult struct {
	Applied int
	// Refused cases stay APPROVED with their ApplyError set.
	Refused int
}

// ApplyApproved applies every APPROVED case's changes to the owning
// contexts and records the APPLY step, a page at a time. The order matters
// for crash safety: the owning context's write is idempotent (its import
// batch is named after the case), so a crash after the write and before
// the APPLY step is recorded only makes the next pass send the same batch
// again, which the context answers as a replay without writing anything.
// A case the context refuses for good keeps its ApplyError and is skipped
// until an officer acts; a transient failure ends the pass, to be retried.
func (a *App) ApplyApproved(ctx context.Context) (ApplyResult, error) {
	var res ApplyResult
	if a.sources == nil {
		return res, errors.New("grievance: no source contexts are wired to apply corrections to")
	}
	q := domain.Query{State: domain.Approved, Limit: 200}
	for {
		page, cursors, err := a.cases.List(ctx, q)
		if err != nil {
			return res, err
		}
		for _, listed := range page {
			if listed.ApplyError != "" {
				continue
			}
			applied, err := a.applyOne(ctx, listed.ID)
			switch {
			case errors.Is(err, domain.ErrApplyRefused):
				res.Refused++
			case err != nil:
				return res, err
			case applied:
				res.Applied++
			}
		}
		if len(page) < q.Limit {
			return res, nil
		}
		q.After = cursors[len(cursors)-1]
	}
}

// applyOne applies one case; false when another replica got there first.
func (a *App) applyOne(ctx context.Context, id string) (bool, error) {
	c, err := a.cases.Get(ctx, id)
	if err != nil {
		return false, err
	}
	if c.State != domain.Approved || c.ApplyError != "" {
		return false, nil
	}
	changes := c.Changes()
	app := domain.Application{CaseID: c.ID, KK: c.KK, Observed: c.ApprovedAt(), Changes: changes}
	if len(changes) > 0 {
		if c.KK == "" {
			return false, a.refuseApply(ctx, c, "the case names no family to change")
		}
		if err := a.sources.Apply(ctx, app); errors.Is(err, domain.ErrApplyRefused) {
			return false, a.refuseApply(ctx, c, err.Error())
		} else if err != nil {
			return false, fmt.Errorf("apply case %s: %w", c.ID, err)
		}
	}
	next, err := c.Take(domain.Step{Action: domain.Apply, By: domain.Actor{Subject: Workload, Role: auth.RoleService},
		At: a.now().UTC().Truncate(time.Microsecond), Reason: applyReason(c, changes)})
	if err != nil {
		return false, err
	}
	switch err := a.cases.Save(ctx, next, len(c.History), next.Deadline(a.sla)); {
	case errors.Is(err, domain.ErrConflict):
		// Another replica recorded it (the owning context saw one batch).
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// refuseApply keeps the case APPROVED with why the context refused it, and
// returns an ErrApplyRefused error for the pass's count.
func (a *App) refuseApply(ctx context.Context, c domain.Case, why string) error {
	next := c
	next.ApplyError = privacy.MaskText(why)
	if err := a.cases.Save(ctx, next, len(c.History), next.Deadline(a.sla)); err != nil && !errors.Is(err, domain.ErrConflict) {
		return err
	}
	return fmt.Errorf("%w: case %s: %s", domain.ErrApplyRefused, c.ID, next.ApplyError)
}

// applyReason is the APPLY step's reason, which the complainant reads: the
// fields changed, never their values (an inclusion report's reporter must
// not learn the reported family's data from it), with NIKs in person
// fields masked.
func applyReason(c domain.Case, changes []domain.Change) string {
	if len(changes) == 0 {
		switch c.Type {
		case domain.NewRegistration:
			return "nothing to change in DTSEN's sources: the family is referred to Dukcapil for a KK number"
		case domain.VillageDeliberation:
			return "nothing to change in DTSEN's sources: the proposed families are re-assessed at the next ranking"
		}
		return "nothing to change in DTSEN's sources"
	}
	keys := make([]string, len(changes))
	for i, ch := range changes {
		keys[i] = ch.Key()
	}
	return privacy.MaskText("corrected " + strings.Join(keys, ", "))
}
