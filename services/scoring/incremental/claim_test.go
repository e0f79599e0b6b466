package incremental

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
)

// TestClaim: the claim lists due families on every shard, then leases them
// by KK; whatever happens between the two steps, no family is handed to two
// claimers, and none that stopped being due is taken.
func TestClaim(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := storagetest.Open(t, url, Migrations)
		// A fixed clock: leases never run out during the test.
		now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
		s := New(db, nil, nil, Options{Settle: time.Second, Clock: func() time.Time { return now }})
		c := dueAt{now: now.UnixMicro(), settled: now.Add(-s.settle).UnixMicro(), overdue: now.Add(-overdue * s.settle).UnixMicro()}
		until := now.Add(lease).UnixMicro()
		// dirty marks families as settled two seconds ago, not yet overdue.
		dirty := func(t *testing.T, kks ...string) {
			t.Helper()
			at := now.Add(-2 * time.Second).UnixMicro()
			for _, kk := range kks {
				if _, err := db.SQL().ExecContext(ctx, "INSERT INTO scoring_dirty (kk, dirty_since, marked_at, attempts, not_before, changed_at) "+
					"VALUES ($1, $2, $2, 0, 0, $2)", kk, at); err != nil {
					t.Fatal(err)
				}
			}
		}
		list := func(t *testing.T, limit int) []string {
			t.Helper()
			var kks []string
			if err := db.InTx(ctx, func(tx *storage.Tx) (err error) {
				kks, err = listDue(ctx, tx, c, limit)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return kks
		}
		take := func(t *testing.T, kks []string) []job {
			t.Helper()
			var jobs []job
			if err := db.InTx(ctx, func(tx *storage.Tx) (err error) {
				jobs, err = takeDue(ctx, tx, c, kks, until)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return jobs
		}
		claimed := func(t *testing.T) []job {
			t.Helper()
			jobs, err := s.claim(ctx, 100)
			if err != nil {
				t.Fatal(err)
			}
			return jobs
		}

		t.Run("a family leased after two claimers listed it goes to one", func(t *testing.T) {
			kks := []string{"a1", "a2", "a3", "a4"}
			dirty(t, kks...)
			first, second := list(t, 10), list(t, 10)
			if len(first) != len(kks) || len(second) != len(kks) {
				t.Fatalf("listed %v and %v, want the %d dirty families twice", first, second, len(kks))
			}
			if jobs := take(t, first); len(jobs) != len(kks) {
				t.Fatalf("the first claimer took %d families, want %d", len(jobs), len(kks))
			}
			if jobs := take(t, second); len(jobs) != 0 {
				t.Errorf("the second claimer took %d families the first had leased", len(jobs))
			}
			if jobs := claimed(t); len(jobs) != 0 {
				t.Errorf("claimed %d leased families again", len(jobs))
			}
		})

		t.Run("a family marked again after it was listed waits to settle", func(t *testing.T) {
			dirty(t, "b1")
			kks := list(t, 10)
			if len(kks) != 1 || kks[0] != "b1" {
				t.Fatalf("listed %v, want [b1]", kks)
			}
			if err := s.mark(ctx, &typev1.ChangeEvent{Family: "families/b1"}); err != nil {
				t.Fatal(err)
			}
			if jobs := take(t, kks); len(jobs) != 0 {
				t.Error("took a family marked again within Settle")
			}
			if _, err := db.SQL().ExecContext(ctx, "DELETE FROM scoring_dirty WHERE kk = $1", "b1"); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("a claimer that waited on another's lease checks the row again", func(t *testing.T) {
			dirty(t, "c1", "c2")
			kks := list(t, 10)
			type result struct {
				jobs []job
				err  error
			}
			leaseIn := func(hold <-chan struct{}, taken chan<- struct{}, out chan<- result) {
				var jobs []job
				err := db.InTx(ctx, func(tx *storage.Tx) (err error) {
					jobs, err = takeDue(ctx, tx, c, kks, until)
					if taken != nil {
						close(taken)
					}
					<-hold // keep the rows locked, uncommitted
					return err
				})
				out <- result{jobs, err}
			}
			taken, release, noHold := make(chan struct{}), make(chan struct{}), make(chan struct{})
			close(noHold)
			first, second := make(chan result, 1), make(chan result, 1)
			go leaseIn(release, taken, first)
			<-taken
			go leaseIn(noHold, nil, second)
			var waited error
			if db.Engine() == storage.Postgres {
				// The second UPDATE must be waiting for the first's row
				// locks; SQLite's second transaction waits in BEGIN
				// IMMEDIATE instead, before it reads anything.
				waited = waitForLockWait(db)
			}
			close(release)
			if waited != nil {
				t.Error(waited)
			}
			if r := <-first; r.err != nil || len(r.jobs) != 2 {
				t.Fatalf("the first claimer took %d families (%v), want 2", len(r.jobs), r.err)
			}
			if r := <-second; r.err != nil || len(r.jobs) != 0 {
				t.Errorf("the waiting claimer took %d families the first had leased (%v)", len(r.jobs), r.err)
			}
		})

		t.Run("concurrent claimers split the families", func(t *testing.T) {
			const families, claimers = 120, 6
			var kks []string
			for i := range families {
				kks = append(kks, fmt.Sprintf("d%03d", i))
			}
			dirty(t, kks...)
			var (
				mu    sync.Mutex
				times = map[string]int{}
				total atomic.Int64
				wg    sync.WaitGroup
			)
			deadline := time.Now().Add(30 * time.Second)
			for range claimers {
				wg.Go(func() {
					for total.Load() < families && time.Now().Before(deadline) {
						jobs, err := s.claim(ctx, 4)
						if storage.IsTransient(err) {
							continue // a deadlock between two leases: retried, as the dispatcher does
						}
						if err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						for _, j := range jobs {
							times[j.kk]++
						}
						mu.Unlock()
						total.Add(int64(len(jobs)))
					}
				})
			}
			wg.Wait()
			for _, kk := range kks {
				if times[kk] != 1 {
					t.Errorf("family %s claimed %d times, want once", kk, times[kk])
				}
			}
			if n := len(times); n != families {
				t.Errorf("claimed %d distinct families, want %d", n, families)
			}
		})
	})
}

// waitForLockWait waits until a statement leasing dirty families waits for
// a row lock (PostgreSQL only).
func waitForLockWait(db *storage.DB) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM pg_stat_activity "+
			"WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE scoring_dirty SET not_before%'").Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("the second claimer never waited for the first's row locks")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
