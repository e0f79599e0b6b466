// Package domain holds the grievance context's case and its workflow: which
// action may move a case from which state, by which role, in which region;
// what a field verification records; and when a state's deadline passes and
// the case escalates. It does no I/O: the use cases load a case, ask it to
// take an action, and store the result with its transition.
package domain

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dtsen-id/dtsen/services/platform/auth"
)

// Type is what a case asks for.
type Type string

// The case types (issue 7; DESIGN.md §1.6).
const (
	// ExclusionObjection: "my family should receive assistance / is ranked
	// too high" — the citizen's sanggah.
	ExclusionObjection Type = "EXCLUSION_OBJECTION"
	// InclusionReport: "this family is wrongly included". The reporter is
	// protected from the reported family.
	InclusionReport Type = "INCLUSION_REPORT"
	// DataCorrection: a named field of a named context is wrong, with the
	// value proposed.
	DataCorrection Type = "DATA_CORRECTION"
	// NewRegistration: a family missing from the registry.
	NewRegistration Type = "NEW_REGISTRATION"
	// VillageDeliberation: the proposals a musyawarah desa agreed, entered by
	// the village operator with the meeting's date and minutes.
	VillageDeliberation Type = "VILLAGE_DELIBERATION"
)

// Types lists every case type.
var Types = []Type{ExclusionObjection, InclusionReport, DataCorrection, NewRegistration, VillageDeliberation}

// Known reports whether t is a case type.
func (t Type) Known() bool {
	for _, k := range Types {
		if t == k {
			return true
		}
	}
	return false
}

// State is where a case is in its workflow.
//
//	SUBMITTED → TRIAGED → ASSIGNED → VERIFIED → APPROVED → APPLIED
//	    └──────────┴──────────┴──────────┴──→ REJECTED (with a reason)
type State string

// The states.
const (
	Submitted State = "SUBMITTED"
	Triaged   State = "TRIAGED"
	Assigned  State = "ASSIGNED"
	Verified  State = "VERIFIED"
	Approved  State = "APPROVED"
	Applied   State = "APPLIED"
	Rejected  State = "REJECTED"
)

// States lists every state in workflow order.
var States = []State{Submitted, Triaged, Assigned, Verified, Approved, Applied, Rejected}

// Final reports whether no action can move the case any more.
func (s State) Final() bool { return s == Applied || s == Rejected }

// Correction is a data correction: the field of the context that is wrong
// and the value proposed.
type Correction struct {
	// Context owns the field: registry, asset, income or serviceusage.
	Context string
	// Field names it as the owning API does, e.g. "housing.floor_material".
	Field         string
	CurrentValue  string
	ProposedValue string
}

// Deliberation is a village deliberation (musyawarah desa) batch.
type Deliberation struct {
	MeetingDate time.Time
	// MinutesRef is the minutes' reference (berita acara number).
	MinutesRef string
	// Proposals are the KK numbers the meeting proposed for inclusion or
	// re-assessment.
	Proposals []string
}

// Photo is a photo taken on a field visit: its reference in the document
// store and what it shows, never the image itself.
type Photo struct {
	Ref     string
	Caption string
}

// Verification is what a field verifier recorded at the family's house.
type Verification struct {
	VisitDate time.Time
	// Verifier is the subject of the verifier who visited.
	Verifier string
	// Latitude and Longitude are where the visit was recorded (WGS 84).
	Latitude, Longitude float64
	// Answers are the disputed housing and asset questions, by question
	// code (e.g. "floor_material"), with what the verifier found.
	Answers map[string]string
	Photos  []Photo
	// Found is false when the family could not be found at its address.
	Found bool
	Notes string
}

// Decision is how a case ended.
type Decision struct {
	Approved bool
	Reason   string
}

// Transition is one entry of a case's audit trail: append-only.
type Transition struct {
	Seq    int
	At     time.Time
	By     string
	Role   auth.Role
	From   State
	To     State
	Action Action
	Reason string
}

// Case is a grievance case.
//
// Invariants: ID, Type, Region (the village the case is handled in) and
// Reporter are set; State is one of States; History holds every transition
// in order, the last one's To being State; a REJECTED case has a reason; a
// VERIFIED case has a verification; a case reported as an inclusion keeps its
// reporter out of anything shown to the reported family.
type Case struct {
	ID    string
	Type  Type
	State State
	// KK is the family concerned; empty for a new registration, which
	// names the family in Registration.
	KK string
	// Region is the dotted village code the case belongs to, which decides
	// which officers handle it.
	Region string
	// Reporter is the subject who filed the case; ReporterNIK is set when a
	// citizen did.
	Reporter    string
	ReporterNIK string
	// Programme is the programme an objection is about ("" for all).
	Programme    string
	Description  string
	Correction   *Correction
	Registration *Registration
	Deliberation *Deliberation
	// RequestID makes submission idempotent.
	RequestID string

	Assignee     string
	Verification *Verification
	Decision     *Decision

	SubmittedAt time.Time
	// StateSince is when the case entered its state.
	StateSince time.Time
	// Escalations is how many administrative levels the case has been
	// escalated past its region's regency (0: the regency's office), and
	// LevelSince when the current level got it: the deadline counts from
	// there.
	Escalations int
	LevelSince  time.Time
	History     []Transition
	// ApplyError is why the owning context refused the approved change;
	// the case stays APPROVED until an officer sorts it out.
	ApplyError string
}

// Registration proposes a family the registry does not know.
type Registration struct {
	HeadName    string
	HeadNIK     string
	Address     string
	MemberCount int
}

// ReporterProtected reports whether the reporter must be hidden from the
// family the case concerns (an inclusion report: "my neighbour is wrongly
// included" must never reach the neighbour with a name on it).
func (c Case) ReporterProtected() bool { return c.Type == InclusionReport }

// Errors the workflow refuses with. Each carries a reason code (Reason).
var (
	// ErrInvalid: the input breaks a rule; nothing changes.
	ErrInvalid = errors.New("grievance: invalid")
	// ErrWrongState: the action is not allowed from the case's state
	// (FAILED_PRECONDITION).
	ErrWrongState = errors.New("grievance: wrong state")
	// ErrForbidden: the caller's role or region may not take the action
	// (PERMISSION_DENIED).
	ErrForbidden = errors.New("grievance: forbidden")
)

// Error is a refusal with its reason code, for the API's ErrorInfo.
type Error struct {
	Kind   error
	Reason string
	Msg    string
}

func (e *Error) Error() string { return e.Kind.Error() + ": " + e.Msg }
func (e *Error) Unwrap() error { return e.Kind }

func refuse(kind error, reason, format string, args ...any) *Error {
	return &Error{Kind: kind, Reason: reason, Msg: fmt.Sprintf(format, args...)}
}

// Reason codes.
const (
	ReasonStateInvalid        = "CASE_STATE_INVALID"
	ReasonRoleNotAllowed      = "CASE_ROLE_NOT_ALLOWED"
	ReasonRegionOutOfScope    = "CASE_REGION_OUT_OF_SCOPE"
	ReasonNotAssignee         = "CASE_NOT_ASSIGNEE"
	ReasonReasonRequired      = "CASE_REASON_REQUIRED"
	ReasonAssigneeRequired    = "CASE_ASSIGNEE_REQUIRED"
	ReasonVerificationInvalid = "CASE_VERIFICATION_INVALID"
	ReasonSubmissionInvalid   = "CASE_SUBMISSION_INVALID"
)

const (
	maxText      = 2000
	maxProposals = 500
)

func textOK(s string, max int) bool { return utf8.ValidString(s) && len(s) <= max }

func trimmed(s string) string { return strings.TrimSpace(s) }
