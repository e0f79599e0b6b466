package domain

import (
	"fmt"

	"github.com/dtsen-id/dtsen/services/scoring/eligibility"
)

// NoticeState is how far a notice is in its delivery to the family.
type NoticeState string

const (
	// NoticePending: stored, not yet handed to the delivery channel.
	NoticePending NoticeState = "PENDING"
	// NoticeDelivered: handed over; the objection window counts from
	// IssuedAt regardless.
	NoticeDelivered NoticeState = "DELIVERED"
)

// Notice is an eligibility notice (eligibility.Notice) as stored, with its
// delivery state.
//
// Invariants: ID, KK, Programme and Kind are set. The ID is derived from the
// notice's cause, so storing the same notice twice keeps one copy — and the
// first copy's delivery state, so that a replayed event can never make a
// delivered notice pending again and send it twice.
type Notice struct {
	eligibility.Notice
	State NoticeState
}

// Validate checks a notice before it is stored.
func (n *Notice) Validate() error {
	switch {
	case n.ID == "":
		return fmt.Errorf("%w: notice has no id", ErrInvalid)
	case n.KK == "":
		return fmt.Errorf("%w: notice %s has no KK", ErrInvalid, n.ID)
	case n.Programme == "":
		return fmt.Errorf("%w: notice %s has no programme", ErrInvalid, n.ID)
	case n.Kind == "":
		return fmt.Errorf("%w: notice %s has no kind", ErrInvalid, n.ID)
	case n.State != NoticePending && n.State != NoticeDelivered:
		return fmt.Errorf("%w: notice %s: unknown state %q", ErrInvalid, n.ID, n.State)
	}
	return nil
}
