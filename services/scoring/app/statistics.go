package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/eligibility"
)

var (
	// ErrNoSucceededRun: no ranking run has succeeded yet, so there are no
	// deciles to count.
	ErrNoSucceededRun = fmt.Errorf("%w: no ranking run has succeeded yet", domain.ErrNotFound)
	// ErrStatisticsNotRecorded: the newest successful run's counts were not
	// recorded (it succeeded before the service recorded them, and a newer
	// run had begun deciding when the service was upgraded). The next run
	// records its own.
	ErrStatisticsNotRecorded = fmt.Errorf("%w: the newest ranking run's statistics were not recorded", domain.ErrNotFound)
	// ErrStatisticsLevel: statistics are for the nation, a province or a
	// regency.
	ErrStatisticsLevel = fmt.Errorf("%w: region statistics are for the nation, a province (32) or a regency (32.04)", domain.ErrInvalid)
)

// Region levels' code lengths: province "32", regency "32.04", district
// "32.04.12".
const (
	provinceLen = len("32")
	regencyLen  = len("32.04")
	districtLen = len("32.04.12")
)

// StatisticsSubregionLen is the length of the codes of region's subregions:
// provinces for the nation (""), regencies for a province, districts for a
// regency; ok is false for any other region.
func StatisticsSubregionLen(region string) (n int, ok bool) {
	switch strings.Count(region, ".") {
	case 0:
		if region == "" {
			return provinceLen, true
		}
		return regencyLen, len(region) == provinceLen
	case 1:
		return districtLen, len(region) == regencyLen
	}
	return 0, false
}

// RegionStatistics are a region's counts from one ranking run: families by
// national decile, over the region and per subregion, and programme
// coverage. They hold no family.
type RegionStatistics struct {
	Region string
	RunID  string
	Distribution
	// Subregions holding families the run ranked, in code order.
	Subregions []SubregionStatistics
	// Programmes of the rules table in force, in table order, then any the
	// run decided that the table no longer has.
	Programmes []ProgrammeCoverage
}

// Distribution is a region's families and how many of them fell in each
// decile (Deciles[0] is desil 1).
type Distribution struct {
	Families int64
	Deciles  [domain.MaxDecile]int64
}

func (c *Distribution) add(decile int, n int64) {
	c.Families += n
	if decile >= 1 && decile <= domain.MaxDecile {
		c.Deciles[decile-1] += n
	}
}

// SubregionStatistics is one subregion's distribution.
type SubregionStatistics struct {
	Region string
	Distribution
}

// ProgrammeCoverage is how many families of a region a run made eligible for
// a programme, against the programme's quota.
type ProgrammeCoverage struct {
	Programme string
	// Eligible families, and their living members.
	Eligible, EligiblePersons int64
	// Quota is the rules table's, in the national view only (the table's
	// quotas are national); 0 otherwise, and for a programme without one.
	Quota     int64
	QuotaUnit eligibility.QuotaUnit
	// Coverage is the share of the quota used, in the quota's unit; 0
	// without a quota.
	Coverage float64
}

// RegionStatistics counts, for region ("" national, a province or a
// regency), the families the newest successful run ranked by decile, over
// the region and per subregion, and the families it made eligible per
// programme against the quotas. The counts are the run's, recorded when it
// succeeded: a run in progress does not change them.
func (a *App) RegionStatistics(ctx context.Context, region string) (*RegionStatistics, error) {
	subLen, ok := StatisticsSubregionLen(region)
	if !ok {
		return nil, fmt.Errorf("%w, not %q", ErrStatisticsLevel, region)
	}
	run, err := a.runs.LatestSucceeded(ctx)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, ErrNoSucceededRun
	}
	if err != nil {
		return nil, err
	}
	recorded, err := a.eligibility.HasStatistics(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	if !recorded {
		return nil, fmt.Errorf("%w (run %s)", ErrStatisticsNotRecorded, run.ID)
	}
	counts, err := a.eligibility.DecileCounts(ctx, run.ID, region, subLen)
	if err != nil {
		return nil, err
	}
	eligible, err := a.eligibility.ProgrammeCounts(ctx, run.ID, region)
	if err != nil {
		return nil, err
	}

	st := &RegionStatistics{Region: region, RunID: run.ID}
	for _, c := range counts {
		st.add(c.Decile, c.Families)
		// A code of another length (a family whose record names no
		// village) counts for the region but is no subregion.
		if len(c.Region) != subLen {
			continue
		}
		if n := len(st.Subregions); n == 0 || st.Subregions[n-1].Region != c.Region {
			st.Subregions = append(st.Subregions, SubregionStatistics{Region: c.Region})
		}
		st.Subregions[len(st.Subregions)-1].add(c.Decile, c.Families)
	}

	byProgramme := make(map[string]domain.ProgrammeCount, len(eligible))
	for _, p := range eligible {
		byProgramme[p.Programme] = p
	}
	for _, p := range a.rules.Programmes() {
		c := byProgramme[p.Code]
		delete(byProgramme, p.Code)
		pc := ProgrammeCoverage{Programme: p.Code, Eligible: c.Families, EligiblePersons: c.Persons}
		if p.Quota != nil && region == "" {
			pc.Quota, pc.QuotaUnit = p.Quota.Size, p.Quota.Unit
			used := pc.Eligible
			if p.Quota.Unit == eligibility.QuotaPersons {
				used = pc.EligiblePersons
			}
			pc.Coverage = float64(used) / float64(pc.Quota)
		}
		st.Programmes = append(st.Programmes, pc)
	}
	// Decided by a table that has since dropped the programme: still
	// counted, without a quota. eligible is in programme order.
	for _, p := range eligible {
		if c, ok := byProgramme[p.Programme]; ok {
			st.Programmes = append(st.Programmes, ProgrammeCoverage{Programme: c.Programme, Eligible: c.Families,
				EligiblePersons: c.Persons})
		}
	}
	return st, nil
}
