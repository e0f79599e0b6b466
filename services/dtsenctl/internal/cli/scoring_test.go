package cli

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	scoringv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/scoring/v1"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/scoring/scoringtest"
)

// startScoring serves a real scoring service (scoringtest: the four source
// contexts seeded with demo families, on SQLite) with dtsenctl pointed at it
// and carrying an administrator's token.
func startScoring(t *testing.T) (*platform, *scoringtest.Scoring) {
	t.Helper()
	src := scoringtest.StartSources(t, scoringtest.SourceOptions{})
	s := scoringtest.Start(t, storagetest.SQLiteURL(t), src, scoringtest.Options{})
	p := &platform{auth: s.Auth, env: map[string]string{
		"DTSEN_CTL_SCORING_ADDR": s.Addr,
		"DTSEN_CTL_TIMEOUT":      "20s",
		"DTSEN_TOKEN":            s.Auth.Token(t, authtest.Admin()),
		"DTSEN_DEV_ISSUER_DIR":   filepath.Join(t.TempDir(), "no-dev-issuer"),
	}}
	return p, s
}

// TestScoringCommands drives the models, a ranking run and a family's score
// and eligibility through dtsenctl, as an administrator would after make run.
func TestScoringCommands(t *testing.T) {
	defer func(d time.Duration) { rankPoll = d }(rankPoll)
	rankPoll = 50 * time.Millisecond
	p, _ := startScoring(t)
	start := time.Now()

	code, out, errOut := p.run(t, "model", "list")
	if code != 0 || !strings.Contains(out, "no models yet") {
		t.Errorf("model list before training: exit %d\n%s%s", code, out, errOut)
	}

	// Train the baseline and a small boosted-trees model (as scoringtest.Ranked does).
	code, out, errOut = p.run(t, "model", "train", "--kind", "ols", "--seed", "3", "-o", "json")
	if code != 0 {
		t.Fatalf("model train --kind ols: exit %d\n%s%s", code, out, errOut)
	}
	var ols scoringv1.Model
	if err := protojson.Unmarshal([]byte(out), &ols); err != nil || ols.GetKind() != scoringv1.ModelKind_MODEL_KIND_OLS {
		t.Fatalf("model train -o json is not an OLS Model (%v):\n%s", err, out)
	}
	code, out, errOut = p.run(t, "model", "train", "--kind", "gbt", "--rounds", "20", "--min-samples-leaf", "2", "--seed", "3")
	if code != 0 || !strings.Contains(out, "Model models/") || !strings.Contains(out, "gbt") || !strings.Contains(out, "trained") {
		t.Fatalf("model train --kind gbt: exit %d\n%s%s", code, out, errOut)
	}
	gbtID := strings.TrimPrefix(strings.Fields(strings.SplitN(out, "\n", 2)[0])[1], "models/")
	if !strings.Contains(out, `"rounds":20`) || !strings.Contains(out, `"split_seed":3`) {
		t.Errorf("the flags did not reach the training parameters:\n%s", out)
	}

	code, out, _ = p.run(t, "model", "list")
	if code != 0 || !strings.Contains(out, gbtID) || !strings.Contains(out, strings.TrimPrefix(ols.GetName(), "models/")) ||
		!strings.Contains(out, "VALID RMSE") {
		t.Errorf("model list: exit %d, want both models\n%s", code, out)
	}

	// Activation needs a reason, checked before anything is sent.
	code, _, errOut = p.run(t, "model", "activate", gbtID)
	if code != ExitUsage || !strings.Contains(errOut, "--reason") {
		t.Errorf("model activate without --reason: exit %d, stderr %q", code, errOut)
	}
	code, out, errOut = p.run(t, "model", "activate", "models/"+gbtID, "--reason", "better targeting than the baseline")
	if code != 0 || !strings.Contains(out, "active") || !strings.Contains(out, "better targeting than the baseline") {
		t.Fatalf("model activate: exit %d\n%s%s", code, out, errOut)
	}

	// Evaluation: the service's Markdown, with the baseline beside it.
	code, out, errOut = p.run(t, "model", "evaluate", gbtID)
	if code != 0 || !strings.Contains(out, "40.0%") || !strings.Contains(out, "exclusion error") || !strings.Contains(out, "Baseline") {
		t.Errorf("model evaluate: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = p.run(t, "model", "evaluate", gbtID, "-o", "json")
	var ev scoringv1.ModelEvaluation
	if err := protojson.Unmarshal([]byte(out), &ev); code != 0 || err != nil {
		t.Fatalf("model evaluate -o json: exit %d, %v\n%s", code, err, out)
	}
	var coverages []float64
	for _, c := range ev.GetMetrics().GetCoverages() {
		coverages = append(coverages, c.GetCoverage())
	}
	if len(coverages) != 2 || coverages[1] != 0.4 || ev.GetBaselineModel() != ols.GetName() {
		t.Errorf("evaluation coverages %v, baseline %q; want [0.1 0.4] and %s", coverages, ev.GetBaselineModel(), ols.GetName())
	}

	// A ranking run, waited for.
	code, out, errOut = p.run(t, "rank", "--wait", "--run-id", "cli-run-1")
	if code != 0 || !strings.Contains(out, "Ranking run rankingRuns/cli-run-1") || !strings.Contains(out, "succeeded") {
		t.Fatalf("rank --wait: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "rankingRuns/cli-run-1") || !strings.Contains(errOut, "scored ") || !strings.Contains(errOut, "notices") {
		t.Errorf("rank --wait showed no progress on stderr:\n%s", errOut)
	}
	cuts := regexp.MustCompile(`(?m)^  [1-9]  +\d+\.\d{4}  +Rp [\d,]+$`).FindAllString(out, -1)
	if len(cuts) != 9 {
		t.Errorf("rank --wait printed %d cut-points, want 9:\n%s", len(cuts), out)
	}
	// The same run id returns that run rather than starting another.
	code, out, _ = p.run(t, "rank", "--run-id", "cli-run-1", "-o", "json")
	var run scoringv1.RankingRun
	if err := protojson.Unmarshal([]byte(out), &run); code != 0 || err != nil || run.GetState() != scoringv1.RunState_RUN_STATE_SUCCEEDED ||
		len(run.GetCutPoints()) != 9 {
		t.Errorf("rank --run-id of a finished run: exit %d, %v\n%s", code, err, out)
	}

	// A family's score.
	kk := scoringtest.KK(0)
	code, out, errOut = p.run(t, "score", kk, "-o", "json")
	var fs scoringv1.FamilyScore
	if err := protojson.Unmarshal([]byte(out), &fs); code != 0 || err != nil {
		t.Fatalf("score -o json: exit %d, %v\n%s%s", code, err, out, errOut)
	}
	if fs.GetDecile() < 1 || fs.GetDecile() > 10 || fs.GetExplanation().GetSummary().GetId() == "" {
		t.Fatalf("score = %v, want a decile 1-10 and a summary", &fs)
	}
	code, out, errOut = p.run(t, "score", kk)
	m := regexp.MustCompile(`decile +(\d+) of 10`).FindStringSubmatch(out)
	if code != 0 || m == nil || m[1] != strconv.Itoa(int(fs.GetDecile())) {
		t.Errorf("score table: exit %d, want decile %d\n%s%s", code, fs.GetDecile(), out, errOut)
	}
	for _, want := range []string{"Family " + kk + ": score", fs.GetExplanation().GetSummary().GetId(), "Rp ", "models/", "field visit",
		"Raising the score", "Lowering the score", "CONTRIBUTION"} {
		if !strings.Contains(out, want) {
			t.Errorf("score table lacks %q:\n%s", want, out)
		}
	}
	if len(fs.GetExplanation().GetRaising()) > 0 && !strings.Contains(out, fs.GetExplanation().GetRaising()[0].GetFeature()) {
		t.Errorf("score table does not name the first raising factor %s:\n%s", fs.GetExplanation().GetRaising()[0].GetFeature(), out)
	}
	if code, out, _ = p.run(t, "score", "families/"+kk+"/score", "--lang", "en"); code != 0 ||
		!strings.Contains(out, fs.GetExplanation().GetSummary().GetEn()) {
		t.Errorf("score --lang en: exit %d, want the English summary %q\n%s", code, fs.GetExplanation().GetSummary().GetEn(), out)
	}

	// Its eligibility.
	code, out, errOut = p.run(t, "eligibility", kk)
	if code != 0 || !strings.Contains(out, "PROGRAMME") || !strings.Contains(out, "PKH") || !strings.Contains(out, "Reasons:") ||
		!strings.Contains(out, "rankingRuns/cli-run-1") {
		t.Errorf("eligibility: exit %d\n%s%s", code, out, errOut)
	}

	// Unknown and malformed KKs: a clear error, exit 1.
	unknown := scoringtest.KK(scoringtest.Registered + 7)
	code, _, errOut = p.run(t, "score", unknown)
	if code != ExitFailure || !strings.Contains(errOut, "NotFound") || !strings.Contains(errOut, unknown) ||
		!strings.Contains(errOut, "not registered") {
		t.Errorf("score of an unregistered KK: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = p.run(t, "score", "12345")
	if code != ExitFailure || !strings.Contains(errOut, "InvalidArgument") || !strings.Contains(errOut, "KK") {
		t.Errorf("score of a malformed KK: exit %d, stderr %q", code, errOut)
	}

	// An analyst never sees a family, and may not rank.
	analyst := p.auth.Token(t, authtest.Analyst())
	code, _, errOut = p.as(t, analyst, "score", kk)
	if code != ExitFailure || !strings.Contains(errOut, "PermissionDenied") || !strings.Contains(errOut, "AGGREGATES_ONLY") ||
		!strings.Contains(errOut, "id-ID: ") {
		t.Errorf("analyst score: exit %d, stderr %q; want PermissionDenied AGGREGATES_ONLY with the Indonesian message", code, errOut)
	}
	if code, out, _ = p.as(t, analyst, "model", "list"); code != 0 || !strings.Contains(out, gbtID) {
		t.Errorf("analyst model list: exit %d\n%s", code, out)
	}
	if code, _, errOut = p.as(t, analyst, "rank"); code != ExitFailure || !strings.Contains(errOut, "PermissionDenied") {
		t.Errorf("analyst rank: exit %d, stderr %q", code, errOut)
	}
	t.Logf("scoring commands took %s", time.Since(start))
}

// TestRankWithoutModel: a run that cannot start (no active model) is
// an error, exit 1, with the service's reason.
func TestRankWithoutModel(t *testing.T) {
	p, _ := startScoring(t)
	code, _, errOut := p.run(t, "rank", "--wait")
	if code != ExitFailure || !strings.Contains(errOut, "NO_ACTIVE_MODEL") || !strings.Contains(errOut, "dtsenctl model train") {
		t.Errorf("rank without an active model: exit %d, stderr %q", code, errOut)
	}
}
