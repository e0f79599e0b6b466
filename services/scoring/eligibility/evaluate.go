package eligibility

import (
	"strconv"
	"time"
)

// Status is a family's standing for one programme in one run.
type Status string

const (
	StatusEligible   Status = "ELIGIBLE"
	StatusIneligible Status = "INELIGIBLE"
	// StatusQuotaPending: the family passes every rule of a quota programme,
	// and [ApplyQuotas] has not yet decided whether the quota reaches it.
	StatusQuotaPending Status = "QUOTA_PENDING"
)

// Reason codes. They are part of the contract (DESIGN.md §5, UPPER_SNAKE):
// clients and auditors branch on them, so they never change spelling.
const (
	ReasonNotRanked          = "NOT_RANKED"
	ReasonDecileWithinLimit  = "DECILE_WITHIN_LIMIT"
	ReasonDecileAboveLimit   = "DECILE_ABOVE_LIMIT"
	ReasonQualifyingMember   = "QUALIFYING_MEMBER"
	ReasonNoQualifyingMember = "NO_QUALIFYING_MEMBER"
	ReasonQuotaGranted       = "QUOTA_GRANTED"
	ReasonQuotaExhausted     = "QUOTA_EXHAUSTED"
	// ReasonExcludedPrefix is followed by the exclusion's code from the
	// table: EXCLUDED_CIVIL_SERVANT, EXCLUDED_ADDRESS_NOT_FOUND, ...
	ReasonExcludedPrefix = "EXCLUDED_"
)

// Reason explains one part of a decision.
type Reason struct {
	Code string `json:"code"`
	// Rule is the table entry behind the reason: the condition code for
	// QUALIFYING_MEMBER, the exclusion code for EXCLUDED_*; empty for the
	// decile and quota reasons.
	Rule string `json:"rule,omitempty"`
	Text Text   `json:"text"`
	// Members are the NIKs of the members the reason is about (who
	// qualified, who caused an exclusion), for officers verifying the case.
	// They are personal data: mask them before showing a reason to anyone
	// but the family itself (DESIGN.md §6). The text never names them.
	Members []string `json:"members,omitempty"`
}

// ProgrammeDecision is a family's result for one programme. An ineligible
// result lists every rule that failed, not only the first, so that a family
// objecting to one reason learns whether another would still hold.
type ProgrammeDecision struct {
	Programme string   `json:"programme"`
	Status    Status   `json:"status"`
	Reasons   []Reason `json:"reasons"`
}

// Decision is one family's eligibility in one run, under one table.
type Decision struct {
	KK     string  `json:"kk"`
	Region string  `json:"region"`
	Decile int     `json:"decile"`
	Score  float64 `json:"score"`
	// Persons is the number of living members: what the family takes from a
	// quota counted in persons.
	Persons       int       `json:"persons"`
	ReferenceDate time.Time `json:"reference_date,omitzero"`
	TableVersion  string    `json:"table_version"`
	// TableHash identifies the exact rules that decided (see [Table.Hash]).
	TableHash  string              `json:"table_hash"`
	Programmes []ProgrammeDecision `json:"programmes"`
}

// Programme returns the decision for one programme.
func (d Decision) Programme(code string) (ProgrammeDecision, bool) {
	for _, p := range d.Programmes {
		if p.Programme == code {
			return p, true
		}
	}
	return ProgrammeDecision{}, false
}

// Eligible reports whether the family is eligible for the programme. A
// quota decision still pending counts as not eligible.
func (d Decision) Eligible(code string) bool {
	p, ok := d.Programme(code)
	return ok && p.Status == StatusEligible
}

// Evaluate applies every programme of the table to one family. It never
// fails: an unranked family and a family without living members are simply
// not eligible, with reasons. Quota programmes come out as
// [StatusQuotaPending] until [ApplyQuotas] runs over the whole run.
func Evaluate(t *Table, f Facts) Decision {
	living := f.living()
	d := Decision{
		KK: f.KK, Region: f.Region, Decile: f.Decile, Score: f.Score, Persons: len(living),
		ReferenceDate: f.ReferenceDate, TableVersion: t.version, TableHash: t.hash,
		Programmes: make([]ProgrammeDecision, 0, len(t.programmes)),
	}
	// Programmes share conditions and exclusions; each is tested once per
	// family. A nil entry in exclHits means "does not apply".
	condHits := make([][]string, t.nConds)
	condDone := make([]bool, t.nConds)
	exclHits := make([][]string, t.nExcls)
	exclDone := make([]bool, t.nExcls)
	for i := range t.programmes {
		p, c := &t.programmes[i], &t.compiled[i]
		var pass, fail []Reason
		switch {
		case f.Decile < 1 || f.Decile > 10:
			fail = append(fail, Reason{Code: ReasonNotRanked, Text: c.notRanked})
		case f.Decile > p.MaxDecile:
			fail = append(fail, Reason{Code: ReasonDecileAboveLimit, Text: c.decile[f.Decile]})
		default:
			pass = append(pass, Reason{Code: ReasonDecileWithinLimit, Text: c.decile[f.Decile]})
		}

		if len(c.conds) > 0 {
			qualified := false
			for k, q := range c.conds {
				if !condDone[q.slot] {
					condHits[q.slot], condDone[q.slot] = matching(living, &q.cond.When), true
				}
				niks := condHits[q.slot]
				if len(niks) == 0 {
					continue
				}
				qualified = true
				txt := c.qualifying[k]
				if len(niks) > 1 {
					n := strconv.Itoa(len(niks))
					txt = Text{ID: txt.ID + " (" + n + " orang)", EN: txt.EN + " (" + n + " persons)"}
				}
				pass = append(pass, Reason{Code: ReasonQualifyingMember, Rule: q.cond.Code, Members: niks, Text: txt})
			}
			if !qualified {
				fail = append(fail, Reason{Code: ReasonNoQualifyingMember, Text: c.noQualifying})
			}
		}

		for k, x := range c.excls {
			if !exclDone[x.slot] {
				exclHits[x.slot], exclDone[x.slot] = excludedBy(x.excl, &f, living), true
			}
			niks := exclHits[x.slot]
			if niks == nil {
				continue
			}
			fail = append(fail, Reason{Code: c.excludedCodes[k], Rule: x.excl.Code, Members: nonEmpty(niks),
				Text: c.excluded[k]})
		}

		pd := ProgrammeDecision{Programme: p.Code}
		switch {
		case len(fail) > 0:
			pd.Status, pd.Reasons = StatusIneligible, fail
		case p.Quota != nil:
			pd.Status, pd.Reasons = StatusQuotaPending, pass
		default:
			pd.Status, pd.Reasons = StatusEligible, pass
		}
		d.Programmes = append(d.Programmes, pd)
	}
	return d
}

func matching(living []Member, p *Predicate) []string {
	var niks []string
	for i := range living {
		if p.Match(&living[i]) {
			niks = append(niks, living[i].NIK)
		}
	}
	return niks
}

// excludedBy returns nil when the exclusion does not apply, and otherwise
// the NIKs that caused it (an empty, non-nil slice for a family-level
// exclusion).
func excludedBy(e *Exclusion, f *Facts, living []Member) []string {
	if e.AnyMember != nil {
		return matching(living, e.AnyMember)
	}
	switch e.Family {
	case FamilyNoLivingMember:
		if len(living) == 0 {
			return []string{}
		}
	case FamilyAddressNotFound:
		if f.AddressNotFound {
			return []string{}
		}
	}
	return nil
}

func nonEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

type compiledProgramme struct {
	conds []compiledCondition
	excls []compiledExclusion
	// decile[n] is the decile reason for decile n (1-10): within or above
	// the limit, as n compares with the programme's maximum.
	decile        [11]Text
	notRanked     Text
	noQualifying  Text
	qualifying    []Text // parallel to conds, for one qualifying member
	excluded      []Text // parallel to excls
	excludedCodes []string
}

type compiledCondition struct {
	cond *Condition
	slot int
}

type compiledExclusion struct {
	excl *Exclusion
	slot int
}

// compile resolves the validated table's references and writes its reason
// texts.
func (t *Table) compile(conds []Condition, excls []Exclusion) {
	condSlot := make(map[string]int, len(conds))
	for i := range conds {
		condSlot[conds[i].Code] = i
	}
	exclSlot := make(map[string]int, len(excls))
	for i := range excls {
		exclSlot[excls[i].Code] = i
	}
	t.nConds, t.nExcls = len(conds), len(excls)
	t.compiled = make([]compiledProgramme, len(t.programmes))
	for i := range t.programmes {
		p, c := &t.programmes[i], &t.compiled[i]
		limit := strconv.Itoa(p.MaxDecile)
		for n := 1; n <= 10; n++ {
			dn := strconv.Itoa(n)
			if n > p.MaxDecile {
				c.decile[n] = Text{
					ID: "Desil " + dn + " di atas batas desil " + limit + " untuk " + p.Short,
					EN: "Decile " + dn + " is above the limit of decile " + limit + " for " + p.Short,
				}
			} else {
				c.decile[n] = Text{
					ID: "Desil " + dn + " dalam batas desil " + limit + " untuk " + p.Short,
					EN: "Decile " + dn + " is within the limit of decile " + limit + " for " + p.Short,
				}
			}
		}
		r := decileRange(p.MaxDecile)
		c.notRanked = Text{
			ID: "Keluarga belum memiliki desil dari pemeringkatan nasional; " + p.Short + " mensyaratkan " + r.ID,
			EN: "The family has no decile from the national ranking yet; " + p.Short + " requires " + r.EN,
		}
		var ids, ens []string
		for _, code := range p.QualifyingMembers {
			slot := condSlot[code]
			cond := &conds[slot]
			c.conds = append(c.conds, compiledCondition{cond: cond, slot: slot})
			c.qualifying = append(c.qualifying, Text{
				ID: "Anggota keluarga yang memenuhi syarat " + p.Short + ": " + cond.Name.ID,
				EN: "Family member qualifying for " + p.Short + ": " + cond.Name.EN,
			})
			ids, ens = append(ids, cond.Name.ID), append(ens, cond.Name.EN)
		}
		c.noQualifying = Text{
			ID: "Tidak ada anggota keluarga (yang masih hidup) yang memenuhi syarat " + p.Short + ": " + joinList(ids, "atau", true),
			EN: "No living family member meets a condition of " + p.Short + ": " + joinList(ens, "or", false),
		}
		for _, code := range p.Exclusions {
			slot := exclSlot[code]
			e := &excls[slot]
			c.excls = append(c.excls, compiledExclusion{excl: e, slot: slot})
			c.excluded = append(c.excluded, Text{
				ID: e.Reason.ID + "; keluarga dikecualikan dari " + p.Short,
				EN: e.Reason.EN + "; the family is excluded from " + p.Short,
			})
			c.excludedCodes = append(c.excludedCodes, ReasonExcludedPrefix+code)
		}
	}
}

func decileRange(limit int) Text {
	if limit == 1 {
		return Text{ID: "desil 1", EN: "decile 1"}
	}
	n := strconv.Itoa(limit)
	return Text{ID: "desil 1–" + n, EN: "deciles 1–" + n}
}
