package ports_test

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	scoringv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/scoring/v1"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
	"github.com/dtsen-id/dtsen/services/scoring/adapters"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/eligibility"
	"github.com/dtsen-id/dtsen/services/scoring/scoringtest"
)

// population is what a ranked population should count to, tallied family
// by family from the decisions the run stored.
type population struct {
	families map[string][10]int64 // region code (any level, "" national) -> deciles
	eligible map[string]map[string][2]int64
}

func tally(t *testing.T, ctx context.Context, s *scoringtest.Scoring, runID string) population {
	t.Helper()
	pop := population{families: map[string][10]int64{}, eligible: map[string]map[string][2]int64{}}
	err := adapters.NewRepository(s.DB).Eligibility.Each(ctx, "", func(r *domain.EligibilityRecord) error {
		if r.RunID != runID {
			t.Errorf("%s was decided by %s, not the run %s", r.KK, r.RunID, runID)
		}
		parts := strings.Split(r.Region, ".")
		for n := 0; n <= 3; n++ {
			code := strings.Join(parts[:n], ".")
			d := pop.families[code]
			d[r.Decision.Decile-1]++
			pop.families[code] = d
			if pop.eligible[code] == nil {
				pop.eligible[code] = map[string][2]int64{}
			}
			for _, p := range r.Decision.Programmes {
				if p.Status == eligibility.StatusEligible {
					c := pop.eligible[code][p.Programme]
					pop.eligible[code][p.Programme] = [2]int64{c[0] + 1, c[1] + int64(r.Decision.Persons)}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pop
}

func sum(d []int64) int64 {
	var n int64
	for _, x := range d {
		n += x
	}
	return n
}

// check compares a region's statistics with the population, subregions and
// programmes included.
func (pop population) check(t *testing.T, st *scoringv1.RegionStatistics, region, run string) {
	t.Helper()
	want := pop.families[region]
	if st.GetRegion() != region || st.GetRankingRun() != run || st.GetFamilies() != sum(want[:]) ||
		!slices.Equal(st.GetDeciles(), want[:]) {
		t.Errorf("%q: %d families, deciles %v, run %s; want %d, %v, %s", region, st.GetFamilies(), st.GetDeciles(),
			st.GetRankingRun(), sum(want[:]), want, run)
	}
	subLen := map[string]int{"": 2}[region]
	if subLen == 0 {
		subLen = len(region) + 3
	}
	var subs []string
	for code := range pop.families {
		if len(code) == subLen && (region == "" || strings.HasPrefix(code, region+".")) {
			subs = append(subs, code)
		}
	}
	slices.Sort(subs)
	var got []string
	for _, sub := range st.GetSubregions() {
		got = append(got, sub.GetRegion())
		w := pop.families[sub.GetRegion()]
		if sub.GetFamilies() != sum(w[:]) || !slices.Equal(sub.GetDeciles(), w[:]) {
			t.Errorf("%q: subregion %s: %d families, %v; want %v", region, sub.GetRegion(), sub.GetFamilies(), sub.GetDeciles(), w)
		}
	}
	if !slices.Equal(got, subs) {
		t.Errorf("%q: subregions %v, want %v", region, got, subs)
	}
	var programmes []string
	for _, p := range eligibility.DefaultTable().Programmes() {
		programmes = append(programmes, p.Code)
	}
	var listed []string
	for _, p := range st.GetProgrammes() {
		listed = append(listed, p.GetProgramme())
		w := pop.eligible[region][p.GetProgramme()]
		if p.GetEligible() != w[0] || p.GetEligiblePersons() != w[1] {
			t.Errorf("%q: %s: %d eligible (%d persons), want %d (%d)", region, p.GetProgramme(), p.GetEligible(),
				p.GetEligiblePersons(), w[0], w[1])
		}
		switch {
		case p.GetProgramme() == "PBI_JK" && region == "":
			if p.GetQuota() != 96_800_000 || p.GetQuotaUnit() != "persons" ||
				math.Abs(p.GetCoverage()-float64(w[1])/96_800_000) > 1e-15 {
				t.Errorf("national PBI_JK: quota %d %s, coverage %v", p.GetQuota(), p.GetQuotaUnit(), p.GetCoverage())
			}
		case p.GetQuota() != 0 || p.GetQuotaUnit() != "" || p.GetCoverage() != 0:
			t.Errorf("%q: %s has quota %d %s, coverage %v; want none", region, p.GetProgramme(), p.GetQuota(),
				p.GetQuotaUnit(), p.GetCoverage())
		}
	}
	if !slices.Equal(listed, programmes) {
		t.Errorf("%q: programmes %v, want the table's %v", region, listed, programmes)
	}
}

// TestRegionStatistics reads a ranked population's statistics through gRPC
// on both storage engines: nationally, per province and per regency they
// count what the run decided family by family; officers stay within their
// region; citizens and integration clients are refused; bad regions are
// INVALID_ARGUMENT.
func TestRegionStatistics(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		src := scoringtest.StartSources(t, scoringtest.SourceOptions{})
		s := scoringtest.Start(t, url, src, scoringtest.Options{})
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		analyst := s.ClientAs(t, authtest.Analyst())

		_, err := analyst.GetRegionStatistics(ctx, &scoringv1.GetRegionStatisticsRequest{})
		wantCode(t, "before any run", err, codes.NotFound, "NO_RANKING_RUN_SUCCEEDED")

		run := s.Ranked(t)
		pop := tally(t, ctx, s, strings.TrimPrefix(run.GetName(), "rankingRuns/"))
		if all := pop.families[""]; sum(all[:]) != scoringtest.Registered {
			t.Fatalf("the run decided %d families, want %d", sum(all[:]), scoringtest.Registered)
		}

		t.Run("counts", func(t *testing.T) {
			for _, region := range []string{"", "32", "33", "11", "32.04", "32.73", "33.01", "35", "35.75"} {
				st, err := analyst.GetRegionStatistics(ctx, &scoringv1.GetRegionStatisticsRequest{Region: region})
				if err != nil {
					t.Fatalf("%q: %v", region, err)
				}
				pop.check(t, st, region, run.GetName())
			}
			st, err := analyst.GetRegionStatistics(ctx, &scoringv1.GetRegionStatisticsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if len(st.GetSubregions()) != 3 || st.GetFamilies() != scoringtest.Registered {
				t.Errorf("national: %d provinces, %d families", len(st.GetSubregions()), st.GetFamilies())
			}
		})

		t.Run("a change between runs leaves the run's counts", func(t *testing.T) {
			// Re-scoring between runs rewrites family_scores, not the run's
			// counts; the stored decisions are still the run's.
			if _, err := s.DB.SQL().ExecContext(ctx, "UPDATE /* dtsen:fanout test rewrites every score */ family_scores SET decile = 1, run_id = NULL"); err != nil {
				t.Fatal(err)
			}
			st, err := analyst.GetRegionStatistics(ctx, &scoringv1.GetRegionStatisticsRequest{Region: "32"})
			if err != nil {
				t.Fatal(err)
			}
			pop.check(t, st, "32", run.GetName())
		})

		t.Run("who may ask, for which region", func(t *testing.T) {
			for _, c := range []struct {
				who    auth.Claims
				region string // asked
				answer string // the region answered; "" with reason set
				reason string
			}{
				{authtest.Admin(), "33", "33", ""},
				{auth.Claims{Subject: "dtsen-grievance", Role: auth.RoleService}, "", "", ""},
				{authtest.Analyst(), "32.04", "32.04", ""},
				{authtest.Officer(auth.RoleProvincialOfficer, "32"), "", "32", ""},
				{authtest.Officer(auth.RoleProvincialOfficer, "32"), "32.73", "32.73", ""},
				{authtest.Officer(auth.RoleProvincialOfficer, "32"), "33", "", auth.ReasonRegionOutOfScope},
				{authtest.Officer(auth.RoleDistrictOfficer, "32.04"), "", "32.04", ""},
				{authtest.Officer(auth.RoleDistrictOfficer, "32.04"), "32.04", "32.04", ""},
				{authtest.Officer(auth.RoleDistrictOfficer, "32.04"), "32", "", auth.ReasonRegionOutOfScope},
				{authtest.Officer(auth.RoleDistrictOfficer, "32.04"), "32.73", "", auth.ReasonRegionOutOfScope},
				// A district or village is narrower than any region counted.
				{authtest.Officer(auth.RoleFieldVerifier, "32.04.12"), "", "", auth.ReasonRegionOutOfScope},
				{authtest.Officer(auth.RoleFieldVerifier, "32.04.12"), "32.04", "", auth.ReasonRegionOutOfScope},
				{authtest.Officer(auth.RoleVillageOperator, "32.04.12.2001"), "", "", auth.ReasonRegionOutOfScope},
				{authtest.Citizen(registrytest.Family(0).GetHeadNik()), "", "", auth.ReasonRoleNotAllowed},
				{authtest.Integration("bpjs-kesehatan"), "", "", auth.ReasonRoleNotAllowed},
			} {
				st, err := s.ClientAs(t, c.who).GetRegionStatistics(ctx, &scoringv1.GetRegionStatisticsRequest{Region: c.region})
				what := string(c.who.Role) + " " + c.who.Region + " asking for " + c.region
				if c.reason != "" {
					wantCode(t, what, err, codes.PermissionDenied, c.reason)
					continue
				}
				if err != nil || st.GetRegion() != c.answer {
					t.Errorf("%s: %q, %v; want %q", what, st.GetRegion(), err, c.answer)
				}
			}
		})

		t.Run("bad input", func(t *testing.T) {
			for region, reason := range map[string]string{
				"32.04.12":      "REGION_LEVEL_INVALID",
				"32.04.12.2001": "REGION_LEVEL_INVALID",
				"3x":            "REGION_CODE_INVALID",
				"32.4":          "REGION_CODE_INVALID",
				"32.":           "REGION_CODE_INVALID",
				"99":            "REGION_PROVINCE_UNKNOWN",
			} {
				_, err := analyst.GetRegionStatistics(ctx, &scoringv1.GetRegionStatisticsRequest{Region: region})
				wantCode(t, "region "+region, err, codes.InvalidArgument, reason)
			}
		})
	})
}
