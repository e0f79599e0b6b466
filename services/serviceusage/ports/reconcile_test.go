package ports_test

import (
	"context"
	"database/sql"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	suv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
	"github.com/dtsen-id/dtsen/services/serviceusage/demo"
	"github.com/dtsen-id/dtsen/services/serviceusage/serviceusagetest"
)

// The sweep closes the gap the feed leaves (an import that looked a NIK up
// just before the registry learned it, and committed just after the feed
// event was handled): with the feed off, UNMATCHED records still become
// MATCHED once the registry knows them.
func TestUnmatchedRecordsAreReconciledByTheSweep(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url, 1, serviceusagetest.Options{NoFeed: true, ReconcileInterval: 50 * time.Millisecond})
		now := time.Now()
		late := registrytest.Family(7)
		sum := serviceusagetest.Import(t, e.c, "early",
			health(demo.HealthCoverage(7, 0)),
			enrolment(demo.Enrolment(7, 1, now)),
			utility(demo.UtilityUsage(7, "2025-06")),
			programme(demo.ProgrammeParticipation(7)),
			health(demo.HealthCoverage(0, 0)), // registered: MATCHED from the start
		)
		if sum.GetAcceptedCount() != 5 || e.countUnmatched(t) != 4 {
			t.Fatalf("before: %v, %d unmatched", sum, e.countUnmatched(t))
		}
		head := e.feedHead(t)

		registrytest.Import(t, e.reg.Client, "late", late)
		deadline := time.Now().Add(10 * time.Second)
		for e.countUnmatched(t) != 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%d records still UNMATCHED 10 s after the registry import, with the sweep every 50 ms", e.countUnmatched(t))
			}
			time.Sleep(20 * time.Millisecond)
		}
		h, err := e.c.GetHealthCoverage(ctx(t), &suv1.GetHealthCoverageRequest{Name: hcName(late.Members[0].GetNik(), "bpjs-kesehatan")})
		if err != nil || h.GetMeta().GetMatchStatus() != suv1.MatchStatus_MATCH_STATUS_MATCHED ||
			h.GetMeta().GetFamily() != "families/"+late.GetKkNumber() {
			t.Fatalf("swept record: %v %v", h, err)
		}
		for _, ev := range registryEvents(t, e, head, 4) {
			if !strings.Contains(ev, ".reconciled ") {
				t.Fatalf("sweep events: %v", ev)
			}
		}
		// Further sweeps find nothing UNMATCHED and write nothing.
		time.Sleep(200 * time.Millisecond)
		if got := e.feedHead(t); got != head+4 {
			t.Fatalf("idle sweeps wrote %d events", got-head-4)
		}
	})
}

// blockingRegistry forwards to a real registry, but holds the first
// LookupIdentities until released.
type blockingRegistry struct {
	registryv1.UnimplementedRegistryServiceServer
	real    registryv1.RegistryServiceClient
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blockingRegistry) LookupIdentities(ctx context.Context, req *registryv1.LookupIdentitiesRequest) (*registryv1.LookupIdentitiesResponse, error) {
	b.once.Do(func() {
		close(b.entered)
		<-b.release
	})
	return b.real.LookupIdentities(ctx, req)
}

// The registry cross-check runs before a chunk's transaction opens
// (importer.Spec.Prepare), so a slow registry never holds the database's
// write lock: while the lookup hangs, another writer can still begin a write
// transaction at once.
func TestRegistryLookupHoldsNoTransaction(t *testing.T) {
	reg := registrytest.Start(t, storagetest.SQLiteURL(t), registrytest.Options{})
	registrytest.Seed(t, reg.Client, 1)
	proxy := &blockingRegistry{real: reg.Client, entered: make(chan struct{}), release: make(chan struct{})}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	registryv1.RegisterRegistryServiceServer(gs, proxy)
	go func() { _ = gs.Serve(lis) }()
	t.Cleanup(gs.Stop)

	url := storagetest.SQLiteURL(t)
	svc := serviceusagetest.Start(t, url, lis.Addr().String(), serviceusagetest.Options{NoFeed: true, ChunkSize: 1})
	type result struct {
		accepted int64
		err      error
	}
	done := make(chan result, 1)
	go func() {
		sum, err := serviceusagetest.SendImport(ctx(t), svc.Client, serviceusagetest.Header("bpjs", "slow"),
			health(demo.HealthCoverage(0, 0)), health(demo.HealthCoverage(0, 1)))
		done <- result{sum.GetAcceptedCount(), err}
	}()
	released := false
	release := func() {
		if !released {
			released = true
			close(proxy.release)
		}
	}
	t.Cleanup(release)
	select {
	case <-proxy.entered:
	case r := <-done:
		t.Fatalf("import ended before its registry lookup: %+v", r)
	case <-time.After(30 * time.Second):
		t.Fatal("the import never looked its identities up")
	}

	// A second connection with no busy timeout: BEGIN IMMEDIATE fails at
	// once with SQLITE_BUSY if the import holds the write lock.
	raw, err := sql.Open("sqlite", strings.TrimPrefix(url, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	conn, err := raw.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "PRAGMA busy_timeout = 0"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatalf("a write transaction is open while the registry lookup runs: %v", err)
	}
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}

	release()
	r := <-done
	if r.err != nil || r.accepted != 2 {
		t.Fatalf("import after the lookup: %+v", r)
	}
}
