// Package identity is how a source context (asset, income, service usage)
// checks the NIKs and KK numbers in its records against the registry: through
// the registry's gRPC API, never its tables (DESIGN.md §3), with a small cache
// in front, so an import of 200,000 records costs a few hundred batched calls
// rather than 200,000.
//
// A context declares the interface it needs in its own domain; this client
// satisfies it through a thin adapter.
package identity

import (
	"context"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
)

// Person is what the registry says about one NIK.
type Person struct {
	NIK        string
	Registered bool
	FamilyKK   string
	Deceased   bool
}

// Options tune a Client.
type Options struct {
	// CacheSize bounds the cached NIKs and KK numbers (default 100,000).
	CacheSize int
	// TTL is how long an answer is trusted without a change event evicting it
	// (default 10 minutes). Unregistered answers are cached too: a record that
	// names an unknown NIK is reconciled by the change feed, not by polling.
	TTL time.Duration
}

// Client looks identities up in the registry.
type Client struct {
	rpc  registryv1.RegistryServiceClient
	opts Options

	mu       sync.Mutex
	persons  map[string]entry[Person]
	families map[string]entry[bool]
}

type entry[T any] struct {
	value   T
	expires time.Time
}

// batchSize is the registry's limit per LookupIdentities call.
const batchSize = 1000

// NewClient returns a client of the registry at conn.
func NewClient(conn grpc.ClientConnInterface, opts Options) *Client {
	if opts.CacheSize <= 0 {
		opts.CacheSize = 100_000
	}
	if opts.TTL <= 0 {
		opts.TTL = 10 * time.Minute
	}
	return &Client{
		rpc:      registryv1.NewRegistryServiceClient(conn),
		opts:     opts,
		persons:  map[string]entry[Person]{},
		families: map[string]entry[bool]{},
	}
}

// Lookup answers for every NIK and KK number given, from the cache where the
// answer is fresh and from the registry otherwise.
func (c *Client) Lookup(ctx context.Context, niks, kks []string) (map[string]Person, map[string]bool, error) {
	persons := make(map[string]Person, len(niks))
	families := make(map[string]bool, len(kks))
	var missN, missK []string
	now := time.Now()
	c.mu.Lock()
	for _, n := range niks {
		if e, ok := c.persons[n]; ok && now.Before(e.expires) {
			persons[n] = e.value
		} else if _, dup := persons[n]; !dup {
			persons[n] = Person{NIK: n}
			missN = append(missN, n)
		}
	}
	for _, k := range kks {
		if e, ok := c.families[k]; ok && now.Before(e.expires) {
			families[k] = e.value
		} else if _, dup := families[k]; !dup {
			families[k] = false
			missK = append(missK, k)
		}
	}
	c.mu.Unlock()

	for len(missN) > 0 || len(missK) > 0 {
		n, k := min(len(missN), batchSize), min(len(missK), batchSize)
		resp, err := c.rpc.LookupIdentities(ctx, &registryv1.LookupIdentitiesRequest{Niks: missN[:n], KkNumbers: missK[:k]})
		if err != nil {
			return nil, nil, err
		}
		missN, missK = missN[n:], missK[k:]
		expires := time.Now().Add(c.opts.TTL)
		c.mu.Lock()
		c.makeRoom(len(resp.GetPersons()) + len(resp.GetFamilies()))
		for _, p := range resp.GetPersons() {
			v := Person{
				NIK:        p.GetNik(),
				Registered: p.GetRegistered(),
				FamilyKK:   strings.TrimPrefix(p.GetFamily(), "families/"),
				Deceased:   p.GetVitalStatus() == registryv1.VitalStatus_VITAL_STATUS_DECEASED,
			}
			persons[v.NIK] = v
			c.persons[v.NIK] = entry[Person]{v, expires}
		}
		for _, f := range resp.GetFamilies() {
			families[f.GetKkNumber()] = f.GetRegistered()
			c.families[f.GetKkNumber()] = entry[bool]{f.GetRegistered(), expires}
		}
		c.mu.Unlock()
	}
	return persons, families, nil
}

// makeRoom keeps the cache within its bound. It drops everything when full:
// crude, but an import walks keys once, so recency buys little, and a cold
// cache only costs batched lookups. Callers hold c.mu.
func (c *Client) makeRoom(n int) {
	if len(c.persons)+len(c.families)+n > c.opts.CacheSize {
		c.persons = map[string]entry[Person]{}
		c.families = map[string]entry[bool]{}
	}
}

// Forget evicts NIKs and KK numbers, so the next lookup asks the registry.
func (c *Client) Forget(niks, kks []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range niks {
		delete(c.persons, n)
	}
	for _, k := range kks {
		delete(c.families, k)
	}
}

// Touched resolves one registry change event to the NIKs and KK numbers it may
// have changed, and evicts them from the cache. A family event names only the
// family, so its members are read from the registry: an import creates a
// family and its members with a single event.
func (c *Client) Touched(ctx context.Context, ev *typev1.ChangeEvent) (niks, kks []string, err error) {
	if kk, ok := strings.CutPrefix(ev.GetFamily(), "families/"); ok && kk != "" {
		kks = append(kks, kk)
	}
	if nik, ok := strings.CutPrefix(ev.GetResource(), "persons/"); ok {
		niks = append(niks, nik)
	} else if len(kks) > 0 {
		fam, err := c.rpc.GetFamily(ctx, &registryv1.GetFamilyRequest{Name: "families/" + kks[0]})
		if status.Code(err) == codes.NotFound {
			// Families are never deleted, so this is an event from another
			// registry's feed or a corrupt one: the KK is all there is to
			// re-check, and retrying would stall the feed forever.
			c.Forget(nil, kks)
			return nil, kks, nil
		}
		if err != nil {
			return nil, nil, err
		}
		for _, m := range fam.GetMembers() {
			niks = append(niks, m.GetNik())
		}
	}
	c.Forget(niks, kks)
	return niks, kks, nil
}
