package objections

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	grievancev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/grievance/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/feed"
	"github.com/dtsen-id/dtsen/services/platform/privacy"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/scoring/eligibility"
)

// FeedName is the durable cursor of the grievance feed, prefixed like the
// source feeds' (incremental.RegistryFeedName) so that it cannot collide
// with another consumer of grievance sharing scoring's database.
const FeedName = "scoring.grievance"

// getCaseTimeout bounds one read of a case: a grievance server that hangs
// would otherwise stop the feed without an error to retry on.
const getCaseTimeout = 30 * time.Second

// Eligibility is what the feed changes: the family's entitlements
// (*app.App).
type Eligibility interface {
	FileObjection(ctx context.Context, kk, programme string, at time.Time) error
	DecideObjection(ctx context.Context, kk, programme string, at time.Time, upheld bool) error
	Rules() *eligibility.Table
}

// Follower follows the grievance context's feed and holds and releases
// the losses of families with exclusion objections.
type Follower struct {
	db    *storage.DB
	store *Store
	cases grievancev1.GrievanceServiceClient
	elig  Eligibility
	log   *slog.Logger
}

// NewFollower returns a Follower over db (migrated with Migrations and
// feed.Migrations), reading cases with client as the scoring workload. A
// nil logger discards.
func NewFollower(db *storage.DB, client grievancev1.GrievanceServiceClient, elig Eligibility, logger *slog.Logger) *Follower {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Follower{db: db, store: NewStore(db), cases: client, elig: elig, log: logger}
}

// Run follows the feed until ctx ends, and returns ctx's error then. A
// broken stream or a failed event is retried with backoff; the cursor
// never moves past an event whose handling failed.
func (f *Follower) Run(ctx context.Context) error {
	c := &feed.Consumer{DB: f.db, Name: FeedName, Open: f.open, Handle: f.Handle, Logger: f.log}
	return c.Run(ctx)
}

func (f *Follower) open(ctx context.Context, after int64) (func() (*typev1.ChangeEvent, error), error) {
	stream, err := f.cases.WatchChanges(auth.AsService(ctx), &grievancev1.WatchChangesRequest{AfterSequence: after})
	if err != nil {
		return nil, err
	}
	return func() (*typev1.ChangeEvent, error) {
		resp, err := stream.Recv()
		return resp.GetEvent(), err
	}, nil
}

// Handle acts on one grievance event: it reads the case the event names
// and, for an exclusion objection, holds or releases the family's loss as
// the case's current state says. An error means the event must be
// retried.
func (f *Follower) Handle(ctx context.Context, ev *typev1.ChangeEvent) error {
	if ev.GetFamily() == "" || !strings.HasPrefix(ev.GetResource(), "cases/") {
		return nil // no family's case: a new registration, a deliberation batch
	}
	rctx, cancel := context.WithTimeout(auth.AsService(ctx), getCaseTimeout)
	c, err := f.cases.GetCase(rctx, &grievancev1.GetCaseRequest{Name: ev.GetResource()})
	cancel()
	if status.Code(err) == codes.NotFound {
		// Grievance never deletes a case, and the workload sees them all:
		// a case it cannot find is not one scoring can act on, and failing
		// would stop the feed at this event for good.
		f.log.WarnContext(ctx, "grievance event names an unknown case; skipped",
			slog.String("case", ev.GetResource()), slog.Int64("sequence", ev.GetSequence()))
		return nil
	}
	if err != nil {
		return fmt.Errorf("objections: read %s: %w", ev.GetResource(), err)
	}
	if c.GetCaseType() != grievancev1.CaseType_CASE_TYPE_EXCLUSION_OBJECTION {
		return nil
	}
	kk, ok := strings.CutPrefix(c.GetFamily(), "families/")
	if !ok || kk == "" {
		return nil
	}
	id := strings.TrimPrefix(c.GetName(), "cases/")
	programme := normalise(f.elig.Rules(), c.GetProgramme())
	attrs := []any{slog.String("case", c.GetName()), slog.String("kk", privacy.MaskNIK(kk)),
		slog.String("programme", programme), slog.String("state", c.GetState().String())}
	switch c.GetState() {
	case grievancev1.CaseState_CASE_STATE_SUBMITTED, grievancev1.CaseState_CASE_STATE_TRIAGED,
		grievancev1.CaseState_CASE_STATE_ASSIGNED, grievancev1.CaseState_CASE_STATE_VERIFIED:
		filed := c.GetSubmitTime().AsTime()
		// The row first: a run deciding the family between the two holds
		// the loss it issues from the start, and the filing then finds it
		// held.
		if err := f.store.Upsert(ctx, Open{KK: kk, CaseID: id, Programme: programme, FiledAt: filed}); err != nil {
			return fmt.Errorf("objections: record %s: %w", c.GetName(), err)
		}
		err := f.elig.FileObjection(ctx, kk, programme, filed)
		switch {
		case err == nil:
			f.log.DebugContext(ctx, "objection holds the family's pending loss", attrs...)
		case errors.Is(err, eligibility.ErrNoPendingLoss), errors.Is(err, eligibility.ErrObjectionWindowClosed),
			errors.Is(err, eligibility.ErrObjectionAlreadyDecided):
			// Nothing to hold now. The row stays: the next run holds a loss
			// it issues while the case is open.
			f.log.DebugContext(ctx, "objection holds no loss now", append(attrs, slog.String("why", err.Error()))...)
		default:
			return fmt.Errorf("objections: file %s: %w", c.GetName(), err)
		}
	case grievancev1.CaseState_CASE_STATE_APPROVED, grievancev1.CaseState_CASE_STATE_APPLIED,
		grievancev1.CaseState_CASE_STATE_REJECTED:
		othersOpen, err := f.store.Close(ctx, kk, id)
		if err != nil {
			return fmt.Errorf("objections: close %s: %w", c.GetName(), err)
		}
		if othersOpen {
			f.log.InfoContext(ctx, "decided objection replayed while a newer one is open; the newer one holds the loss", attrs...)
			return nil
		}
		if err := f.elig.DecideObjection(ctx, kk, programme, decidedAt(c), c.GetApproved()); err != nil {
			return fmt.Errorf("objections: decide %s: %w", c.GetName(), err)
		}
		f.log.DebugContext(ctx, "objection decided", append(attrs, slog.Bool("upheld", c.GetApproved()))...)
	}
	return nil
}

// decidedAt is when the case was approved or rejected: its history's
// decision, not its latest step, which for an approved case may be the
// later APPLY.
func decidedAt(c *grievancev1.Case) time.Time {
	var at, last time.Time
	for _, t := range c.GetHistory() {
		if !t.GetTime().IsValid() {
			continue
		}
		switch t.GetAction() {
		case "APPROVE", "REJECT":
			at = t.GetTime().AsTime()
		}
		last = t.GetTime().AsTime()
	}
	switch {
	case !at.IsZero():
		return at
	case !last.IsZero():
		return last
	}
	return c.GetSubmitTime().AsTime()
}
