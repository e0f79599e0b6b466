package ports_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	scoringv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/scoring/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/audit"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
	"github.com/dtsen-id/dtsen/services/scoring/scoringtest"
)

func wantCode(t *testing.T, what string, err error, code codes.Code, reason string) {
	t.Helper()
	if status.Code(err) != code || (reason != "" && apierror.ReasonOf(err) != reason) {
		t.Errorf("%s: %v (reason %q); want %s %s", what, err, apierror.ReasonOf(err), code, reason)
	}
}

func scoreName(i int) string { return "families/" + scoringtest.KK(i) + "/score" }

// TestScoringService drives the service through gRPC against the four real
// source contexts, on both storage engines.
func TestScoringService(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		src := scoringtest.StartSources(t, scoringtest.SourceOptions{})
		s := scoringtest.Start(t, url, src, scoringtest.Options{})
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()

		_, err := s.Client.StartRankingRun(ctx, &scoringv1.StartRankingRunRequest{})
		wantCode(t, "a run without a model", err, codes.FailedPrecondition, "NO_ACTIVE_MODEL")
		run := s.Ranked(t)
		if run.GetTotal() != scoringtest.Registered || run.GetDecided() != run.GetTotal() || len(run.GetCutPoints()) != 9 {
			t.Fatalf("run %+v", run)
		}
		again, err := s.Client.StartRankingRun(ctx, &scoringv1.StartRankingRunRequest{RunId: run.GetName()[len("rankingRuns/"):]})
		if err != nil || again.GetName() != run.GetName() {
			t.Errorf("retrying a run id: %v, %v; want the same run", again, err)
		}

		fam := registrytest.Families(3, 1)[0]
		region, member := fam.GetRegionCode(), fam.GetMembers()[0].GetNik()

		t.Run("score with explanation", func(t *testing.T) {
			fs, err := s.Client.GetFamilyScore(ctx, &scoringv1.GetFamilyScoreRequest{Name: scoreName(3)})
			if err != nil {
				t.Fatal(err)
			}
			if fs.GetDecile() < 1 || fs.GetDecile() > 10 || fs.GetRankingRun() != run.GetName() || fs.GetModel() == "" {
				t.Errorf("score %+v", fs)
			}
			ex := fs.GetExplanation()
			if ex.GetPrediction() != fs.GetPredictedLogConsumption() || len(ex.GetRaising())+len(ex.GetLowering()) == 0 ||
				ex.GetSummary().GetId() == "" || ex.GetSummary().GetEn() == "" {
				t.Errorf("explanation %+v", ex)
			}
			events, err := s.Audit.List(ctx, audit.Query{Record: scoreName(3), Limit: 10})
			if err != nil || len(events) == 0 || events[0].Role != string(auth.RoleAdmin) {
				t.Errorf("audit of the read: %+v, %v", events, err)
			}
		})

		t.Run("who may read a family", func(t *testing.T) {
			req := &scoringv1.GetFamilyEligibilityRequest{Name: "families/" + scoringtest.KK(3) + "/eligibility"}
			if _, err := s.ClientAs(t, authtest.Citizen(member)).GetFamilyEligibility(ctx, req); err != nil {
				t.Errorf("citizen, own family: %v", err)
			}
			_, err := s.ClientAs(t, authtest.Citizen(member)).GetFamilyScore(ctx, &scoringv1.GetFamilyScoreRequest{Name: scoreName(4)})
			wantCode(t, "citizen, another family", err, codes.PermissionDenied, auth.ReasonNotOwnFamily)
			if _, err := s.ClientAs(t, authtest.Officer(auth.RoleDistrictOfficer, region)).GetFamilyScore(ctx,
				&scoringv1.GetFamilyScoreRequest{Name: scoreName(3)}); err != nil {
				t.Errorf("officer of the family's village: %v", err)
			}
			_, err = s.ClientAs(t, authtest.Officer(auth.RoleDistrictOfficer, "91.01")).GetFamilyScore(ctx,
				&scoringv1.GetFamilyScoreRequest{Name: scoreName(3)})
			wantCode(t, "officer of another region", err, codes.PermissionDenied, auth.ReasonRegionOutOfScope)
			_, err = s.ClientAs(t, authtest.Analyst()).GetFamilyScore(ctx, &scoringv1.GetFamilyScoreRequest{Name: scoreName(3)})
			wantCode(t, "analyst", err, codes.PermissionDenied, auth.ReasonAggregatesOnly)
			_, err = s.ClientAs(t, authtest.Analyst()).ActivateModel(ctx, &scoringv1.ActivateModelRequest{Name: "models/x", Reason: "r"})
			wantCode(t, "analyst activating", err, codes.PermissionDenied, auth.ReasonAggregatesOnly)
			if _, err := s.ClientAs(t, authtest.Analyst()).ListModels(ctx, &scoringv1.ListModelsRequest{}); err != nil {
				t.Errorf("analyst listing models: %v", err)
			}
		})

		t.Run("eligibility lists and the transition", func(t *testing.T) {
			officer := s.ClientAs(t, authtest.Officer(auth.RoleDistrictOfficer, region[:len("32.04")]))
			var listed []string
			req := &scoringv1.ListEligibleRequest{Parent: "programmes/SEMBAKO", PageSize: 2}
			for {
				resp, err := officer.ListEligible(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range resp.GetFamilies() {
					if !auth.RegionWithin(f.GetRegion(), region[:len("32.04")]) {
						t.Errorf("%s of %s listed to an officer of %s", f.GetFamily(), f.GetRegion(), region[:5])
					}
					listed = append(listed, f.GetFamily())
				}
				if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
					break
				}
			}
			if len(listed) == 0 || slices.Compact(slices.Clone(listed)) == nil {
				t.Errorf("listed %v", listed)
			}
			_, err := officer.ListEligible(ctx, &scoringv1.ListEligibleRequest{Parent: "programmes/SEMBAKO", Region: "91"})
			wantCode(t, "another region's list", err, codes.PermissionDenied, auth.ReasonRegionOutOfScope)
			_, err = s.Client.ListEligible(ctx, &scoringv1.ListEligibleRequest{Parent: "programmes/NOPE"})
			wantCode(t, "unknown programme", err, codes.InvalidArgument, "PROGRAMME_UNKNOWN")

			analyst := s.ClientAs(t, authtest.Analyst())
			rep, err := analyst.GetTransitionReport(ctx, &scoringv1.GetTransitionReportRequest{})
			if err != nil || rep.GetFamilies() != scoringtest.Registered || len(rep.GetProgrammes()) == 0 {
				t.Fatalf("national transition: %+v, %v", rep, err)
			}
			for _, p := range rep.GetProgrammes() {
				if len(p.GetGainedFamilies())+len(p.GetLostFamilies()) != 0 {
					t.Errorf("analyst sees families in %s", p.GetProgramme())
				}
			}
			_, err = analyst.GetTransitionReport(ctx, &scoringv1.GetTransitionReportRequest{MaxListed: 5})
			wantCode(t, "analyst asking for families", err, codes.PermissionDenied, auth.ReasonAggregatesOnly)
		})

		t.Run("bad input", func(t *testing.T) {
			for what, call := range map[string]func() error{
				"malformed name": func() error {
					_, err := s.Client.GetFamilyScore(ctx, &scoringv1.GetFamilyScoreRequest{Name: "families/123/score"})
					return err
				},
				"wrong collection": func() error {
					_, err := s.Client.GetFamilyScore(ctx, &scoringv1.GetFamilyScoreRequest{Name: "persons/" + member})
					return err
				},
				"activation without a reason": func() error {
					_, err := s.Client.ActivateModel(ctx, &scoringv1.ActivateModelRequest{Name: "models/x"})
					return err
				},
				"unknown model kind": func() error {
					_, err := s.Client.TrainModel(ctx, &scoringv1.TrainModelRequest{})
					return err
				},
				"malformed region": func() error {
					_, err := s.Client.ListEligible(ctx, &scoringv1.ListEligibleRequest{Parent: "programmes/PKH", Region: "3x"})
					return err
				},
				"page size": func() error {
					_, err := s.Client.ListModels(ctx, &scoringv1.ListModelsRequest{PageSize: 5000})
					return err
				},
				"foreign page token": func() error {
					_, err := s.Client.ListEligible(ctx, &scoringv1.ListEligibleRequest{Parent: "programmes/PKH", PageToken: "bm9wZQ"})
					return err
				},
			} {
				wantCode(t, what, call(), codes.InvalidArgument, "")
			}
			_, err := s.Client.GetModel(ctx, &scoringv1.GetModelRequest{Name: "models/none"})
			wantCode(t, "unknown model", err, codes.NotFound, "MODEL_NOT_FOUND")
			_, err = s.Client.ActivateModel(ctx, &scoringv1.ActivateModelRequest{Name: "models/none", Reason: "typo"})
			wantCode(t, "activating an unknown model", err, codes.NotFound, "MODEL_NOT_FOUND")
			models, err := s.Client.ListModels(ctx, &scoringv1.ListModelsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			active := 0
			for _, m := range models.GetModels() {
				if m.GetState() == scoringv1.ModelState_MODEL_STATE_ACTIVE {
					active++
				}
			}
			if active != 1 {
				t.Errorf("%d active models after a failed activation, want 1", active)
			}
		})

		t.Run("evaluation beside the baseline", func(t *testing.T) {
			models, err := s.Client.ListModels(ctx, &scoringv1.ListModelsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range models.GetModels() {
				if m.GetKind() != scoringv1.ModelKind_MODEL_KIND_GBT {
					continue
				}
				ev, err := s.ClientAs(t, authtest.Analyst()).EvaluateModel(ctx, &scoringv1.EvaluateModelRequest{Name: m.GetName()})
				if err != nil {
					t.Fatal(err)
				}
				if ev.GetBaselineModel() == "" || len(ev.GetMetrics().GetCoverages()) != 2 || len(ev.GetBaseline().GetCoverages()) != 2 ||
					ev.GetMarkdown() == "" {
					t.Errorf("evaluation %+v", ev)
				}
			}
		})

		t.Run("a source change re-scores the family", func(t *testing.T) {
			kk := scoringtest.KK(5)
			history := func() int {
				h, err := s.Client.ListScoreHistory(ctx, &scoringv1.ListScoreHistoryRequest{Parent: "families/" + kk})
				if err != nil {
					t.Fatal(err)
				}
				return len(h.GetRecords())
			}
			before := history()
			dead := registrytest.Families(5, 1)[0].GetMembers()[1].GetNik()
			if _, err := src.Registry.Client.RecordDeath(ctx, &registryv1.RecordDeathRequest{Name: "persons/" + dead,
				DeathDate: time.Now().AddDate(0, 0, -1).Format(time.DateOnly)}); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(15 * time.Second)
			for history() == before {
				if time.Now().After(deadline) {
					t.Fatal("the family was not re-scored within 15 s of the death record")
				}
				time.Sleep(100 * time.Millisecond)
			}
			fs, err := s.Client.GetFamilyScore(ctx, &scoringv1.GetFamilyScoreRequest{Name: "families/" + kk + "/score"})
			if err != nil {
				t.Fatal(err)
			}
			var flagCodes []string
			for _, f := range fs.GetFlags() {
				flagCodes = append(flagCodes, f.GetCode())
			}
			if !slices.Contains(flagCodes, "MEMBER_DECEASED") || !fs.GetNeedsFieldVerification() || fs.GetRankingRun() != "" {
				t.Errorf("after a death: flags %v, verification %v, run %q", flagCodes, fs.GetNeedsFieldVerification(), fs.GetRankingRun())
			}
			// The family now waits for a field visit in its region's list,
			// and an officer of another region does not see it.
			fam5 := registrytest.Families(5, 1)[0]
			verifier := s.ClientAs(t, authtest.Officer(auth.RoleFieldVerifier, fam5.GetRegionCode()[:len("32.04.12")]))
			found := false
			req := &scoringv1.ListFieldVerificationsRequest{PageSize: 1}
			for {
				resp, err := verifier.ListFieldVerifications(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range resp.GetFamilies() {
					found = found || f.GetFamily() == "families/"+kk && slices.Contains(f.GetFlags(), "MEMBER_DECEASED")
				}
				if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
					break
				}
			}
			if !found {
				t.Errorf("%s is not in its region's field-verification list", kk)
			}
			_, err = verifier.ListFieldVerifications(ctx, &scoringv1.ListFieldVerificationsRequest{Region: "91"})
			wantCode(t, "another region's verifications", err, codes.PermissionDenied, auth.ReasonRegionOutOfScope)
		})
	})
}
