package idempotency

import (
	"container/list"
	"sync"
	"time"
)

// Bounds of the in-process store. A day of write traffic on one replica
// without Redis could otherwise grow it without limit; past the bounds the
// oldest keys go first, and a retry of an evicted key runs again.
const (
	defaultMaxEntries = 100_000
	defaultMaxBytes   = 64 << 20
)

// memStore is the in-process equivalent of the Redis keys: the same records
// with the same TTLs, plus a bound on memory.
type memStore struct {
	mu       sync.Mutex
	entries  map[string]*memEntry
	order    list.List // of *memEntry, oldest write first
	bytes    int64
	maxCount int
	maxBytes int64
}

type memEntry struct {
	key     string
	rec     record
	expires time.Time
	elem    *list.Element
	size    int64
}

func newMemStore(maxCount int, maxBytes int64) *memStore {
	return &memStore{entries: make(map[string]*memEntry), maxCount: maxCount, maxBytes: maxBytes}
}

// get returns a copy of key's live record, or nil.
func (m *memStore) get(key string, now time.Time) *record {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.live(key, now)
	if e == nil {
		return nil
	}
	r := e.rec
	return &r
}

// claim stores rec under key unless a live record holds it, which it
// returns instead.
func (m *memStore) claim(key string, rec record, ttl time.Duration, now time.Time) *record {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.live(key, now); e != nil {
		r := e.rec
		return &r
	}
	m.set(key, rec, ttl, now)
	return nil
}

// complete replaces key's claim by rec if the claim is still token's.
func (m *memStore) complete(key, token string, rec record, ttl time.Duration, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.live(key, now); e != nil && e.rec.Token == token {
		m.set(key, rec, ttl, now)
	}
}

// put stores rec under key whatever holds it.
func (m *memStore) put(key string, rec record, ttl time.Duration, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.set(key, rec, ttl, now)
}

// release drops key if it is still token's claim.
func (m *memStore) release(key, token string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.entries[key]; e != nil && e.rec.Token == token {
		m.remove(e)
	}
}

func (m *memStore) live(key string, now time.Time) *memEntry {
	e := m.entries[key]
	if e == nil {
		return nil
	}
	if !now.Before(e.expires) {
		m.remove(e)
		return nil
	}
	return e
}

func (m *memStore) set(key string, rec record, ttl time.Duration, now time.Time) {
	if e := m.entries[key]; e != nil {
		m.remove(e)
	}
	e := &memEntry{key: key, rec: rec, expires: now.Add(ttl),
		size: int64(len(key) + len(rec.Fingerprint) + len(rec.Token) + len(rec.ContentType) + len(rec.Body) + 128)}
	e.elem = m.order.PushBack(e)
	m.entries[key] = e
	m.bytes += e.size
	m.evict(now)
}

// evict drops expired entries from the old end, then the oldest live ones
// while over a bound. Entries are ordered by write, not expiry (claims
// live shorter than results), so an expired entry may linger behind a live
// one until get meets it or the bounds push it out.
func (m *memStore) evict(now time.Time) {
	for f := m.order.Front(); f != nil; f = m.order.Front() {
		e := f.Value.(*memEntry)
		expired := !now.Before(e.expires)
		over := len(m.entries) > m.maxCount || m.bytes > m.maxBytes
		if !expired && !over {
			return
		}
		m.remove(e)
	}
}

func (m *memStore) remove(e *memEntry) {
	m.order.Remove(e.elem)
	delete(m.entries, e.key)
	m.bytes -= e.size
}
