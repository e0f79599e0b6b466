package eligibility

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var (
	t0       = time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC) // 10:00 WIB
	window   = 30 * 24 * time.Hour
	deadline = t0.Add(window)
	kk       = kkN(1)
)

func run(id string, at time.Time) Run { return Run{ID: id, At: at, ObjectionWindow: window} }

// decided builds a settled decision: eligible for the listed programmes,
// ineligible (above the decile limit) for the others of PKH, SEMBAKO and
// PBI_JK.
func decided(eligible ...string) Decision {
	d := Decision{KK: kk, TableHash: "sha256:test"}
	for _, p := range []string{"PBI_JK", "PKH", "SEMBAKO"} {
		pd := ProgrammeDecision{Programme: p, Status: StatusIneligible,
			Reasons: []Reason{{Code: ReasonDecileAboveLimit}}}
		for _, e := range eligible {
			if e == p {
				pd = ProgrammeDecision{Programme: p, Status: StatusEligible,
					Reasons: []Reason{{Code: ReasonDecileWithinLimit}}}
			}
		}
		d.Programmes = append(d.Programmes, pd)
	}
	return d
}

func only(t *testing.T, ns []Notice) Notice {
	t.Helper()
	if len(ns) != 1 {
		t.Fatalf("want one notice, got %d: %+v", len(ns), ns)
	}
	return ns[0]
}

func mustApply(t *testing.T, s FamilyState, d Decision, r Run, pending bool) (FamilyState, []Notice) {
	t.Helper()
	out, ns, err := s.Apply(d, r, pending)
	if err != nil {
		t.Fatal(err)
	}
	return out, ns
}

// receivingPKH is a family that receives PKH and has just been ranked out
// of it at t0, with no objection.
func receivingPKH(t *testing.T) (FamilyState, Notice) {
	t.Helper()
	s, ns := mustApply(t, NewFamilyState(kk, []string{"PKH"}, time.Time{}), decided(), run("r1", t0), false)
	return s, only(t, ns)
}

func TestGainTakesEffectAtOnce(t *testing.T) {
	s, ns := mustApply(t, NewFamilyState(kk, nil, time.Time{}), decided("SEMBAKO"), run("r1", t0), false)
	n := only(t, ns)
	if n.Kind != NoticeGain || n.Programme != "SEMBAKO" || n.OldStatus != StatusIneligible || n.NewStatus != StatusEligible ||
		!n.EffectiveAt.Equal(t0) || !n.Deadline.IsZero() || n.RunID != "r1" || n.TableHash != "sha256:test" || n.KK != kk {
		t.Errorf("notice %+v", n)
	}
	if n.Reasons[0].Code != ReasonDecileWithinLimit {
		t.Errorf("reasons %+v", n.Reasons)
	}
	if s.EffectiveAt("SEMBAKO", t0.Add(-time.Nanosecond)) || !s.EffectiveAt("SEMBAKO", t0) {
		t.Error("a gain is effective from the run, not before")
	}
	if s.EffectiveAt("PKH", t0) {
		t.Error("an ineligible programme the family never had stays off")
	}
}

func TestLossTakesEffectAtTheDeadline(t *testing.T) {
	s, n := receivingPKH(t)
	if n.Kind != NoticeLoss || n.OldStatus != StatusEligible || n.NewStatus != StatusIneligible ||
		!n.Deadline.Equal(deadline) || !n.EffectiveAt.Equal(deadline) || n.Reasons[0].Code != ReasonDecileAboveLimit {
		t.Errorf("notice %+v", n)
	}
	if got := s.Entitlement("PKH").Phase; got != PhaseLossNoticed {
		t.Errorf("phase %s", got)
	}
	for at, want := range map[time.Time]bool{
		t0:                                 true,
		deadline.Add(-time.Nanosecond):     true,
		deadline:                           false,
		deadline.Add(365 * 24 * time.Hour): false,
	} {
		if got := s.EffectiveAt("PKH", at); got != want {
			t.Errorf("at %v: %v, want %v", at, got, want)
		}
	}
}

func TestPendingObjectionAtTheRunHoldsTheLoss(t *testing.T) {
	s, ns := mustApply(t, NewFamilyState(kk, []string{"PKH"}, time.Time{}), decided(), run("r1", t0), true)
	n := only(t, ns)
	if n.Kind != NoticeLoss || !n.Deadline.Equal(deadline) || !n.EffectiveAt.IsZero() {
		t.Errorf("a held loss has a deadline but no effective time: %+v", n)
	}
	if s.Entitlement("PKH").Phase != PhaseLossHeld || !s.EffectiveAt("PKH", deadline.Add(400*24*time.Hour)) {
		t.Error("a held loss keeps the programme past the deadline")
	}
	if !strings.Contains(n.Text(DefaultTable()).EN, "Your objection is being decided") {
		t.Errorf("text %q", n.Text(DefaultTable()).EN)
	}
}

func TestObjectionFiledBeforeTheDeadlineHoldsTheLoss(t *testing.T) {
	s, _ := receivingPKH(t)
	held, err := s.FileObjection(deadline.Add(-time.Nanosecond), "PKH")
	if err != nil {
		t.Fatal(err)
	}
	if held.Entitlement("PKH").Phase != PhaseLossHeld || !held.EffectiveAt("PKH", deadline.Add(90*24*time.Hour)) {
		t.Error("the objection did not hold the loss")
	}
	if s.Entitlement("PKH").Phase != PhaseLossNoticed {
		t.Error("FileObjection changed the original state")
	}
	// Filing again while held is harmless.
	if _, err := held.FileObjection(deadline.Add(time.Hour), "PKH"); err != nil {
		t.Errorf("second filing while held: %v", err)
	}
}

func TestObjectionExactlyAtTheDeadlineIsTooLate(t *testing.T) {
	s, _ := receivingPKH(t)
	if _, err := s.FileObjection(deadline, "PKH"); !errors.Is(err, ErrObjectionWindowClosed) {
		t.Errorf("at the deadline: %v", err)
	}
	if _, err := s.FileObjection(t0, "SEMBAKO"); !errors.Is(err, ErrNoPendingLoss) {
		t.Errorf("no loss pending: %v", err)
	}
	if _, err := s.FileObjection(t0.Add(-time.Hour), "PKH"); !errors.Is(err, ErrStale) {
		t.Errorf("before the run: %v", err)
	}
}

func TestObjectionRejectedAfterTheDeadlineTakesEffectAtTheDecision(t *testing.T) {
	s, loss := receivingPKH(t)
	s, err := s.FileObjection(t0.Add(10*24*time.Hour), AllProgrammes)
	if err != nil {
		t.Fatal(err)
	}
	decidedAt := t0.Add(45 * 24 * time.Hour)
	s, ns, err := s.DecideObjection(decidedAt, "PKH", false)
	if err != nil {
		t.Fatal(err)
	}
	n := only(t, ns)
	if n.Kind != NoticeLossConfirmed || !n.EffectiveAt.Equal(decidedAt) || !n.Deadline.Equal(deadline) ||
		n.Reasons[0].Code != ReasonDecileAboveLimit || n.ID == loss.ID {
		t.Errorf("notice %+v", n)
	}
	if !s.EffectiveAt("PKH", deadline) || !s.EffectiveAt("PKH", decidedAt.Add(-time.Nanosecond)) || s.EffectiveAt("PKH", decidedAt) {
		t.Error("the loss must take effect at the decision, not retroactively at the deadline")
	}
	if got := s.Entitlement("PKH").Phase; got != PhaseInactive {
		t.Errorf("phase %s", got)
	}
	if !strings.Contains(n.Text(DefaultTable()).ID, "Sanggahan Anda ditolak; PKH berakhir pada 16 April 2026 pukul 10.00 WIB") {
		t.Errorf("text %q", n.Text(DefaultTable()).ID)
	}
}

func TestObjectionRejectedBeforeTheDeadlineWaitsForTheDeadline(t *testing.T) {
	s, _ := receivingPKH(t)
	s, _ = mustFile(t, s, t0.Add(24*time.Hour))
	s, ns, err := s.DecideObjection(t0.Add(5*24*time.Hour), "PKH", false)
	if err != nil {
		t.Fatal(err)
	}
	if n := only(t, ns); !n.EffectiveAt.Equal(deadline) {
		t.Errorf("effective %v, want the deadline", n.EffectiveAt)
	}
	if !s.EffectiveAt("PKH", deadline.Add(-time.Nanosecond)) || s.EffectiveAt("PKH", deadline) {
		t.Error("effective status around the deadline")
	}
	if _, err := s.FileObjection(t0.Add(6*24*time.Hour), "PKH"); !errors.Is(err, ErrObjectionAlreadyDecided) {
		t.Errorf("a second objection must not hold the same loss again: %v", err)
	}
}

func mustFile(t *testing.T, s FamilyState, at time.Time) (FamilyState, error) {
	t.Helper()
	out, err := s.FileObjection(at, "PKH")
	if err != nil {
		t.Fatal(err)
	}
	return out, nil
}

func TestObjectionUpheldMeansNoLoss(t *testing.T) {
	s, _ := receivingPKH(t)
	s, _ = mustFile(t, s, t0.Add(24*time.Hour))
	s, ns, err := s.DecideObjection(deadline.Add(10*24*time.Hour), "PKH", true)
	if err != nil {
		t.Fatal(err)
	}
	n := only(t, ns)
	if n.Kind != NoticeLossCancelled || n.NewStatus != StatusEligible {
		t.Errorf("notice %+v", n)
	}
	if s.Entitlement("PKH").Phase != PhaseActive || !s.EffectiveAt("PKH", deadline.Add(365*24*time.Hour)) {
		t.Error("an upheld objection keeps the programme")
	}
	// A decision for a programme with nothing held changes nothing.
	again, ns, err := s.DecideObjection(deadline.Add(11*24*time.Hour), "PKH", false)
	if err != nil || len(ns) != 0 || again.Entitlement("PKH").Phase != PhaseActive {
		t.Errorf("deciding with nothing held: %v %v %s", err, ns, again.Entitlement("PKH").Phase)
	}
}

func TestRepeatedRunsDoNotDuplicateNotices(t *testing.T) {
	s, loss := receivingPKH(t)
	// The same run delivered again.
	again, ns, err := s.Apply(decided(), run("r1", t0), false)
	if err != nil || len(ns) != 0 || !reflect.DeepEqual(again, s) {
		t.Errorf("same run: %v %v", err, ns)
	}
	// A new run a week later with the same outcome: no new notice, and the
	// deadline does not slide.
	s2, ns := mustApply(t, s, decided(), run("r2", t0.Add(7*24*time.Hour)), false)
	if len(ns) != 0 {
		t.Errorf("second run re-notified: %+v", ns)
	}
	if got := s2.Entitlement("PKH").Loss; got == nil || !got.EffectiveAt.Equal(deadline) || got.Notice.ID != loss.ID {
		t.Errorf("pending loss after r2: %+v", got)
	}
	// An older run replayed after a newer one is stale.
	if _, _, err := s2.Apply(decided(), run("r0", t0.Add(-time.Hour)), false); !errors.Is(err, ErrStale) {
		t.Errorf("older run: %v", err)
	}
	// Replaying the first run from the same starting state gives the same
	// notice id, so storing it twice is an upsert.
	_, replay := receivingPKH(t)
	if replay.ID != loss.ID || loss.ID == "" {
		t.Errorf("notice ids %q %q", replay.ID, loss.ID)
	}
}

func TestRunAtTheDeadlineFindsTheLossInEffect(t *testing.T) {
	s, _ := receivingPKH(t)
	s2, ns := mustApply(t, s, decided(), run("r2", deadline), false)
	if len(ns) != 0 || s2.Entitlement("PKH").Phase != PhaseInactive {
		t.Errorf("phase %s, notices %v", s2.Entitlement("PKH").Phase, ns)
	}
	hist := s2.Entitlement("PKH").History
	if last := hist[len(hist)-1]; last.Active || !last.At.Equal(deadline) {
		t.Errorf("history %+v", hist)
	}
	// Eligible again at exactly the deadline: the loss happened, so this
	// is a fresh gain, not a withdrawal.
	s3, ns := mustApply(t, s, decided("PKH"), run("r2", deadline), false)
	if n := only(t, ns); n.Kind != NoticeGain {
		t.Errorf("kind %s", n.Kind)
	}
	if !s3.EffectiveAt("PKH", deadline) {
		t.Error("regained at the deadline")
	}
}

func TestEligibleAgainBeforeTheDeadlineWithdrawsTheLoss(t *testing.T) {
	s, _ := receivingPKH(t)
	s, ns := mustApply(t, s, decided("PKH"), run("r2", deadline.Add(-time.Nanosecond)), false)
	n := only(t, ns)
	if n.Kind != NoticeLossWithdrawn || n.NewStatus != StatusEligible {
		t.Errorf("notice %+v", n)
	}
	if s.Entitlement("PKH").Phase != PhaseActive || !s.EffectiveAt("PKH", deadline.Add(time.Hour)) {
		t.Error("the withdrawn loss must not take effect")
	}
	if len(s.Entitlement("PKH").History) != 1 {
		t.Errorf("a withdrawn loss leaves no change in history: %+v", s.Entitlement("PKH").History)
	}
}

func TestHeldLossWaitsThroughLaterRuns(t *testing.T) {
	s, _ := receivingPKH(t)
	s, _ = mustFile(t, s, t0.Add(24*time.Hour))
	s, ns := mustApply(t, s, decided(), run("r2", deadline.Add(24*time.Hour)), false)
	if len(ns) != 0 || s.Entitlement("PKH").Phase != PhaseLossHeld {
		t.Errorf("held loss after a later run: %s %v", s.Entitlement("PKH").Phase, ns)
	}
}

func TestPendingObjectionAtALaterRunHoldsANoticedLoss(t *testing.T) {
	s, _ := receivingPKH(t)
	s, ns := mustApply(t, s, decided(), run("r2", t0.Add(24*time.Hour)), true)
	if len(ns) != 0 || s.Entitlement("PKH").Phase != PhaseLossHeld {
		t.Errorf("phase %s", s.Entitlement("PKH").Phase)
	}
}

func TestObjectionToOneProgrammeHoldsOnlyItsLoss(t *testing.T) {
	s, ns, err := NewFamilyState(kk, []string{"PKH", "SEMBAKO"}, time.Time{}).ApplyContested(decided(), run("r1", t0), []string{"PKH"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 2 || s.Entitlement("PKH").Phase != PhaseLossHeld || s.Entitlement("SEMBAKO").Phase != PhaseLossNoticed {
		t.Fatalf("PKH %s, SEMBAKO %s, notices %+v; want only PKH held", s.Entitlement("PKH").Phase, s.Entitlement("SEMBAKO").Phase, ns)
	}
	// Its decision releases what it held; nothing stays held for ever.
	s, ns, err = s.DecideObjection(t0.Add(time.Hour), "PKH", true)
	if err != nil || only(t, ns).Kind != NoticeLossCancelled {
		t.Fatalf("decide: %v, %+v", err, ns)
	}
	for _, e := range s.Entitlements {
		if e.Phase == PhaseLossHeld {
			t.Errorf("%s still held after the only objection was decided", e.Programme)
		}
	}
	// A later run sees the PKH objection still open (the feed lags): the
	// noticed SEMBAKO loss is not held by it either.
	s, _ = mustApply(t, s, decided("PKH"), run("r2", t0.Add(2*time.Hour)), false)
	s, _, err = s.ApplyContested(decided("PKH"), run("r3", t0.Add(3*time.Hour)), []string{"PKH"})
	if err != nil || s.Entitlement("SEMBAKO").Phase != PhaseLossNoticed {
		t.Errorf("SEMBAKO %s, %v", s.Entitlement("SEMBAKO").Phase, err)
	}
}

func TestTransitionFromPreviousDecision(t *testing.T) {
	s, ns, err := Transition(decided("PKH", "SEMBAKO"), decided("SEMBAKO", "PBI_JK"), run("r1", t0), false)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]NoticeKind{}
	for _, n := range ns {
		kinds[n.Programme] = n.Kind
	}
	if len(ns) != 2 || kinds["PBI_JK"] != NoticeGain || kinds["PKH"] != NoticeLoss {
		t.Errorf("notices %v", kinds)
	}
	if !s.EffectiveAt("SEMBAKO", t0.Add(-24*time.Hour)) || !s.EffectiveAt("SEMBAKO", deadline.Add(time.Hour)) {
		t.Error("a kept programme stays effective throughout")
	}
	if !s.EffectiveAt("PKH", t0.Add(-24*time.Hour)) || s.EffectiveAt("PKH", deadline) {
		t.Error("the lost programme: effective before, not at the deadline")
	}
}

func TestApplyRefusesUnsettledOrForeignDecisions(t *testing.T) {
	s := NewFamilyState(kk, []string{"PKH"}, time.Time{})
	pending := decided()
	pending.Programmes[0].Status = StatusQuotaPending
	if _, _, err := s.Apply(pending, run("r1", t0), false); err == nil || !strings.Contains(err.Error(), "ApplyQuotas") {
		t.Errorf("quota pending: %v", err)
	}
	other := decided()
	other.KK = kkN(2)
	if _, _, err := s.Apply(other, run("r1", t0), false); err == nil {
		t.Error("another family's decision was applied")
	}
	if _, _, err := s.Apply(decided(), Run{ID: "r1", At: t0}, false); err == nil {
		t.Error("a run without an objection window was applied")
	}
	if _, _, err := s.Apply(decided(), Run{At: t0, ObjectionWindow: window}, false); err == nil {
		t.Error("a run without an id was applied")
	}
}

func TestApplyLeavesTheOriginalStateIntact(t *testing.T) {
	s, _ := receivingPKH(t)
	s, _ = mustFile(t, s, t0.Add(time.Hour))
	snapshot := s.clone()
	if _, _, err := s.DecideObjection(t0.Add(2*time.Hour), "PKH", false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Apply(decided("PKH"), run("r2", t0.Add(3*time.Hour)), false); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, snapshot) {
		t.Error("a method modified its receiver")
	}
}

func TestLossNoticeText(t *testing.T) {
	_, n := receivingPKH(t)
	txt := n.Text(DefaultTable())
	if !strings.Contains(txt.ID, "tidak lagi memenuhi syarat PKH") || !strings.Contains(txt.ID, "sebelum 1 April 2026 pukul 10.00 WIB") {
		t.Errorf("ID %q", txt.ID)
	}
	if !strings.Contains(txt.EN, "You may object before 1 April 2026, 10:00 WIB") {
		t.Errorf("EN %q", txt.EN)
	}
}

func TestObjectionToAllProgrammesHoldsEveryPendingLoss(t *testing.T) {
	s, ns := mustApply(t, NewFamilyState(kk, []string{"PKH", "SEMBAKO", "PBI_JK"}, time.Time{}), decided("PBI_JK"), run("r1", t0), false)
	if len(ns) != 2 {
		t.Fatalf("notices %+v", ns)
	}
	held, err := s.FileObjection(t0.Add(time.Hour), AllProgrammes)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"PKH", "SEMBAKO"} {
		if held.Entitlement(p).Phase != PhaseLossHeld {
			t.Errorf("%s: %s", p, held.Entitlement(p).Phase)
		}
	}
	if held.Entitlement("PBI_JK").Phase != PhaseActive {
		t.Error("a kept programme is not touched by the objection")
	}
	// Too late for every loss: the error says so rather than "nothing
	// pending" for the programme that had none.
	if _, err := s.FileObjection(deadline, AllProgrammes); !errors.Is(err, ErrObjectionWindowClosed) {
		t.Errorf("late objection to all: %v", err)
	}
	_, ns, err = held.DecideObjection(t0.Add(2*time.Hour), AllProgrammes, true)
	if err != nil || len(ns) != 2 || ns[0].Kind != NoticeLossCancelled || ns[1].Kind != NoticeLossCancelled {
		t.Errorf("deciding all: %v %+v", err, ns)
	}
}
