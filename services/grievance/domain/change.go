package domain

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
)

// Change is one field of one owning context set to a value: what applying
// an approved case writes.
type Change struct {
	// Context owns the field: registry, asset, income or serviceusage.
	Context string
	// Field names it within the context, e.g. "housing.floor_material" or
	// "person.<nik>.occupation".
	Field string
	Value string
}

// Key is the change's qualified field, "<context>.<field>": the form a
// verifier's answer uses to say which field it settles.
func (ch Change) Key() string { return ch.Context + "." + ch.Field }

// AnswerChange reads a verification answer as a change when its question
// code is a qualified field ("asset.housing.floor_material"); other codes
// are answers for the officer to read, not fields to change.
func AnswerChange(code, value string) (Change, bool) {
	ctx, field, ok := strings.Cut(code, ".")
	if !ok || !slices.Contains(contexts, ctx) || field == "" {
		return Change{}, false
	}
	return Change{Context: ctx, Field: field, Value: value}, true
}

// Changes are what approving the case changes in the owning contexts: a
// data correction's proposed value, and every verification answer that
// names a field. What the verifier found at the house wins over what the
// complainant proposed for the same field: the officer approved the case
// having read the visit record. The order is stable (by key) so a retried
// apply sends the same records.
func (c Case) Changes() []Change {
	byKey := map[string]Change{}
	if cr := c.Correction; cr != nil {
		ch := Change{Context: cr.Context, Field: cr.Field, Value: cr.ProposedValue}
		byKey[ch.Key()] = ch
	}
	if v := c.Verification; v != nil {
		for code, value := range v.Answers {
			if ch, ok := AnswerChange(code, value); ok {
				byKey[ch.Key()] = ch
			}
		}
	}
	out := make([]Change, 0, len(byKey))
	for _, ch := range byKey {
		out = append(out, ch)
	}
	slices.SortFunc(out, func(a, b Change) int { return strings.Compare(a.Key(), b.Key()) })
	return out
}

// Fields knows which fields of the owning contexts a case may change and
// what values they take.
type Fields interface {
	// Check returns an ErrInvalid *Error when the field cannot be corrected
	// through a case or the value is not one it takes.
	Check(ch Change) error
}

// ErrApplyRefused: the owning context refused the change for good (the
// record it would write breaks one of its rules); retrying cannot help,
// an officer must look at it.
var ErrApplyRefused = errors.New("grievance: the owning context refused the change")

// Application is what applying an approved case sends to the owning
// contexts.
type Application struct {
	// CaseID names the case; the import batches are named after it, which
	// is what makes a retried apply a no-op in the owning context.
	CaseID string
	KK     string
	// Observed is the date the corrected values were established: the
	// case's approval. The owning contexts order records by it.
	Observed time.Time
	Changes  []Change
}

// Sources applies changes to the owning contexts.
type Sources interface {
	Fields
	// Apply writes the changes, idempotently: applying the same case again
	// changes nothing more. A permanent refusal wraps ErrApplyRefused; any
	// other error is transient.
	Apply(ctx context.Context, a Application) error
}

// ApprovedAt is when the case was approved; zero if it was not.
func (c Case) ApprovedAt() time.Time {
	for i := len(c.History) - 1; i >= 0; i-- {
		if c.History[i].Action == Approve {
			return c.History[i].At
		}
	}
	return time.Time{}
}
