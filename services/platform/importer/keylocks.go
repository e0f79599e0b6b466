package importer

import (
	"context"
	"sync"
)

// keyLocks tracks the keys of the chunks in flight. A chunk waits until none
// of its keys is held by an earlier chunk. Chunks acquire in stream order, so
// a chunk only ever waits for earlier ones and there is no cycle.
type keyLocks struct {
	mu      sync.Mutex
	held    map[string]int
	changed chan struct{}
}

func newKeyLocks() *keyLocks {
	return &keyLocks{held: map[string]int{}, changed: make(chan struct{})}
}

func (k *keyLocks) acquire(ctx context.Context, keys []string) error {
	for {
		k.mu.Lock()
		free := true
		for _, key := range keys {
			if k.held[key] > 0 {
				free = false
				break
			}
		}
		if free {
			for _, key := range keys {
				k.held[key]++
			}
			k.mu.Unlock()
			return nil
		}
		wait := k.changed
		k.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (k *keyLocks) release(keys []string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, key := range keys {
		if k.held[key]--; k.held[key] <= 0 {
			delete(k.held, key)
		}
	}
	close(k.changed)
	k.changed = make(chan struct{})
}
