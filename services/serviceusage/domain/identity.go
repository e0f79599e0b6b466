package domain

import (
	"context"
	"errors"
)

// PersonStatus is what the registry says about one NIK, in this context's
// terms.
type PersonStatus struct {
	Registered bool
	FamilyKK   string
	Deceased   bool
}

// IdentityChecker answers, in bulk, whether NIKs and KK numbers are
// registered. It is implemented over the registry's gRPC API (never its
// tables); absent keys count as unregistered.
type IdentityChecker interface {
	Check(ctx context.Context, niks, kks []string) (map[string]PersonStatus, map[string]bool, error)
}

// Identities are the answers for one chunk of records.
type Identities struct {
	Persons  map[string]PersonStatus
	Families map[string]bool
}

// Keys collects the NIKs and KK numbers records need checked, each once.
func Keys(recs []Record) (niks, kks []string) {
	seenN, seenK := map[string]bool{}, map[string]bool{}
	for _, r := range recs {
		n, k := r.Identity()
		if n != "" && !seenN[n] {
			seenN[n] = true
			niks = append(niks, n)
		}
		if k != "" && !seenK[k] {
			seenK[k] = true
			kks = append(kks, k)
		}
	}
	return niks, kks
}

// Assess sets a record's cross-check outcome (issue 3, "Cross-checks"): an
// unknown NIK or KK number makes it UNMATCHED with a reason, never dropped;
// a deceased person is accepted but flagged. It reports whether the outcome
// changed.
func Assess(r Record, ids Identities) bool {
	m := r.Meta()
	before := [4]any{m.Match, m.UnmatchedReason, m.Flags, m.FamilyKK}
	nik, kk := r.Identity()
	m.Match, m.UnmatchedReason, m.Flags, m.FamilyKK = Matched, "", 0, kk
	if nik != "" {
		p := ids.Persons[nik]
		switch {
		case !p.Registered:
			m.Match, m.UnmatchedReason, m.FamilyKK = Unmatched, ReasonNIKNotRegistered, ""
		default:
			if p.Deceased {
				m.Flags = m.Flags.With(FlagPersonDeceased)
			}
			if kk == "" {
				m.FamilyKK = p.FamilyKK
			} else if p.FamilyKK != kk {
				m.Flags = m.Flags.With(FlagPersonNotInFamily)
			}
		}
	}
	if kk != "" && !ids.Families[kk] && m.Match == Matched {
		m.Match, m.UnmatchedReason, m.FamilyKK = Unmatched, ReasonKKNotRegistered, ""
	}
	return before != [4]any{m.Match, m.UnmatchedReason, m.Flags, m.FamilyKK}
}

// ErrFamilyNotRegistered is returned by a FamilyDirectory for an unknown KK.
var ErrFamilyNotRegistered = errors.New("family not registered")

// RefusedError is the registry refusing a read made on the caller's behalf
// (their token is forwarded): its own access decision, to be returned to the
// caller as it stands rather than reported as an outage.
type RefusedError struct{ Err error }

func (e *RefusedError) Error() string { return "the registry refused the caller: " + e.Err.Error() }

func (e *RefusedError) Unwrap() error { return e.Err }

// Member is a registered member of a family, as this context needs it.
type Member struct {
	NIK      string
	Deceased bool
}

// FamilyDirectory reads a family's current members from the registry.
type FamilyDirectory interface {
	Members(ctx context.Context, kk string) ([]Member, error)
}
