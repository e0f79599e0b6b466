package domain

// SummaryLimit caps the land parcels and vehicles listed in a family summary;
// the totals still cover all of them.
const SummaryLimit = 1000

// FamilyAssets is one family's asset summary.
type FamilyAssets struct {
	KK                    string
	MemberCount           int // living members
	Housing               *Housing
	FloorAreaPerCapitaSqm float64
	Holdings              *Holdings
	Land                  []*LandParcel
	Vehicles              []*Vehicle
	Totals                OwnedTotals
	Truncated             bool
}

// Summarize builds a family's summary from its members (per the registry)
// and its stored records. Of several sources' housing and holdings records
// the most recently observed wins (ties: the source name, so the choice is
// stable). Floor area per person counts living members only: a deceased
// member still on the KK does not share the house (DESIGN.md §2, "floor
// area per person").
func Summarize(kk string, members []Member, recs *FamilyRecords) *FamilyAssets {
	out := &FamilyAssets{KK: kk, Totals: recs.Totals}
	for _, m := range members {
		if !m.Deceased {
			out.MemberCount++
		}
	}
	for _, h := range recs.Housing {
		if out.Housing == nil || newer(&h.Record, &out.Housing.Record) {
			out.Housing = h
		}
	}
	for _, h := range recs.Holdings {
		if out.Holdings == nil || newer(&h.Record, &out.Holdings.Record) {
			out.Holdings = h
		}
	}
	if out.Housing != nil && out.MemberCount > 0 {
		out.FloorAreaPerCapitaSqm = out.Housing.FloorAreaSqm / float64(out.MemberCount)
	}
	out.Land, out.Vehicles = recs.Land, recs.Vehicles
	if len(out.Land) > SummaryLimit {
		out.Land, out.Truncated = out.Land[:SummaryLimit], true
	}
	if len(out.Vehicles) > SummaryLimit {
		out.Vehicles, out.Truncated = out.Vehicles[:SummaryLimit], true
	}
	return out
}

func newer(a, b *Record) bool {
	if !a.ObservationDate.Equal(b.ObservationDate) {
		return a.ObservationDate.After(b.ObservationDate)
	}
	return a.Source < b.Source
}
