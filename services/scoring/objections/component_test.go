package objections_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	grievancev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/grievance/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	scoringv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/scoring/v1"
	"github.com/dtsen-id/dtsen/services/grievance/grievancetest"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/feed"
	"github.com/dtsen-id/dtsen/services/platform/grpcserver"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
	"github.com/dtsen-id/dtsen/services/scoring/objections"
	"github.com/dtsen-id/dtsen/services/scoring/scoringtest"
)

const (
	phaseActive  = scoringv1.EntitlementPhase_ENTITLEMENT_PHASE_ACTIVE
	phaseNoticed = scoringv1.EntitlementPhase_ENTITLEMENT_PHASE_LOSS_NOTICED
	phaseHeld    = scoringv1.EntitlementPhase_ENTITLEMENT_PHASE_LOSS_HELD
)

// world is the scoring service following a real grievance service, both
// reading the same registry.
type world struct {
	t       *testing.T
	ctx     context.Context
	scoring *scoringtest.Scoring
	cases   *grievancetest.Grievance
	filed   int
}

func (w *world) eligibility(i int) *scoringv1.FamilyEligibility {
	w.t.Helper()
	fe, err := w.scoring.Client.GetFamilyEligibility(w.ctx, &scoringv1.GetFamilyEligibilityRequest{
		Name: "families/" + scoringtest.KK(i) + "/eligibility"})
	if err != nil {
		w.t.Fatal(err)
	}
	return fe
}

func (w *world) notices(i int, kind string) []*scoringv1.Notice {
	w.t.Helper()
	resp, err := w.scoring.Client.ListNotices(w.ctx, &scoringv1.ListNoticesRequest{Parent: "families/" + scoringtest.KK(i)})
	if err != nil {
		w.t.Fatal(err)
	}
	var out []*scoringv1.Notice
	for _, n := range resp.GetNotices() {
		if n.GetKind() == kind {
			out = append(out, n)
		}
	}
	return out
}

// programmes lists family i's programmes in phase.
func (w *world) programmes(i int, phase scoringv1.EntitlementPhase) []string {
	w.t.Helper()
	var out []string
	for _, p := range w.eligibility(i).GetProgrammes() {
		if p.GetPhase() == phase {
			out = append(out, p.GetProgramme())
		}
	}
	return out
}

// eventually polls cond until it holds; the feed delivers within a second.
func (w *world) eventually(what string, cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			w.t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// object files an exclusion objection as the head of family i.
func (w *world) object(i int, programme string) string {
	w.t.Helper()
	fam := registrytest.Family(i)
	citizen := w.cases.ClientAs(w.t, authtest.Citizen(fam.GetMembers()[0].GetNik()))
	w.filed++
	res, err := citizen.SubmitCase(w.ctx, &grievancev1.SubmitCaseRequest{RequestId: fmt.Sprintf("objection-%04d", w.filed),
		CaseType: grievancev1.CaseType_CASE_TYPE_EXCLUSION_OBJECTION, Family: "families/" + fam.GetKkNumber(),
		Programme: programme, Description: "rumah kami berlantai tanah dan tidak punya kendaraan"})
	if err != nil {
		w.t.Fatal(err)
	}
	return res.GetCase().GetName()
}

// decide takes a case through triage, assignment and the field visit to
// its decision, each step by the role the workflow gives it, and returns
// the decision's time.
func (w *world) decide(i int, name string, approve bool) time.Time {
	w.t.Helper()
	region := registrytest.Family(i).GetRegionCode()
	district := w.cases.ClientAs(w.t, authtest.Officer(auth.RoleDistrictOfficer, region[:5]))
	verifierClaims := authtest.Officer(auth.RoleFieldVerifier, region[:8])
	if _, err := district.TriageCase(w.ctx, &grievancev1.TriageCaseRequest{Name: name}); err != nil {
		w.t.Fatal(err)
	}
	if _, err := district.AssignCase(w.ctx, &grievancev1.AssignCaseRequest{Name: name, Assignee: verifierClaims.Subject}); err != nil {
		w.t.Fatal(err)
	}
	visit := &grievancev1.Verification{VisitDate: time.Now().Format(time.DateOnly), Latitude: -6.98, Longitude: 107.55,
		FamilyFound: true, Answers: map[string]string{"floor_material": "EARTH"}}
	if _, err := w.cases.ClientAs(w.t, verifierClaims).RecordVerification(w.ctx,
		&grievancev1.RecordVerificationRequest{Name: name, Verification: visit}); err != nil {
		w.t.Fatal(err)
	}
	c, err := district.DecideCase(w.ctx, &grievancev1.DecideCaseRequest{Name: name, Approve: approve, Reason: "hasil verifikasi lapangan"})
	if err != nil {
		w.t.Fatal(err)
	}
	for _, tr := range c.GetHistory() {
		if tr.GetAction() == "APPROVE" || tr.GetAction() == "REJECT" {
			return tr.GetTime().AsTime()
		}
	}
	w.t.Fatalf("decided case %s has no decision in its history: %v", name, c.GetHistory())
	return time.Time{}
}

// handled waits until scoring's feed cursor has passed the event of the
// case's action.
func (w *world) handled(name, action string) {
	w.t.Helper()
	ctx, cancel := context.WithCancel(w.ctx)
	defer cancel()
	stream, err := w.cases.ClientAs(w.t, authtest.Admin()).WatchChanges(ctx, &grievancev1.WatchChangesRequest{})
	if err != nil {
		w.t.Fatal(err)
	}
	var seq int64
	for seq == 0 {
		msg, err := stream.Recv()
		if err != nil {
			w.t.Fatal(err)
		}
		if ev := msg.GetEvent(); ev.GetResource() == name && ev.GetEventType() == "grievance.case."+action {
			seq = ev.GetSequence()
		}
	}
	w.eventually("scoring handles "+name+"'s "+action, func() bool {
		cur, err := feed.Cursor(w.ctx, w.scoring.DB, objections.FeedName)
		return err == nil && cur >= seq
	})
}

// rank runs a ranking with the active model, as an administrator, to
// success.
func (w *world) rank() *scoringv1.RankingRun {
	w.t.Helper()
	run, err := w.scoring.Client.StartRankingRun(w.ctx, &scoringv1.StartRankingRunRequest{})
	if err != nil {
		w.t.Fatal(err)
	}
	w.eventually("the run succeeds", func() bool {
		if run, err = w.scoring.Client.GetRankingRun(w.ctx, &scoringv1.GetRankingRunRequest{Name: run.GetName()}); err != nil {
			w.t.Fatal(err)
		}
		if run.GetState() == scoringv1.RunState_RUN_STATE_FAILED {
			w.t.Fatalf("run failed: %s", run.GetError())
		}
		return run.GetState() == scoringv1.RunState_RUN_STATE_SUCCEEDED
	})
	return run
}

// TestObjectionsHoldLosses follows objections from a real grievance server
// through their workflow, on both engines for scoring's database: a pending
// objection holds a loss, a rejection confirms it at the later of deadline
// and decision, an approval cancels it, an objection filed before a run
// holds the loss that run issues from the start, and replaying the whole
// feed changes nothing.
func TestObjectionsHoldLosses(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		src := scoringtest.StartSources(t, scoringtest.SourceOptions{})
		g := grievancetest.Start(t, storagetest.SQLiteURL(t), src.Registry.Addr, src.Registry.Auth)
		s := scoringtest.Start(t, url, src, scoringtest.Options{GrievanceAddr: g.Addr})
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		w := &world{t: t, ctx: ctx, scoring: s, cases: g}

		s.Ranked(t)
		var losing, keeping []int
		for i := range scoringtest.Registered {
			switch {
			case len(w.programmes(i, phaseNoticed)) > 0:
				losing = append(losing, i)
			case len(w.programmes(i, phaseActive)) > 0:
				keeping = append(keeping, i)
			}
		}
		if len(losing) < 2 || len(keeping) == 0 {
			t.Fatalf("the seed gives %d families a loss notice and %d a programme kept; want 2 and 1", len(losing), len(keeping))
		}

		t.Run("rejected objection confirms the loss", func(t *testing.T) {
			w.t = t
			i := losing[0]
			programme := w.programmes(i, phaseNoticed)[0]
			name := w.object(i, programme)
			w.eventually("the objection holds the loss", func() bool {
				return slices.Contains(w.programmes(i, phaseHeld), programme)
			})
			loss := w.notices(i, "LOSS")
			decided := w.decide(i, name, false)
			w.eventually("the loss is confirmed", func() bool { return len(w.notices(i, "LOSS_CONFIRMED")) > 0 })
			confirmed := w.notices(i, "LOSS_CONFIRMED")
			deadline := loss[slices.IndexFunc(loss, func(n *scoringv1.Notice) bool { return n.GetProgramme() == programme })].
				GetObjectionDeadline().AsTime()
			effective := deadline
			if decided.After(deadline) {
				effective = decided
			}
			if len(confirmed) != 1 || confirmed[0].GetProgramme() != programme ||
				!confirmed[0].GetEffectiveTime().AsTime().Equal(effective) {
				t.Errorf("confirmed: %v; want one for %s effective at %v (deadline %v, decision %v)",
					confirmed, programme, effective, deadline, decided)
			}
			for _, p := range w.eligibility(i).GetProgrammes() {
				if p.GetProgramme() == programme && (p.GetPhase() != phaseNoticed || !p.GetLossEffectiveTime().AsTime().Equal(effective)) {
					t.Errorf("%s after the rejection: %v", programme, p)
				}
			}
			if open, err := objections.NewStore(s.DB).List(ctx, scoringtest.KK(i)); err != nil || len(open) != 0 {
				t.Errorf("open objections after the decision: %v, %v", open, err)
			}
		})

		t.Run("approved objection cancels every loss", func(t *testing.T) {
			w.t = t
			i := losing[1]
			lost := w.programmes(i, phaseNoticed)
			name := w.object(i, "") // no programme: it contests them all
			w.eventually("the objection holds every loss", func() bool {
				return len(w.programmes(i, phaseNoticed)) == 0 && slices.Equal(w.programmes(i, phaseHeld), lost)
			})
			w.decide(i, name, true)
			w.eventually("the losses are cancelled", func() bool { return len(w.notices(i, "LOSS_CANCELLED")) == len(lost) })
			for _, p := range lost {
				if !slices.Contains(w.programmes(i, phaseActive), p) {
					t.Errorf("%s not kept after the objection was upheld: %v", p, w.eligibility(i))
				}
			}
		})

		t.Run("objection before a run holds its loss from the start", func(t *testing.T) {
			w.t = t
			i := keeping[0]
			kept := w.programmes(i, phaseActive)
			store := objections.NewStore(s.DB)
			// An earlier objection, rejected, had no loss to hold.
			first := w.object(i, "")
			w.decide(i, first, false)
			w.handled(first, "reject")
			if got := w.programmes(i, phaseActive); !slices.Equal(got, kept) {
				t.Fatalf("after an objection with nothing to hold: %v, was %v", got, kept)
			}
			second := w.object(i, "")
			w.handled(second, "submit")
			if open, err := store.List(ctx, scoringtest.KK(i)); err != nil || len(open) != 1 {
				t.Fatalf("open objections: %v, %v; want the second", open, err)
			}
			// A member becomes a civil servant: the family loses every
			// programme at the next run.
			head := registrytest.Family(i).GetMembers()[0]
			if _, err := src.Registry.Client.UpdatePerson(ctx, &registryv1.UpdatePersonRequest{
				Person:     &registryv1.Person{Name: "persons/" + head.GetNik(), Occupation: registryv1.Occupation_OCCUPATION_CIVIL_SERVANT},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"occupation"}}}); err != nil {
				t.Fatal(err)
			}
			run := w.rank()
			if got := w.programmes(i, phaseHeld); !slices.Equal(got, kept) {
				t.Errorf("held after the run: %v; want every programme it had, %v", got, kept)
			}
			var fromRun int
			for _, n := range w.notices(i, "LOSS") {
				if n.GetIssueTime().AsTime().Before(run.GetStartTime().AsTime()) {
					continue
				}
				fromRun++
				if n.GetEffectiveTime() != nil || n.GetObjectionDeadline() == nil {
					t.Errorf("loss notice of a held loss: %v; want a deadline and no effective time", n)
				}
			}
			if fromRun != len(kept) {
				t.Errorf("%d loss notices from the run, want %d", fromRun, len(kept))
			}
		})

		t.Run("replaying the whole feed changes nothing", func(t *testing.T) {
			w.t = t
			// A cursor lost with a restored database replays every event:
			// decided cases, the rejected case of a family whose newer
			// objection is open (which must not confirm the loss the newer
			// one holds), and open ones.
			families := []int{losing[0], losing[1], keeping[0]}
			snapshot := func() []proto.Message {
				var out []proto.Message
				for _, i := range families {
					out = append(out, w.eligibility(i))
					resp, err := s.Client.ListNotices(ctx, &scoringv1.ListNoticesRequest{Parent: "families/" + scoringtest.KK(i)})
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, resp)
				}
				return out
			}
			before := snapshot()
			last, err := feed.Cursor(ctx, s.DB, objections.FeedName)
			if err != nil || last == 0 {
				t.Fatalf("cursor %d, %v", last, err)
			}
			conn, err := grpcserver.Dial(ctx, g.Addr, auth.ClientOptions(src.Registry.Auth.ServiceTokens("scoring"))...)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			replay := objections.NewFollower(s.DB, grievancev1.NewGrievanceServiceClient(conn), s.Service.App, nil)
			stream, err := g.ClientAs(t, authtest.Admin()).WatchChanges(ctx, &grievancev1.WatchChangesRequest{})
			if err != nil {
				t.Fatal(err)
			}
			for seq := int64(0); seq < last; {
				msg, err := stream.Recv()
				if err != nil {
					t.Fatal(err)
				}
				if err := replay.Handle(ctx, msg.GetEvent()); err != nil {
					t.Fatal(err)
				}
				seq = msg.GetEvent().GetSequence()
			}
			for k, after := range snapshot() {
				if !proto.Equal(before[k], after) {
					t.Errorf("after the replay:\n%v\nwas\n%v", after, before[k])
				}
			}
		})
	})
}
