package features

import (
	"math"
	"sort"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
)

// Flag is an inconsistency a score carries for an officer to look at
// (DESIGN.md §1.3). A flag never changes the score itself.
type Flag string

// The flags.
const (
	// FlagMemberDeceased: a member on the KK is recorded as deceased.
	FlagMemberDeceased Flag = "MEMBER_DECEASED"
	// FlagUnmatchedRecords: a source context holds records for the family
	// that it could not match to the registry (MATCH_STATUS_UNMATCHED), or
	// does not know the KK at all.
	FlagUnmatchedRecords Flag = "UNMATCHED_RECORDS"
	// FlagDataStale: a context's newest observation of the family is older
	// than its StalePolicy threshold.
	FlagDataStale Flag = "DATA_STALE"
	// FlagDeclaredConsumptionInconsistent: the family declares far less
	// consumption than the model predicts from everything else (the "Pak
	// Budi" case of DESIGN.md §1.3): field verification, not desil 1.
	FlagDeclaredConsumptionInconsistent Flag = "DECLARED_CONSUMPTION_INCONSISTENT"
)

// Finding is one raised flag.
type Finding struct {
	Flag Flag
	// Context is the source context the finding is about.
	Context Context
	// Count is the number of deceased members (MEMBER_DECEASED) or of
	// unmatched records (UNMATCHED_RECORDS); 0 otherwise.
	Count int
	// Newest is the context's newest observation date, `YYYY-MM-DD`
	// (DATA_STALE).
	Newest string
	// AgeDays is how many days before the reference date Newest lies
	// (DATA_STALE).
	AgeDays int
}

// StalePolicy sets, per context, how old (in days before the reference
// date) the newest observation of a family may be before DATA_STALE is
// raised. 0 disables the check for that context. The registry is not
// checked: Dukcapil is the source of truth and a KK unchanged for years is
// not stale.
type StalePolicy struct {
	Asset, Income, ServiceUsage int
}

// DefaultStalePolicy follows each context's collection rhythm, with DTSEN's
// quarterly updates (DESIGN.md §2, "Scale") in mind:
//   - service usage, 180 days: PLN bills and BPJS Kesehatan membership are
//     monthly feeds, so nothing for two quarters means the feeds no longer
//     reach the family;
//   - income, 365 days: BPJS Ketenagakerjaan wages are monthly, Sakernas
//     runs twice a year, tax returns and the OJK data-sharing yearly;
//   - asset, 730 days: the housing survey is the slowest source, and
//     vehicles and land are re-reported at least yearly (vehicle tax, PBB).
var DefaultStalePolicy = StalePolicy{Asset: 730, Income: 365, ServiceUsage: 180}

// DeclaredInconsistencyRatio is the DECLARED_CONSUMPTION_INCONSISTENT
// threshold: the flag is raised when declared consumption per capita is
// below this share of the predicted one. Honest declarations scatter about
// ±20% around the truth, so at 0.5 one is flagged only when the model also
// over-predicts by a factor of about 1.6; a household hiding a third or
// more of its spending is flagged by a model that is roughly right. On the
// synthetic population with exact predictions it flags 65% of the
// deliberate under-reporters and 0.14% of honest declarers
// (TestDeclaredFlagOnPopulation); a model's error adds to both.
const DeclaredInconsistencyRatio = 0.5

// DeclaredConsumptionInconsistent says whether a declared consumption per
// capita (rupiah per person per month, see DeclaredConsumption) is far
// below the model's prediction (ln rupiah per person per month): declared <
// exp(predicted) × DeclaredInconsistencyRatio. A missing or non-positive
// declaration, or a NaN prediction, is never inconsistent.
func DeclaredConsumptionInconsistent(predictedLogPerCapita, declaredPerCapita float64) bool {
	if math.IsNaN(predictedLogPerCapita) || math.IsInf(predictedLogPerCapita, 0) ||
		math.IsNaN(declaredPerCapita) || declaredPerCapita <= 0 {
		return false
	}
	return declaredPerCapita < math.Exp(predictedLogPerCapita)*DeclaredInconsistencyRatio
}

// DeriveFlags raises the flags that follow from the data alone, in a fixed
// order: MEMBER_DECEASED, then UNMATCHED_RECORDS and DATA_STALE per context
// (asset, income, service usage). DECLARED_CONSUMPTION_INCONSISTENT needs
// the model's prediction: see DeclaredConsumptionInconsistent.
func DeriveFlags(in Input, p StalePolicy) ([]Finding, error) {
	if _, err := in.validate(); err != nil {
		return nil, err
	}
	ref := newRefDate(in.ReferenceDate)
	var out []Finding
	if n := deceasedMembers(&in); n > 0 {
		out = append(out, Finding{Flag: FlagMemberDeceased, Context: ContextRegistry, Count: n})
	}
	type source struct {
		ctx       Context
		present   bool
		unmatched int
		newest    day
		threshold int
	}
	sources := []source{{ctx: ContextAsset, present: in.Assets != nil, threshold: p.Asset},
		{ctx: ContextIncome, present: in.Economics != nil, threshold: p.Income},
		{ctx: ContextServiceUsage, present: in.ServiceUsage != nil, threshold: p.ServiceUsage}}
	sources[0].unmatched, sources[0].newest = assetRecords(in.Assets)
	sources[1].unmatched, sources[1].newest = incomeRecords(in.Economics)
	sources[2].unmatched, sources[2].newest = usageRecords(in.ServiceUsage)
	for _, s := range sources {
		if s.present && s.unmatched > 0 {
			out = append(out, Finding{Flag: FlagUnmatchedRecords, Context: s.ctx, Count: s.unmatched})
		}
	}
	for _, s := range sources {
		// A context without any dated record has no data, which is not
		// staleness: the features are NaN and the model copes.
		if !s.present || s.threshold <= 0 || s.newest == noDay {
			continue
		}
		if age := int(ref.day - s.newest); age > s.threshold {
			out = append(out, Finding{Flag: FlagDataStale, Context: s.ctx, Newest: dayString(s.newest), AgeDays: age})
		}
	}
	return out, nil
}

// deceasedMembers counts the distinct members any context records as
// deceased: the registry's vital status, and the deceased marks the income
// and service-usage contexts copy from it.
func deceasedMembers(in *Input) int {
	var niks []string
	for _, m := range in.Family.GetMembers() {
		if m.GetVitalStatus() == registryv1.VitalStatus_VITAL_STATUS_DECEASED {
			niks = append(niks, m.GetNik())
		}
	}
	for _, m := range in.Economics.GetMembers() {
		if m.GetDeceased() {
			niks = append(niks, m.GetNik())
		}
	}
	for _, m := range in.ServiceUsage.GetMembers() {
		if m.GetDeceased() {
			niks = append(niks, m.GetNik())
		}
	}
	sort.Strings(niks)
	n := 0
	for i, k := range niks {
		if i == 0 || k != niks[i-1] {
			n++
		}
	}
	return n
}

const noDay day = math.MinInt

func newer(cur day, date string) day {
	if d, ok := dayOf(date); ok && d > cur {
		return d
	}
	return cur
}

func dayString(d day) string {
	// Inverse of civilDay (Howard Hinnant's civil_from_days).
	z := int(d) + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	dd := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return itoa4(y) + "-" + itoa4(m)[2:] + "-" + itoa4(dd)[2:]
}

func assetRecords(a *assetv1.FamilyAssets) (unmatched int, newest day) {
	newest = noDay
	const um = assetv1.MatchStatus_MATCH_STATUS_UNMATCHED
	if h := a.GetHousing(); h != nil {
		newest = newer(newest, h.GetObservationDate())
		if h.GetMatchStatus() == um {
			unmatched++
		}
	}
	if h := a.GetHoldings(); h != nil {
		newest = newer(newest, h.GetObservationDate())
		if h.GetMatchStatus() == um {
			unmatched++
		}
	}
	for _, p := range a.GetLandParcels() {
		newest = newer(newest, p.GetObservationDate())
		if p.GetMatchStatus() == um {
			unmatched++
		}
	}
	for _, v := range a.GetVehicles() {
		newest = newer(newest, v.GetObservationDate())
		if v.GetMatchStatus() == um {
			unmatched++
		}
	}
	return unmatched, newest
}

func incomeRecords(e *incomev1.FamilyEconomics) (unmatched int, newest day) {
	newest = noDay
	const um = incomev1.MatchStatus_MATCH_STATUS_UNMATCHED
	for _, m := range e.GetMembers() {
		for _, x := range m.GetIncomes() {
			newest = newer(newest, x.GetObservationDate())
			if x.GetMatchStatus() == um {
				unmatched++
			}
		}
		for _, x := range m.GetEmployments() {
			newest = newer(newest, x.GetObservationDate())
			if x.GetMatchStatus() == um {
				unmatched++
			}
		}
		for _, x := range m.GetBankingPatterns() {
			newest = newer(newest, x.GetObservationDate())
			if x.GetMatchStatus() == um {
				unmatched++
			}
		}
	}
	for _, list := range [][]*incomev1.Consumption{e.GetMeasuredConsumptions(), e.GetSelfDeclaredConsumptions()} {
		for _, x := range list {
			newest = newer(newest, x.GetObservationDate())
			if x.GetMatchStatus() == um {
				unmatched++
			}
		}
	}
	return unmatched, newest
}

func usageRecords(s *serviceusagev1.FamilyServiceUsage) (unmatched int, newest day) {
	newest = noDay
	const um = serviceusagev1.MatchStatus_MATCH_STATUS_UNMATCHED
	count := func(date string, meta *serviceusagev1.RecordMeta) {
		newest = newer(newest, date)
		if meta.GetMatchStatus() == um {
			unmatched++
		}
	}
	for _, m := range s.GetMembers() {
		for _, x := range m.GetHealthCoverages() {
			count(x.GetObservationDate(), x.GetMeta())
		}
		for _, x := range m.GetEnrolments() {
			count(x.GetObservationDate(), x.GetMeta())
		}
	}
	for _, x := range s.GetUtilityUsages() {
		count(x.GetObservationDate(), x.GetMeta())
	}
	for _, x := range s.GetProgrammeParticipations() {
		count(x.GetObservationDate(), x.GetMeta())
	}
	// A summary of a KK the registry does not know is all unmatched, even
	// when the records themselves predate the cross-check.
	if s != nil && !s.GetFamilyRegistered() {
		unmatched = max(unmatched, len(s.GetUtilityUsages())+len(s.GetProgrammeParticipations()))
	}
	return unmatched, newest
}
