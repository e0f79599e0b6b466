package adapters_test

import (
	"cmp"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/dtsen-id/dtsen/services/grievance/adapters"
	"github.com/dtsen-id/dtsen/services/grievance/domain"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
)

// TestCountOpen: open cases are counted per province and state, with the
// overdue ones; closed cases are not.
func TestCountOpen(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		repo := adapters.NewRepository(openDB(t, url))
		sla := domain.DefaultSLA
		save := func(c domain.Case) {
			t.Helper()
			if _, err := repo.Create(ctx, c, c.Deadline(sla)); err != nil {
				t.Fatal(err)
			}
		}
		// Submitted at t0 + n minutes: due three days later.
		save(objection(t, 1, "32.04.12.2001", "citizen-1", ""))
		save(objection(t, 2, "32.04.12.2001", "citizen-2", ""))
		save(objection(t, 3, "35.75.01.1006", "citizen-3", ""))
		triaged := objection(t, 4, "35.75.01.1006", "citizen-4", "")
		save(triaged)
		officer := domain.Actor{Subject: "officer", Role: auth.RoleDistrictOfficer, Region: "35.75"}
		next, err := triaged.Take(domain.Step{Action: domain.Triage, By: officer, At: t0.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if err := repo.Save(ctx, next, len(triaged.History), next.Deadline(sla)); err != nil {
			t.Fatal(err)
		}
		rejected := objection(t, 5, "35.75.01.1006", "citizen-5", "")
		save(rejected)
		closed, err := rejected.Take(domain.Step{Action: domain.Reject, By: officer, At: t0.Add(time.Hour), Reason: "duplicate"})
		if err != nil {
			t.Fatal(err)
		}
		if err := repo.Save(ctx, closed, len(rejected.History), closed.Deadline(sla)); err != nil {
			t.Fatal(err)
		}

		// Just past the deadline of the cases submitted first.
		now := t0.Add(3*24*time.Hour + 90*time.Second)
		got, err := repo.CountOpen(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(got, func(a, b adapters.OpenCases) int {
			return cmp.Or(cmp.Compare(a.Province, b.Province), cmp.Compare(a.State, b.State))
		})
		want := []adapters.OpenCases{
			{Province: "32", State: domain.Submitted, Open: 2, Overdue: 1},
			{Province: "35", State: domain.Submitted, Open: 1, Overdue: 0},
			{Province: "35", State: domain.Triaged, Open: 1, Overdue: 0},
		}
		if !slices.Equal(got, want) {
			t.Fatalf("CountOpen = %+v, want %+v", got, want)
		}
	})
}
