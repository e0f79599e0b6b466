package e2e_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
	"github.com/dtsen-id/dtsen/services/scoring/scoringtest"
)

// TestCorrectionReScoresTheFamily follows a citizen's data correction over
// REST from submission to its effect: the officers triage, assign, verify
// and approve it; the grievance workload applies it to the asset context;
// the asset feed carries it to scoring, which re-scores the family.
func TestCorrectionReScoresTheFamily(t *testing.T) {
	t.Parallel()
	p := startRanked(t, 100*time.Millisecond)
	base, client := serve(t, p.options(t))
	e := &env{t: t, base: base, http: client, auth: p.src.Registry.Auth, fams: registrytest.Families(0, scoringtest.Registered)}

	fam := e.fams[4]
	kk, region := fam.GetKkNumber(), fam.GetRegionCode()
	citizen := e.as(authtest.Citizen(fam.GetHeadNik()))
	district := e.as(authtest.Officer(auth.RoleDistrictOfficer, region[:5]))
	verifierClaims := authtest.Officer(auth.RoleFieldVerifier, region[:8])
	verifier := e.as(verifierClaims)

	var assets struct {
		Housing struct {
			FloorMaterial string `json:"floorMaterial"`
			Source        string `json:"source"`
		} `json:"housing"`
	}
	readAssets := func() {
		e.okJSON(citizen.get("/v1/families/"+kk+"/assets"), &assets)
	}
	readAssets()
	proposed := "FLOOR_MATERIAL_EARTH"
	if assets.Housing.FloorMaterial == proposed {
		proposed = "FLOOR_MATERIAL_BAMBOO"
	}
	var history struct {
		Records []struct {
			ScoredTime time.Time `json:"scoredTime"`
		} `json:"records"`
	}
	readHistory := func() {
		e.okJSON(citizen.get("/v1/families/"+kk+"/scoreHistory"), &history)
	}
	readHistory()
	scoredBefore := len(history.Records)

	var c struct {
		Name    string `json:"name"`
		State   string `json:"state"`
		History []struct {
			Action string `json:"action"`
			Reason string `json:"reason"`
		} `json:"history"`
	}
	decode := func(r response) {
		t.Helper()
		e.okJSON(r, &c)
	}
	var submitted struct {
		Case json.RawMessage `json:"case"`
	}
	e.okJSON(citizen.send(http.MethodPost, "/v1/cases", map[string]any{
		"requestId": "cek-dtsen-0001", "caseType": "CASE_TYPE_DATA_CORRECTION", "family": "families/" + kk,
		"description": "lantai rumah kami bukan seperti yang tercatat",
		"correction":  map[string]any{"context": "asset", "field": "housing.floor_material", "proposedValue": proposed},
	}), &submitted)
	if err := json.Unmarshal(submitted.Case, &c); err != nil || c.State != "CASE_STATE_SUBMITTED" {
		t.Fatalf("submitted: %s, %v", submitted.Case, err)
	}
	name := c.Name

	// A correction no context takes is refused at the door.
	bad := citizen.send(http.MethodPost, "/v1/cases", map[string]any{"caseType": "CASE_TYPE_DATA_CORRECTION",
		"family": "families/" + kk, "correction": map[string]any{"context": "asset", "field": "housing.source", "proposedValue": "bps"}})
	if bad.status != http.StatusBadRequest {
		t.Errorf("an uncorrectable field: %v", bad)
	}

	decode(district.send(http.MethodPost, "/v1/"+name+":triage", map[string]any{}))
	decode(district.send(http.MethodPost, "/v1/"+name+":assign", map[string]any{"assignee": verifierClaims.Subject}))
	decode(verifier.send(http.MethodPost, "/v1/"+name+":recordVerification", map[string]any{"verification": map[string]any{
		"visitDate": time.Now().Format(time.DateOnly), "latitude": -6.9, "longitude": 107.6, "familyFound": true,
		"answers": map[string]string{"asset.housing.floor_material": proposed}}}))
	decode(district.send(http.MethodPost, "/v1/"+name+":decide", map[string]any{"approve": true, "reason": "sesuai kunjungan"}))
	if c.State != "CASE_STATE_APPROVED" {
		t.Fatalf("decided: %s", c.State)
	}

	deadline := time.Now().Add(30 * time.Second)
	for c.State != "CASE_STATE_APPLIED" && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		decode(citizen.get("/v1/" + name))
	}
	if c.State != "CASE_STATE_APPLIED" || c.History[len(c.History)-1].Action != "APPLY" {
		t.Fatalf("the case was not applied: %+v", c)
	}
	readAssets()
	if assets.Housing.FloorMaterial != proposed || assets.Housing.Source != auth.FieldVerificationAgency {
		t.Errorf("housing after the correction: %+v", assets.Housing)
	}
	for len(history.Records) == scoredBefore && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		readHistory()
	}
	if len(history.Records) == scoredBefore {
		t.Fatalf("the family was not re-scored after the correction: %d score records", scoredBefore)
	}
}

// okJSON decodes a 200 response into v.
func (e *env) okJSON(r response, v any) {
	e.t.Helper()
	if r.status != http.StatusOK {
		e.t.Fatalf("want 200, got %v", r)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		e.t.Fatalf("decode %s: %v", r.body, err)
	}
}
