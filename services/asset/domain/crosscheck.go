package domain

import (
	"context"
	"errors"
)

// PersonIdentity is what the registry says about one NIK.
type PersonIdentity struct {
	Registered bool
	FamilyKK   string
	Deceased   bool
}

// Identities is the registry cross-check this context needs, declared in its
// own terms (DESIGN.md §3: the consumer declares the interface; an adapter
// translates the registry's API). Absent keys are unregistered.
type Identities interface {
	Lookup(ctx context.Context, niks, kks []string) (map[string]PersonIdentity, map[string]bool, error)
}

// Member is one member of a family as the registry knows it.
type Member struct {
	NIK      string
	Deceased bool
}

// FamilyDirectory reads a family's current members from the registry.
type FamilyDirectory interface {
	// Members returns ErrFamilyNotRegistered when the registry does not know kk.
	Members(ctx context.Context, kk string) ([]Member, error)
}

var (
	// ErrFamilyNotRegistered: the registry does not know the KK number.
	ErrFamilyNotRegistered = errors.New("family not registered")
	// ErrRegistryUnavailable: the registry could not be reached; the caller
	// may retry. Imports fail whole rather than mark everything UNMATCHED.
	ErrRegistryUnavailable = errors.New("registry unavailable")
)

// CheckOwner sets the cross-check result of a person-owned record (land,
// vehicle) from the registry's answer and returns the owner's family KK
// ("" when unregistered). A deceased owner's record is kept but flagged.
func (r *Record) CheckOwner(id PersonIdentity) string {
	r.Flags = nil
	if !id.Registered {
		r.Match, r.MatchReason = Unmatched, MatchNIKNotRegistered
		return ""
	}
	r.Match, r.MatchReason = Matched, ""
	if id.Deceased {
		r.Flags = []string{FlagOwnerDeceased}
	}
	return id.FamilyKK
}

// CheckFamily sets the cross-check result of a family record (housing,
// holdings).
func (r *Record) CheckFamily(registered bool) {
	r.Flags = nil
	if registered {
		r.Match, r.MatchReason = Matched, ""
	} else {
		r.Match, r.MatchReason = Unmatched, MatchKKNotRegistered
	}
}
