package app

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/privacy"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/eligibility"
)

// FileObjection holds the family's pending loss of programme
// (eligibility.AllProgrammes: every pending loss) from time at, because the
// family objected (a grievance case). A family no run has decided yet has
// nothing to hold: the next run holds its loss from the start instead
// (Deps.ObjectionsPending).
//
// at is the case's filing time, but never earlier than the family's last
// event: the feed can deliver a case after a run that the case preceded,
// and refusing it as stale would lose the objection. The eligibility
// package's refusals (eligibility.ErrNoPendingLoss,
// ErrObjectionWindowClosed, ErrObjectionAlreadyDecided) are returned for
// the caller to log; nothing is stored then.
func (a *App) FileObjection(ctx context.Context, kk, programme string, at time.Time) error {
	return a.changeState(ctx, kk, func(s eligibility.FamilyState) (eligibility.FamilyState, []eligibility.Notice, error) {
		next, err := s.FileObjection(later(at, s.Updated), programme)
		return next, nil, err
	})
}

// DecideObjection applies the decision, taken at time at, on the objection
// holding the family's loss of programme: upheld, the family keeps it
// (LOSS_CANCELLED); rejected, the loss takes effect at the later of its
// deadline and the decision (LOSS_CONFIRMED). at never precedes the
// family's last event, as for FileObjection, so a decision the feed
// delivers after a run decides the loss that run held.
//
// Deciding twice issues nothing the second time (the loss is no longer
// held), and a notice stored twice is one notice (its id derives from the
// loss and the decision time), so a replayed event is harmless.
func (a *App) DecideObjection(ctx context.Context, kk, programme string, at time.Time, upheld bool) error {
	return a.changeState(ctx, kk, func(s eligibility.FamilyState) (eligibility.FamilyState, []eligibility.Notice, error) {
		return s.DecideObjection(later(at, s.Updated), programme, upheld)
	})
}

// changeState reads the family's record, changes its state with change and
// stores it with the notices change issues, under stateMu so that a run's
// decide pass cannot overwrite the change or be overwritten by it.
func (a *App) changeState(ctx context.Context, kk string,
	change func(eligibility.FamilyState) (eligibility.FamilyState, []eligibility.Notice, error)) error {
	if kk == "" {
		return fmt.Errorf("%w: empty KK", domain.ErrInvalid)
	}
	a.stateMu.Lock()
	defer a.stateMu.Unlock()
	rec, err := a.eligibility.Get(ctx, kk)
	if errors.Is(err, domain.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	next, ns, err := change(rec.State)
	if err != nil {
		return err
	}
	if len(ns) == 0 && reflect.DeepEqual(next.Entitlements, rec.State.Entitlements) {
		// Only the state's time would move (a later step of a case already
		// holding the loss, a replayed decision). Writing that would add
		// nothing but make a run already under way decide the family later
		// than the rest.
		return nil
	}
	rec.State = next
	notices := make([]domain.Notice, len(ns))
	for i, n := range ns {
		notices[i] = domain.Notice{Notice: n, State: domain.NoticePending}
	}
	if err := a.eligibility.Save(ctx, []domain.EligibilityRecord{*rec}, notices); err != nil {
		return fmt.Errorf("save eligibility of %s: %w", privacy.MaskNIK(kk), err)
	}
	return nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
