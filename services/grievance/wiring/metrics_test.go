package wiring

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/dtsen-id/dtsen/services/grievance/adapters"
	"github.com/dtsen-id/dtsen/services/grievance/domain"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/platform/telemetry/telemetrytest"
)

// TestCaseGauges: while the workloads run, the open cases per province and
// state and the overdue ones per province are exported, counted at most
// every 30 s; when they stop, so do the series.
func TestCaseGauges(t *testing.T) {
	metrics := telemetrytest.Metrics(t)
	ctx := context.Background()
	db := storagetest.Open(t, storagetest.SQLiteURL(t), outbox.Migrations, adapters.Migrations)
	now := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
	s, err := Build(db, outbox.New(db, time.Second), Conns{}, nil, nil, slog.New(slog.DiscardHandler),
		Options{NewID: func() string { return "unused" }, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	submit := func(n int, region string, at time.Time) {
		t.Helper()
		c, err := domain.NewCase(domain.Submission{ID: fmt.Sprintf("case-%d", n), Type: domain.ExclusionObjection,
			KK: fmt.Sprintf("3204120101%06d", n), Region: region, Reporter: "citizen", Description: "lantai tanah", At: at})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.cases.Create(ctx, c, c.Deadline(domain.DefaultSLA)); err != nil {
			t.Fatal(err)
		}
	}
	submit(1, "32.04.12.2001", now.Add(-4*24*time.Hour)) // past the three days of triage
	submit(2, "32.04.12.2001", now.Add(-time.Hour))
	submit(3, "35.75.01.1006", now.Add(-time.Hour))

	value := func(name string, attrs ...attribute.KeyValue) float64 {
		t.Helper()
		v, ok := metrics.Value(t, name, attrs...)
		if !ok {
			t.Fatalf("no %s%v", name, attrs)
		}
		return v
	}
	submitted := attribute.String("state", string(domain.Submitted))
	stop := s.observeCases()
	if v := value("dtsen_grievance_cases_open", attribute.String("province", "32"), submitted); v != 2 {
		t.Errorf("open in 32: %v, want 2", v)
	}
	if v := value("dtsen_grievance_cases_open", attribute.String("province", "35"), submitted); v != 1 {
		t.Errorf("open in 35: %v, want 1", v)
	}
	if v := value("dtsen_grievance_cases_overdue", attribute.String("province", "32")); v != 1 {
		t.Errorf("overdue in 32: %v, want 1", v)
	}
	if v := value("dtsen_grievance_cases_overdue", attribute.String("province", "35")); v != 0 {
		t.Errorf("overdue in 35: %v, want 0", v)
	}
	submit(4, "35.75.01.1006", now.Add(-time.Hour))
	if v := value("dtsen_grievance_cases_open", attribute.String("province", "35"), submitted); v != 1 {
		t.Errorf("counted again within 30 s: open in 35 is %v", v)
	}
	stop()
	if pts := metrics.Points(t, "dtsen_grievance_cases_open"); len(pts) != 0 {
		t.Errorf("series after the workloads stopped: %v", pts)
	}
}
