package domain

import (
	"context"
	"errors"
)

// PersonIdentity is what the registry says about one NIK, in this context's
// terms.
type PersonIdentity struct {
	Registered bool
	FamilyKK   string
	Deceased   bool
}

// IdentityChecker answers, for many NIKs and KK numbers at once, whether the
// registry knows them. It is the import cross-check; an adapter implements it
// over the registry's gRPC API, never its tables.
type IdentityChecker interface {
	CheckIdentities(ctx context.Context, niks, kks []string) (map[string]PersonIdentity, map[string]bool, error)
}

// Member is one member of a registered family.
type Member struct {
	NIK      string
	Deceased bool
}

// ErrFamilyNotRegistered is returned by a FamilyDirectory for a KK number the
// registry does not know.
var ErrFamilyNotRegistered = errors.New("family not registered")

// ErrRegistryUnavailable wraps a failure to reach the registry, so the ports
// can answer UNAVAILABLE rather than INTERNAL.
var ErrRegistryUnavailable = errors.New("registry unavailable")

// FamilyDirectory lists a family's members as the registry holds them.
type FamilyDirectory interface {
	FamilyMembers(ctx context.Context, kk string) ([]Member, error)
}

// ReadPolicy decides whether the caller in ctx may read the records of family
// kk or, when kk is "", of person nik. It is asked before anything is read,
// so a refusal never tells the caller whether a record exists. The family's
// region and members are the registry's, so an adapter implements it over
// the registry's API; its refusals are PERMISSION_DENIED statuses to return
// as they are.
type ReadPolicy interface {
	AuthorizeRead(ctx context.Context, kk, nik string) error
}

// ApplyMatch sets rec's cross-check outcome from the registry's answers. It
// reports whether the outcome changed. A person record is UNMATCHED when the
// registry does not know its NIK, and flagged OWNER_DECEASED (but kept) when
// the person has died; a family record is UNMATCHED when the KK number is
// unknown. Unknown identities are never dropped: they wait for the
// registry's change feed to reconcile them.
func ApplyMatch(rec Record, persons map[string]PersonIdentity, families map[string]bool) bool {
	m := rec.MatchInfo()
	before := *m
	m.Status, m.Reason, m.Flags, m.FamilyKK = Matched, "", 0, ""
	if nik := rec.OwnerNIK(); nik != "" {
		p := persons[nik]
		switch {
		case !p.Registered:
			m.Status, m.Reason = Unmatched, MatchNIKNotRegistered
		default:
			m.FamilyKK = p.FamilyKK
			if p.Deceased {
				m.Flags = m.Flags.With(FlagOwnerDeceased)
			}
		}
	} else {
		kk := rec.OwnerKK()
		if !families[kk] {
			m.Status, m.Reason = Unmatched, MatchKKNotRegistered
		} else {
			m.FamilyKK = kk
		}
	}
	return m.Status != before.Status || m.Reason != before.Reason || m.Flags != before.Flags
}
