// Package adapters is the scoring context's anti-corruption layer towards
// the four source contexts (DESIGN.md §3, "Bounded contexts"): it calls the
// registry, asset, income and service-usage gRPC APIs and hands scoring
// their family summaries as features.Input, the one shape the feature code
// reads. Scoring never reads another context's tables; this package is where
// it talks to them.
//
// Sources implements the interfaces scoring declares in its own terms
// (domain.FamilySource, domain.FamilyLister, domain.LabelSource).
//
// Connections are dialled by the composition root with
// platform/auth.ClientOptions: a call made while serving a request forwards
// the caller's token, a background one (bulk sync, ranking, training) or one
// under auth.AsService carries scoring's own service token. The adapters
// only pass ctx through, so that choice stays with the caller.
package adapters

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/features"
)

// ErrFamilyNotFound: the registry does not know the KK number, so there is
// no family to score.
var ErrFamilyNotFound = errors.New("scoring: family not registered")

// Names of the source contexts, as SourceError.Context reports them.
const (
	ContextRegistry     = "registry"
	ContextAsset        = "asset"
	ContextIncome       = "income"
	ContextServiceUsage = "serviceusage"
)

// SourceError is a source context failing to answer (UNAVAILABLE,
// DEADLINE_EXCEEDED, PERMISSION_DENIED, ...). The service reports which
// context failed; Err keeps the gRPC status for status.Code.
type SourceError struct {
	Context string
	Err     error
}

func (e *SourceError) Error() string { return "scoring: " + e.Context + " context: " + e.Err.Error() }

func (e *SourceError) Unwrap() error { return e.Err }

// Conns are the connections to the source contexts.
type Conns struct {
	Registry, Asset, Income, ServiceUsage grpc.ClientConnInterface
}

// pageSize is the largest page every source's List methods serve.
const pageSize = 1000

// Sources implements FamilySource, FamilyLister and LabelSource over the
// source contexts' gRPC APIs.
type Sources struct {
	registry registryv1.RegistryServiceClient
	asset    assetv1.AssetServiceClient
	income   incomev1.IncomeServiceClient
	usage    serviceusagev1.ServiceUsageServiceClient
}

var (
	_ domain.FamilySource = (*Sources)(nil)
	_ domain.FamilyLister = (*Sources)(nil)
	_ domain.LabelSource  = (*Sources)(nil)
)

// New returns the adapters over c.
func New(c Conns) *Sources {
	return &Sources{
		registry: registryv1.NewRegistryServiceClient(c.Registry),
		asset:    assetv1.NewAssetServiceClient(c.Asset),
		income:   incomev1.NewIncomeServiceClient(c.Income),
		usage:    serviceusagev1.NewServiceUsageServiceClient(c.ServiceUsage),
	}
}

// Fetch implements FamilySource. The four calls are in flight together, so
// a family costs one round trip, not four; the first failure cancels the
// rest, since one missing context already leaves nothing to score.
//
// The source contexts answer a registered family they hold no record of
// with an empty summary, and an unregistered one with NOT_FOUND. For
// scoring both mean the context knows nothing about the family, and the
// features it feeds must be NaN, not 0 (see package features: a family the
// asset context has never heard of does not "own no car"), so both become a
// nil message.
func (s *Sources) Fetch(ctx context.Context, kk string, ref time.Time) (features.Input, error) {
	in := features.Input{ReferenceDate: ref}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
		cancel()
	}
	// call runs one RPC and reports whether its answer is to be kept: false
	// when the context does not know the family (or failed, recorded in
	// first).
	call := func(source string, rpc func() error) bool {
		err := rpc()
		switch {
		case err == nil:
			return true
		case status.Code(err) != codes.NotFound:
			fail(&SourceError{Context: source, Err: err})
		case source == ContextRegistry:
			fail(fmt.Errorf("%w: %s", ErrFamilyNotFound, kk))
		}
		return false
	}
	name := "families/" + kk
	wg.Go(func() {
		var f *registryv1.Family
		if call(ContextRegistry, func() (err error) {
			f, err = s.registry.GetFamily(ctx, &registryv1.GetFamilyRequest{Name: name})
			return err
		}) {
			in.Family = f
		}
	})
	wg.Go(func() {
		var a *assetv1.FamilyAssets
		if call(ContextAsset, func() (err error) {
			a, err = s.asset.GetFamilyAssets(ctx, &assetv1.GetFamilyAssetsRequest{Name: name + "/assets"})
			return err
		}) {
			in.Assets = a
		}
	})
	wg.Go(func() {
		var e *incomev1.FamilyEconomics
		if call(ContextIncome, func() (err error) {
			e, err = s.income.GetFamilyEconomics(ctx, &incomev1.GetFamilyEconomicsRequest{Name: name + "/economics"})
			return err
		}) {
			in.Economics = e
		}
	})
	wg.Go(func() {
		var u *serviceusagev1.FamilyServiceUsage
		if call(ContextServiceUsage, func() (err error) {
			u, err = s.usage.GetFamilyServiceUsage(ctx, &serviceusagev1.GetFamilyServiceUsageRequest{Name: name + "/serviceUsage"})
			return err
		}) {
			in.ServiceUsage = u
		}
	})
	wg.Wait()
	if first != nil {
		return features.Input{}, first
	}
	return features.DropEmpty(in), nil
}

// Each implements domain.FamilyLister with the registry's ListFamilies.
func (s *Sources) Each(ctx context.Context, regionPrefix string, fn func(kk string) error) error {
	req := &registryv1.ListFamiliesRequest{PageSize: pageSize}
	if regionPrefix != "" {
		req.Filter = fmt.Sprintf("region = %q", regionPrefix)
	}
	for {
		resp, err := s.registry.ListFamilies(ctx, req)
		if err != nil {
			return &SourceError{Context: ContextRegistry, Err: err}
		}
		for _, f := range resp.GetFamilies() {
			if err := fn(f.GetKkNumber()); err != nil {
				return err
			}
		}
		if resp.GetNextPageToken() == "" {
			return nil
		}
		req.PageToken = resp.GetNextPageToken()
	}
}

// measuredFilter selects the labels: enumerator-measured consumption of
// families the registry knows (an UNMATCHED record names a KK that is not
// registered, so it has no features to learn from until it is reconciled).
const measuredFilter = `measurement = "MEASURED_BY_ENUMERATOR" AND match_status = "MATCHED"`

// MeasuredFamilies implements LabelSource with the income context's
// ListConsumptions across all families. A family measured in several
// survey rounds is reported once.
func (s *Sources) MeasuredFamilies(ctx context.Context, fn func(kk string) error) error {
	req := &incomev1.ListConsumptionsRequest{Parent: "families/-", PageSize: pageSize, Filter: measuredFilter}
	seen := map[string]struct{}{}
	for {
		resp, err := s.income.ListConsumptions(ctx, req)
		if err != nil {
			return &SourceError{Context: ContextIncome, Err: err}
		}
		for _, c := range resp.GetConsumptions() {
			// As features.MeasuredConsumption: a record that does not
			// itself say it was measured never makes a label, whatever
			// the filter returned.
			if c.GetMeasurement() != incomev1.Measurement_MEASUREMENT_MEASURED_BY_ENUMERATOR {
				continue
			}
			kk := c.GetKkNumber()
			if _, dup := seen[kk]; dup {
				continue
			}
			seen[kk] = struct{}{}
			if err := fn(kk); err != nil {
				return err
			}
		}
		if resp.GetNextPageToken() == "" {
			return nil
		}
		req.PageToken = resp.GetNextPageToken()
	}
}
