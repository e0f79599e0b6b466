package domain

import (
	"context"
	"time"

	"github.com/dtsen-id/dtsen/services/scoring/features"
)

// What scoring needs from the four source contexts, declared in its own
// terms (DESIGN.md §3): the adapters package implements them over the
// contexts' gRPC APIs.

// FamilySource gives what the four source contexts know about one family.
type FamilySource interface {
	// Fetch returns the family's four summaries as of ref (which becomes
	// Input.ReferenceDate). A context that knows nothing about the family
	// leaves its message nil. adapters.ErrFamilyNotFound: the registry does not know
	// the KK. A failing context is a *SourceError naming it.
	Fetch(ctx context.Context, kk string, ref time.Time) (features.Input, error)
}

// FamilyLister walks the registered families, for bulk sync and ranking.
type FamilyLister interface {
	// Each calls fn with every family's KK number whose village lies within
	// regionPrefix (a province, regency, district or village code such as
	// "32.04"; "" is the whole nation), stopping at fn's first error.
	Each(ctx context.Context, regionPrefix string, fn func(kk string) error) error
}

// LabelSource walks the families that can serve as training examples.
type LabelSource interface {
	// MeasuredFamilies calls fn once for every registered family with
	// consumption measured by an enumerator: the welfare model's label.
	// Self-declared consumption never qualifies a family.
	MeasuredFamilies(ctx context.Context, fn func(kk string) error) error
}
