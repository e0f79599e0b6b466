package app

import (
	"context"
	"fmt"
	"time"

	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	"github.com/dtsen-id/dtsen/services/platform/privacy"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/eligibility"
	"github.com/dtsen-id/dtsen/services/scoring/features"
)

// dtksProgrammes maps the service-usage context's programmes (the DTKS-era
// recipient lists) onto the rules table's codes. BLT there is the village
// fund's cash transfer, BLT_DD in the table; PIP has no participation
// record yet, so no family starts out receiving it.
var dtksProgrammes = map[serviceusagev1.SocialProgramme]string{
	serviceusagev1.SocialProgramme_SOCIAL_PROGRAMME_PKH:          "PKH",
	serviceusagev1.SocialProgramme_SOCIAL_PROGRAMME_SEMBAKO_BPNT: "SEMBAKO",
	serviceusagev1.SocialProgramme_SOCIAL_PROGRAMME_PBI_JK:       "PBI_JK",
	serviceusagev1.SocialProgramme_SOCIAL_PROGRAMME_BLT:          "BLT_DD",
	serviceusagev1.SocialProgramme_SOCIAL_PROGRAMME_UNSPECIFIED:  "",
}

// eligibilityFacts turns a family's source data into the rules' facts (the
// decile and score are filled in once the run has cut the deciles) and the
// programmes the DTKS lists gave it.
func eligibilityFacts(in features.Input) (eligibility.Facts, []string, error) {
	ff, err := features.BuildFacts(in)
	if err != nil {
		return eligibility.Facts{}, nil, err
	}
	f := eligibility.Facts{KK: ff.KK, Region: ff.RegionCode, ReferenceDate: in.ReferenceDate,
		Members: make([]eligibility.Member, len(ff.Members))}
	for i, m := range ff.Members {
		f.Members[i] = eligibility.Member{
			NIK: m.NIK, Age: m.Age, AgeUnknown: !m.AgeKnown, Sex: eligibilitySex(m.Sex),
			InSchool: m.InSchool, SevereDisability: m.SevereDisability, Deceased: m.Deceased,
			Occupation: eligibilityOccupation(m.Occupation),
		}
	}
	var dtks []string
	for _, p := range ff.Receiving {
		if code := dtksProgrammes[p]; code != "" {
			dtks = append(dtks, code)
		}
	}
	return f, dtks, nil
}

func eligibilitySex(s features.Sex) eligibility.Sex {
	if s == features.SexFemale {
		return eligibility.SexFemale
	}
	// The registry records sex on every KTP; an unknown one is a data error
	// the flags already report, and no rule of the table turns on it.
	return eligibility.SexMale
}

func eligibilityOccupation(o features.OccupationCategory) eligibility.Occupation {
	switch o {
	case features.OccupationASN:
		return eligibility.OccupationASN
	case features.OccupationTNI:
		return eligibility.OccupationTNI
	case features.OccupationPolri:
		return eligibility.OccupationPolri
	case features.OccupationBUMNBUMD:
		// The registry cannot tell BUMN from BUMD staff; both exclude a
		// family from the same programmes today, so BUMN stands for both.
		return eligibility.OccupationBUMN
	}
	return eligibility.OccupationOther
}

// decideRun decides every ranked family's eligibility with the rules table,
// fills the quotas in national ranking order, and applies the decisions to
// each family's entitlements, issuing notices for what changed. It runs
// after the deciles are cut and before the run succeeds, and is safe to
// repeat: the decisions are recomputed from the stored scores and facts,
// and applying a run a family's state has seen is a no-op.
//
// The decisions of the whole run are held in memory for the quotas, which
// need everyone's rank: a few hundred bytes a family, fine per province but
// tens of GB for the nation. The national path is to keep only the
// quota-pending candidates (a small share) and stream the rest.
func (a *App) decideRun(ctx context.Context, run *domain.RankingRun) error {
	var decisions []eligibility.Decision
	dtks := make(map[string][]string)
	after := ""
	for {
		page, err := a.scores.ListByRun(ctx, run.ID, domain.Page{After: after, Limit: domain.MaxPageSize})
		if err != nil {
			return err
		}
		kks := make([]string, len(page))
		for i, s := range page {
			kks[i] = s.KK
		}
		staged, err := a.eligibility.StagedFacts(ctx, kks)
		if err != nil {
			return err
		}
		for _, s := range page {
			sf, ok := staged[s.KK]
			if !ok {
				return fmt.Errorf("run %s: family %s was scored without eligibility facts", run.ID, s.KK)
			}
			f := sf.Facts
			f.Decile, f.Score = s.Decile, s.Score
			decisions = append(decisions, eligibility.Evaluate(a.rules, f))
			dtks[s.KK] = sf.DTKSReceiving
		}
		if len(page) < domain.MaxPageSize {
			break
		}
		after = page[len(page)-1].KK
	}
	if _, err := eligibility.ApplyQuotas(a.rules, decisions); err != nil {
		return fmt.Errorf("run %s: quotas: %w", run.ID, err)
	}

	at := run.StartedAt
	if at.IsZero() {
		at = a.now()
	}
	erun := eligibility.Run{ID: run.ID, At: at, ObjectionWindow: a.objectionWindow}
	var decided, issued int64
	for start := 0; start < len(decisions); start += a.batchSize {
		batch := decisions[start:min(start+a.batchSize, len(decisions))]
		n, err := a.applyBatch(ctx, run.ID, erun, batch, dtks)
		if err != nil {
			return err
		}
		decided += int64(len(batch))
		issued += int64(n)
		if err := a.runs.UpdateDecided(ctx, run.ID, decided, issued); err != nil {
			return err
		}
		observeRun(&domain.RankingRun{ID: run.ID, Total: run.Total, Scored: run.Scored, Decided: decided})
	}
	run.Decided, run.Notices = decided, issued
	return nil
}

// applyBatch applies a batch of the run's decisions to the families'
// states and stores them with their notices, returning how many notices it
// issued. It holds stateMu from the read to the save, so that an objection
// filed or decided meanwhile is neither overwritten by the save nor applied
// to a state the save is about to replace. It reads the open objections
// inside the lock too: the feed records a case before filing it, so a case
// whose filing came first and found no loss to hold is seen here, and the
// loss this run issues is held from the start.
func (a *App) applyBatch(ctx context.Context, runID string, erun eligibility.Run, batch []eligibility.Decision,
	dtks map[string][]string) (int, error) {
	kks := make([]string, len(batch))
	for i := range batch {
		kks[i] = batch[i].KK
	}
	a.stateMu.Lock()
	defer a.stateMu.Unlock()
	prev, err := a.eligibility.GetMany(ctx, kks)
	if err != nil {
		return 0, err
	}
	contested, err := a.objectionsPending(ctx, kks)
	if err != nil {
		return 0, err
	}
	recs := make([]domain.EligibilityRecord, 0, len(batch))
	var notices []domain.Notice
	for _, d := range batch {
		state := eligibility.NewFamilyState(d.KK, dtks[d.KK], time.Time{})
		if p, ok := prev[d.KK]; ok {
			state = p.State
		}
		r := erun
		if r.At.Before(state.Updated) {
			// An objection filed or decided since the run started moved
			// the family's state past the run's time. The run's decision
			// lands just after it instead of being refused as stale, which
			// would fail the whole run for one family's complaint.
			r.At = state.Updated
		}
		next, ns, err := state.ApplyContested(d, r, contested[d.KK])
		if err != nil {
			return 0, fmt.Errorf("run %s: apply decision of %s: %w", runID, privacy.MaskNIK(d.KK), err)
		}
		for _, n := range ns {
			notices = append(notices, domain.Notice{Notice: n, State: domain.NoticePending})
		}
		recs = append(recs, domain.EligibilityRecord{KK: d.KK, Region: d.Region, RunID: runID, Decision: d,
			State: next, DTKSReceiving: dtks[d.KK], DecidedAt: erun.At})
	}
	if err := a.eligibility.Save(ctx, recs, notices); err != nil {
		return 0, err
	}
	return len(notices), nil
}

// objectionsPending reads the programmes the batch's families contest with
// open objections, in one query for the batch.
func (a *App) objectionsPending(ctx context.Context, kks []string) (map[string][]string, error) {
	if a.objections == nil {
		return nil, nil
	}
	contested, err := a.objections(ctx, kks)
	if err != nil {
		return nil, fmt.Errorf("open objections: %w", err)
	}
	return contested, nil
}

// FamilyEligibility is a family's eligibility as the last run decided it,
// with the rules table it was decided by.
type FamilyEligibility struct {
	Record *domain.EligibilityRecord
	Rules  *eligibility.Table
}

// GetFamilyEligibility returns the family's last decision and standing;
// domain.ErrNotFound when no run has decided it yet.
func (a *App) GetFamilyEligibility(ctx context.Context, kk string) (*FamilyEligibility, error) {
	rec, err := a.eligibility.Get(ctx, kk)
	if err != nil {
		return nil, err
	}
	return &FamilyEligibility{Record: rec, Rules: a.rules}, nil
}

// ErrUnknownProgramme: the rules table has no programme of that code.
var ErrUnknownProgramme = fmt.Errorf("%w: unknown programme", domain.ErrInvalid)

// ListEligible returns a page of a programme's eligible families within a
// region; domain.ErrInvalid for a programme the rules table does not have.
func (a *App) ListEligible(ctx context.Context, programme, region string, p domain.Page) ([]domain.EligibleFamily, error) {
	if _, ok := a.rules.Programme(programme); !ok {
		return nil, fmt.Errorf("%w: %q is not in rules table %s", ErrUnknownProgramme, programme, a.rules.Version())
	}
	return a.eligibility.ListEligible(ctx, programme, region, p)
}

// ListNotices returns a family's notices, oldest first.
func (a *App) ListNotices(ctx context.Context, kk string) ([]domain.Notice, error) {
	return a.notices.ListByKK(ctx, kk)
}

// ScoreHistory returns a family's score records, newest first.
func (a *App) ScoreHistory(ctx context.Context, kk string, limit int) ([]domain.ScoreRecord, error) {
	return a.scores.History(ctx, kk, limit)
}

// Transition is the DTKS→DTSEN transition report of a region.
type Transition struct {
	Report *eligibility.Report
	// RunID is the latest run among the families' decisions.
	RunID string
}

// TransitionReport compares, for every family decided within region ("":
// national), the programmes the DTKS lists gave it with what DTSEN's last
// run decided.
func (a *App) TransitionReport(ctx context.Context, region string) (*Transition, error) {
	var comps []eligibility.Comparison
	runID := ""
	err := a.eligibility.Each(ctx, region, func(r *domain.EligibilityRecord) error {
		if r.Decision.TableHash != a.rules.Hash() {
			// Decided under an older rules table: not comparable until the
			// next run decides it again.
			return nil
		}
		comps = append(comps, eligibility.Comparison{DTKSReceiving: r.DTKSReceiving, New: r.Decision})
		runID = max(runID, r.RunID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep, err := eligibility.BuildReport(a.rules, comps)
	if err != nil {
		return nil, err
	}
	return &Transition{Report: rep, RunID: runID}, nil
}

// Rules is the eligibility rules table in force.
func (a *App) Rules() *eligibility.Table { return a.rules }
