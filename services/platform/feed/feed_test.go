package feed_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/feed"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/platform/telemetry/telemetrytest"
)

// openOutbox serves a real outbox as a feed, the way WatchChanges does, and
// can break the stream after a number of events to simulate a dropped
// connection.
func openOutbox(ob *outbox.Outbox, breakAfter *int) feed.Open {
	return func(ctx context.Context, after int64) (func() (*typev1.ChangeEvent, error), error) {
		ctx, cancel := context.WithCancel(ctx)
		events := make(chan *typev1.ChangeEvent)
		done := make(chan error, 1)
		go func() {
			done <- ob.Follow(ctx, after, func(r outbox.Record) error {
				select {
				case events <- r.Proto():
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
		}()
		sent := 0
		return func() (*typev1.ChangeEvent, error) {
			if *breakAfter > 0 && sent == *breakAfter {
				*breakAfter = 0
				cancel()
				return nil, errors.New("connection reset")
			}
			select {
			case ev := <-events:
				sent++
				return ev, nil
			case err := <-done:
				cancel()
				return nil, err
			}
		}, nil
	}
}

func TestConsumerResumesFromItsCursor(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		source := storagetest.Open(t, url, outbox.Migrations)
		ob := outbox.New(source, 20*time.Millisecond)
		sink := storagetest.Open(t, storagetest.SQLiteURL(t), feed.Migrations)
		publish := func(n int, tag string) {
			err := source.InTx(ctx, func(tx *storage.Tx) error {
				for i := 0; i < n; i++ {
					if err := ob.Append(ctx, tx, outbox.Event{Type: "test.x", Resource: fmt.Sprintf("x/%s-%d", tag, i)}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}

		var mu sync.Mutex
		seen := map[int64]int{}
		failOnce := int64(4) // the handler fails on event 4 once; it must be retried, not skipped
		handle := func(_ context.Context, ev *typev1.ChangeEvent) error {
			mu.Lock()
			defer mu.Unlock()
			if ev.GetSequence() == failOnce {
				failOnce = 0
				return errors.New("downstream busy")
			}
			seen[ev.GetSequence()]++
			return nil
		}
		breakAfter := 2
		runFor := func(until int64) {
			cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			c := &feed.Consumer{DB: sink, Name: "test", Open: openOutbox(ob, &breakAfter), Handle: handle, MaxBackoff: 50 * time.Millisecond}
			go func() { _ = c.Run(cctx) }()
			for {
				if cur, _ := feed.Cursor(ctx, sink, "test"); cur >= until {
					cancel()
					return
				}
				if cctx.Err() != nil {
					t.Fatalf("consumer did not reach %d", until)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}

		publish(6, "a")
		runFor(6) // survives a dropped stream after 2 events and a failing handler at 4
		publish(3, "b")
		runFor(9) // a restarted consumer resumes from its stored cursor

		mu.Lock()
		defer mu.Unlock()
		for seq := int64(1); seq <= 9; seq++ {
			if seen[seq] == 0 {
				t.Errorf("event %d never handled", seq)
			}
		}
		if seen[1] != 1 || seen[7] != 1 {
			t.Errorf("events replayed after the cursor was saved: %v", seen)
		}
	})
}

// TestConsumerLagMetrics: a running consumer reports how far it is behind
// the producer's head, in events and in seconds; 0 once caught up, at once
// after a restart on an idle feed (the stream replays the last handled event
// with the head), and nothing once it stopped.
func TestConsumerLagMetrics(t *testing.T) {
	metrics := telemetrytest.Metrics(t)
	ctx := context.Background()
	source := storagetest.Open(t, storagetest.SQLiteURL(t), outbox.Migrations)
	ob := outbox.New(source, 20*time.Millisecond)
	sink := storagetest.Open(t, storagetest.SQLiteURL(t), feed.Migrations)
	err := source.InTx(ctx, func(tx *storage.Tx) error {
		for i := range 5 {
			if err := ob.Append(ctx, tx, outbox.Event{Type: "test.x", Resource: fmt.Sprintf("x/%d", i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	labels := []attribute.KeyValue{attribute.String("consumer", "scoring"), attribute.String("feed", "registry")}
	lag := func() (events, seconds float64, ok bool) {
		events, ok = metrics.Value(t, "dtsen_feed_lag_events", labels...)
		seconds, _ = metrics.Value(t, "dtsen_feed_lag_seconds", labels...)
		return events, seconds, ok
	}
	eventually := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				e, s, ok := lag()
				t.Fatalf("%s: lag events %v seconds %v reported %v", what, e, s, ok)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	never := 0
	gate, blocked := make(chan struct{}), make(chan struct{})
	run := func() (stop func()) {
		cctx, cancel := context.WithCancel(ctx)
		c := &feed.Consumer{DB: sink, Name: "scoring.registry", Service: "scoring", Open: openOutbox(ob, &never),
			Handle: func(_ context.Context, ev *typev1.ChangeEvent) error {
				if ev.GetSequence() == 3 {
					close(blocked)
					<-gate
				}
				return nil
			}}
		done := make(chan struct{})
		go func() { defer close(done); _ = c.Run(cctx) }()
		return func() { cancel(); <-done }
	}

	stop := run()
	<-blocked // handling event 3: the cursor is at 2, the head at 5
	time.Sleep(20 * time.Millisecond)
	if events, seconds, ok := lag(); !ok || events != 3 || seconds <= 0 || seconds > 10 {
		t.Fatalf("behind: lag events %v seconds %v reported %v; want 3 events and a few milliseconds", events, seconds, ok)
	}
	close(gate)
	eventually("caught up", func() bool { e, s, ok := lag(); return ok && e == 0 && s == 0 })
	stop()
	if _, _, ok := lag(); ok {
		t.Fatal("a stopped consumer still reports its lag")
	}

	stop = run() // idle feed: nothing new is committed
	eventually("restarted on an idle feed", func() bool { e, s, ok := lag(); return ok && e == 0 && s == 0 })
	stop()
}
