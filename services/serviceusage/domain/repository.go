package domain

import (
	"context"
)

// Query selects a page of one kind's records in resource-name order. Empty
// fields do not filter.
type Query struct {
	Kind         Kind
	NIK          string
	FamilyKK     string
	SourceAgency string
	SchoolYear   string
	Month        string
	Programme    Programme
	Match        MatchStatus
	// AfterName is the last name of the previous page.
	AfterName string
	Limit     int
}

// FamilyRecords are the records that make up one family's summary.
type FamilyRecords struct {
	HealthCoverages []*HealthCoverage
	Enrolments      []*Enrolment
	Utilities       []*UtilityUsage // newest month first
	Programmes      []*ProgrammeParticipation
}

// Repository stores the records. The implementation lives in adapters/.
type Repository interface {
	Get(ctx context.Context, kind Kind, name string) (Record, error)
	List(ctx context.Context, q Query) ([]Record, error)
	// FamilyRecords returns the records of the members niks and of the
	// family kk; at most utilityMonths utility records.
	FamilyRecords(ctx context.Context, kk string, niks []string, utilityMonths int) (*FamilyRecords, error)
	// RecordsFor returns every record keyed on one of niks or kks.
	RecordsFor(ctx context.Context, niks, kks []string) ([]Record, error)
	// SaveAssessments writes records' new cross-check outcomes, each only
	// if its version is still the one loaded, with their change events, in
	// one transaction. It returns how many it wrote.
	SaveAssessments(ctx context.Context, recs []Record) (int, error)
	// UnmatchedOwners returns the NIKs and KK numbers of up to limit
	// UNMATCHED records per kind, a random sample, each once.
	UnmatchedOwners(ctx context.Context, limit int) (niks, kks []string, err error)
}
