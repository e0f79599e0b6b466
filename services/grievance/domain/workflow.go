package domain

import (
	"math"
	"slices"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/auth"
)

// Action is what an actor does to a case.
type Action string

// The actions.
const (
	// Triage: an officer of the region has read the case and accepts it for
	// handling.
	Triage Action = "TRIAGE"
	// Assign: a district officer hands the case to a field verifier of the
	// region.
	Assign Action = "ASSIGN"
	// RecordVerification: the assigned verifier records the visit.
	RecordVerification Action = "RECORD_VERIFICATION"
	// Approve and Reject: a district officer decides. Reject is possible from
	// any open state before a decision (a duplicate or an abusive case need
	// not be visited).
	Approve Action = "APPROVE"
	Reject  Action = "REJECT"
	// Apply: the grievance workload applied the approved change to the
	// owning context.
	Apply Action = "APPLY"
)

// Actor is who takes an action, as their token says.
type Actor struct {
	Subject string
	Role    auth.Role
	// Region is the actor's scope (region-bound roles).
	Region string
}

// rule is one legal move of the workflow.
type rule struct {
	from   []State
	action Action
	to     State
	roles  []auth.Role
}

// rules is the workflow, as data: every legal (state, action) pair, the
// state it leads to and the roles that may take it. Anything else is
// refused.
var rules = []rule{
	{[]State{Submitted}, Triage, Triaged,
		[]auth.Role{auth.RoleVillageOperator, auth.RoleDistrictOfficer, auth.RoleProvincialOfficer, auth.RoleAdmin}},
	{[]State{Triaged, Assigned}, Assign, Assigned,
		[]auth.Role{auth.RoleDistrictOfficer, auth.RoleProvincialOfficer, auth.RoleAdmin}},
	{[]State{Assigned}, RecordVerification, Verified, []auth.Role{auth.RoleFieldVerifier}},
	{[]State{Verified}, Approve, Approved, []auth.Role{auth.RoleDistrictOfficer, auth.RoleProvincialOfficer, auth.RoleAdmin}},
	{[]State{Submitted, Triaged, Assigned, Verified}, Reject, Rejected,
		[]auth.Role{auth.RoleDistrictOfficer, auth.RoleProvincialOfficer, auth.RoleAdmin}},
	{[]State{Approved}, Apply, Applied, []auth.Role{auth.RoleService}},
}

// Actions lists every action.
var Actions = []Action{Triage, Assign, RecordVerification, Approve, Reject, Apply}

// Next is the state action leads to from s, and whether the move is legal.
func Next(s State, a Action) (State, bool) {
	for _, r := range rules {
		if r.action == a && slices.Contains(r.from, s) {
			return r.to, true
		}
	}
	return s, false
}

// Allowed are the roles that may take action.
func Allowed(a Action) []auth.Role {
	for _, r := range rules {
		if r.action == a {
			return slices.Clone(r.roles)
		}
	}
	return nil
}

// Step is one action with what it carries.
type Step struct {
	Action Action
	By     Actor
	At     time.Time
	// Reason is required to reject, and recorded for every action.
	Reason string
	// Assignee is the verifier's subject (Assign).
	Assignee string
	// Verification is the visit (RecordVerification).
	Verification *Verification
}

// Take applies step to the case and returns the new case with its
// transition appended; the receiver is not changed. The checks run in
// order — role, region, state, assignee, payload — so that an officer of
// another region learns nothing of the case, not even its state.
func (c Case) Take(step Step) (Case, error) {
	if !slices.Contains(Allowed(step.Action), step.By.Role) {
		return c, refuse(ErrForbidden, ReasonRoleNotAllowed, "role %s may not %s a case", step.By.Role, step.Action)
	}
	if step.By.Role.RegionBound() && !auth.RegionWithin(c.Region, step.By.Region) {
		return c, refuse(ErrForbidden, ReasonRegionOutOfScope, "case of %s is outside region %s", c.Region, step.By.Region)
	}
	to, ok := Next(c.State, step.Action)
	if !ok {
		return c, refuse(ErrWrongState, ReasonStateInvalid, "a %s case cannot be %s", c.State, step.Action)
	}
	reason := trimmed(step.Reason)
	if !textOK(reason, maxText) {
		return c, refuse(ErrInvalid, ReasonReasonRequired, "reason must be valid text of at most %d bytes", maxText)
	}
	next := c
	next.History = slices.Clone(c.History)
	switch step.Action {
	case Assign:
		if trimmed(step.Assignee) == "" {
			return c, refuse(ErrInvalid, ReasonAssigneeRequired, "assigning needs the verifier's subject")
		}
		next.Assignee = trimmed(step.Assignee)
	case RecordVerification:
		if step.By.Subject != c.Assignee {
			return c, refuse(ErrForbidden, ReasonNotAssignee, "only the assigned verifier records the visit")
		}
		v, err := checkVerification(step.Verification, step.By.Subject, step.At)
		if err != nil {
			return c, err
		}
		next.Verification = v
	case Approve:
		next.Decision = &Decision{Approved: true, Reason: reason}
	case Reject:
		if reason == "" {
			return c, refuse(ErrInvalid, ReasonReasonRequired, "a rejection needs a reason the complainant will read")
		}
		next.Decision = &Decision{Approved: false, Reason: reason}
	}
	next.History = append(next.History, Transition{Seq: len(c.History) + 1, At: step.At, By: step.By.Subject,
		Role: step.By.Role, From: c.State, To: to, Action: step.Action, Reason: reason})
	// A step done, the case is back with its regency for the next one.
	next.State, next.StateSince, next.LevelSince, next.Escalations = to, step.At, step.At, 0
	return next, nil
}

// checkVerification validates a visit record; the verifier is the actor.
func checkVerification(v *Verification, verifier string, at time.Time) (*Verification, error) {
	bad := func(msg string) error { return refuse(ErrInvalid, ReasonVerificationInvalid, "%s", msg) }
	switch {
	case v == nil:
		return nil, bad("the visit record is missing")
	case v.VisitDate.IsZero() || v.VisitDate.After(at):
		return nil, bad("the visit date must be set and not in the future")
	case math.IsNaN(v.Latitude) || math.IsNaN(v.Longitude) || v.Latitude < -90 || v.Latitude > 90 ||
		v.Longitude < -180 || v.Longitude > 180:
		return nil, bad("the GPS position is not a latitude and longitude")
	// Indonesia spans about 6°N–11°S and 95°E–141°E; a visit recorded
	// elsewhere is a device or entry error.
	case v.Latitude > 7 || v.Latitude < -12 || v.Longitude < 94 || v.Longitude > 142:
		return nil, bad("the GPS position lies outside Indonesia")
	case !textOK(v.Notes, maxText):
		return nil, bad("notes are too long")
	}
	out := *v
	out.Verifier = verifier
	out.Answers = make(map[string]string, len(v.Answers))
	for q, a := range v.Answers {
		if trimmed(q) == "" || !textOK(q, 64) || !textOK(a, 500) {
			return nil, bad("an answer's question code or text is malformed")
		}
		out.Answers[q] = a
	}
	for _, p := range v.Photos {
		if trimmed(p.Ref) == "" || !textOK(p.Ref, 256) || !textOK(p.Caption, 500) {
			return nil, bad("a photo reference is malformed")
		}
	}
	out.Photos = slices.Clone(v.Photos)
	return &out, nil
}
