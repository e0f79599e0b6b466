package audit_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	auditv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/audit/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/audit"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
)

var (
	officer = &auth.Principal{Subject: "dinsos-3204", Role: auth.RoleDistrictOfficer, Region: "32.04", Purpose: "case_work"}
	admin   = &auth.Principal{Subject: "admin-kemensos", Role: auth.RoleAdmin, Purpose: "administration"}
)

func as(p *auth.Principal) context.Context { return auth.WithPrincipal(context.Background(), p) }

func TestLog(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		db := storagetest.Open(t, url, audit.Migrations)
		log := audit.New(db, "registry")
		ctx := as(officer)

		if err := log.Read(ctx, "families/3204120101100001", "persons/3204121505900001", "families/3204120101100001"); err != nil {
			t.Fatal(err)
		}
		events, err := log.List(ctx, audit.Query{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 2 {
			t.Fatalf("%d events, want 2 (a record read twice in one call is one event)", len(events))
		}
		e := events[1] // oldest last
		if e.Subject != officer.Subject || e.Role != "district_officer" || e.Region != "32.04" ||
			e.Purpose != "case_work" || e.Record != "families/3204120101100001" || time.Since(e.Time) > time.Minute {
			t.Fatalf("event %+v", e)
		}

		t.Run("a read without a caller is refused and not recorded", func(t *testing.T) {
			err := log.Read(context.Background(), "families/3204120101100002")
			if status.Code(err) != codes.Unauthenticated {
				t.Fatalf("got %v", err)
			}
		})

		t.Run("events cannot be changed or deleted", func(t *testing.T) {
			for _, stmt := range []string{
				"UPDATE audit_events /* dtsen:fanout the test rewrites every event */ SET subject = 'someone-else'",
				"DELETE FROM audit_events /* dtsen:fanout the test deletes every event */",
			} {
				err := db.InTx(context.Background(), func(tx *storage.Tx) error {
					_, err := tx.ExecContext(context.Background(), stmt)
					return err
				})
				if err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Errorf("%s: %v, want refused as append-only", stmt, err)
				}
			}
			if db.Engine() == storage.Postgres {
				_, err := db.SQL().ExecContext(context.Background(), "TRUNCATE audit_events")
				if err == nil {
					t.Error("TRUNCATE succeeded")
				}
			}
			again, _ := log.List(ctx, audit.Query{Limit: 10})
			if len(again) != 2 || again[0].Subject != officer.Subject {
				t.Fatalf("events after tampering: %+v", again)
			}
		})

		t.Run("the events survive a restart", func(t *testing.T) {
			reopened, err := storage.Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			defer reopened.Close()
			events, err := audit.New(reopened, "registry").List(context.Background(), audit.Query{Record: "persons/3204121505900001", Limit: 10})
			if err != nil || len(events) != 1 {
				t.Fatalf("after reopening: %v %v", events, err)
			}
		})

		t.Run("a database that cannot write fails the read", func(t *testing.T) {
			broken, err := storage.Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			broken.Close()
			err = audit.New(broken, "registry").Read(ctx, "families/3204120101100003")
			if status.Code(err) != codes.Unavailable || apierror.ReasonOf(err) != audit.ReasonUnavailable {
				t.Fatalf("got %v", err)
			}
		})

		t.Run("every event of concurrent reads lands, once", func(t *testing.T) {
			before, _ := log.List(ctx, audit.Query{Limit: 10_000})
			var wg sync.WaitGroup
			errs := make(chan error, 64)
			for i := range 64 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- log.Read(ctx, fmt.Sprintf("families/33010101011%05d", i), fmt.Sprintf("persons/33010115059%05d", i))
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			after, _ := log.List(ctx, audit.Query{Limit: 10_000})
			if len(after)-len(before) != 128 {
				t.Fatalf("%d new events, want 128", len(after)-len(before))
			}
			seen := map[string]bool{}
			for _, e := range after[:128] {
				if seen[e.Record] {
					t.Fatalf("%s recorded twice", e.Record)
				}
				seen[e.Record] = true
			}
		})

		t.Run("a delegated read records the citizen and the workload acting for them", func(t *testing.T) {
			citizen := &auth.Principal{Subject: "citizen-abcdefghijklmnopqrst", Role: auth.RoleCitizen,
				NIK: "3204121505900001", Purpose: "self_service", Actor: "dtsen-gateway"}
			if err := log.Read(as(citizen), "families/3204120101100001"); err != nil {
				t.Fatal(err)
			}
			events, err := log.List(ctx, audit.Query{Subject: citizen.Subject, Limit: 10})
			if err != nil || len(events) != 1 {
				t.Fatalf("%+v, %v", events, err)
			}
			if e := events[0]; e.Actor != "dtsen-gateway" || e.Role != "citizen" || e.Purpose != "self_service" {
				t.Fatalf("delegated event %+v", e)
			}
			if e, _ := log.List(ctx, audit.Query{Subject: officer.Subject, Limit: 1}); e[0].Actor != "" {
				t.Fatalf("a direct read names an actor: %+v", e[0])
			}
		})
	})
}

func TestServer(t *testing.T) {
	db := storagetest.Open(t, storagetest.SQLiteURL(t), audit.Migrations)
	log := audit.New(db, "asset")
	for i, p := range []*auth.Principal{officer, admin, officer} {
		if err := log.Read(as(p), "families/320412010110000"+string(rune('1'+i))); err != nil {
			t.Fatal(err)
		}
	}
	srv := audit.NewServer(log)
	list := func(p *auth.Principal, req *auditv1.ListAuditEventsRequest) (*auditv1.ListAuditEventsResponse, error) {
		return srv.ListAuditEvents(as(p), req)
	}

	if _, err := list(officer, &auditv1.ListAuditEventsRequest{}); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("an officer read the audit log: %v", err)
	}
	resp, err := list(admin, &auditv1.ListAuditEventsRequest{Parent: "services/asset", Filter: `subject = "dinsos-3204"`})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(resp.GetAuditEvents()); n != 2 || resp.GetAuditEvents()[0].GetRecord() != "families/3204120101100003" ||
		resp.GetAuditEvents()[0].GetService() != "asset" {
		t.Fatalf("filtered events, newest first: %v", resp.GetAuditEvents())
	}

	t.Run("pages", func(t *testing.T) {
		first, err := list(admin, &auditv1.ListAuditEventsRequest{PageSize: 2})
		if err != nil || len(first.GetAuditEvents()) != 2 || first.GetNextPageToken() == "" {
			t.Fatalf("first page: %v %v", first, err)
		}
		second, err := list(admin, &auditv1.ListAuditEventsRequest{PageSize: 2, PageToken: first.GetNextPageToken()})
		if err != nil || len(second.GetAuditEvents()) != 1 || second.GetNextPageToken() != "" ||
			second.GetAuditEvents()[0].GetRecord() != "families/3204120101100001" {
			t.Fatalf("second page: %v %v", second, err)
		}
		_, err = list(admin, &auditv1.ListAuditEventsRequest{PageSize: 2, PageToken: first.GetNextPageToken(), Filter: `role = "admin"`})
		if status.Code(err) != codes.InvalidArgument {
			t.Fatalf("a token replayed under another filter: %v", err)
		}
	})

	t.Run("time range", func(t *testing.T) {
		future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		resp, err := list(admin, &auditv1.ListAuditEventsRequest{Filter: `event_time >= "` + future + `"`})
		if err != nil || len(resp.GetAuditEvents()) != 0 {
			t.Fatalf("events from the future: %v %v", resp, err)
		}
	})

	for _, tc := range []struct{ name, filter, parent string }{
		{"unknown field", `colour = "red"`, ""},
		{"bad time", `event_time >= "yesterday"`, ""},
		{"bad operator", `subject >= "a"`, ""},
		{"unquoted", `subject = a`, ""},
		{"another service's log", "", "services/registry"},
	} {
		t.Run(tc.name+" is INVALID_ARGUMENT", func(t *testing.T) {
			_, err := list(admin, &auditv1.ListAuditEventsRequest{Filter: tc.filter, Parent: tc.parent})
			if status.Code(err) != codes.InvalidArgument || apierror.ReasonOf(err) == "" {
				t.Fatalf("got %v", err)
			}
		})
	}
}
