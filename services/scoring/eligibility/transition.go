package eligibility

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DefaultObjectionWindow is the time a family has to object (sanggah)
// before a loss takes effect. DESIGN.md §1.4 asks for "a window to object";
// 30 days is a month of post, village-office hours and harvest work.
const DefaultObjectionWindow = 30 * 24 * time.Hour

// Phase is where one family's entitlement to one programme stands.
//
//	INACTIVE ──eligible──▶ ACTIVE ──ineligible──▶ LOSS_NOTICED ──deadline──▶ INACTIVE
//	                          ▲                       │    ▲  │
//	        eligible again,   │        objection filed│    │  │ rejected: effective at
//	        objection upheld  │                       ▼    │  │ max(deadline, decision)
//	                          └──────────────────  LOSS_HELD ─┘
//
// A gain takes effect at once. A loss takes effect only when its notice's
// deadline has passed with no objection pending (DESIGN.md §1.4: no silent
// mass removals; the PBI deactivations of 2025–26 are the lesson).
type Phase string

const (
	// PhaseInactive: not receiving the programme.
	PhaseInactive Phase = "INACTIVE"
	// PhaseActive: receiving it.
	PhaseActive Phase = "ACTIVE"
	// PhaseLossNoticed: still receiving; a loss notice was issued and takes
	// effect at [PendingLoss.EffectiveAt] unless an objection is filed first.
	PhaseLossNoticed Phase = "LOSS_NOTICED"
	// PhaseLossHeld: still receiving; an objection holds the loss until it
	// is decided, however long that takes.
	PhaseLossHeld Phase = "LOSS_HELD"
)

// NoticeKind is what a notice tells the family.
type NoticeKind string

const (
	// NoticeGain: the family now qualifies; effective at once.
	NoticeGain NoticeKind = "GAIN"
	// NoticeLoss: the family no longer qualifies; it may object until the
	// deadline, and keeps the programme until then.
	NoticeLoss NoticeKind = "LOSS"
	// NoticeLossWithdrawn: a later run found the family eligible again
	// before the loss took effect; the loss notice is void.
	NoticeLossWithdrawn NoticeKind = "LOSS_WITHDRAWN"
	// NoticeLossCancelled: the family's objection was upheld; no loss.
	NoticeLossCancelled NoticeKind = "LOSS_CANCELLED"
	// NoticeLossConfirmed: the objection was rejected; the loss takes
	// effect at the later of the deadline and the decision.
	NoticeLossConfirmed NoticeKind = "LOSS_CONFIRMED"
)

// Notice tells a family that its standing for a programme changed. The
// service stores and delivers notices; ID is derived from what caused the
// notice, so storing the same notice twice is an upsert, not a duplicate.
type Notice struct {
	ID        string     `json:"id"`
	KK        string     `json:"kk"`
	Programme string     `json:"programme"`
	Kind      NoticeKind `json:"kind"`
	OldStatus Status     `json:"old_status"`
	NewStatus Status     `json:"new_status"`
	// Reasons are the decision's reasons for the new status (for a loss:
	// every rule that failed).
	Reasons  []Reason  `json:"reasons,omitempty"`
	IssuedAt time.Time `json:"issued_at"`
	// Deadline is the last moment to object (exclusive: an objection at the
	// deadline is too late). Set on LOSS and LOSS_CONFIRMED.
	Deadline time.Time `json:"deadline,omitzero"`
	// EffectiveAt is when the change takes effect: IssuedAt for a gain, the
	// deadline for a loss (zero if an objection already holds it), the
	// later of deadline and decision for a confirmed loss.
	EffectiveAt time.Time `json:"effective_at,omitzero"`
	// RunID is the ranking run that caused the notice, if a run did.
	RunID     string `json:"run_id,omitempty"`
	TableHash string `json:"table_hash,omitempty"`
}

// Change is a moment the effective status of an entitlement changed.
type Change struct {
	At     time.Time `json:"at"`
	Active bool      `json:"active"`
}

// PendingLoss is a loss that has been notified but has not taken effect.
type PendingLoss struct {
	Notice Notice `json:"notice"`
	// EffectiveAt is when the loss takes effect; zero while an objection
	// holds it.
	EffectiveAt time.Time `json:"effective_at,omitzero"`
	// ObjectionFiledAt is when an objection began to hold the loss.
	ObjectionFiledAt time.Time `json:"objection_filed_at,omitzero"`
	// ObjectionRejectedAt is set once an objection against this loss was
	// rejected; a second objection cannot hold the same loss again, or a
	// family could postpone a loss for ever.
	ObjectionRejectedAt time.Time `json:"objection_rejected_at,omitzero"`
}

// Entitlement is one family's standing for one programme.
type Entitlement struct {
	Programme string       `json:"programme"`
	Phase     Phase        `json:"phase"`
	Loss      *PendingLoss `json:"loss,omitempty"`
	// History lists the settled changes of the effective status, oldest
	// first; with Phase and Loss it answers [Entitlement.EffectiveAt] for
	// any time.
	History []Change `json:"history,omitempty"`
}

// FamilyState is a family's entitlements, the state the service persists
// between runs. Its methods return a new state and never modify the
// receiver's slices.
type FamilyState struct {
	KK string `json:"kk"`
	// Updated is the time of the last event applied; earlier events are
	// refused as stale.
	Updated time.Time `json:"updated"`
	// LastRunID makes re-delivering a run a no-op.
	LastRunID    string        `json:"last_run_id,omitempty"`
	Entitlements []Entitlement `json:"entitlements"`
}

// Run describes the ranking run whose decision is being applied.
type Run struct {
	ID string
	At time.Time
	// ObjectionWindow is how long a family has to object to a loss; see
	// [DefaultObjectionWindow].
	ObjectionWindow time.Duration
}

// AllProgrammes, as the programme of an objection, means every programme
// with a pending loss: an objection to the family's data contests them all.
const AllProgrammes = ""

var (
	// ErrStale: the event is older than the last one applied to the state.
	// At-least-once delivery can replay an old event; the service drops it.
	ErrStale = errors.New("eligibility: event is older than the family's state")
	// ErrNoPendingLoss: an objection was filed where no loss is pending.
	ErrNoPendingLoss = errors.New("eligibility: no loss is pending for this programme")
	// ErrObjectionWindowClosed: the objection came at or after the deadline.
	ErrObjectionWindowClosed = errors.New("eligibility: the objection window for this loss has closed")
	// ErrObjectionAlreadyDecided: an objection against this loss was
	// already rejected.
	ErrObjectionAlreadyDecided = errors.New("eligibility: an objection against this loss was already decided")
)

// NewFamilyState starts a family's state: receiving the listed programmes
// since the given time (zero: since before records began), nothing else.
// The first DTSEN run seeds it from the family's DTKS recipient status.
func NewFamilyState(kk string, receiving []string, since time.Time) FamilyState {
	s := FamilyState{KK: kk, Updated: since}
	codes := slices.Clone(receiving)
	slices.Sort(codes)
	for _, code := range slices.Compact(codes) {
		s.Entitlements = append(s.Entitlements, Entitlement{
			Programme: code, Phase: PhaseActive, History: []Change{{At: since, Active: true}},
		})
	}
	return s
}

// Transition is the single-step form: the family received what prev made
// it eligible for, and next is the new run's decision. It returns the state
// to persist and the notices to send.
func Transition(prev, next Decision, run Run, objectionPending bool) (FamilyState, []Notice, error) {
	var receiving []string
	for _, p := range prev.Programmes {
		if p.Status == StatusEligible {
			receiving = append(receiving, p.Programme)
		}
	}
	return NewFamilyState(prev.KK, receiving, time.Time{}).Apply(next, run, objectionPending)
}

// EffectiveAt reports whether the family receives the programme at time t.
func (s FamilyState) EffectiveAt(programme string, t time.Time) bool {
	i := s.find(programme)
	return i >= 0 && s.Entitlements[i].EffectiveAt(t)
}

// Entitlement returns the family's standing for a programme; a programme
// the family never had is inactive.
func (s FamilyState) Entitlement(programme string) Entitlement {
	if i := s.find(programme); i >= 0 {
		return s.Entitlements[i]
	}
	return Entitlement{Programme: programme, Phase: PhaseInactive}
}

// EffectiveAt reports whether the programme is received at time t: the
// settled history, then a notified loss from its effective time on. A held
// loss keeps the programme however far t lies in the future, because only
// the objection's decision can end it.
func (e Entitlement) EffectiveAt(t time.Time) bool {
	active := false
	for _, c := range e.History {
		if c.At.After(t) {
			break
		}
		active = c.Active
	}
	if e.Phase == PhaseLossNoticed && !t.Before(e.Loss.EffectiveAt) {
		return false
	}
	return active
}

// Apply applies a run's decision (after [ApplyQuotas]) to the family's
// state at run.At: gains take effect at once with a GAIN notice; a loss
// gets a LOSS notice with a deadline of run.At + run.ObjectionWindow, and
// if objectionPending (the family has an open objection case) it is held
// from the start. A loss already notified is not notified again, and keeps
// its deadline; an eligible result before the loss took effect withdraws
// it. Applying the same run twice returns the state unchanged and no
// notices. Programmes the decision does not mention are left as they are:
// dropping a programme from the table is a policy act, not a mass removal.
func (s FamilyState) Apply(next Decision, run Run, objectionPending bool) (FamilyState, []Notice, error) {
	var contested []string
	if objectionPending {
		contested = []string{AllProgrammes}
	}
	return s.ApplyContested(next, run, contested)
}

// ApplyContested is [FamilyState.Apply] for a family whose open objections
// name programmes: only a loss of a contested programme ([AllProgrammes]:
// any) is held from the start. An objection to PKH alone must not hold a
// SEMBAKO loss: its decision ([FamilyState.DecideObjection] for PKH) would
// never release it, and the loss would stay held for ever.
func (s FamilyState) ApplyContested(next Decision, run Run, contested []string) (FamilyState, []Notice, error) {
	switch {
	case s.KK != "" && next.KK != s.KK:
		return s, nil, fmt.Errorf("eligibility: decision for KK %s applied to the state of KK %s", next.KK, s.KK)
	case run.ID == "":
		return s, nil, errors.New("eligibility: run needs an id")
	case run.ObjectionWindow <= 0:
		return s, nil, errors.New("eligibility: objection window must be positive")
	case run.ID == s.LastRunID:
		return s, nil, nil
	case run.At.Before(s.Updated):
		return s, nil, ErrStale
	}
	for _, p := range next.Programmes {
		if p.Status == StatusQuotaPending {
			return s, nil, fmt.Errorf("eligibility: %s is still waiting for ApplyQuotas", p.Programme)
		}
	}
	out := s.clone()
	out.KK, out.Updated, out.LastRunID = next.KK, run.At, run.ID
	var notices []Notice
	for _, pd := range next.Programmes {
		e := out.Entitlement(pd.Programme)
		e.settle(run.At)
		base := Notice{
			KK: next.KK, Programme: pd.Programme, Reasons: pd.Reasons, IssuedAt: run.At,
			RunID: run.ID, TableHash: next.TableHash,
		}
		eligible := pd.Status == StatusEligible
		objectionPending := slices.Contains(contested, AllProgrammes) || slices.Contains(contested, pd.Programme)
		switch {
		case e.Phase == PhaseInactive && eligible:
			e.Phase = PhaseActive
			e.History = append(e.History, Change{At: run.At, Active: true})
			n := base
			n.Kind, n.OldStatus, n.NewStatus, n.EffectiveAt = NoticeGain, StatusIneligible, StatusEligible, run.At
			notices = append(notices, n.withID(run.ID))
		case e.Phase == PhaseActive && !eligible:
			n := base
			n.Kind, n.OldStatus, n.NewStatus = NoticeLoss, StatusEligible, StatusIneligible
			n.Deadline = run.At.Add(run.ObjectionWindow)
			e.Loss = &PendingLoss{}
			if objectionPending {
				e.Phase, e.Loss.ObjectionFiledAt = PhaseLossHeld, run.At
			} else {
				e.Phase, e.Loss.EffectiveAt, n.EffectiveAt = PhaseLossNoticed, n.Deadline, n.Deadline
			}
			n = n.withID(run.ID)
			e.Loss.Notice = n
			notices = append(notices, n)
		case (e.Phase == PhaseLossNoticed || e.Phase == PhaseLossHeld) && eligible:
			e.Phase, e.Loss = PhaseActive, nil
			n := base
			n.Kind, n.OldStatus, n.NewStatus = NoticeLossWithdrawn, StatusIneligible, StatusEligible
			notices = append(notices, n.withID(run.ID))
		case e.Phase == PhaseLossNoticed && objectionPending && e.Loss.ObjectionRejectedAt.IsZero():
			e.Phase, e.Loss.ObjectionFiledAt, e.Loss.EffectiveAt = PhaseLossHeld, run.At, time.Time{}
		}
		if e.Phase != PhaseInactive || len(e.History) > 0 {
			// A programme the family never had needs no record.
			out.put(e)
		}
	}
	return out, notices, nil
}

// FileObjection records an objection filed at time at against the pending
// loss of a programme ([AllProgrammes]: every pending loss). It holds the
// loss until [FamilyState.DecideObjection]. Only an objection before the
// deadline holds a loss, and only once per loss.
func (s FamilyState) FileObjection(at time.Time, programme string) (FamilyState, error) {
	if at.Before(s.Updated) {
		return s, ErrStale
	}
	out := s.clone()
	out.Updated = at
	held := false
	var firstErr error
	for i := range out.Entitlements {
		e := &out.Entitlements[i]
		if programme != AllProgrammes && e.Programme != programme {
			continue
		}
		// The window is judged before the loss settles, so that an
		// objection at the deadline hears "too late", not "nothing pending".
		var err error
		switch {
		case e.Phase == PhaseLossHeld:
			held = true
		case e.Phase != PhaseLossNoticed:
			err = ErrNoPendingLoss
		case !e.Loss.ObjectionRejectedAt.IsZero():
			err = ErrObjectionAlreadyDecided
		case !at.Before(e.Loss.Notice.Deadline):
			err = ErrObjectionWindowClosed
		default:
			e.Phase, e.Loss.ObjectionFiledAt, e.Loss.EffectiveAt = PhaseLossHeld, at, time.Time{}
			held = true
		}
		e.settle(at)
		if err != nil && (firstErr == nil || firstErr == ErrNoPendingLoss) {
			firstErr = err
		}
	}
	// With AllProgrammes, holding one loss is success; the others may have
	// had nothing to hold.
	if !held {
		if firstErr == nil {
			firstErr = ErrNoPendingLoss
		}
		return s, firstErr
	}
	return out, nil
}

// DecideObjection applies the decision, taken at time at, on the objection
// holding a programme's loss ([AllProgrammes]: every held loss). Upheld:
// the family keeps the programme. Rejected: the loss takes effect at the
// later of the notice's deadline and the decision. A programme with no held
// loss is left alone: the case may have been about something else, or a
// later run may already have withdrawn the loss.
func (s FamilyState) DecideObjection(at time.Time, programme string, upheld bool) (FamilyState, []Notice, error) {
	if at.Before(s.Updated) {
		return s, nil, ErrStale
	}
	out := s.clone()
	out.Updated = at
	var notices []Notice
	for i := range out.Entitlements {
		e := &out.Entitlements[i]
		if programme != AllProgrammes && e.Programme != programme {
			continue
		}
		e.settle(at)
		if e.Phase != PhaseLossHeld {
			continue
		}
		loss := e.Loss.Notice
		n := Notice{KK: s.KK, Programme: e.Programme, IssuedAt: at, TableHash: loss.TableHash}
		key := loss.ID + "/" + at.UTC().Format(time.RFC3339Nano)
		if upheld {
			e.Phase, e.Loss = PhaseActive, nil
			n.Kind, n.OldStatus, n.NewStatus = NoticeLossCancelled, StatusIneligible, StatusEligible
			notices = append(notices, n.withID(key))
			continue
		}
		effective := loss.Deadline
		if at.After(effective) {
			effective = at
		}
		e.Phase, e.Loss.EffectiveAt, e.Loss.ObjectionRejectedAt = PhaseLossNoticed, effective, at
		n.Kind, n.OldStatus, n.NewStatus = NoticeLossConfirmed, StatusEligible, StatusIneligible
		n.Reasons, n.Deadline, n.EffectiveAt = loss.Reasons, loss.Deadline, effective
		notices = append(notices, n.withID(key))
		e.settle(at)
	}
	return out, notices, nil
}

// settle makes a notified loss whose time has come take effect.
func (e *Entitlement) settle(t time.Time) {
	if e.Phase == PhaseLossNoticed && !t.Before(e.Loss.EffectiveAt) {
		e.History = append(e.History, Change{At: e.Loss.EffectiveAt, Active: false})
		e.Phase, e.Loss = PhaseInactive, nil
	}
}

func (s FamilyState) find(programme string) int {
	return slices.IndexFunc(s.Entitlements, func(e Entitlement) bool { return e.Programme == programme })
}

func (s *FamilyState) put(e Entitlement) {
	if i := s.find(e.Programme); i >= 0 {
		s.Entitlements[i] = e
		return
	}
	s.Entitlements = append(s.Entitlements, e)
	slices.SortFunc(s.Entitlements, func(a, b Entitlement) int { return strings.Compare(a.Programme, b.Programme) })
}

// clone copies the state deeply enough that changing the copy's
// entitlements, histories and pending losses leaves the original intact.
func (s FamilyState) clone() FamilyState {
	out := s
	out.Entitlements = make([]Entitlement, len(s.Entitlements))
	for i, e := range s.Entitlements {
		e.History = slices.Clone(e.History)
		if e.Loss != nil {
			l := *e.Loss
			e.Loss = &l
		}
		out.Entitlements[i] = e
	}
	return out
}

// withID derives the notice's id from its family, programme, kind and the
// event that caused it, so that a replayed event yields the same id.
func (n Notice) withID(cause string) Notice {
	h := sha256.Sum256([]byte(n.KK + "\x00" + n.Programme + "\x00" + string(n.Kind) + "\x00" + cause))
	n.ID = hex.EncodeToString(h[:16])
	return n
}

// Text is the notice's message to the family in Bahasa Indonesia and
// English, naming the programme as the table does. The reasons travel with
// the notice and are shown under it.
func (n Notice) Text(t *Table) Text {
	name := n.Programme
	if i := t.programmeIndex(n.Programme); i >= 0 {
		name = t.programmes[i].Short
	}
	switch n.Kind {
	case NoticeGain:
		at := formatDate(n.EffectiveAt)
		return Text{
			ID: "Keluarga Anda memenuhi syarat " + name + " mulai " + at.ID + ".",
			EN: "Your family qualifies for " + name + " from " + at.EN + ".",
		}
	case NoticeLoss:
		dl := formatDate(n.Deadline)
		msg := Text{
			ID: "Menurut pemeringkatan DTSEN terbaru, keluarga Anda tidak lagi memenuhi syarat " + name +
				". Anda dapat mengajukan sanggahan sebelum " + dl.ID + ". ",
			EN: "Under the latest DTSEN ranking your family no longer qualifies for " + name +
				". You may object before " + dl.EN + ". ",
		}
		if n.EffectiveAt.IsZero() {
			msg.ID += "Sanggahan Anda sedang diproses; bantuan tetap diberikan sampai ada keputusan."
			msg.EN += "Your objection is being decided; you keep receiving it until then."
		} else {
			msg.ID += "Bantuan tetap diberikan sampai batas waktu itu, dan selama sanggahan diproses."
			msg.EN += "You keep receiving it until then, and while an objection is being decided."
		}
		return msg
	case NoticeLossWithdrawn:
		return Text{
			ID: "Pemberitahuan sebelumnya bahwa " + name + " akan berakhir dibatalkan: keluarga Anda kembali memenuhi syarat menurut pemeringkatan terbaru.",
			EN: "The earlier notice that " + name + " would end is withdrawn: your family qualifies again under the latest ranking.",
		}
	case NoticeLossCancelled:
		return Text{
			ID: "Sanggahan Anda diterima; keluarga Anda tetap menerima " + name + ".",
			EN: "Your objection was upheld; your family keeps " + name + ".",
		}
	case NoticeLossConfirmed:
		at := formatDate(n.EffectiveAt)
		return Text{
			ID: "Sanggahan Anda ditolak; " + name + " berakhir pada " + at.ID + ".",
			EN: "Your objection was rejected; " + name + " ends on " + at.EN + ".",
		}
	}
	return Text{ID: string(n.Kind), EN: string(n.Kind)}
}
