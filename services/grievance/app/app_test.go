package app_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dtsen-id/dtsen/services/grievance/adapters"
	"github.com/dtsen-id/dtsen/services/grievance/app"
	"github.com/dtsen-id/dtsen/services/grievance/domain"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
)

// clock is the injected now: tests move it across deadlines.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newApp(t *testing.T, url string) (*app.App, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	var n int
	var mu sync.Mutex
	a, err := app.New(app.Deps{Cases: adapters.NewRepository(openDB(t, url)), Clock: clk.now,
		InclusionLimit: 2, NewID: func() string { mu.Lock(); defer mu.Unlock(); n++; return fmt.Sprintf("case-%04d", n) }})
	if err != nil {
		t.Fatal(err)
	}
	return a, clk
}

const village = "32.04.12.2001"

func objection(kk, reporter, req string) domain.Submission {
	return domain.Submission{Type: domain.ExclusionObjection, KK: kk, Region: village, Reporter: reporter, RequestID: req}
}

var (
	district = domain.Actor{Subject: "dinsos-32.04", Role: auth.RoleDistrictOfficer, Region: "32.04"}
	verifier = domain.Actor{Subject: "tksk-1", Role: auth.RoleFieldVerifier, Region: "32.04.12"}
)

func TestGrievanceApp(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		a, clk := newApp(t, url)

		first, err := a.SubmitCase(ctx, objection("3204120101100001", "citizen-1", "req-00000001"))
		if err != nil || first.Existing {
			t.Fatalf("submit: %+v, %v", first, err)
		}
		again, err := a.SubmitCase(ctx, objection("3204120101100001", "citizen-1", "req-00000001"))
		if err != nil || !again.Existing || again.Case.ID != first.Case.ID {
			t.Errorf("same request again: %+v, %v", again, err)
		}
		other, err := a.SubmitCase(ctx, objection("3204120101100001", "village-op", ""))
		if err != nil || !other.Existing || other.Case.ID != first.Case.ID {
			t.Errorf("the family's open objection: %+v, %v", other, err)
		}
		if _, err := a.SubmitCase(ctx, objection("123", "citizen-1", "")); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("bad KK: %v", err)
		}

		report := func(kk string) error {
			_, err := a.SubmitCase(ctx, domain.Submission{Type: domain.InclusionReport, KK: kk, Region: village, Reporter: "neighbour"})
			return err
		}
		if err := report("3204120101100002"); err != nil {
			t.Fatal(err)
		}
		if err := report("3204120101100003"); err != nil {
			t.Fatal(err)
		}
		var de *domain.Error
		if err := report("3204120101100004"); !errors.As(err, &de) || de.Reason != app.ReasonReportLimit {
			t.Errorf("third inclusion report within the window: %v", err)
		}

		id := first.Case.ID
		steps := []domain.Step{
			{Action: domain.Triage, By: district},
			{Action: domain.Assign, By: district, Assignee: verifier.Subject},
			{Action: domain.RecordVerification, By: verifier, Verification: &domain.Verification{
				VisitDate: clk.now(), Latitude: -6.98, Longitude: 107.55, Found: true,
				Answers: map[string]string{"floor_material": "EARTH"}}},
			{Action: domain.Approve, By: district, Reason: "lantai memang tanah"},
		}
		for _, st := range steps {
			clk.add(time.Hour)
			if _, err := a.TakeStep(ctx, id, st); err != nil {
				t.Fatalf("%s: %v", st.Action, err)
			}
		}
		_, err = a.TakeStep(ctx, id, domain.Step{Action: domain.Approve, By: district})
		if !errors.Is(err, domain.ErrWrongState) {
			t.Errorf("approving twice: %v", err)
		}
		c, err := a.Get(ctx, id)
		if err != nil || c.State != domain.Approved || len(c.History) != 5 || c.Decision == nil || !c.Decision.Approved {
			t.Fatalf("after the steps: %+v, %v", c, err)
		}

		// The two inclusion reports sit in SUBMITTED, and the approved
		// objection waits to be applied (nothing applies it here): three
		// days on all three are overdue and go to the province, three more
		// to the ministry.
		clk.add(3 * 24 * time.Hour)
		if n, err := a.EscalateOverdue(ctx, "sweeper"); err != nil || n != 3 {
			t.Fatalf("first sweep: %d, %v", n, err)
		}
		if n, _ := a.EscalateOverdue(ctx, "sweeper"); n != 0 {
			t.Errorf("a second sweep at the same time escalated %d", n)
		}
		clk.add(3 * 24 * time.Hour)
		if n, _ := a.EscalateOverdue(ctx, "sweeper"); n != 3 {
			t.Errorf("second level: %d", n)
		}
		page, _, err := a.List(ctx, domain.Query{Type: domain.InclusionReport})
		if err != nil || len(page) != 2 || page[0].HandlingRegion() != "" || page[0].Escalations != 2 {
			t.Errorf("inclusion reports after two sweeps: %+v, %v", page, err)
		}
		overdue, _, _ := a.List(ctx, domain.Query{OverdueAt: clk.now().Add(4 * 24 * time.Hour)})
		if len(overdue) != 3 {
			t.Errorf("overdue later on: %d", len(overdue))
		}
	})
}

func openDB(t *testing.T, url string) (*storage.DB, *outbox.Outbox) {
	t.Helper()
	db := storagetest.Open(t, url, outbox.Migrations, adapters.Migrations)
	return db, outbox.New(db, time.Second)
}
