package cache

import (
	"context"

	"github.com/dtsen-id/dtsen/services/platform/outbox"
)

// FollowOutbox invalidates, for every change the service commits from now
// on, the keys the change touches (keys maps an event to cache keys, e.g. the
// family's). Every replica runs it: each invalidates its own in-process
// cache, and Redis idempotently. The cache serves only while this runs:
// changes committed while it did not (this replica was starting, or down)
// were never invalidated, so it starts by flushing everything cached.
func FollowOutbox(ctx context.Context, ob *outbox.Outbox, c *Cache, keys func(outbox.Event) []string) error {
	head, err := ob.Head(ctx)
	if err != nil {
		return err
	}
	// The writing replica drops what it changed before its write returns, so
	// its client reads its own write; the follower below tells the others.
	c.hookOnce.Do(func() {
		ob.OnCommit(func(events []outbox.Event) {
			var all []string
			for _, e := range events {
				all = append(all, keys(e)...)
			}
			c.Invalidate(context.WithoutCancel(ctx), all...) // one Redis round trip per commit
		})
	})
	c.Flush(ctx)
	c.following.Store(true)
	defer c.following.Store(false)
	return ob.Follow(ctx, head, func(r outbox.Record) error {
		c.Invalidate(ctx, keys(r.Event)...)
		return nil
	})
}
