package domain

import "strings"

// Violation is one problem with one field; Reason is UPPER_SNAKE.
//
// Field uses the proto field names (snake_case) so the ports layer can put
// it straight into a BadRequest field violation.
type Violation struct {
	Field, Reason, Description string
}

// Violations implements error (message joins them); nil/empty means valid.
//
// Beware the typed-nil trap: an empty Violations stored in an error is a
// non-nil error. Use Err to convert.
type Violations []Violation

// Error joins all violations, so a log line shows every problem at once.
func (v Violations) Error() string {
	if len(v) == 0 {
		return "no violations"
	}
	var b strings.Builder
	for i, x := range v {
		if i > 0 {
			b.WriteString("; ")
		}
		if x.Field != "" {
			b.WriteString(x.Field)
			b.WriteString(": ")
		}
		b.WriteString(x.Description)
		b.WriteString(" (")
		b.WriteString(x.Reason)
		b.WriteString(")")
	}
	return b.String()
}

// Err returns v as an error, or a true nil when v is empty.
func (v Violations) Err() error {
	if len(v) == 0 {
		return nil
	}
	return v
}

// Prefix returns copies whose Field is prefixed: prefix+"."+Field (or
// prefix+Field when Field starts with '['), so a member's "nik" becomes
// "members[2].nik" and an index path nests without a stray dot.
func (v Violations) Prefix(prefix string) Violations {
	if len(v) == 0 {
		return nil
	}
	out := make(Violations, len(v))
	for i, x := range v {
		switch {
		case x.Field == "":
			x.Field = prefix
		case prefix == "":
		case x.Field[0] == '[':
			x.Field = prefix + x.Field
		default:
			x.Field = prefix + "." + x.Field
		}
		out[i] = x
	}
	return out
}

// Precondition is a state conflict (maps to FAILED_PRECONDITION), e.g.
// recording a death twice with another date: the request is well formed but
// the record's current state forbids it.
type Precondition struct {
	Reason, Description string
}

func (p *Precondition) Error() string {
	return p.Reason + ": " + p.Description
}

func precondition(reason, description string) *Precondition {
	return &Precondition{Reason: reason, Description: description}
}
