package adapters_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/dtsen-id/dtsen/services/grievance/adapters"
	"github.com/dtsen-id/dtsen/services/grievance/domain"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func objection(t *testing.T, n int, region, reporter, requestID string) domain.Case {
	t.Helper()
	c, err := domain.NewCase(domain.Submission{ID: fmt.Sprintf("case-%03d", n), Type: domain.ExclusionObjection,
		KK: fmt.Sprintf("3204120101%06d", n), Region: region, Reporter: reporter, RequestID: requestID,
		Description: "lantai tanah", At: t0.Add(time.Duration(n) * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCases(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		repo := adapters.NewRepository(openDB(t, url))
		sla := domain.DefaultSLA
		create := func(c domain.Case) (domain.Case, error) { return repo.Create(ctx, c, c.Deadline(sla)) }

		first := objection(t, 1, "32.04.12.2001", "citizen-1", "req-00000001")
		if _, err := create(first); err != nil {
			t.Fatal(err)
		}
		got, err := repo.Get(ctx, first.ID)
		if err != nil || got.State != domain.Submitted || got.Description != "lantai tanah" || len(got.History) != 1 ||
			!got.LevelSince.Equal(first.LevelSince) {
			t.Fatalf("get: %+v, %v", got, err)
		}

		// A retried submission gets its case back; so does a second
		// objection for the same family while the first is open.
		retry := objection(t, 1, "32.04.12.2001", "citizen-1", "req-00000001")
		retry.ID = "case-retry"
		if c, err := create(retry); !errors.Is(err, domain.ErrSameRequest) || c.ID != first.ID {
			t.Errorf("retry: %s, %v", c.ID, err)
		}
		twin := objection(t, 1, "32.04.12.2001", "citizen-2", "req-00000002")
		twin.ID = "case-twin"
		if c, err := create(twin); !errors.Is(err, domain.ErrOpenCase) || c.ID != first.ID {
			t.Errorf("second open case: %s, %v", c.ID, err)
		}
		if _, err := repo.Get(ctx, "case-twin"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("the refused twin was stored: %v", err)
		}

		// Steps are saved with their transitions; a stale writer stores nothing.
		district := domain.Actor{Subject: "dinsos", Role: auth.RoleDistrictOfficer, Region: "32.04"}
		triaged, err := got.Take(domain.Step{Action: domain.Triage, By: district, At: t0.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if err := repo.Save(ctx, triaged, len(got.History), triaged.Deadline(sla)); err != nil {
			t.Fatal(err)
		}
		rejected, err := got.Take(domain.Step{Action: domain.Reject, By: district, At: t0.Add(2 * time.Hour), Reason: "duplikat"})
		if err != nil {
			t.Fatal(err)
		}
		if err := repo.Save(ctx, rejected, len(got.History), rejected.Deadline(sla)); !errors.Is(err, domain.ErrConflict) {
			t.Errorf("a stale save: %v", err)
		}
		got, _ = repo.Get(ctx, first.ID)
		if got.State != domain.Triaged || len(got.History) != 2 || got.History[1].By != "dinsos" {
			t.Errorf("after the conflict: %s, %+v", got.State, got.History)
		}

		// Closed, the family may object again.
		closed, err := got.Take(domain.Step{Action: domain.Reject, By: district, At: t0.Add(3 * time.Hour), Reason: "tidak sesuai"})
		if err != nil {
			t.Fatal(err)
		}
		if err := repo.Save(ctx, closed, len(got.History), closed.Deadline(sla)); err != nil {
			t.Fatal(err)
		}
		if _, err := create(twin); err != nil {
			t.Errorf("a new objection after the first was closed: %v", err)
		}

		for n := 2; n <= 7; n++ {
			region := "32.04.12.2001"
			if n%2 == 1 {
				region = "33.01.01.2003"
			}
			if _, err := create(objection(t, 10+n, region, fmt.Sprintf("citizen-%d", 10+n), "")); err != nil {
				t.Fatal(err)
			}
		}
		// Paged, most overdue first, within 32.04: twin and three more open
		// cases, then the closed one.
		var ids []string
		q := domain.Query{RegionPrefix: "32.04", Limit: 2}
		for {
			page, cursors, err := repo.List(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page {
				ids = append(ids, c.ID)
			}
			if len(page) < q.Limit {
				break
			}
			q.After = cursors[len(cursors)-1]
		}
		want := []string{"case-twin", "case-012", "case-014", "case-016", "case-001"}
		if fmt.Sprint(ids) != fmt.Sprint(want) {
			t.Errorf("32.04 queue %v, want %v", ids, want)
		}
		overdue, _, err := repo.List(ctx, domain.Query{OverdueAt: t0.Add(3*24*time.Hour + 13*time.Minute)})
		if err != nil || len(overdue) != 3 {
			t.Errorf("overdue three days and 13 minutes after t0: %d cases, %v", len(overdue), err)
		}
		if page, _, err := repo.List(ctx, domain.Query{State: domain.Rejected}); err != nil || len(page) != 1 {
			t.Errorf("rejected: %d, %v", len(page), err)
		}
		if _, _, err := repo.List(ctx, domain.Query{After: "garbage"}); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("malformed cursor: %v", err)
		}
		if n, err := repo.CountReported(ctx, "citizen-1", domain.ExclusionObjection, t0); err != nil || n != 1 {
			t.Errorf("citizen-1 reported %d, %v", n, err)
		}
	})
}

func openDB(t *testing.T, url string) (*storage.DB, *outbox.Outbox) {
	t.Helper()
	db := storagetest.Open(t, url, outbox.Migrations, adapters.Migrations)
	return db, outbox.New(db, time.Second)
}
