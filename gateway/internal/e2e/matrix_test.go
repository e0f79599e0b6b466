package e2e_test

// The authorisation matrix: every REST route of gateway/api/http_rules.yaml
// against every kind of caller, through the real gateway and the real
// services, asserting the HTTP status and the ErrorInfo reason of each cell.
// The gateway refuses what the method table (auth.MethodRoles) refuses; the
// services refuse what the record-level rules refuse (own family, region,
// agency). The routes come from the YAML itself, so a new route without a
// row here fails the test.

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	grievancev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/grievance/v1"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
)

// httpRule is one binding of gateway/api/http_rules.yaml: "GET /v1/{name=persons/*}".
type httpRule struct {
	selector string
	route    string
}

// loadHTTPRules parses the gateway's HTTP rules, additional bindings
// included, in file order.
func loadHTTPRules(t *testing.T) []httpRule {
	t.Helper()
	raw, err := os.ReadFile("../../api/http_rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	type binding struct {
		Get, Put, Post, Patch, Delete string
	}
	var doc struct {
		HTTP struct {
			Rules []struct {
				Selector string `yaml:"selector"`
				binding  `yaml:",inline"`
				More     []binding `yaml:"additional_bindings"`
			} `yaml:"rules"`
		} `yaml:"http"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var rules []httpRule
	add := func(selector string, b binding) {
		for _, vp := range []struct{ verb, path string }{
			{http.MethodGet, b.Get}, {http.MethodPut, b.Put}, {http.MethodPost, b.Post},
			{http.MethodPatch, b.Patch}, {http.MethodDelete, b.Delete},
		} {
			if vp.path != "" {
				rules = append(rules, httpRule{selector: selector, route: vp.verb + " " + vp.path})
			}
		}
	}
	for _, r := range doc.HTTP.Rules {
		add(r.Selector, r.binding)
		for _, b := range r.More {
			add(r.Selector, b)
		}
	}
	if len(rules) == 0 {
		t.Fatal("no HTTP rules parsed")
	}
	return rules
}

// rpcMethod is the gRPC full method name of an HTTP rule's selector.
func rpcMethod(selector string) string {
	i := strings.LastIndex(selector, ".")
	return "/" + selector[:i] + "/" + selector[i+1:]
}

// The callers of the matrix. "In" officers are scoped to a region holding
// the seeded family (family 0, village 32.04.12.2001 in Kab. Bandung);
// "out" officers to the same level of Kab. Banyumas (33.01), which holds
// other families but not this one.
const (
	pNone = iota
	pCitizenOwn
	pCitizenOther
	pVillageIn
	pVillageOut
	pDistrictIn
	pDistrictOut
	pVerifierIn
	pVerifierOut
	pProvinceIn
	pProvinceOut
	pAnalyst
	pAgencyOwner
	pAgencyOther
	pAdmin
	personaCount
)

var personaNames = [personaCount]string{
	"no token", "citizen (own family)", "citizen (other family)",
	"village operator in region", "village operator outside", "district officer in region", "district officer outside",
	"field verifier in region", "field verifier outside", "provincial officer in region", "provincial officer outside",
	"analyst", "integration client of the owning agency", "integration client of another agency", "admin",
}

// otherAgency owns no record of any context.
const otherAgency = "bkkbn"

// personaClaims are the token claims of each persona; owner is the agency
// that owns the route's records.
func personaClaims(e *env, p int, owner string) *auth.Claims {
	var c auth.Claims
	switch p {
	case pNone:
		return nil
	case pCitizenOwn:
		c = authtest.Citizen(e.fams[0].GetHeadNik())
	case pCitizenOther:
		c = authtest.Citizen(e.fams[3].GetHeadNik())
	case pVillageIn:
		c = authtest.Officer(auth.RoleVillageOperator, "32.04.12.2001")
	case pVillageOut:
		c = authtest.Officer(auth.RoleVillageOperator, "33.01.01.2003")
	case pDistrictIn:
		c = authtest.Officer(auth.RoleDistrictOfficer, "32.04")
	case pDistrictOut:
		c = authtest.Officer(auth.RoleDistrictOfficer, "33.01")
	case pVerifierIn:
		c = authtest.Officer(auth.RoleFieldVerifier, "32.04.12")
	case pVerifierOut:
		c = authtest.Officer(auth.RoleFieldVerifier, "33.01.01")
	case pProvinceIn:
		c = authtest.Officer(auth.RoleProvincialOfficer, "32")
	case pProvinceOut:
		c = authtest.Officer(auth.RoleProvincialOfficer, "33")
	case pAnalyst:
		c = authtest.Analyst()
	case pAgencyOwner:
		c = authtest.Integration(owner)
	case pAgencyOther:
		c = authtest.Integration(otherAgency)
	case pAdmin:
		c = authtest.Admin()
	}
	return &c
}

// cell is the expected answer: an HTTP status and, for errors, the reason.
type cell struct {
	status int
	reason string
}

var (
	ok           = cell{http.StatusOK, ""}
	noToken      = cell{http.StatusUnauthorized, auth.ReasonTokenMissing}
	roleRefused  = cell{http.StatusForbidden, auth.ReasonRoleNotAllowed}
	aggregates   = cell{http.StatusForbidden, auth.ReasonAggregatesOnly}
	notOwnFamily = cell{http.StatusForbidden, auth.ReasonNotOwnFamily}
	outOfRegion  = cell{http.StatusForbidden, auth.ReasonRegionOutOfScope}
	agencyNot    = cell{http.StatusForbidden, auth.ReasonAgencyNotOwner}
)

// The classes of route, by who may call them (auth.MethodRoles) and how the
// service narrows that (auth.AuthorizeFamily, RegionScope, the agency).

// familyRead reads one family's personal data: its own citizens, officers
// inside its region, integration clients and administrators.
var familyRead = [personaCount]cell{
	noToken, ok, notOwnFamily,
	ok, outOfRegion, ok, outOfRegion, ok, outOfRegion, ok, outOfRegion,
	aggregates, ok, ok, ok,
}

// nationwideList lists personal rows across families: integration clients
// and administrators only.
var nationwideList = [personaCount]cell{
	noToken, roleRefused, roleRefused,
	roleRefused, roleRefused, roleRefused, roleRefused, roleRefused, roleRefused, roleRefused, roleRefused,
	aggregates, ok, ok, ok,
}

// regionList lists families of a region (the family's village): officers
// within their own region, nationwide roles anywhere; never citizens.
var regionList = [personaCount]cell{
	noToken, roleRefused, roleRefused,
	ok, outOfRegion, ok, outOfRegion, ok, outOfRegion, ok, outOfRegion,
	aggregates, ok, ok, ok,
}

// public is reference data every authenticated caller may read.
var public = [personaCount]cell{
	noToken, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok,
}

// registryWrite changes the civil registry: Dukcapil's integration client
// only. Its requests are built to fail after authorisation (a stale etag,
// an unknown person, a taken KK number), so the matrix changes nothing;
// result is that failure.
func registryWrite(result cell) [personaCount]cell {
	return [personaCount]cell{
		noToken, roleRefused, roleRefused,
		roleRefused, roleRefused, roleRefused, roleRefused, roleRefused, roleRefused, roleRefused, roleRefused,
		aggregates, result, agencyNot, roleRefused,
	}
}

// adminOnly is the audit log.
var adminOnly = [personaCount]cell{
	noToken, roleRefused, roleRefused,
	roleRefused, roleRefused, roleRefused, roleRefused, roleRefused, roleRefused, roleRefused, roleRefused,
	aggregates, roleRefused, roleRefused, ok,
}

// familyMissing reads one family's data that does not exist yet (a
// family no ranking run has scored): who may read it is told so, 404.
func familyMissing(reason string) [personaCount]cell {
	missing := cell{http.StatusNotFound, reason}
	return [personaCount]cell{
		noToken, missing, notOwnFamily,
		missing, outOfRegion, missing, outOfRegion, missing, outOfRegion, missing, outOfRegion,
		aggregates, missing, missing, missing,
	}
}

// regionAggregate is aggregate counts of a region: officers within their
// own (no region asked is their own), analysts and administrators.
var regionAggregate = [personaCount]cell{
	noToken, roleRefused, roleRefused,
	ok, ok, ok, ok, ok, ok, ok, ok,
	ok, roleRefused, roleRefused, ok,
}

// modelRead is the model registry and ranking runs: no personal data.
func modelRead(result cell) [personaCount]cell {
	return [personaCount]cell{
		noToken, roleRefused, roleRefused,
		roleRefused, roleRefused, roleRefused, roleRefused, roleRefused, roleRefused, roleRefused, roleRefused,
		result, roleRefused, roleRefused, result,
	}
}

// adminAct is training, activating and ranking: administrators only. The
// requests fail after authorisation, so the matrix changes nothing.
func adminAct(result cell) [personaCount]cell {
	return [personaCount]cell{
		noToken, roleRefused, roleRefused,
		roleRefused, roleRefused, roleRefused, roleRefused, roleRefused, roleRefused, roleRefused, roleRefused,
		aggregates, roleRefused, roleRefused, result,
	}
}

// matrixRow is one route's request and expected cells.
type matrixRow struct {
	path  string // with query
	body  string
	owner string // the agency owning the records
	cells [personaCount]cell
}

func TestAuthorisationMatrix(t *testing.T) {
	e := newEnv(t, envOptions{scoring: true, grievance: true})
	asset := assetSeed(t, e)
	income := incomeSeed(t, e)
	su := serviceUsageSeed(t, e)
	f := e.fams[0]
	kk, head := f.GetKkNumber(), f.GetHeadNik()
	const (
		dukcapil = "dukcapil"
		atrBPN   = "atr-bpn"
		bpjsTK   = "bpjs-tk"
		bpjsKes  = "bpjs-kesehatan"
		stale    = `W/\"999\"`
	)

	// Two cases of family 0 (village 32.04.12.2001), filed by its citizen:
	// an open objection, and a correction an administrator rejected, which
	// every step row acts on, so a permitted caller meets CASE_STATE_INVALID
	// and the matrix changes nothing.
	g := e.grievance.ClientAs(t, authtest.Citizen(head))
	open, err := g.SubmitCase(t.Context(), &grievancev1.SubmitCaseRequest{CaseType: grievancev1.CaseType_CASE_TYPE_EXCLUSION_OBJECTION,
		Family: "families/" + kk, Description: "lantai tanah"})
	if err != nil {
		t.Fatal(err)
	}
	closed, err := g.SubmitCase(t.Context(), &grievancev1.SubmitCaseRequest{CaseType: grievancev1.CaseType_CASE_TYPE_DATA_CORRECTION,
		Family: "families/" + kk, Correction: &grievancev1.Correction{Context: "asset", Field: "housing.floor_material", ProposedValue: "EARTH"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.grievance.ClientAs(t, authtest.Admin()).DecideCase(t.Context(), &grievancev1.DecideCaseRequest{
		Name: closed.GetCase().GetName(), Reason: "duplikat"}); err != nil {
		t.Fatal(err)
	}
	caseRead := [personaCount]cell{
		noToken, ok, {http.StatusNotFound, "CASE_NOT_FOUND"},
		ok, {http.StatusNotFound, "CASE_NOT_FOUND"}, ok, {http.StatusNotFound, "CASE_NOT_FOUND"},
		ok, {http.StatusNotFound, "CASE_NOT_FOUND"}, ok, {http.StatusNotFound, "CASE_NOT_FOUND"},
		aggregates, roleRefused, roleRefused, ok,
	}
	stateInvalid := cell{http.StatusBadRequest, "CASE_STATE_INVALID"}
	caseOut := cell{http.StatusForbidden, "CASE_REGION_OUT_OF_SCOPE"}
	decide := [personaCount]cell{
		noToken, roleRefused, roleRefused,
		roleRefused, roleRefused, stateInvalid, caseOut, roleRefused, roleRefused, stateInvalid, caseOut,
		aggregates, roleRefused, roleRefused, stateInvalid,
	}
	triage := decide
	triage[pVillageIn], triage[pVillageOut] = stateInvalid, caseOut
	verify := [personaCount]cell{
		noToken, roleRefused, roleRefused,
		roleRefused, roleRefused, roleRefused, roleRefused, stateInvalid, caseOut, roleRefused, roleRefused,
		aggregates, roleRefused, roleRefused, roleRefused,
	}
	submit := [personaCount]cell{
		noToken, ok, notOwnFamily,
		ok, outOfRegion, ok, outOfRegion, ok, outOfRegion, ok, outOfRegion,
		aggregates, roleRefused, roleRefused, ok,
	}
	// Region statistics of the family's regency, before any run: who may
	// see them is told there are none yet. Village operators and field
	// verifiers are bound to regions narrower than a regency.
	noRun := cell{http.StatusNotFound, "NO_RANKING_RUN_SUCCEEDED"}
	regionStatistics := [personaCount]cell{
		noToken, roleRefused, roleRefused,
		outOfRegion, outOfRegion, noRun, outOfRegion, outOfRegion, outOfRegion, noRun, outOfRegion,
		noRun, roleRefused, roleRefused, noRun,
	}
	caseList := regionAggregate
	caseList[pAnalyst] = aggregates
	// A citizen lists the cases they reported (none, for the other family's).
	caseList[pCitizenOwn], caseList[pCitizenOther] = ok, ok
	closedName := "/v1/" + closed.GetCase().GetName()

	rows := map[string]matrixRow{
		"POST /v1/cases":                 {"/v1/cases", `{"caseType":"CASE_TYPE_EXCLUSION_OBJECTION","family":"families/` + kk + `"}`, dukcapil, submit},
		"GET /v1/{name=cases/*}":         {"/v1/" + open.GetCase().GetName(), "", dukcapil, caseRead},
		"GET /v1/cases":                  {"/v1/cases", "", dukcapil, caseList},
		"POST /v1/{name=cases/*}:triage": {closedName + ":triage", `{}`, dukcapil, triage},
		"POST /v1/{name=cases/*}:assign": {closedName + ":assign", `{"assignee":"tksk-1"}`, dukcapil, decide},
		"POST /v1/{name=cases/*}:recordVerification": {closedName + ":recordVerification",
			`{"verification":{"visitDate":"2026-11-01","latitude":-6.98,"longitude":107.55,"familyFound":true}}`, dukcapil, verify},
		"POST /v1/{name=cases/*}:decide": {closedName + ":decide", `{"approve":false,"reason":"x"}`, dukcapil, decide},

		"GET /v1/{name=persons/*}":  {"/v1/persons/" + head, "", dukcapil, familyRead},
		"GET /v1/{name=families/*}": {"/v1/families/" + kk, "", dukcapil, familyRead},
		"GET /v1/families": {"/v1/families?filter=" + url.QueryEscape(`region = "`+f.GetRegionCode()+`"`), "",
			dukcapil, regionList},
		"PATCH /v1/{family.name=families/*}": {"/v1/families/" + kk + "?updateMask=address",
			`{"address":{"street":"Jl. Kopo No. 45","rt":"001","rw":"002","postalCode":"40227"},"etag":"` + stale + `"}`,
			dukcapil, registryWrite(cell{http.StatusConflict, "ETAG_MISMATCH"})},
		"PATCH /v1/{person.name=persons/*}": {"/v1/persons/" + head + "?updateMask=education",
			`{"education":"EDUCATION_LEVEL_BACHELOR","etag":"` + stale + `"}`,
			dukcapil, registryWrite(cell{http.StatusConflict, "ETAG_MISMATCH"})},
		"POST /v1/{name=persons/*}:recordDeath": {"/v1/persons/3204121505909999:recordDeath", `{"deathDate":"2024-01-02"}`,
			dukcapil, registryWrite(cell{http.StatusNotFound, "PERSON_NOT_FOUND"})},
		"POST /v1/{name=persons/*}:move": {"/v1/persons/" + f.GetMembers()[3].GetNik() + ":move",
			`{"targetFamily":"families/` + e.fams[1].GetKkNumber() + `","relationToHead":"FAMILY_RELATION_OTHER_RELATIVE","etag":"` + stale + `"}`,
			dukcapil, registryWrite(cell{http.StatusConflict, "ETAG_MISMATCH"})},
		"POST /v1/{name=families/*}:split": {"/v1/families/" + kk + ":split",
			`{"newKkNumber":"` + e.fams[1].GetKkNumber() + `","memberNiks":["` + f.GetMembers()[3].GetNik() + `"],"newHeadNik":"` +
				f.GetMembers()[3].GetNik() + `","newAddress":{"street":"Jl. Baru 1","rt":"001","rw":"002","postalCode":"40227"},` +
				`"newRegionCode":"32.04.12.2001","newSettlement":"SETTLEMENT_RURAL"}`,
			dukcapil, registryWrite(cell{http.StatusBadRequest, "FAMILY_ALREADY_EXISTS"})},
		"GET /v1/provinces": {"/v1/provinces", "", dukcapil, public},

		"GET /v1/{name=families/*/assets}":     {"/v1/families/" + kk + "/assets", "", atrBPN, familyRead},
		"GET /v1/{name=families/*/housing/*}":  {"/v1/" + asset.housing[0], "", atrBPN, familyRead},
		"GET /v1/housing":                      {"/v1/housing", "", atrBPN, nationwideList},
		"GET /v1/{name=families/*/holdings/*}": {"/v1/" + asset.holdings[0], "", atrBPN, familyRead},
		"GET /v1/holdings":                     {"/v1/holdings", "", atrBPN, nationwideList},
		"GET /v1/{name=landParcels/*}":         {"/v1/" + asset.land[0], "", atrBPN, familyRead},
		"GET /v1/landParcels":                  {"/v1/landParcels", "", atrBPN, nationwideList},
		"GET /v1/{name=vehicles/*}":            {"/v1/" + asset.vehicles[0], "", atrBPN, familyRead},
		"GET /v1/vehicles":                     {"/v1/vehicles", "", atrBPN, nationwideList},

		"GET /v1/{name=persons/*/incomes/*}":         {"/v1/" + income.incomes[0], "", bpjsTK, familyRead},
		"GET /v1/{parent=persons/*}/incomes":         {"/v1/persons/" + head + "/incomes", "", bpjsTK, nationwideList},
		"GET /v1/{name=persons/*/employments/*}":     {"/v1/" + income.employments[0], "", bpjsTK, familyRead},
		"GET /v1/{parent=persons/*}/employments":     {"/v1/persons/" + head + "/employments", "", bpjsTK, nationwideList},
		"GET /v1/{name=families/*/consumptions/*}":   {"/v1/" + income.consumptions[0], "", bpjsTK, familyRead},
		"GET /v1/{parent=families/*}/consumptions":   {"/v1/families/" + kk + "/consumptions", "", bpjsTK, nationwideList},
		"GET /v1/{name=persons/*/bankingPatterns/*}": {"/v1/" + income.bankingPatterns[0], "", bpjsTK, familyRead},
		"GET /v1/{parent=persons/*}/bankingPatterns": {"/v1/persons/" + income.spouse + "/bankingPatterns", "", bpjsTK, nationwideList},
		"GET /v1/{name=families/*/economics}":        {"/v1/families/" + kk + "/economics", "", bpjsTK, familyRead},

		"GET /v1/{name=persons/*/healthCoverages/*}":          {"/v1/persons/" + head + "/healthCoverages/bpjs-kesehatan", "", bpjsKes, familyRead},
		"GET /v1/healthCoverages":                             {"/v1/healthCoverages", "", bpjsKes, nationwideList},
		"GET /v1/{name=persons/*/enrolments/*}":               {"/v1/persons/" + f.GetMembers()[2].GetNik() + "/enrolments/" + su.schoolYear, "", bpjsKes, familyRead},
		"GET /v1/enrolments":                                  {"/v1/enrolments", "", bpjsKes, nationwideList},
		"GET /v1/{name=families/*/utilityUsages/*}":           {"/v1/families/" + kk + "/utilityUsages/2025-06", "", bpjsKes, familyRead},
		"GET /v1/utilityUsages":                               {"/v1/utilityUsages", "", bpjsKes, nationwideList},
		"GET /v1/{name=families/*/programmeParticipations/*}": {"/v1/families/" + kk + "/programmeParticipations/pkh.2024-01-01", "", bpjsKes, familyRead},
		"GET /v1/{name=persons/*/programmeParticipations/*}":  {"/v1/" + su.personProgramme, "", bpjsKes, familyRead},
		"GET /v1/programmeParticipations":                     {"/v1/programmeParticipations", "", bpjsKes, nationwideList},
		"GET /v1/{name=families/*/serviceUsage}":              {"/v1/families/" + kk + "/serviceUsage", "", bpjsKes, familyRead},

		"GET /v1/{parent=services/*}/auditEvents": {"/v1/services/registry/auditEvents", "", dukcapil, adminOnly},

		"GET /v1/{name=families/*/score}":          {"/v1/families/" + kk + "/score", "", dukcapil, familyMissing("FAMILY_NOT_SCORED")},
		"GET /v1/{parent=families/*}/scoreHistory": {"/v1/families/" + kk + "/scoreHistory", "", dukcapil, familyRead},
		"GET /v1/{name=families/*/eligibility}":    {"/v1/families/" + kk + "/eligibility", "", dukcapil, familyMissing("FAMILY_NOT_DECIDED")},
		"GET /v1/{parent=families/*}/notices":      {"/v1/families/" + kk + "/notices", "", dukcapil, familyRead},
		"GET /v1/{parent=programmes/*}/eligibleFamilies": {"/v1/programmes/PKH/eligibleFamilies?region=" + f.GetRegionCode(), "",
			dukcapil, regionList},
		"GET /v1/fieldVerifications":        {"/v1/fieldVerifications?region=" + f.GetRegionCode(), "", dukcapil, regionList},
		"GET /v1/transitionReport":          {"/v1/transitionReport", "", dukcapil, regionAggregate},
		"GET /v1/regionStatistics":          {"/v1/regionStatistics?region=32.04", "", dukcapil, regionStatistics},
		"POST /v1/models:train":             {"/v1/models:train", `{"kind":"MODEL_KIND_GBT","validFraction":0.95}`, dukcapil, adminAct(cell{http.StatusBadRequest, "VALID_FRACTION_OUT_OF_RANGE"})},
		"GET /v1/{name=models/*}":           {"/v1/models/none", "", dukcapil, modelRead(cell{http.StatusNotFound, "MODEL_NOT_FOUND"})},
		"GET /v1/models":                    {"/v1/models", "", dukcapil, modelRead(ok)},
		"POST /v1/{name=models/*}:activate": {"/v1/models/none:activate", `{"reason":"matrix"}`, dukcapil, adminAct(cell{http.StatusNotFound, "MODEL_NOT_FOUND"})},
		"GET /v1/{name=models/*}:evaluate":  {"/v1/models/none:evaluate", "", dukcapil, modelRead(cell{http.StatusNotFound, "MODEL_NOT_FOUND"})},
		"POST /v1/rankingRuns":              {"/v1/rankingRuns", `{}`, dukcapil, adminAct(cell{http.StatusBadRequest, "NO_ACTIVE_MODEL"})},
		"GET /v1/{name=rankingRuns/*}":      {"/v1/rankingRuns/none", "", dukcapil, modelRead(cell{http.StatusNotFound, "RANKING_RUN_NOT_FOUND"})},
		"GET /v1/rankingRuns":               {"/v1/rankingRuns", "", dukcapil, modelRead(ok)},
	}

	rules := loadHTTPRules(t)
	seen := map[string]bool{}
	for _, r := range rules {
		seen[r.route] = true
		if _, ok := rows[r.route]; !ok {
			t.Errorf("route %s (%s) has no row in the authorisation matrix", r.route, r.selector)
		}
		if _, ok := auth.MethodRoles[rpcMethod(r.selector)]; !ok {
			t.Errorf("route %s calls %s, which the method table does not name", r.route, rpcMethod(r.selector))
		}
	}
	for route := range rows {
		if !seen[route] {
			t.Errorf("matrix row %s is not a route of http_rules.yaml", route)
		}
	}

	for _, r := range rules {
		row, found := rows[r.route]
		if !found {
			continue
		}
		t.Run(r.route, func(t *testing.T) {
			t.Parallel()
			e := e.sub(t)
			method, _, _ := strings.Cut(r.route, " ")
			for p := range personaCount {
				tok := ""
				if c := personaClaims(e, p, row.owner); c != nil {
					tok = "Bearer " + e.auth.Token(t, *c)
				}
				var res response
				if row.body == "" {
					res = e.do(method, row.path, nil, "Authorization", tok)
				} else {
					res = e.do(method, row.path, strings.NewReader(row.body), "Authorization", tok)
				}
				want := row.cells[p]
				got := cell{res.status, errorReason(res)}
				if got != want {
					t.Errorf("%s: got %d %s, want %d %s\n%s", personaNames[p], got.status, got.reason, want.status, want.reason, res.body)
				}
			}
		})
	}
}

// errorReason is the ErrorInfo reason of an error response, "" for success.
func errorReason(r response) string {
	if r.status < 400 {
		return ""
	}
	var a apiError
	if err := json.Unmarshal(r.body, &a); err != nil {
		return "undecodable: " + string(r.body)
	}
	return a.reason()
}
