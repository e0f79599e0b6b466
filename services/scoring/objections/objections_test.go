package objections_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	grievancev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/grievance/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/feed"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/scoring/eligibility"
	"github.com/dtsen-id/dtsen/services/scoring/objections"
)

const kkA, kkB = "3204120000000001", "3204120000000002"

var t0 = time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC)

func TestStore(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		store := objections.NewStore(storagetest.Open(t, url, objections.Migrations))
		for _, o := range []objections.Open{
			{KK: kkA, CaseID: "c-1", Programme: "PKH", FiledAt: t0},
			{KK: kkA, CaseID: "c-2", Programme: eligibility.AllProgrammes, FiledAt: t0.Add(time.Hour)},
			{KK: kkB, CaseID: "c-3", Programme: "SEMBAKO", FiledAt: t0},
			{KK: kkB, CaseID: "c-3", Programme: "PBI_JK", FiledAt: t0.Add(time.Minute)}, // the case as read later
		} {
			if err := store.Upsert(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		if err := store.Upsert(ctx, objections.Open{KK: kkA}); err == nil {
			t.Error("an objection without a case was stored")
		}
		// A run's batch is one query per thousand families.
		kks := []string{kkA, kkB}
		for i := range 2500 {
			kks = append(kks, fmt.Sprintf("3204129999%06d", i))
		}
		got, err := store.Contested(ctx, kks)
		if err != nil {
			t.Fatal(err)
		}
		for _, ps := range got {
			slices.Sort(ps)
		}
		want := map[string][]string{kkA: {"", "PKH"}, kkB: {"PBI_JK"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("contested: %v, want %v", got, want)
		}
		if got, err := store.Contested(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("no families: %v, %v", got, err)
		}
		list, err := store.List(ctx, kkB)
		if err != nil || len(list) != 1 || !list[0].FiledAt.Equal(t0.Add(time.Minute)) || list[0].Programme != "PBI_JK" {
			t.Errorf("list: %+v, %v", list, err)
		}

		if others, err := store.Close(ctx, kkA, "c-1"); err != nil || !others {
			t.Errorf("closing one of two: others open %v, %v; want true", others, err)
		}
		for range 2 { // closing twice is closing once
			if others, err := store.Close(ctx, kkA, "c-2"); err != nil || others {
				t.Errorf("closing the last: others open %v, %v; want false", others, err)
			}
		}
		if got, _ := store.Contested(ctx, []string{kkA, kkB}); len(got) != 1 || got[kkA] != nil {
			t.Errorf("after closing: %v", got)
		}
	})
}

// cases is a grievance server that answers GetCase from a map.
type cases struct {
	grievancev1.GrievanceServiceClient
	byName map[string]*grievancev1.Case
	err    error
	reads  int
}

func (c *cases) GetCase(_ context.Context, req *grievancev1.GetCaseRequest, _ ...grpc.CallOption) (*grievancev1.Case, error) {
	c.reads++
	if c.err != nil {
		return nil, c.err
	}
	cs, ok := c.byName[req.GetName()]
	if !ok {
		return nil, status.Error(codes.NotFound, "no such case")
	}
	return cs, nil
}

// call is one use case invoked on the eligibility side.
type call struct {
	op, kk, programme string
	at                time.Time
	upheld            bool
}

// recorder records the use cases the follower invokes.
type recorder struct {
	calls   []call
	fileErr error
}

func (r *recorder) FileObjection(_ context.Context, kk, programme string, at time.Time) error {
	r.calls = append(r.calls, call{op: "file", kk: kk, programme: programme, at: at})
	return r.fileErr
}

func (r *recorder) DecideObjection(_ context.Context, kk, programme string, at time.Time, upheld bool) error {
	r.calls = append(r.calls, call{op: "decide", kk: kk, programme: programme, at: at, upheld: upheld})
	return nil
}

func (r *recorder) Rules() *eligibility.Table { return eligibility.DefaultTable() }

func event(action, name, kk string) *typev1.ChangeEvent {
	ev := &typev1.ChangeEvent{EventType: "grievance.case." + action, Resource: name}
	if kk != "" {
		ev.Family = "families/" + kk
	}
	return ev
}

func objection(id, kk, programme string, state grievancev1.CaseState, history ...*grievancev1.Transition) *grievancev1.Case {
	return &grievancev1.Case{Name: "cases/" + id, CaseType: grievancev1.CaseType_CASE_TYPE_EXCLUSION_OBJECTION, State: state,
		Family: "families/" + kk, Programme: programme, SubmitTime: timestamppb.New(t0), History: history,
		Approved: state == grievancev1.CaseState_CASE_STATE_APPROVED || state == grievancev1.CaseState_CASE_STATE_APPLIED}
}

func step(action string, at time.Time) *grievancev1.Transition {
	return &grievancev1.Transition{Action: action, Time: timestamppb.New(at)}
}

func TestFollowerHandle(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t, storagetest.SQLiteURL(t), feed.Migrations, objections.Migrations)
	store := objections.NewStore(db)
	src := &cases{byName: map[string]*grievancev1.Case{}}
	rec := &recorder{}
	f := objections.NewFollower(db, src, rec, nil)
	handle := func(ev *typev1.ChangeEvent) error {
		t.Helper()
		rec.calls = nil
		return f.Handle(ctx, ev)
	}
	open := func(kk string) []objections.Open {
		t.Helper()
		list, err := store.List(ctx, kk)
		if err != nil {
			t.Fatal(err)
		}
		return list
	}

	t.Run("cases that are not a family's objection", func(t *testing.T) {
		src.byName["cases/c-reg"] = &grievancev1.Case{Name: "cases/c-reg", CaseType: grievancev1.CaseType_CASE_TYPE_NEW_REGISTRATION}
		src.byName["cases/c-fix"] = &grievancev1.Case{Name: "cases/c-fix", CaseType: grievancev1.CaseType_CASE_TYPE_DATA_CORRECTION,
			Family: "families/" + kkA, State: grievancev1.CaseState_CASE_STATE_SUBMITTED}
		reads := src.reads
		for _, ev := range []*typev1.ChangeEvent{event("submit", "cases/c-reg", ""), event("submit", "cases/c-fix", kkA),
			event("submit", "cases/c-gone", kkA)} {
			if err := handle(ev); err != nil || len(rec.calls) != 0 {
				t.Errorf("%s: %v, calls %v", ev.GetResource(), err, rec.calls)
			}
		}
		if src.reads-reads != 2 {
			t.Errorf("%d cases read; a case about no family needs no read", src.reads-reads)
		}
		if len(open(kkA)) != 0 {
			t.Errorf("open objections recorded: %v", open(kkA))
		}
	})

	t.Run("grievance unavailable", func(t *testing.T) {
		src.err = status.Error(codes.Unavailable, "down")
		defer func() { src.err = nil }()
		if err := handle(event("submit", "cases/c-1", kkA)); status.Code(errors.Unwrap(err)) != codes.Unavailable {
			t.Errorf("handle: %v; want the error, for the consumer to retry", err)
		}
	})

	t.Run("an open objection holds its programme's loss", func(t *testing.T) {
		src.byName["cases/c-1"] = objection("c-1", kkA, " pbi-jk ", grievancev1.CaseState_CASE_STATE_SUBMITTED, step("SUBMIT", t0))
		for _, action := range []string{"submit", "submit", "triage"} { // a replay, then the next step
			if err := handle(event(action, "cases/c-1", kkA)); err != nil {
				t.Fatal(err)
			}
			if want := []call{{op: "file", kk: kkA, programme: "PBI_JK", at: t0}}; !reflect.DeepEqual(rec.calls, want) {
				t.Errorf("%s: calls %v, want %v", action, rec.calls, want)
			}
		}
		if got := open(kkA); len(got) != 1 || got[0].CaseID != "c-1" || got[0].Programme != "PBI_JK" || !got[0].FiledAt.Equal(t0) {
			t.Errorf("open objections: %+v", got)
		}
	})

	t.Run("nothing to hold yet", func(t *testing.T) {
		src.byName["cases/c-2"] = objection("c-2", kkB, "bantuan lain", grievancev1.CaseState_CASE_STATE_ASSIGNED)
		for _, err := range []error{eligibility.ErrNoPendingLoss, eligibility.ErrObjectionWindowClosed, eligibility.ErrObjectionAlreadyDecided} {
			rec.fileErr = fmt.Errorf("wrapped: %w", err)
			if err := handle(event("assign", "cases/c-2", kkB)); err != nil {
				t.Errorf("%v: %v; want a normal outcome", rec.fileErr, err)
			}
		}
		rec.fileErr = errors.New("database locked")
		if err := handle(event("assign", "cases/c-2", kkB)); err == nil {
			t.Error("a failure to file was not returned for a retry")
		}
		rec.fileErr = nil
		// A programme scoring does not know contests them all, and the row
		// stays for the next run to hold the loss it issues.
		if got := open(kkB); len(got) != 1 || got[0].Programme != eligibility.AllProgrammes {
			t.Errorf("open objections: %+v", got)
		}
	})

	t.Run("a decided objection releases the loss at its decision", func(t *testing.T) {
		decided := t0.Add(40 * 24 * time.Hour)
		src.byName["cases/c-2"] = objection("c-2", kkB, "", grievancev1.CaseState_CASE_STATE_APPLIED,
			step("SUBMIT", t0), step("TRIAGE", t0.Add(time.Hour)), step("APPROVE", decided), step("APPLY", decided.Add(time.Hour)))
		for range 2 {
			if err := handle(event("apply", "cases/c-2", kkB)); err != nil {
				t.Fatal(err)
			}
			if want := []call{{op: "decide", kk: kkB, at: decided, upheld: true}}; !reflect.DeepEqual(rec.calls, want) {
				t.Errorf("calls %v, want %v", rec.calls, want)
			}
		}
		if got := open(kkB); len(got) != 0 {
			t.Errorf("still open: %+v", got)
		}
	})

	t.Run("an old decision replayed under a newer objection", func(t *testing.T) {
		// c-0 was rejected before c-1 was filed; a reset cursor replays it
		// while c-1 is open and holds the loss.
		src.byName["cases/c-0"] = objection("c-0", kkA, "PBI_JK", grievancev1.CaseState_CASE_STATE_REJECTED,
			step("SUBMIT", t0.Add(-48*time.Hour)), step("REJECT", t0.Add(-24*time.Hour)))
		if err := handle(event("reject", "cases/c-0", kkA)); err != nil || len(rec.calls) != 0 {
			t.Errorf("handle: %v, calls %v; want the newer objection's hold left alone", err, rec.calls)
		}
		src.byName["cases/c-1"] = objection("c-1", kkA, "PBI_JK", grievancev1.CaseState_CASE_STATE_REJECTED,
			step("SUBMIT", t0), step("REJECT", t0.Add(time.Hour)))
		if err := handle(event("reject", "cases/c-1", kkA)); err != nil {
			t.Fatal(err)
		}
		if want := []call{{op: "decide", kk: kkA, programme: "PBI_JK", at: t0.Add(time.Hour)}}; !reflect.DeepEqual(rec.calls, want) {
			t.Errorf("calls %v, want %v", rec.calls, want)
		}
	})
}
