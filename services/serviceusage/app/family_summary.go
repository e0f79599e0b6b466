package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/dtsen-id/dtsen/services/serviceusage/domain"
)

// UtilityMonths is how many months of utility use a family summary shows.
const UtilityMonths = 12

// MemberUsage is one member's records.
type MemberUsage struct {
	domain.Member
	HealthCoverages []*domain.HealthCoverage
	Enrolments      []*domain.Enrolment
}

// Totals are the summary's simple counts.
type Totals struct {
	Members                int
	MembersWithoutCoverage int
	ChildrenEnrolled       int
	ActiveProgrammes       int
	CurrentSchoolYear      string
}

// FamilySummary is GetFamilyServiceUsage's result.
type FamilySummary struct {
	KK         string
	Registered bool
	Members    []MemberUsage
	Utilities  []*domain.UtilityUsage
	Programmes []*domain.ProgrammeParticipation
	Totals     Totals
}

// FamilyServiceUsage gathers one family's records. Members come from the
// registry (its current membership, not whatever family_kk an old record
// carries). An unregistered family still shows its own records; a family
// unknown to both the registry and this context is ErrNotFound.
func (a *Application) FamilyServiceUsage(ctx context.Context, kk string) (*FamilySummary, error) {
	members, err := a.directory.Members(ctx, kk)
	registered := true
	var refused *domain.RefusedError
	switch {
	case errors.Is(err, domain.ErrFamilyNotRegistered):
		registered = false
	case errors.As(err, &refused):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrRegistryUnavailable, err)
	}
	niks := make([]string, len(members))
	for i, m := range members {
		niks[i] = m.NIK
	}
	recs, err := a.repo.FamilyRecords(ctx, kk, niks, UtilityMonths)
	if err != nil {
		return nil, err
	}
	if !registered && len(recs.Utilities) == 0 && len(recs.Programmes) == 0 {
		return nil, domain.ErrNotFound
	}
	today := domain.Today(a.now())
	s := &FamilySummary{KK: kk, Registered: registered, Utilities: recs.Utilities, Programmes: recs.Programmes,
		Totals: Totals{Members: len(members), CurrentSchoolYear: domain.CurrentSchoolYear(a.now())}}
	byNIK := map[string]*MemberUsage{}
	s.Members = make([]MemberUsage, len(members))
	for i, m := range members {
		s.Members[i] = MemberUsage{Member: m}
		byNIK[m.NIK] = &s.Members[i]
	}
	for _, h := range recs.HealthCoverages {
		if mu := byNIK[h.NIK]; mu != nil {
			mu.HealthCoverages = append(mu.HealthCoverages, h)
		}
	}
	for _, e := range recs.Enrolments {
		if mu := byNIK[e.NIK]; mu != nil {
			mu.Enrolments = append(mu.Enrolments, e)
		}
	}
	for _, mu := range s.Members {
		covered := false
		for _, h := range mu.HealthCoverages {
			covered = covered || h.Class.Insured()
		}
		if !covered && !mu.Deceased {
			s.Totals.MembersWithoutCoverage++
		}
		for _, e := range mu.Enrolments {
			if e.SchoolYear == s.Totals.CurrentSchoolYear {
				s.Totals.ChildrenEnrolled++
				break
			}
		}
	}
	active := map[domain.Programme]bool{}
	for _, p := range recs.Programmes {
		if p.ActiveOn(today) {
			active[p.Programme] = true
		}
	}
	s.Totals.ActiveProgrammes = len(active)
	return s, nil
}
