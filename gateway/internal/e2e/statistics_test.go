package e2e_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/scoring/scoringtest"
)

// regionStatistics is GET /v1/regionStatistics's JSON. Its counts are
// int64, which proto3 JSON writes as strings; fields at their zero value
// (the nation's empty region, a programme without a quota) are left out.
type regionStatistics struct {
	Region     string   `json:"region"`
	RankingRun string   `json:"rankingRun"`
	Families   string   `json:"families"`
	Deciles    []string `json:"deciles"`
	Subregions []struct {
		Region   string   `json:"region"`
		Families string   `json:"families"`
		Deciles  []string `json:"deciles"`
	} `json:"subregions"`
	Programmes []struct {
		Programme       string  `json:"programme"`
		Eligible        string  `json:"eligible"`
		Quota           string  `json:"quota"`
		Coverage        float64 `json:"coverage"`
		EligiblePersons string  `json:"eligiblePersons"`
		QuotaUnit       string  `json:"quotaUnit"`
	} `json:"programmes"`
}

// count reads an int64 of the JSON; absent is 0.
func count(t *testing.T, s string) int64 {
	t.Helper()
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("count %q: %v", s, err)
	}
	return n
}

func sumCounts(t *testing.T, ss []string) int64 {
	t.Helper()
	var n int64
	for _, s := range ss {
		n += count(t, s)
	}
	return n
}

// kkLike is anything that could be a KK number or NIK.
var kkLike = regexp.MustCompile(`\d{16}|families/`)

func (e *env) regionStatistics(path string) regionStatistics {
	e.t.Helper()
	res := e.get(path)
	if res.status != http.StatusOK {
		e.t.Fatalf("%s: %v", path, res)
	}
	if kkLike.Match(res.body) {
		e.t.Errorf("%s names a family: %s", path, res.body)
	}
	var st regionStatistics
	if err := json.Unmarshal(res.body, &st); err != nil {
		e.t.Fatalf("%s: %v in %s", path, err, res.body)
	}
	return st
}

// TestRegionStatisticsREST reads the analyst dashboard's counts through the
// gateway: the nation by province, then a province by regency, in the REST
// contract's JSON, with no family in them.
func TestRegionStatisticsREST(t *testing.T) {
	e := newScoringEnv(t)
	analyst := e.as(authtest.Analyst())

	national := analyst.regionStatistics("/v1/regionStatistics")
	if national.Region != "" || count(t, national.Families) != scoringtest.Registered || len(national.Deciles) != 10 ||
		sumCounts(t, national.Deciles) != scoringtest.Registered || national.RankingRun == "" {
		t.Errorf("national: %+v", national)
	}
	var provinces []string
	perProvince := map[string]int64{}
	for _, s := range national.Subregions {
		provinces = append(provinces, s.Region)
		perProvince[s.Region] = count(t, s.Families)
		if len(s.Deciles) != 10 || sumCounts(t, s.Deciles) != count(t, s.Families) {
			t.Errorf("province %s: %+v", s.Region, s)
		}
	}
	// The seeded families live in West Java, Central Java and Aceh.
	if !slices.Equal(provinces, []string{"11", "32", "33"}) {
		t.Errorf("provinces %v", provinces)
	}
	quotas := 0
	for _, p := range national.Programmes {
		if p.Quota != "" {
			quotas++
			if p.Programme != "PBI_JK" || p.QuotaUnit != "persons" || count(t, p.Quota) != 96_800_000 ||
				p.Coverage != float64(count(t, p.EligiblePersons))/96_800_000 {
				t.Errorf("national quota: %+v", p)
			}
		}
	}
	if quotas != 1 || len(national.Programmes) != 5 {
		t.Errorf("national programmes: %+v", national.Programmes)
	}

	west := analyst.regionStatistics("/v1/regionStatistics?region=32")
	var regencies []string
	var inRegencies int64
	for _, s := range west.Subregions {
		regencies = append(regencies, s.Region)
		inRegencies += count(t, s.Families)
	}
	if west.Region != "32" || west.RankingRun != national.RankingRun || count(t, west.Families) != perProvince["32"] ||
		inRegencies != perProvince["32"] || !slices.Equal(regencies, []string{"32.04", "32.73"}) {
		t.Errorf("province 32: %+v", west)
	}
	for _, p := range west.Programmes {
		if p.Quota != "" || p.Coverage != 0 || p.QuotaUnit != "" {
			t.Errorf("a province reports a national quota: %+v", p)
		}
	}

	// A regency officer gets their regency by default, and nothing wider.
	officer := e.as(authtest.Officer(auth.RoleDistrictOfficer, "32.04"))
	if st := officer.regionStatistics("/v1/regionStatistics"); st.Region != "32.04" || len(st.Subregions) != 1 ||
		st.Subregions[0].Region != "32.04.12" {
		t.Errorf("a regency officer's default: %+v", st)
	}
	for _, c := range []struct {
		who    *env
		path   string
		status int
		reason string
	}{
		{officer, "/v1/regionStatistics?region=32", http.StatusForbidden, auth.ReasonRegionOutOfScope},
		{e.as(authtest.Citizen(e.fams[0].GetHeadNik())), "/v1/regionStatistics", http.StatusForbidden, auth.ReasonRoleNotAllowed},
		{analyst, "/v1/regionStatistics?region=32.04.12", http.StatusBadRequest, "REGION_LEVEL_INVALID"},
		{analyst, "/v1/regionStatistics?region=3x", http.StatusBadRequest, "REGION_CODE_INVALID"},
	} {
		if res := c.who.get(c.path); res.status != c.status || errorReason(res) != c.reason {
			t.Errorf("%s: %v; want %d %s", c.path, res, c.status, c.reason)
		}
	}
}
