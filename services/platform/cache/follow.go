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
	c.Flush(ctx)
	c.following.Store(true)
	defer c.following.Store(false)
	return ob.Follow(ctx, head, func(r outbox.Record) error {
		c.Invalidate(ctx, keys(r.Event)...)
		return nil
	})
}
