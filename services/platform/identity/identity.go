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
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth"
)

// Person is what the registry says about one NIK.
type Person struct {
	NIK        string
	Registered bool
	FamilyKK   string
	Deceased   bool
	// Region is the family's dotted village code.
	Region string
}

// Family is what the registry says about one KK number.
type Family struct {
	KK         string
	Registered bool
	// Region is the family's dotted village code.
	Region string
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
	families map[string]entry[Family]
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
		families: map[string]entry[Family]{},
	}
}

// Lookup answers for every NIK and KK number given, from the cache where the
// answer is fresh and from the registry otherwise.
func (c *Client) Lookup(ctx context.Context, niks, kks []string) (map[string]Person, map[string]bool, error) {
	persons, fams, err := c.LookupFamilies(ctx, niks, kks)
	if err != nil {
		return nil, nil, err
	}
	families := make(map[string]bool, len(fams))
	for k, f := range fams {
		families[k] = f.Registered
	}
	return persons, families, nil
}

// LookupFamilies is Lookup with each family's region. The calls are the
// service's own (auth.AsService): checking identities is its job, not the
// caller's, and an agency's import token need not read the registry.
func (c *Client) LookupFamilies(ctx context.Context, niks, kks []string) (map[string]Person, map[string]Family, error) {
	ctx = auth.AsService(ctx)
	persons := make(map[string]Person, len(niks))
	families := make(map[string]Family, len(kks))
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
			families[k] = Family{KK: k}
			missK = append(missK, k)
		}
	}
	c.mu.Unlock()

	for len(missN) > 0 || len(missK) > 0 {
		n, k := min(len(missN), batchSize), min(len(missK), batchSize)
		resp, err := c.lookup(ctx, &registryv1.LookupIdentitiesRequest{Niks: missN[:n], KkNumbers: missK[:k]})
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
				Region:     p.GetRegionCode(),
			}
			persons[v.NIK] = v
			c.persons[v.NIK] = entry[Person]{v, expires}
		}
		for _, f := range resp.GetFamilies() {
			v := Family{KK: f.GetKkNumber(), Registered: f.GetRegistered(), Region: f.GetRegionCode()}
			families[v.KK] = v
			c.families[v.KK] = entry[Family]{v, expires}
		}
		c.mu.Unlock()
	}
	return persons, families, nil
}

// lookupWait bounds how long a lookup waits for the registry connection to
// become ready: a service that starts before the registry (or a registry
// restarting) delays its callers briefly instead of failing them at once.
const lookupWait = 2 * time.Second

func (c *Client) lookup(ctx context.Context, req *registryv1.LookupIdentitiesRequest) (*registryv1.LookupIdentitiesResponse, error) {
	waitCtx, cancel := context.WithTimeout(ctx, lookupWait)
	defer cancel()
	resp, err := c.rpc.LookupIdentities(waitCtx, req, grpc.WaitForReady(true))
	if err != nil && ctx.Err() == nil && status.Code(err) == codes.DeadlineExceeded {
		// Our own wait ran out, not the caller's deadline: the registry is
		// unreachable, which callers report as such.
		return nil, status.Error(codes.Unavailable, "the registry is not reachable")
	}
	return resp, err
}

// makeRoom keeps the cache within its bound. It drops everything when full:
// crude, but an import walks keys once, so recency buys little, and a cold
// cache only costs batched lookups. Callers hold c.mu.
func (c *Client) makeRoom(n int) {
	if len(c.persons)+len(c.families)+n > c.opts.CacheSize {
		c.persons = map[string]entry[Person]{}
		c.families = map[string]entry[Family]{}
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
	ctx = auth.AsService(ctx)
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

// ReasonRegistryUnavailable: the registry could not be asked for a family's
// region, so no decision was made.
const ReasonRegistryUnavailable = "REGISTRY_UNAVAILABLE"

// Authorize decides whether the caller in ctx may read a source record that
// belongs to family kk or, when kk is empty, to person nik. The family's
// region comes from the registry; a citizen passes only for a record of
// their own family (their NIK resolved to their KK the same way). A record
// whose family the registry does not know has no region, so only nationwide
// roles may read it.
func (c *Client) Authorize(ctx context.Context, kk, nik string) (*auth.Principal, error) {
	p, err := auth.RequirePersonalData(ctx)
	if err != nil {
		return nil, err
	}
	if p.Nationwide() {
		return p, nil
	}
	niks := []string{}
	if nik != "" {
		niks = append(niks, nik)
	}
	if p.Role == auth.RoleCitizen && p.NIK != nik {
		niks = append(niks, p.NIK)
	}
	var kks []string
	if kk != "" {
		kks = []string{kk}
	}
	persons, families, err := c.LookupFamilies(ctx, niks, kks)
	if err != nil {
		// Whatever the registry said (even PERMISSION_DENIED, to this
		// service's own token), it was not a decision about the caller.
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, apierror.New(codes.Unavailable, auth.Domain, ReasonRegistryUnavailable).
			Message("the registry cannot confirm the family's region now; try again shortly",
				"registri tidak dapat memastikan wilayah keluarga saat ini; coba lagi sebentar lagi").Err()
	}
	f := auth.Family{KK: kk}
	if kk != "" {
		f.Region = families[kk].Region
	} else if who := persons[nik]; who.Registered {
		f.KK, f.Region = who.FamilyKK, who.Region
	}
	if p.Role == auth.RoleCitizen {
		if own := persons[p.NIK]; own.Registered && f.KK != "" && own.FamilyKK == f.KK {
			f.MemberNIKs = []string{p.NIK}
		}
	}
	return auth.AuthorizeFamily(ctx, f)
}
