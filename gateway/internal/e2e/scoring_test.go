package e2e_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
	"github.com/dtsen-id/dtsen/services/scoring/scoringtest"
)

// newScoringEnv is the gateway in front of every context, seeded with
// scoringtest's demo families, with a scoring service that has trained,
// activated and ranked.
func newScoringEnv(t *testing.T) *env {
	t.Helper()
	t.Parallel()
	p := startRanked(t, 0)
	base, client := serve(t, p.options(t))
	e := &env{t: t, base: base, http: client, auth: p.src.Registry.Auth,
		fams: registrytest.Families(0, scoringtest.Registered)}
	e.reader = e.auth.Token(t, authtest.Admin())
	e.writer = e.reader
	return e
}

// TestScoringREST reads scores, eligibility and models through the gateway
// as the people who use them, in the REST contract's JSON.
func TestScoringREST(t *testing.T) {
	e := newScoringEnv(t)
	fam := e.fams[2]
	kk := fam.GetKkNumber()

	t.Run("a citizen reads their family's score and why", func(t *testing.T) {
		res := e.as(authtest.Citizen(fam.GetHeadNik())).do(http.MethodGet, "/v1/families/"+kk+"/score", nil)
		if res.status != http.StatusOK {
			t.Fatal(res)
		}
		var score struct {
			Name                          string  `json:"name"`
			Decile                        int     `json:"decile"`
			PredictedConsumptionPerCapita float64 `json:"predictedConsumptionPerCapita"`
			RankingRun                    string  `json:"rankingRun"`
			Explanation                   struct {
				Prediction float64 `json:"prediction"`
				Raising    []struct {
					Feature      string  `json:"feature"`
					Contribution float64 `json:"contribution"`
				} `json:"raising"`
				Summary struct{ ID, EN string } `json:"summary"`
			} `json:"explanation"`
		}
		if err := json.Unmarshal(res.body, &score); err != nil {
			t.Fatal(err)
		}
		if score.Name != "families/"+kk+"/score" || score.Decile < 1 || score.Decile > 10 ||
			score.PredictedConsumptionPerCapita <= 0 || !strings.HasPrefix(score.RankingRun, "rankingRuns/") ||
			score.Explanation.Summary.ID == "" || score.Explanation.Summary.EN == "" {
			t.Errorf("score %s", res.body)
		}
		for _, f := range score.Explanation.Raising {
			if f.Feature == "" || f.Contribution <= 0 {
				t.Errorf("raising factor %+v", f)
			}
		}
	})

	t.Run("eligibility, notices and the officer's list", func(t *testing.T) {
		res := e.as(authtest.Citizen(fam.GetHeadNik())).do(http.MethodGet, "/v1/families/"+kk+"/eligibility", nil)
		if res.status != http.StatusOK || !strings.Contains(string(res.body), `"programme":"PKH"`) ||
			!strings.Contains(string(res.body), `"rulesVersion"`) {
			t.Fatalf("eligibility: %s", res)
		}
		if res := e.as(authtest.Citizen(fam.GetHeadNik())).do(http.MethodGet, "/v1/families/"+kk+"/notices", nil); res.status != http.StatusOK {
			t.Errorf("notices: %s", res)
		}
		regency := fam.GetRegionCode()[:5]
		officer := e.as(authtest.Officer(auth.RoleDistrictOfficer, regency))
		res = officer.do(http.MethodGet, "/v1/programmes/SEMBAKO/eligibleFamilies?pageSize=2", nil)
		if res.status != http.StatusOK {
			t.Fatal(res)
		}
		var page struct {
			Families []struct {
				Family, Region string
			} `json:"families"`
		}
		if err := json.Unmarshal(res.body, &page); err != nil {
			t.Fatal(err)
		}
		for _, f := range page.Families {
			if !auth.RegionWithin(f.Region, regency) {
				t.Errorf("%s of %s listed to an officer of %s", f.Family, f.Region, regency)
			}
		}
		res = e.as(authtest.Analyst()).do(http.MethodGet, "/v1/transitionReport", nil)
		if res.status != http.StatusOK || !strings.Contains(string(res.body), `"before"`) {
			t.Errorf("transition report for an analyst: %s", res)
		}
	})

	t.Run("models and runs", func(t *testing.T) {
		res := e.as(authtest.Analyst()).do(http.MethodGet, "/v1/models", nil)
		if res.status != http.StatusOK || !strings.Contains(string(res.body), "MODEL_STATE_ACTIVE") {
			t.Fatalf("models: %s", res)
		}
		res = e.do(http.MethodPost, "/v1/models/none:activate", strings.NewReader(`{}`))
		if res.status != http.StatusBadRequest || errorReason(res) != "ACTIVATION_REASON_REQUIRED" {
			t.Errorf("activation without a reason: %s", res)
		}
		res = e.do(http.MethodGet, "/v1/families/123/score", nil)
		if res.status != http.StatusBadRequest {
			t.Errorf("malformed KK: %s", res)
		}
	})
}
