package domain

import (
	"context"
	"fmt"
	"time"

	"github.com/dtsen-id/dtsen/services/scoring/eligibility"
)

// StagedFacts are a family's eligibility facts as a ranking run read them
// while scoring it. They wait in storage until the run has cut the deciles,
// so deciding eligibility does not fetch every family from the four source
// contexts a second time.
type StagedFacts struct {
	KK    string
	RunID string
	// Facts lack Decile and Score until the run places the family.
	Facts eligibility.Facts
	// DTKSReceiving are the programmes (rules-table codes) the old DTKS
	// lists gave the family.
	DTKSReceiving []string
}

// EligibilityRecord is a family's eligibility as the last ranking run
// decided it, and its standing after notices.
//
// Invariants: KK and RunID are set; Decision.KK and State.KK are KK; the
// family appears in the eligible lists exactly for the programmes its
// Decision makes it eligible for.
type EligibilityRecord struct {
	KK     string
	Region string
	RunID  string
	// Decision is after quotas (eligibility.ApplyQuotas).
	Decision      eligibility.Decision
	State         eligibility.FamilyState
	DTKSReceiving []string
	DecidedAt     time.Time
}

// Validate checks a record before it is stored.
func (r *EligibilityRecord) Validate() error {
	switch {
	case r.KK == "":
		return fmt.Errorf("%w: eligibility record has no KK", ErrInvalid)
	case r.RunID == "":
		return fmt.Errorf("%w: eligibility of %s names no run", ErrInvalid, r.KK)
	case r.Decision.KK != r.KK || (r.State.KK != "" && r.State.KK != r.KK):
		return fmt.Errorf("%w: eligibility of %s carries another family's decision or state", ErrInvalid, r.KK)
	}
	return nil
}

// EligibleFamily is one row of a programme's eligible list.
type EligibleFamily struct {
	KK     string
	Region string
	Decile int
}

// Eligibility stores staged facts, eligibility records and the notices
// they produce.
type Eligibility interface {
	// StageFacts stores facts for a run, replacing a family's earlier ones.
	StageFacts(ctx context.Context, facts []StagedFacts) error
	// StagedFacts returns the facts staged for the given families, by KK;
	// a family without staged facts is absent.
	StagedFacts(ctx context.Context, kks []string) (map[string]StagedFacts, error)
	// Save stores the records, replacing each family's record and its
	// eligible-list rows, and upserts the notices (Notices.Upsert), all in
	// one transaction.
	Save(ctx context.Context, recs []EligibilityRecord, notices []Notice) error
	// Get returns a family's record; ErrNotFound if no run decided it.
	Get(ctx context.Context, kk string) (*EligibilityRecord, error)
	// GetMany returns the records of the given families, by KK.
	GetMany(ctx context.Context, kks []string) (map[string]*EligibilityRecord, error)
	// ListEligible returns a page of the families eligible for programme
	// within regionPrefix ("" nationwide), in (region, KK) order;
	// Page.After is EligibleCursor of the last row seen.
	ListEligible(ctx context.Context, programme, regionPrefix string, p Page) ([]EligibleFamily, error)
	// Each calls fn with every record within regionPrefix, in KK order.
	Each(ctx context.Context, regionPrefix string, fn func(*EligibilityRecord) error) error

	// RecordStatistics records a run's counts per village from the records
	// it decided: families by decile, and families eligible per programme
	// with their living members. It replaces what was recorded for the run
	// before, so it is safe to repeat; call it when the run's eligibility
	// pass is done, before the run succeeds.
	RecordStatistics(ctx context.Context, runID string) error
	// HasStatistics reports whether a run's counts were recorded.
	HasStatistics(ctx context.Context, runID string) (bool, error)
	// DecileCounts returns the families the run ranked within regionPrefix
	// ("" nationwide) by subregion, the first subregionLen characters of
	// their village code, and decile, in that order.
	DecileCounts(ctx context.Context, runID, regionPrefix string, subregionLen int) ([]DecileCount, error)
	// ProgrammeCounts returns, per programme, the families the run made
	// eligible within regionPrefix and their living members, in programme
	// order; a programme no family is eligible for is absent.
	ProgrammeCounts(ctx context.Context, runID, regionPrefix string) ([]ProgrammeCount, error)
}

// DecileCount is how many families of a run's ranking live in one region
// and fell in one decile.
type DecileCount struct {
	Region   string
	Decile   int
	Families int64
}

// ProgrammeCount is how many families a run made eligible for a programme,
// and how many living members they have.
type ProgrammeCount struct {
	Programme string
	Families  int64
	Persons   int64
}

// RegionCursor is the Page.After of a list in (region, KK) order after the
// row of family kk in region.
func RegionCursor(region, kk string) string { return region + "/" + kk }

// EligibleCursor is the Page.After of ListEligible after row f.
func EligibleCursor(f EligibleFamily) string { return RegionCursor(f.Region, f.KK) }
