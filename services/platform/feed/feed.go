// Package feed consumes another context's WatchChanges change feed with a
// durable cursor (DESIGN.md §3): it resumes after the last event it handled,
// reconnects with backoff when the stream breaks, and never advances past an
// event whose handler failed. Delivery is at least once, so handlers must be
// idempotent. Every running consumer reports its lag behind the producer
// (metrics.go).
package feed

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"time"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/storage"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations creates the cursor table; every consuming service applies it.
var Migrations = storage.EmbeddedMigrations("feed", migrationFS, storage.Tables{"feed_cursors": storage.Local})

// Open starts a stream of events after the given sequence; next returns them
// one by one and an error when the stream ends.
type Open func(ctx context.Context, after int64) (next func() (*typev1.ChangeEvent, error), err error)

// Consumer follows one feed.
type Consumer struct {
	DB     *storage.DB
	Name   string // the durable cursor's name, e.g. "registry" or "scoring.registry"
	Open   Open
	Handle func(ctx context.Context, ev *typev1.ChangeEvent) error
	Logger *slog.Logger
	// MaxBackoff caps the wait between reconnects (default 30 s).
	MaxBackoff time.Duration
	// Service and Feed label the lag metrics (dtsen_feed_lag_events and
	// dtsen_feed_lag_seconds, {consumer, feed}): the consuming context
	// (default telemetry.Process(), e.g. "scoring") and the producing one
	// (default Name after its last '.', e.g. "registry").
	Service, Feed string
}

// Run follows the feed until ctx ends.
func (c *Consumer) Run(ctx context.Context) error {
	lag := c.track()
	defer lag.untrack()
	logger := c.Logger
	if logger == nil {
		logger = slog.Default()
	}
	maxBackoff := c.MaxBackoff
	if maxBackoff <= 0 {
		maxBackoff = 30 * time.Second
	}
	backoff := 100 * time.Millisecond
	for {
		progressed, err := c.runOnce(ctx, lag)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if progressed {
			backoff = 100 * time.Millisecond
		}
		logger.WarnContext(ctx, "change feed interrupted; reconnecting",
			slog.String("feed", c.Name), slog.String("error", err.Error()), slog.Duration("backoff", backoff))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

func (c *Consumer) runOnce(ctx context.Context, lag *lagState) (progressed bool, err error) {
	after, err := Cursor(ctx, c.DB, c.Name)
	if err != nil {
		return false, err
	}
	lag.resume(after)
	// The stream opens one event early: the last handled event comes back
	// first (skipped below as already handled) with its commit time and the
	// producer's head, so the lag is known as soon as the stream is up,
	// even when nothing new is committed for hours.
	next, err := c.Open(ctx, max(after-1, 0))
	if err != nil {
		return false, err
	}
	for {
		ev, err := next()
		if err != nil {
			return progressed, err
		}
		lag.received(ev, after)
		if ev.GetSequence() <= after {
			continue // a replay overlap; already handled
		}
		if err := c.Handle(ctx, ev); err != nil {
			return progressed, fmt.Errorf("handle %s #%d: %w", ev.GetEventType(), ev.GetSequence(), err)
		}
		if err := save(ctx, c.DB, c.Name, ev.GetSequence()); err != nil {
			return progressed, err
		}
		lag.handled(ev)
		after, progressed = ev.GetSequence(), true
	}
}

// Cursor returns the last handled sequence of a feed (0 before the first).
func Cursor(ctx context.Context, db *storage.DB, name string) (int64, error) {
	var seq int64
	err := db.QueryRowContext(ctx, "SELECT sequence FROM feed_cursors WHERE feed = $1", name).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("feed: read cursor %s: %w", name, err)
	}
	return seq, nil
}

func save(ctx context.Context, db *storage.DB, name string, seq int64) error {
	return db.InTx(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO feed_cursors (feed, sequence, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (feed) DO UPDATE SET sequence = excluded.sequence, updated_at = excluded.updated_at`,
			name, seq, time.Now().UnixMicro())
		return err
	})
}
