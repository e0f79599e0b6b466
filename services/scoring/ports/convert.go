package ports

import (
	"math"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	scoringv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/scoring/v1"
	"github.com/dtsen-id/dtsen/services/scoring/app"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/eligibility"
	"github.com/dtsen-id/dtsen/services/scoring/explain"
	"github.com/dtsen-id/dtsen/services/scoring/model"
	"github.com/dtsen-id/dtsen/services/scoring/ranking"
)

func ts(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func text(id, en string) *scoringv1.LocalizedText { return &scoringv1.LocalizedText{Id: id, En: en} }

func runName(id string) string {
	if id == "" {
		return ""
	}
	return "rankingRuns/" + id
}

func familyScoreToProto(r *app.FamilyResult) *scoringv1.FamilyScore {
	s := r.Score
	out := &scoringv1.FamilyScore{
		Name:                          "families/" + s.KK + "/score",
		PredictedLogConsumption:       s.Score,
		PredictedConsumptionPerCapita: math.Round(math.Exp(s.Score)),
		Decile:                        int32(s.Decile),
		Model:                         "models/" + s.ModelID,
		RankingRun:                    runName(s.RunID),
		CutPointsRun:                  runName(r.CutPointsRun),
		ScoredTime:                    ts(s.ScoredAt),
		Explanation:                   explanationToProto(r.Explanation),
	}
	for _, f := range r.Flags {
		out.Flags = append(out.Flags, &scoringv1.Flag{Code: string(f.Code), Context: string(f.Context),
			Text: text(f.Text.ID, f.Text.EN), FieldVerification: f.FieldVerification})
		out.NeedsFieldVerification = out.NeedsFieldVerification || f.FieldVerification
	}
	return out
}

func explanationToProto(e explain.Explanation) *scoringv1.Explanation {
	out := &scoringv1.Explanation{Base: e.Base, Prediction: e.Prediction, Summary: text(e.Summary.ID, e.Summary.EN)}
	for _, f := range e.Up {
		out.Raising = append(out.Raising, factorToProto(f))
	}
	for _, f := range e.Down {
		out.Lowering = append(out.Lowering, factorToProto(f))
	}
	return out
}

func factorToProto(f explain.Factor) *scoringv1.Factor {
	return &scoringv1.Factor{Feature: f.Feature, Group: string(f.Group), Description: text(f.Description.ID, f.Description.EN),
		Value: text(f.ValueText.ID, f.ValueText.EN), Contribution: f.Contribution, Percent: f.Percent,
		Phrase: text(f.Phrase.ID, f.Phrase.EN)}
}

func statusToProto(s eligibility.Status) scoringv1.EligibilityStatus {
	switch s {
	case eligibility.StatusEligible:
		return scoringv1.EligibilityStatus_ELIGIBILITY_STATUS_ELIGIBLE
	case eligibility.StatusIneligible, eligibility.StatusQuotaPending:
		// A stored decision has had its quotas applied; pending cannot
		// survive a run, and would not entitle anyone if it did.
		return scoringv1.EligibilityStatus_ELIGIBILITY_STATUS_INELIGIBLE
	}
	return scoringv1.EligibilityStatus_ELIGIBILITY_STATUS_UNSPECIFIED
}

func phaseToProto(p eligibility.Phase) scoringv1.EntitlementPhase {
	switch p {
	case eligibility.PhaseInactive:
		return scoringv1.EntitlementPhase_ENTITLEMENT_PHASE_INACTIVE
	case eligibility.PhaseActive:
		return scoringv1.EntitlementPhase_ENTITLEMENT_PHASE_ACTIVE
	case eligibility.PhaseLossNoticed:
		return scoringv1.EntitlementPhase_ENTITLEMENT_PHASE_LOSS_NOTICED
	case eligibility.PhaseLossHeld:
		return scoringv1.EntitlementPhase_ENTITLEMENT_PHASE_LOSS_HELD
	}
	return scoringv1.EntitlementPhase_ENTITLEMENT_PHASE_UNSPECIFIED
}

func reasonsToProto(rs []eligibility.Reason) []*scoringv1.Reason {
	out := make([]*scoringv1.Reason, len(rs))
	for i, r := range rs {
		out[i] = &scoringv1.Reason{Code: r.Code, Text: text(r.Text.ID, r.Text.EN)}
	}
	return out
}

func eligibilityToProto(fe *app.FamilyEligibility) *scoringv1.FamilyEligibility {
	rec := fe.Record
	out := &scoringv1.FamilyEligibility{Name: "families/" + rec.KK + "/eligibility", Region: rec.Region,
		Decile: int32(rec.Decision.Decile), RulesVersion: rec.Decision.TableVersion, RankingRun: runName(rec.RunID),
		DecidedTime: ts(rec.DecidedAt)}
	for _, p := range rec.Decision.Programmes {
		pe := &scoringv1.ProgrammeEligibility{Programme: p.Programme, Status: statusToProto(p.Status), Reasons: reasonsToProto(p.Reasons)}
		if prog, ok := fe.Rules.Programme(p.Programme); ok {
			pe.ProgrammeName = text(prog.Name.ID, prog.Name.EN)
		}
		ent := rec.State.Entitlement(p.Programme)
		pe.Phase = phaseToProto(ent.Phase)
		if ent.Loss != nil {
			pe.ObjectionDeadline, pe.LossEffectiveTime = ts(ent.Loss.Notice.Deadline), ts(ent.Loss.EffectiveAt)
		}
		out.Programmes = append(out.Programmes, pe)
	}
	return out
}

func noticeToProto(n domain.Notice, rules *eligibility.Table) *scoringv1.Notice {
	t := n.Text(rules)
	return &scoringv1.Notice{Id: n.ID, Family: "families/" + n.KK, Programme: n.Programme, Kind: string(n.Kind),
		OldStatus: statusToProto(n.OldStatus), NewStatus: statusToProto(n.NewStatus), Reasons: reasonsToProto(n.Reasons),
		IssueTime: ts(n.IssuedAt), ObjectionDeadline: ts(n.Deadline), EffectiveTime: ts(n.EffectiveAt), Text: text(t.ID, t.EN)}
}

func kindToProto(k string) scoringv1.ModelKind {
	switch k {
	case model.KindOLS:
		return scoringv1.ModelKind_MODEL_KIND_OLS
	case model.KindGBT:
		return scoringv1.ModelKind_MODEL_KIND_GBT
	}
	return scoringv1.ModelKind_MODEL_KIND_UNSPECIFIED
}

func kindFromProto(k scoringv1.ModelKind) string {
	if k == scoringv1.ModelKind_MODEL_KIND_OLS {
		return model.KindOLS
	}
	return model.KindGBT
}

func modelToProto(m *domain.Model) *scoringv1.Model {
	out := &scoringv1.Model{Name: "models/" + m.ID, Kind: kindToProto(m.Kind), CreateTime: ts(m.CreatedAt),
		Features: m.Features, ParamsJson: string(m.Params), MetricsJson: string(m.Metrics),
		TrainingLabels: int32(m.Training.Labels), TrainingFingerprint: m.Training.Fingerprint, RetireTime: ts(m.RetiredAt)}
	switch m.State {
	case domain.ModelTrained:
		out.State = scoringv1.ModelState_MODEL_STATE_TRAINED
	case domain.ModelActive:
		out.State = scoringv1.ModelState_MODEL_STATE_ACTIVE
	case domain.ModelRetired:
		out.State = scoringv1.ModelState_MODEL_STATE_RETIRED
	}
	if a := m.Activation; a != nil {
		out.ActivatedBy, out.ActivationReason, out.ActivateTime = a.By, a.Reason, ts(a.At)
	}
	return out
}

func runToProto(r *domain.RankingRun) *scoringv1.RankingRun {
	out := &scoringv1.RankingRun{Name: runName(r.ID), Model: "models/" + r.ModelID, StartTime: ts(r.StartedAt),
		FinishTime: ts(r.FinishedAt), Total: r.Total, Scored: r.Scored, Error: r.Error, Decided: r.Decided, Notices: r.Notices}
	switch r.State {
	case domain.RunPending:
		out.State = scoringv1.RunState_RUN_STATE_PENDING
	case domain.RunRunning:
		out.State = scoringv1.RunState_RUN_STATE_RUNNING
	case domain.RunSucceeded:
		out.State = scoringv1.RunState_RUN_STATE_SUCCEEDED
	case domain.RunFailed:
		out.State = scoringv1.RunState_RUN_STATE_FAILED
	}
	if len(r.CutPoints) > 0 {
		var cuts ranking.CutPoints
		if err := cuts.UnmarshalBinary(r.CutPoints); err == nil {
			for _, p := range cuts.Thresholds {
				out.CutPoints = append(out.CutPoints, p.Score.Score())
			}
		}
	}
	return out
}

func targetingToProto(m *app.TargetingMetrics) *scoringv1.TargetingMetrics {
	if m == nil {
		return nil
	}
	out := &scoringv1.TargetingMetrics{Families: int32(m.Families), Spearman: orNaN(m.Spearman), Coverages: coveragesToProto(m.Coverages)}
	for _, g := range m.Groups {
		out.Groups = append(out.Groups, &scoringv1.GroupMetrics{Breakdown: g.Breakdown, Key: g.Key, Families: int32(g.Families),
			Spearman: orNaN(g.Spearman), Coverages: coveragesToProto(g.Coverages)})
	}
	return out
}

func coveragesToProto(cs []app.CoverageMetric) []*scoringv1.CoverageMetrics {
	out := make([]*scoringv1.CoverageMetrics, len(cs))
	for i, c := range cs {
		out[i] = &scoringv1.CoverageMetrics{Coverage: c.Coverage, ExclusionError: orNaN(c.ExclusionError), InclusionError: orNaN(c.InclusionError)}
	}
	return out
}

// orNaN: proto3 JSON writes NaN as "NaN", which says "undefined" plainly.
func orNaN(v *float64) float64 {
	if v == nil {
		return math.NaN()
	}
	return *v
}

func gbtParams(g *scoringv1.GBTParams) model.GBTParams {
	p := model.DefaultGBTParams()
	if g == nil {
		return p
	}
	if g.GetRounds() > 0 {
		p.Rounds = int(g.GetRounds())
	}
	if g.GetLearningRate() > 0 {
		p.LearningRate = g.GetLearningRate()
	}
	if g.GetMaxDepth() > 0 {
		p.MaxDepth = int(g.GetMaxDepth())
	}
	if g.GetMinSamplesLeaf() > 0 {
		p.MinSamplesLeaf = int(g.GetMinSamplesLeaf())
	}
	if g.GetMaxBins() > 0 {
		p.MaxBins = int(g.GetMaxBins())
	}
	if g.GetEarlyStoppingRounds() > 0 {
		p.EarlyStoppingRounds = int(g.GetEarlyStoppingRounds())
	}
	if g.GetSeed() > 0 {
		p.Seed = g.GetSeed()
	}
	return p
}

func transitionToProto(t *app.Transition, region string, listed int) *scoringv1.TransitionReport {
	rep := t.Report
	out := &scoringv1.TransitionReport{Region: region, RulesVersion: rep.TableVersion, RankingRun: runName(t.RunID)}
	summaries := rep.Regencies
	if region == "" {
		summaries = rep.Provinces
	}
	self := rep.National
	for _, s := range append(rep.Provinces, rep.Regencies...) {
		if s.Region == region {
			self = s
		}
	}
	out.Families = int32(self.Families)
	out.Programmes = programmeChanges(self.Programmes, listed)
	for _, s := range summaries {
		if region != "" && (s.Region == region || !within(s.Region, region)) {
			continue
		}
		out.Subregions = append(out.Subregions, &scoringv1.RegionTransition{Region: s.Region, Families: int32(s.Families),
			Programmes: programmeChanges(s.Programmes, 0)})
	}
	return out
}

func within(code, prefix string) bool {
	return code == prefix || len(code) > len(prefix) && code[:len(prefix)] == prefix && code[len(prefix)] == '.'
}

func programmeChanges(pcs []eligibility.ProgrammeChange, listed int) []*scoringv1.ProgrammeTransition {
	out := make([]*scoringv1.ProgrammeTransition, len(pcs))
	for i, pc := range pcs {
		pt := &scoringv1.ProgrammeTransition{Programme: pc.Programme, Before: int32(pc.Before), After: int32(pc.After),
			Kept: int32(pc.Kept), Gained: int32(len(pc.Gained)), Lost: int32(len(pc.Lost)), LossReasons: map[string]int32{}}
		for k, v := range pc.LossReasons {
			pt.LossReasons[k] = int32(v)
		}
		for _, kk := range pc.Gained[:min(listed, len(pc.Gained))] {
			pt.GainedFamilies = append(pt.GainedFamilies, "families/"+kk)
		}
		for _, l := range pc.Lost[:min(listed, len(pc.Lost))] {
			pt.LostFamilies = append(pt.LostFamilies, "families/"+l.KK)
		}
		out[i] = pt
	}
	return out
}

func regionStatisticsToProto(st *app.RegionStatistics) *scoringv1.RegionStatistics {
	out := &scoringv1.RegionStatistics{Region: st.Region, RankingRun: runName(st.RunID), Families: st.Families,
		Deciles: slices.Clone(st.Deciles[:])}
	for _, s := range st.Subregions {
		out.Subregions = append(out.Subregions, &scoringv1.SubregionStatistics{Region: s.Region, Families: s.Families,
			Deciles: slices.Clone(s.Deciles[:])})
	}
	for _, p := range st.Programmes {
		out.Programmes = append(out.Programmes, &scoringv1.ProgrammeCoverage{Programme: p.Programme, Eligible: p.Eligible,
			EligiblePersons: p.EligiblePersons, Quota: p.Quota, QuotaUnit: string(p.QuotaUnit), Coverage: p.Coverage})
	}
	return out
}
