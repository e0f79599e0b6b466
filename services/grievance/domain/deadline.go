package domain

import (
	"strings"
	"time"
)

// SLA is how long a case may stay in each open state before it is overdue.
type SLA map[State]time.Duration

// DefaultSLA: triage within 3 days, assignment within 5, the field visit
// within 14, the decision within 7, applying an approved change within 1
// (it is the workload's job, retried until done). The figures are a starting
// point for the ministry to confirm, not a regulation.
var DefaultSLA = SLA{
	Submitted: 3 * 24 * time.Hour,
	Triaged:   5 * 24 * time.Hour,
	Assigned:  14 * 24 * time.Hour,
	Verified:  7 * 24 * time.Hour,
	Approved:  24 * time.Hour,
}

// Deadline is when the case's current state becomes overdue; zero for a
// final state or a state without an SLA.
func (c Case) Deadline(sla SLA) time.Time {
	d, ok := sla[c.State]
	if !ok || c.State.Final() {
		return time.Time{}
	}
	return c.LevelSince.Add(d)
}

// Overdue reports whether the case's deadline passed at now.
func (c Case) Overdue(sla SLA, now time.Time) bool {
	d := c.Deadline(sla)
	return !d.IsZero() && !now.Before(d)
}

// Levels a case escalates through: the regency/city's social office
// handles a case first (its region prefix "32.04"), then the province
// ("32"), then the central ministry (""), where it stays.
const maxEscalations = 2

// HandlingRegion is the region prefix of the office responsible for the
// case now: the regency of its village, widened one administrative level per
// escalation.
func (c Case) HandlingRegion() string {
	parts := strings.Split(c.Region, ".")
	keep := 2 - c.Escalations // regency: two parts
	if keep <= 0 || len(parts) == 0 {
		return ""
	}
	return strings.Join(parts[:min(keep, len(parts))], ".")
}

// Escalate moves an overdue case to the next administrative level and
// returns whether it did: the deadline starts again for the new level, and
// the move is recorded in the history. A case at the central level stays
// there and stays overdue, on every list of overdue cases, until handled.
func (c Case) Escalate(sla SLA, now time.Time, by string) (Case, bool) {
	if !c.Overdue(sla, now) || c.Escalations >= maxEscalations {
		return c, false
	}
	next := c
	next.History = append(append([]Transition(nil), c.History...), Transition{Seq: len(c.History) + 1, At: now,
		By: by, From: c.State, To: c.State, Action: "ESCALATE",
		Reason: "overdue in " + string(c.State) + "; escalated to " + levelName(c.Escalations+1)})
	// The next level gets the state's full time again, from now.
	next.Escalations, next.LevelSince = c.Escalations+1, now
	return next, true
}

func levelName(escalations int) string {
	switch escalations {
	case 1:
		return "the province"
	case 2:
		return "the ministry"
	}
	return "the regency"
}
