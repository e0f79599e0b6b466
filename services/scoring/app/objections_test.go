package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/scoring/adapters"
	"github.com/dtsen-id/dtsen/services/scoring/app"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/eligibility"
	"github.com/dtsen-id/dtsen/services/scoring/model"
)

// objectionApp is the app over a fresh repository, with sources that are
// never asked: the objection use cases read only stored eligibility.
func objectionApp(t *testing.T, url string) (*app.App, *adapters.Repository) {
	t.Helper()
	repo := adapters.NewRepository(storagetest.Open(t, url, adapters.Migrations))
	src := adapters.New(adapters.Conns{})
	a, err := app.New(app.Deps{Models: repo.Models, Runs: repo.Runs, Scores: repo.Scores, Eligibility: repo.Eligibility,
		Notices: repo.Notices, Families: src, Lister: src, Labels: src})
	if err != nil {
		t.Fatal(err)
	}
	return a, repo
}

// ranked stores family kk as a run at t0 decided it: it received PKH and
// SEMBAKO under DTKS and qualifies for neither now, so both losses are
// noticed with a deadline of t0 plus the objection window.
func ranked(t *testing.T, ctx context.Context, repo *adapters.Repository, kk string, t0 time.Time) {
	t.Helper()
	d := eligibility.Decision{KK: kk, Region: "32.04.12.2001", TableHash: "sha256:test"}
	for _, p := range []string{"PKH", "SEMBAKO"} {
		d.Programmes = append(d.Programmes, eligibility.ProgrammeDecision{Programme: p, Status: eligibility.StatusIneligible,
			Reasons: []eligibility.Reason{{Code: eligibility.ReasonDecileAboveLimit}}})
	}
	dtks := []string{"PKH", "SEMBAKO"}
	state, ns, err := eligibility.NewFamilyState(kk, dtks, time.Time{}).
		Apply(d, eligibility.Run{ID: "run-1", At: t0, ObjectionWindow: eligibility.DefaultObjectionWindow}, false)
	if err != nil {
		t.Fatal(err)
	}
	notices := make([]domain.Notice, len(ns))
	for i, n := range ns {
		notices[i] = domain.Notice{Notice: n, State: domain.NoticePending}
	}
	rec := domain.EligibilityRecord{KK: kk, Region: d.Region, RunID: "run-1", Decision: d, State: state, DTKSReceiving: dtks, DecidedAt: t0}
	if err := repo.Eligibility.Save(ctx, []domain.EligibilityRecord{rec}, notices); err != nil {
		t.Fatal(err)
	}
}

// standing reads the family's stored state and notices.
func standing(t *testing.T, ctx context.Context, a *app.App, kk string) (eligibility.FamilyState, []domain.Notice) {
	t.Helper()
	fe, err := a.GetFamilyEligibility(ctx, kk)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := a.ListNotices(ctx, kk)
	if err != nil {
		t.Fatal(err)
	}
	return fe.Record.State, ns
}

func kinds(ns []domain.Notice) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.Programme+":"+string(n.Kind))
	}
	slices.Sort(out)
	return out
}

func same(t *testing.T, what string, a, b any) {
	t.Helper()
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Errorf("%s changed:\n%s\nwas\n%s", what, jb, ja)
	}
}

func TestObjectionUseCases(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		a, repo := objectionApp(t, url)
		t0 := time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC)
		deadline := t0.Add(eligibility.DefaultObjectionWindow)

		t.Run("a family no run decided", func(t *testing.T) {
			if err := a.FileObjection(ctx, kk(9), "PKH", t0); err != nil {
				t.Errorf("file: %v", err)
			}
			if err := a.DecideObjection(ctx, kk(9), "PKH", t0, false); err != nil {
				t.Errorf("decide: %v", err)
			}
			if _, err := a.GetFamilyEligibility(ctx, kk(9)); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("a record appeared: %v", err)
			}
		})

		t.Run("rejected after the deadline", func(t *testing.T) {
			ranked(t, ctx, repo, kk(1), t0)
			// The case was filed before the run, but the feed delivers it
			// after: the objection is not refused as stale, and holds from
			// the run.
			if err := a.FileObjection(ctx, kk(1), "PKH", t0.Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
			held, ns := standing(t, ctx, a, kk(1))
			pkh := held.Entitlement("PKH")
			if pkh.Phase != eligibility.PhaseLossHeld || !pkh.Loss.ObjectionFiledAt.Equal(t0) ||
				held.Entitlement("SEMBAKO").Phase != eligibility.PhaseLossNoticed {
				t.Errorf("after an objection to PKH: %+v", held)
			}
			// Every later step of the case is delivered too; it changes
			// nothing.
			if err := a.FileObjection(ctx, kk(1), "PKH", t0.Add(2*time.Hour)); err != nil {
				t.Fatal(err)
			}
			again, _ := standing(t, ctx, a, kk(1))
			same(t, "state on a repeated filing", held, again)

			decided := deadline.Add(48 * time.Hour)
			for range 2 { // the decision, then its replay
				if err := a.DecideObjection(ctx, kk(1), "PKH", decided, false); err != nil {
					t.Fatal(err)
				}
			}
			// A replay delivered after something else moved the state on
			// is not a second decision either.
			if err := a.DecideObjection(ctx, kk(1), "PKH", t0.Add(3*time.Hour), false); err != nil {
				t.Fatal(err)
			}
			state, after := standing(t, ctx, a, kk(1))
			if got := kinds(after); !slices.Equal(got, []string{"PKH:LOSS", "PKH:LOSS_CONFIRMED", "SEMBAKO:LOSS"}) {
				t.Fatalf("notices %v", got)
			}
			for _, n := range after {
				if n.Kind == eligibility.NoticeLossConfirmed && (!n.EffectiveAt.Equal(decided) || !n.Deadline.Equal(deadline)) {
					t.Errorf("confirmed: effective %v, deadline %v; want the decision, %v, past the deadline %v",
						n.EffectiveAt, n.Deadline, decided, deadline)
				}
			}
			if !state.EffectiveAt("PKH", deadline.Add(time.Hour)) || !state.EffectiveAt("PKH", decided.Add(-time.Nanosecond)) ||
				state.EffectiveAt("PKH", decided) {
				t.Error("PKH should be received until the decision, past the deadline, and not after")
			}
			if len(ns)+1 != len(after) {
				t.Errorf("%d notices before, %d after; want one more", len(ns), len(after))
			}
		})

		t.Run("upheld for every programme", func(t *testing.T) {
			ranked(t, ctx, repo, kk(2), t0)
			if err := a.FileObjection(ctx, kk(2), eligibility.AllProgrammes, t0.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if err := a.DecideObjection(ctx, kk(2), eligibility.AllProgrammes, t0.Add(2*time.Hour), true); err != nil {
					t.Fatal(err)
				}
			}
			state, ns := standing(t, ctx, a, kk(2))
			if got := kinds(ns); !slices.Equal(got, []string{"PKH:LOSS", "PKH:LOSS_CANCELLED", "SEMBAKO:LOSS", "SEMBAKO:LOSS_CANCELLED"}) {
				t.Errorf("notices %v", got)
			}
			for _, p := range []string{"PKH", "SEMBAKO"} {
				if e := state.Entitlement(p); e.Phase != eligibility.PhaseActive || !state.EffectiveAt(p, deadline.Add(time.Hour)) {
					t.Errorf("%s after the upheld objection: %+v", p, e)
				}
			}
			if err := a.FileObjection(ctx, kk(2), "PKH", t0.Add(3*time.Hour)); !errors.Is(err, eligibility.ErrNoPendingLoss) {
				t.Errorf("objecting with nothing pending: %v, want ErrNoPendingLoss", err)
			}
		})

		t.Run("refusals store nothing", func(t *testing.T) {
			ranked(t, ctx, repo, kk(3), t0)
			before, _ := standing(t, ctx, a, kk(3))
			if err := a.FileObjection(ctx, kk(3), "PKH", deadline); !errors.Is(err, eligibility.ErrObjectionWindowClosed) {
				t.Errorf("objecting at the deadline: %v", err)
			}
			after, _ := standing(t, ctx, a, kk(3))
			same(t, "state after a refused objection", before, after)
			// Rejected before the deadline: the loss waits for it, and a
			// second objection cannot hold it again.
			if err := a.FileObjection(ctx, kk(3), "SEMBAKO", t0.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := a.DecideObjection(ctx, kk(3), "SEMBAKO", t0.Add(2*time.Hour), false); err != nil {
				t.Fatal(err)
			}
			if err := a.FileObjection(ctx, kk(3), "SEMBAKO", t0.Add(3*time.Hour)); !errors.Is(err, eligibility.ErrObjectionAlreadyDecided) {
				t.Errorf("objecting again: %v, want ErrObjectionAlreadyDecided", err)
			}
			state, _ := standing(t, ctx, a, kk(3))
			if e := state.Entitlement("SEMBAKO"); e.Phase != eligibility.PhaseLossNoticed || !e.Loss.EffectiveAt.Equal(deadline) {
				t.Errorf("SEMBAKO rejected before its deadline: %+v", e)
			}
		})
	})
}

// TestRunHoldsContestedLosses runs rankings with open objections: a loss a
// run issues is held from the start exactly for the programmes the
// family's objections contest, and an objection whose time lies after the
// run's start does not make the run refuse the family as stale.
func TestRunHoldsContestedLosses(t *testing.T) {
	e := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Every third family objects to everything, every third to PKH alone.
	contested := map[string][]string{}
	for i := range registered {
		switch i % 3 {
		case 0:
			contested[kk(i)] = []string{eligibility.AllProgrammes}
		case 1:
			contested[kk(i)] = []string{"PKH"}
		}
	}
	var batches int
	a, err := app.New(app.Deps{Models: e.repo.Models, Runs: e.repo.Runs, Scores: e.repo.Scores,
		Eligibility: e.repo.Eligibility, Notices: e.repo.Notices, Families: e.src, Lister: e.src, Labels: e.src,
		Clock: e.clock.now, BatchSize: batchSize, Workers: 4,
		ObjectionsPending: func(_ context.Context, kks []string) (map[string][]string, error) {
			batches++
			out := map[string][]string{}
			for _, k := range kks {
				if c, ok := contested[k]; ok {
					out[k] = c
				}
			}
			return out, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	p := model.DefaultGBTParams()
	p.Rounds, p.MinSamplesLeaf, p.EarlyStoppingRounds = 20, 2, 0
	m, err := a.TrainModel(ctx, model.KindGBT, app.TrainParams{GBT: p})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ActivateModel(ctx, m.ID, "analyst@bps", "objections"); err != nil {
		t.Fatal(err)
	}
	rep, err := a.RunRanking(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := (registered + batchSize - 1) / batchSize; batches != want {
		t.Errorf("open objections read %d times, want once per batch (%d)", batches, want)
	}

	var held, noticed int
	var unheld string // a family with a loss no objection holds
	for i := range registered {
		state, ns := standing(t, ctx, a, kk(i))
		for _, n := range ns {
			if n.Kind != eligibility.NoticeLoss {
				continue
			}
			c := contested[kk(i)]
			wantHeld := slices.Contains(c, eligibility.AllProgrammes) || slices.Contains(c, n.Programme)
			phase := state.Entitlement(n.Programme).Phase
			switch {
			case wantHeld && phase == eligibility.PhaseLossHeld && n.EffectiveAt.IsZero():
				held++
			case !wantHeld && phase == eligibility.PhaseLossNoticed && n.EffectiveAt.Equal(n.Deadline):
				noticed++
				unheld = kk(i)
			default:
				t.Errorf("%s: %s loss in phase %s, effective %v; contested %q", kk(i), n.Programme, phase, n.EffectiveAt, c)
			}
		}
	}
	if held == 0 || noticed == 0 {
		t.Fatalf("%d losses held and %d noticed; the seed should give both", held, noticed)
	}

	// The family objects a day after the run started, later than the next
	// run will start; that run still decides it.
	objected := rep.Run.StartedAt.Add(24 * time.Hour)
	if err := a.FileObjection(ctx, unheld, eligibility.AllProgrammes, objected); err != nil {
		t.Fatal(err)
	}
	before, notices := standing(t, ctx, a, unheld)
	second, err := a.RunRanking(ctx, "")
	if err != nil {
		t.Fatalf("a run after a later objection: %v", err)
	}
	after, again := standing(t, ctx, a, unheld)
	if after.LastRunID != second.Run.ID || !after.Updated.Equal(objected) || len(again) != len(notices) {
		t.Errorf("after the second run: run %s updated %v, %d notices (was %d); want run %s at %v and no new notice",
			after.LastRunID, after.Updated, len(again), len(notices), second.Run.ID, objected)
	}
	same(t, "entitlements through a run that changes nothing", before.Entitlements, after.Entitlements)
}
