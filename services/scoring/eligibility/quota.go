package eligibility

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/dtsen-id/dtsen/services/scoring/ranking"
)

// QuotaResult records how one quota programme was filled in a run, for the
// run's audit record.
type QuotaResult struct {
	Programme string    `json:"programme"`
	Unit      QuotaUnit `json:"unit"`
	Size      int64     `json:"size"`
	// Candidates is the number of families that passed every other rule.
	Candidates int `json:"candidates"`
	// Granted families, and the quota units (persons or families) they use.
	Granted int   `json:"granted"`
	Used    int64 `json:"used"`
	// LastGrantedKK and LastGrantedScore are the cut-off: the last family,
	// in poorest-first order, that the quota reached. Empty when none was.
	LastGrantedKK    string  `json:"last_granted_kk,omitempty"`
	LastGrantedScore float64 `json:"last_granted_score,omitempty"`
}

// ApplyQuotas settles every quota programme over the decisions of one run,
// in place. Families that passed all other rules are taken in order of
// score, lowest (poorest) first, ties broken as the national ranking breaks them, so the outcome
// does not depend on the order of decisions. Each takes one unit (families)
// or its living members (persons) from the quota.
//
// The first family that does not fit ends the allocation, even if a smaller
// family further down would still fit: otherwise a richer family could be
// covered while a poorer one is not, which no objection could be answered
// with. At most one family's worth of the quota stays unused.
//
// Decisions must all come from [Evaluate] with this table, and each family
// must appear once; otherwise nothing is changed and an error is returned.
// Running it again over settled decisions changes nothing.
func ApplyQuotas(t *Table, decisions []Decision) ([]QuotaResult, error) {
	kks := make(map[string]struct{}, len(decisions))
	for i := range decisions {
		d := &decisions[i]
		if d.TableHash != t.hash {
			return nil, fmt.Errorf("eligibility: decision for KK %s was made by table %s, not %s", d.KK, d.TableHash, t.hash)
		}
		if _, dup := kks[d.KK]; dup {
			return nil, fmt.Errorf("eligibility: KK %s appears twice in the run", d.KK)
		}
		kks[d.KK] = struct{}{}
		if math.IsNaN(d.Score) {
			return nil, errors.New("eligibility: decision for KK " + d.KK + " has a NaN score, which has no rank")
		}
	}

	var results []QuotaResult
	for pi := range t.programmes {
		p := &t.programmes[pi]
		if p.Quota == nil {
			continue
		}
		type candidate struct {
			decision, programme int
		}
		var cands []candidate
		for i := range decisions {
			j := programmeAt(&decisions[i], pi, p.Code)
			if j >= 0 && decisions[i].Programmes[j].Status == StatusQuotaPending {
				cands = append(cands, candidate{i, j})
			}
		}
		// The national ranking's order (package ranking): the score at the
		// deciles' resolution, then its KK tie-break, so the quota's
		// cut-off agrees with the desil a family was told.
		slices.SortFunc(cands, func(a, b candidate) int {
			da, db := &decisions[a.decision], &decisions[b.decision]
			pa, errA := ranking.PositionOf(da.Score, da.KK)
			pb, errB := ranking.PositionOf(db.Score, db.KK)
			if errA == nil && errB == nil {
				return pa.Compare(pb)
			}
			return cmp.Or(cmp.Compare(da.Score, db.Score), cmp.Compare(da.KK, db.KK))
		})

		res := QuotaResult{Programme: p.Code, Unit: p.Quota.Unit, Size: p.Quota.Size, Candidates: len(cands)}
		full := false
		for rank, c := range cands {
			d := &decisions[c.decision]
			pd := &d.Programmes[c.programme]
			units := int64(1)
			if p.Quota.Unit == QuotaPersons {
				units = int64(d.Persons)
			}
			if !full && res.Used+units <= p.Quota.Size {
				res.Used += units
				res.Granted++
				res.LastGrantedKK, res.LastGrantedScore = d.KK, d.Score
				reasons := make([]Reason, 0, len(pd.Reasons)+1)
				reasons = append(reasons, pd.Reasons...)
				pd.Status = StatusEligible
				pd.Reasons = append(reasons, Reason{Code: ReasonQuotaGranted, Text: quotaGrantedText(p, rank+1)})
				continue
			}
			full = true
			pd.Status = StatusIneligible
			pd.Reasons = []Reason{{Code: ReasonQuotaExhausted, Text: quotaExhaustedText(p, rank+1)}}
		}
		results = append(results, res)
	}
	return results, nil
}

// programmeAt finds a programme in a decision, trying the table position
// first because decisions from Evaluate list programmes in table order.
func programmeAt(d *Decision, hint int, code string) int {
	if hint < len(d.Programmes) && d.Programmes[hint].Programme == code {
		return hint
	}
	return slices.IndexFunc(d.Programmes, func(p ProgrammeDecision) bool { return p.Programme == code })
}

func quotaUnitText(u QuotaUnit) Text {
	if u == QuotaPersons {
		return Text{ID: "jiwa", EN: "persons"}
	}
	return Text{ID: "keluarga", EN: "families"}
}

func quotaGrantedText(p *Programme, position int) Text {
	size, pos, unit := numberText(p.Quota.Size), numberText(int64(position)), quotaUnitText(p.Quota.Unit)
	return Text{
		ID: "Termasuk kuota nasional " + p.Short + " (" + size.ID + " " + unit.ID + "): urutan ke-" + pos.ID +
			" dari keluarga yang memenuhi syarat, diurutkan dari skor kesejahteraan terendah",
		EN: "Within the national " + p.Short + " quota (" + size.EN + " " + unit.EN + "): position " + pos.EN +
			" among qualifying families, ordered from the lowest welfare score",
	}
}

func quotaExhaustedText(p *Programme, position int) Text {
	size, pos, unit := numberText(p.Quota.Size), numberText(int64(position)), quotaUnitText(p.Quota.Unit)
	return Text{
		ID: "Kuota nasional " + p.Short + " (" + size.ID + " " + unit.ID + ") habis untuk keluarga dengan skor kesejahteraan lebih rendah; keluarga ini di urutan ke-" + pos.ID,
		EN: "The national " + p.Short + " quota (" + size.EN + " " + unit.EN + ") was filled by families with lower welfare scores; this family is at position " + pos.EN,
	}
}
