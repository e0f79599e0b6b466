package feed

import (
	"context"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/telemetry"
)

// The lag of every running consumer, read when metrics are collected:
//
//   - dtsen_feed_lag_events{consumer,feed}: the producer's head (the
//     head_sequence its events carry) minus the consumer's cursor;
//   - dtsen_feed_lag_seconds{consumer,feed}: 0 when caught up; otherwise now
//     minus the commit time of the oldest event the consumer has not handled
//     yet, or, until that event has arrived, of the last one it handled.
//
// A consumer appears once its stream has delivered an event; since every
// stream opens with the last handled event again, that is right after it
// connects.
var lagGauges = telemetry.Instruments[struct{}]{New: func(m metric.Meter) struct{} {
	events := telemetry.Must(m.Int64ObservableGauge("dtsen_feed_lag_events",
		metric.WithDescription("Events the change-feed consumer is behind the producer's head")))
	seconds := telemetry.Must(m.Float64ObservableGauge("dtsen_feed_lag_seconds", metric.WithUnit("s"),
		metric.WithDescription("Age of the oldest change the consumer has not handled yet; 0 when caught up")))
	_, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		now := time.Now()
		consumers.Range(func(k, _ any) bool {
			s := k.(*lagState)
			n, age, ok, ageOK := s.lag(now)
			if ok {
				o.ObserveInt64(events, n, metric.WithAttributeSet(s.attrs))
			}
			if ageOK {
				o.ObserveFloat64(seconds, age.Seconds(), metric.WithAttributeSet(s.attrs))
			}
			return true
		})
		return nil
	}, events, seconds)
	if err != nil {
		otel.Handle(err)
	}
	return struct{}{}
}}

// consumers holds the *lagState of every running consumer.
var consumers sync.Map

type lagState struct {
	attrs attribute.Set

	mu      sync.Mutex
	known   bool  // an event has arrived: head is known
	head    int64 // the producer's head, as last reported
	cursor  int64
	last    time.Time // commit time of the event at the cursor (zero: not known)
	pending time.Time // commit time of the oldest event received and not handled
}

func (c *Consumer) track() *lagState {
	lagGauges.Get()
	consumer := c.Service
	if consumer == "" {
		consumer = telemetry.Process()
	}
	if consumer == "" {
		consumer = "unknown"
	}
	feed := c.Feed
	if feed == "" {
		feed = c.Name[strings.LastIndexByte(c.Name, '.')+1:]
	}
	s := &lagState{attrs: attribute.NewSet(attribute.String("consumer", consumer), attribute.String("feed", feed))}
	consumers.Store(s, struct{}{})
	return s
}

func (s *lagState) untrack() { consumers.Delete(s) }

// resume starts a stream after cursor.
func (s *lagState) resume(cursor int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cursor != s.cursor {
		s.last = time.Time{}
	}
	s.cursor, s.pending = cursor, time.Time{}
}

// received notes an event the stream delivered, before it is handled.
func (s *lagState) received(ev *typev1.ChangeEvent, cursor int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.known = true
	// A producer that does not report its head has at least this event.
	s.head = max(s.head, ev.GetHeadSequence(), ev.GetSequence())
	switch seq := ev.GetSequence(); {
	case seq == cursor && ev.GetCommitTime() != nil:
		s.last = ev.GetCommitTime().AsTime()
	case seq > cursor && s.pending.IsZero() && ev.GetCommitTime() != nil:
		s.pending = ev.GetCommitTime().AsTime()
	}
}

// handled moves the cursor past ev.
func (s *lagState) handled(ev *typev1.ChangeEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cursor, s.pending = ev.GetSequence(), time.Time{}
	s.last = time.Time{}
	if ev.GetCommitTime() != nil {
		s.last = ev.GetCommitTime().AsTime()
	}
}

// lag returns the events and the time behind, and whether each is known.
func (s *lagState) lag(now time.Time) (events int64, age time.Duration, ok, ageOK bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.known {
		return 0, 0, false, false
	}
	events = max(s.head-s.cursor, 0)
	if events == 0 {
		return 0, 0, true, true
	}
	ref := s.pending
	if ref.IsZero() {
		ref = s.last
	}
	if ref.IsZero() {
		return events, 0, true, false
	}
	return events, max(now.Sub(ref), 0), true, true
}
