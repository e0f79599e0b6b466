package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
)

func appendEvents(ctx context.Context, db *storage.DB, ob *outbox.Outbox, n int, tag string) error {
	return db.InTx(ctx, func(tx *storage.Tx) error {
		evs := make([]outbox.Event, n)
		for i := range evs {
			evs[i] = outbox.Event{Type: "test.item.created", Resource: fmt.Sprintf("items/%s-%d", tag, i), Family: "families/" + tag}
		}
		return ob.Append(ctx, tx, evs...)
	})
}

func TestOutbox(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := storagetest.Open(t, url, outbox.Migrations)
		ob := outbox.New(db, 50*time.Millisecond)

		t.Run("append then read from any cursor", func(t *testing.T) {
			if err := appendEvents(ctx, db, ob, 3, "a"); err != nil {
				t.Fatal(err)
			}
			if err := appendEvents(ctx, db, ob, 100, "b"); err != nil { // COPY path
				t.Fatal(err)
			}
			all, err := ob.Read(ctx, 0, 1000)
			if err != nil || len(all) != 103 {
				t.Fatalf("read: %d records, err %v", len(all), err)
			}
			for i, r := range all {
				if r.Sequence != int64(i+1) {
					t.Fatalf("record %d has sequence %d", i, r.Sequence)
				}
			}
			if all[1].Event.Resource != "items/a-1" || all[3].Event.Family != "families/b" {
				t.Fatalf("unexpected records %+v %+v", all[1], all[3])
			}
			tail, err := ob.Read(ctx, 101, 10)
			if err != nil || len(tail) != 2 || tail[0].Sequence != 102 {
				t.Fatalf("resume from 101: %+v, %v", tail, err)
			}
			// Every record carries the head, so a consumer knows how far
			// behind it is (ChangeEvent.head_sequence).
			for _, r := range []outbox.Record{all[0], tail[0], tail[1]} {
				if r.Head != 103 || r.Proto().GetHeadSequence() != 103 {
					t.Fatalf("record %d: head %d, proto head %d; want 103", r.Sequence, r.Head, r.Proto().GetHeadSequence())
				}
			}
			if head, _ := ob.Head(ctx); head != 103 {
				t.Fatalf("head = %d", head)
			}
		})

		t.Run("a rolled-back append leaves no gap and no event", func(t *testing.T) {
			head, _ := ob.Head(ctx)
			_ = db.InTx(ctx, func(tx *storage.Tx) error {
				if err := ob.Append(ctx, tx, outbox.Event{Type: "x", Resource: "items/rolled-back"}); err != nil {
					return err
				}
				return errors.New("abort")
			})
			if err := appendEvents(ctx, db, ob, 1, "after"); err != nil {
				t.Fatal(err)
			}
			recs, _ := ob.Read(ctx, head, 10)
			if len(recs) != 1 || recs[0].Sequence != head+1 || recs[0].Event.Resource != "items/after-0" {
				t.Fatalf("after rollback: %+v", recs)
			}
		})

		t.Run("concurrent writers: no gap, no duplicate, readers never see a hole", func(t *testing.T) {
			start, _ := ob.Head(ctx)
			const writers, txs, perTx = 6, 25, 3
			stop := make(chan struct{})
			readerErr := make(chan error, 1)
			go func() { // a reader racing the writers must only ever see a gapless prefix
				cursor := start
				for {
					recs, err := ob.Read(ctx, cursor, 1000)
					if err != nil {
						readerErr <- err
						return
					}
					for _, r := range recs {
						if r.Sequence != cursor+1 {
							readerErr <- fmt.Errorf("reader saw %d after %d", r.Sequence, cursor)
							return
						}
						cursor = r.Sequence
					}
					select {
					case <-stop:
						readerErr <- nil
						return
					default:
					}
				}
			}()
			var wg sync.WaitGroup
			errs := make(chan error, writers)
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < txs; i++ {
						if err := appendEvents(ctx, db, ob, perTx, fmt.Sprintf("w%d-%d", w, i)); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(stop)
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if err := <-readerErr; err != nil {
				t.Fatal(err)
			}
			recs, err := ob.Read(ctx, start, 10000)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != writers*txs*perTx {
				t.Fatalf("got %d events, want %d", len(recs), writers*txs*perTx)
			}
			seen := map[string]bool{}
			for i, r := range recs {
				if r.Sequence != start+int64(i)+1 {
					t.Fatalf("gap or duplicate at %d: sequence %d", i, r.Sequence)
				}
				if seen[r.Event.Resource] {
					t.Fatalf("event %s delivered twice", r.Event.Resource)
				}
				seen[r.Event.Resource] = true
			}
		})

		t.Run("follow replays from the cursor then delivers live events", func(t *testing.T) {
			head, _ := ob.Head(ctx)
			fctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			got := make(chan outbox.Record, 100)
			done := make(chan error, 1)
			go func() {
				done <- ob.Follow(fctx, head-2, func(r outbox.Record) error { got <- r; return nil })
			}()
			for want := head - 1; want <= head; want++ {
				if r := <-got; r.Sequence != want {
					t.Fatalf("replay delivered %d, want %d", r.Sequence, want)
				}
			}
			if err := appendEvents(ctx, db, ob, 2, "live"); err != nil {
				t.Fatal(err)
			}
			for want := head + 1; want <= head+2; want++ {
				select {
				case r := <-got:
					if r.Sequence != want || r.Proto().GetSequence() != want {
						t.Fatalf("live delivered %d, want %d", r.Sequence, want)
					}
				case <-fctx.Done():
					t.Fatal("live event not delivered")
				}
			}
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("Follow returned %v after cancel", err)
			}
		})

		t.Run("follow picks up commits from another process by polling", func(t *testing.T) {
			other := outbox.New(db, time.Hour) // a second replica: its commits do not wake ob
			head, _ := ob.Head(ctx)
			fctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			got := make(chan outbox.Record, 1)
			go func() { _ = ob.Follow(fctx, head, func(r outbox.Record) error { got <- r; return nil }) }()
			if err := appendEvents(ctx, db, other, 1, "replica"); err != nil {
				t.Fatal(err)
			}
			select {
			case r := <-got:
				if r.Event.Resource != "items/replica-0" {
					t.Fatalf("got %+v", r)
				}
			case <-fctx.Done():
				t.Fatal("poll never delivered the other replica's event")
			}
		})
	})
}

func TestServeEndsCleanly(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t, storagetest.SQLiteURL(t), outbox.Migrations)
	ob := outbox.New(db, 20*time.Millisecond)
	if err := appendEvents(ctx, db, ob, 2, "s"); err != nil {
		t.Fatal(err)
	}

	stopping := make(chan struct{})
	sent := make(chan int64, 10)
	done := make(chan error, 1)
	go func() {
		done <- ob.Serve(ctx, "test.dtsen.go.id", 0, stopping, func(e *typev1.ChangeEvent) error { sent <- e.GetSequence(); return nil })
	}()
	if a, b := <-sent, <-sent; a != 1 || b != 2 {
		t.Fatalf("replayed %d, %d", a, b)
	}
	close(stopping)
	if err := <-done; status.Code(err) != codes.Unavailable || apierror.ReasonOf(err) != outbox.ReasonShuttingDown {
		t.Fatalf("shutdown ended the stream with %v", err)
	}

	cctx, cancel := context.WithCancel(ctx)
	go func() {
		done <- ob.Serve(cctx, "test.dtsen.go.id", 2, nil, func(*typev1.ChangeEvent) error { return nil })
	}()
	cancel()
	if err := <-done; status.Code(err) != codes.Canceled {
		t.Fatalf("a departed client ended the stream with %v", err)
	}
}

func TestOnCommit(t *testing.T) {
	db := storagetest.Open(t, storagetest.SQLiteURL(t), outbox.Migrations)
	ob := outbox.New(db, time.Second)
	var seen []string
	ob.OnCommit(func(events []outbox.Event) {
		for _, e := range events {
			seen = append(seen, e.Resource)
		}
	})
	ctx := context.Background()
	rolledBack := errors.New("rolled back")
	_ = db.InTx(ctx, func(tx *storage.Tx) error {
		if err := ob.Append(ctx, tx, outbox.Event{Type: "t", Resource: "families/1"}); err != nil {
			return err
		}
		return rolledBack
	})
	if len(seen) != 0 {
		t.Fatalf("a rolled-back transaction ran the hook: %v", seen)
	}
	err := db.InTx(ctx, func(tx *storage.Tx) error {
		return ob.Append(ctx, tx, outbox.Event{Type: "t", Resource: "families/2"}, outbox.Event{Type: "t", Resource: "families/3"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(seen, ",") != "families/2,families/3" {
		t.Fatalf("hook saw %v after the commit returned", seen)
	}
}
