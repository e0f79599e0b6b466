package features

import (
	"fmt"
	"math"
	"strings"
)

// Group is the family of variables a feature belongs to. Explanations group
// a family's factors by it.
type Group string

// The groups, in the order the definitions declare them.
const (
	GroupHousing      Group = "housing"
	GroupAssets       Group = "assets"
	GroupLandVehicles Group = "land_vehicles"
	GroupDemographics Group = "demographics"
	GroupSchooling    Group = "schooling"
	GroupDisability   Group = "disability"
	GroupWorkIncome   Group = "work_income"
	GroupBanking      Group = "banking"
	GroupServiceUsage Group = "service_usage"
)

// Groups lists every group in declaration order.
func Groups() []Group {
	return []Group{GroupHousing, GroupAssets, GroupLandVehicles, GroupDemographics, GroupSchooling,
		GroupDisability, GroupWorkIncome, GroupBanking, GroupServiceUsage}
}

// Context names a source bounded context whose API a feature reads
// (DESIGN.md §3).
type Context string

// The source contexts.
const (
	ContextRegistry     Context = "registry"
	ContextAsset        Context = "asset"
	ContextIncome       Context = "income"
	ContextServiceUsage Context = "serviceusage"
)

// Definition is one feature. The table of definitions is the single place a
// feature is declared: Build computes it, docs/features.md documents it and
// stored models refer to it by Name.
type Definition struct {
	// Name is stable snake_case. Models are stored with the list of names
	// they were trained on, so a name is never reused for another meaning.
	Name  string
	Group Group
	// DescriptionEN and DescriptionID describe the feature in English and
	// in Bahasa Indonesia; explanations shown to citizens quote them.
	DescriptionEN string
	DescriptionID string
	// Unit of the value: "0/1" for indicators, "ordinal a–b" for ordered
	// categories, a physical unit otherwise.
	Unit string
	// Computation says how the value is derived from the source contexts'
	// API messages, including when it is NaN.
	Computation string
	// Sources are the contexts whose data the feature needs.
	Sources []Context
	// Targeting marks features that record past targeting decisions (a
	// programme received, a state-paid premium, a subsidised tariff
	// granted by the old DTKS list). A model that uses them partly
	// reproduces the old list and its errors; a model can be trained
	// without them through a Projection.
	Targeting bool

	compute func(*view) float64
}

var (
	// byName indexes definitions; built once, only ever looked up.
	byName = func() map[string]int {
		m := make(map[string]int, len(definitions))
		for i, d := range definitions {
			m[d.Name] = i
		}
		return m
	}()
	names = func() []string {
		out := make([]string, len(definitions))
		for i, d := range definitions {
			out[i] = d.Name
		}
		return out
	}()
)

// Definitions returns a copy of every feature definition, in vector order.
func Definitions() []Definition {
	out := make([]Definition, len(definitions))
	copy(out, definitions)
	for i := range out {
		out[i].Sources = append([]Context(nil), out[i].Sources...)
	}
	return out
}

// Names returns every feature name in vector order.
func Names() []string { return append([]string(nil), names...) }

// Len is the number of features, the length of every Vector.
func Len() int { return len(definitions) }

// Index returns the position of a feature in the vector.
func Index(name string) (int, bool) {
	i, ok := byName[name]
	return i, ok
}

// Lookup returns the definition of a feature.
func Lookup(name string) (Definition, bool) {
	i, ok := byName[name]
	if !ok {
		return Definition{}, false
	}
	d := definitions[i]
	d.Sources = append([]Context(nil), d.Sources...)
	return d, true
}

// Vector is one family's features in definition order. NaN means missing:
// the family's data does not say (a context has no data for it, a field is
// unspecified, or a ratio has no denominator). A 0 always means zero.
type Vector []float64

// Get returns the value of a named feature; ok is false for an unknown name.
func (v Vector) Get(name string) (x float64, ok bool) {
	i, ok := byName[name]
	if !ok || i >= len(v) {
		return math.NaN(), false
	}
	return v[i], true
}

// Projection maps vectors of the current definitions onto a stored model's
// own feature list, which may be older (fewer features) or narrower (for
// example without the Targeting features). It is built once per model and
// applied to every family.
type Projection struct {
	names []string
	index []int
}

// NewProjection prepares a projection onto names. Every name must be a
// current feature: a model trained on a feature that no longer exists
// cannot be served, and that must fail loudly at load time, not score
// families with a silent NaN.
func NewProjection(names []string) (*Projection, error) {
	p := &Projection{names: append([]string(nil), names...), index: make([]int, len(names))}
	var unknown []string
	seen := make(map[string]bool, len(names))
	for i, n := range names {
		j, ok := byName[n]
		if !ok {
			unknown = append(unknown, n)
			continue
		}
		if seen[n] {
			return nil, fmt.Errorf("features: projection names %q twice", n)
		}
		seen[n] = true
		p.index[i] = j
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("features: unknown features %s", strings.Join(unknown, ", "))
	}
	return p, nil
}

// ModelFeatures are the features a welfare model is trained on: every one,
// except past programme receipt (Targeting) unless withTargeting, because a
// ranking that learns who was helped before would carry DTKS's mistakes
// into DTSEN.
func ModelFeatures(withTargeting bool) []string {
	var names []string
	for _, d := range Definitions() {
		if d.Targeting && !withTargeting {
			continue
		}
		names = append(names, d.Name)
	}
	return names
}

// Names returns the projection's feature names, in its order.
func (p *Projection) Names() []string { return append([]string(nil), p.names...) }

// Apply writes v's values in the projection's order into dst (grown as
// needed) and returns it.
func (p *Projection) Apply(v Vector, dst []float64) []float64 {
	dst = dst[:0]
	for _, j := range p.index {
		dst = append(dst, v[j])
	}
	return dst
}

// enum is a protobuf enum type: its zero value is UNSPECIFIED.
type enum interface {
	~int32
	String() string
}

// level is one category of an ordinal feature and its value.
type level[E enum] struct {
	of E
	x  float64
}

// ordinal returns x's level, NaN when x is not listed (UNSPECIFIED, OTHER).
func ordinal[E enum](x E, levels []level[E]) float64 {
	for _, l := range levels {
		if l.of == x {
			return l.x
		}
	}
	return math.NaN()
}

// oneOf is the indicator "x is one of set"; NaN when x is UNSPECIFIED.
func oneOf[E enum](x E, set ...E) float64 {
	if x == 0 {
		return math.NaN()
	}
	for _, s := range set {
		if x == s {
			return 1
		}
	}
	return 0
}

// levelText renders a mapping for the documentation, from the same slice
// the computation uses, so the two cannot drift apart.
func levelText[E enum](prefix string, levels []level[E]) string {
	parts := make([]string, len(levels))
	for i, l := range levels {
		parts[i] = fmt.Sprintf("%s=%s", strings.TrimPrefix(l.of.String(), prefix), formatLevel(l.x))
	}
	return strings.Join(parts, ", ")
}

func formatLevel(x float64) string {
	if x == math.Trunc(x) {
		return fmt.Sprintf("%d", int64(x))
	}
	return fmt.Sprintf("%g", x)
}

// setText renders an indicator's categories for the documentation.
func setText[E enum](prefix string, set ...E) string {
	parts := make([]string, len(set))
	for i, s := range set {
		parts[i] = strings.TrimPrefix(s.String(), prefix)
	}
	return strings.Join(parts, ", ")
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
