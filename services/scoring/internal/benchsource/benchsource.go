// Package benchsource is an in-process, deterministic stand-in for the four
// source contexts, for benchmarks of whole ranking runs: it implements
// domain.FamilySource, domain.FamilyLister and domain.LabelSource over a
// synthetic population (services/population), each family's summaries being
// what popinput.Assemble makes of its household, as the services would serve
// them once its records were imported.
//
// A Population indexes households 0..Households-1 of one seed once: each
// household's KK number, whether an enumerator measured its consumption
// (a training label), and, in the encoded mode, the four summaries as
// protobuf bytes. A Source is a view of its first n households as the
// registered families. Two modes of Fetch:
//
//   - encoded (Config.Encoded): the summaries are kept protobuf-encoded, about
//     2.4 KB a family (2.4 GB for a million), and Fetch decodes them. That is
//     the work a scoring node does on the four gRPC answers, without the
//     network, so a ranking run over it costs what it would on the scoring
//     host.
//   - lazy (the default): only 12 bytes a family are kept, and Fetch generates
//     the household again from (seed, index) and assembles it: memory stays
//     bounded for any population, but every fetch costs a household's
//     generation (≈ 38 µs of CPU), which no production fetch costs.
//
// The population has no deliberate data errors (population.Config.ErrorRate
// < 0): every household is a family the registry would accept, so a Source
// of n households is n registered families.
package benchsource

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	"github.com/dtsen-id/dtsen/services/population/population"
	"github.com/dtsen-id/dtsen/services/scoring/adapters"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/features"
	"github.com/dtsen-id/dtsen/services/scoring/internal/popinput"
)

// Config selects the population.
type Config struct {
	// Seed selects the population (population.Config.Seed).
	Seed uint64
	// Households is how many households are indexed, 0..Households-1; a
	// Source can offer at most this many families.
	Households int
	// Encoded keeps every household's four summaries protobuf-encoded in
	// memory, so that Fetch decodes instead of generating (see the package
	// documentation).
	Encoded bool
	// Workers generate the households while indexing; 0 means GOMAXPROCS.
	Workers int
}

// kkDigits is the length of a KK number.
const kkDigits = 16

// chunkSize is the size of one arena chunk of encoded summaries: large
// enough for few allocations, small enough not to double a huge slice.
const chunkSize = 64 << 20

// The four summaries, in the order they are encoded.
const (
	msgFamily = iota
	msgAssets
	msgEconomics
	msgServiceUsage
	messages
)

// loc is where a household's encoded summaries lie in the arena: the
// messages follow each other from off, present says which are not nil.
type loc struct {
	chunk   uint32
	off     uint32
	size    [messages]uint32
	present uint8
}

// Population is an indexed synthetic population. It is safe for concurrent
// use once New returns.
type Population struct {
	gen      *population.Generator
	kk       []uint64 // by household index
	measured []bool   // by household index: consumption measured by an enumerator
	encoded  bool
	chunks   [][]byte
	locs     []loc // by household index, when encoded
	bytes    int64
}

// New generates households 0..cfg.Households-1 once to index them.
func New(cfg Config) (*Population, error) {
	if cfg.Households < 1 {
		return nil, errors.New("benchsource: at least one household")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	gen, err := population.New(population.Config{Families: cfg.Households, Seed: cfg.Seed, ErrorRate: -1,
		Workers: cfg.Workers})
	if err != nil {
		return nil, err
	}
	p := &Population{gen: gen, kk: make([]uint64, 0, cfg.Households), measured: make([]bool, 0, cfg.Households),
		encoded: cfg.Encoded}
	if cfg.Encoded {
		p.locs = make([]loc, 0, cfg.Households)
	}
	ref := gen.Config().ReferenceDate
	type built struct {
		kk       uint64
		measured bool
		msgs     [messages][]byte
		present  uint8
		err      error
	}
	build := func(i int) built {
		h := gen.Household(i)
		in := popinput.Assemble(h, ref)
		var b built
		b.kk, b.err = packKK(h.Family.GetKkNumber())
		_, b.measured = features.Label(in.Economics)
		if !cfg.Encoded || b.err != nil {
			return b
		}
		for k, m := range [messages]proto.Message{in.Family, in.Assets, in.Economics, in.ServiceUsage} {
			if !m.ProtoReflect().IsValid() { // a nil summary: the context knows nothing
				continue
			}
			b.present |= 1 << k
			if b.msgs[k], b.err = proto.Marshal(m); b.err != nil {
				return b
			}
		}
		return b
	}
	index := 0
	err = population.Parallel(cfg.Households, cfg.Workers, build, func(b built) error {
		if b.err != nil {
			return fmt.Errorf("benchsource: household %d: %w", index, b.err)
		}
		p.kk = append(p.kk, b.kk)
		p.measured = append(p.measured, b.measured)
		if cfg.Encoded {
			p.locs = append(p.locs, p.store(b.msgs, b.present))
		}
		index++
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// store appends one household's messages to the arena.
func (p *Population) store(msgs [messages][]byte, present uint8) loc {
	total := 0
	for _, m := range msgs {
		total += len(m)
	}
	last := len(p.chunks) - 1
	if last < 0 || len(p.chunks[last])+total > cap(p.chunks[last]) {
		p.chunks = append(p.chunks, make([]byte, 0, max(chunkSize, total)))
		last++
	}
	l := loc{chunk: uint32(last), off: uint32(len(p.chunks[last])), present: present}
	for k, m := range msgs {
		p.chunks[last] = append(p.chunks[last], m...)
		l.size[k] = uint32(len(m))
	}
	p.bytes += int64(total)
	return l
}

// Households is how many households the population indexes.
func (p *Population) Households() int { return len(p.kk) }

// EncodedBytes is the size of the encoded summaries held, 0 in the lazy
// mode.
func (p *Population) EncodedBytes() int64 { return p.bytes }

// ReferenceDate is the population's "today"; features should be built as
// of this date.
func (p *Population) ReferenceDate() time.Time { return p.gen.Config().ReferenceDate }

// Source returns the first n households as the registered families.
func (p *Population) Source(n int) (*Source, error) {
	if n < 1 || n > len(p.kk) {
		return nil, fmt.Errorf("benchsource: %d families asked of a population of %d", n, len(p.kk))
	}
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		switch ka, kb := p.kk[a], p.kk[b]; {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		return 0
	})
	s := &Source{p: p, kks: make([]uint64, n), index: order}
	for k, i := range order {
		s.kks[k] = p.kk[i]
		if k > 0 && s.kks[k] == s.kks[k-1] {
			return nil, fmt.Errorf("benchsource: households %d and %d share KK %s", order[k-1], i, unpackKK(s.kks[k]))
		}
	}
	return s, nil
}

// Source is a view of a Population's first households as the registered
// families, in KK order. It is safe for concurrent use.
type Source struct {
	p     *Population
	kks   []uint64 // sorted
	index []int32  // household index of kks[k]
}

var (
	_ domain.FamilySource = (*Source)(nil)
	_ domain.FamilyLister = (*Source)(nil)
	_ domain.LabelSource  = (*Source)(nil)
)

// Len is the number of registered families.
func (s *Source) Len() int { return len(s.kks) }

// Measured is the number of families with measured consumption, the ones
// MeasuredFamilies walks.
func (s *Source) Measured() int {
	n := 0
	for _, i := range s.index {
		if s.p.measured[i] {
			n++
		}
	}
	return n
}

// Fetch implements domain.FamilySource: the family's four summaries as
// popinput.Assemble makes them, as of ref. An unknown KK is
// adapters.ErrFamilyNotFound, as the registry would answer.
func (s *Source) Fetch(ctx context.Context, kk string, ref time.Time) (features.Input, error) {
	if err := ctx.Err(); err != nil {
		return features.Input{}, err
	}
	n, err := packKK(kk)
	if err != nil {
		return features.Input{}, fmt.Errorf("%w: %s", adapters.ErrFamilyNotFound, kk)
	}
	k, ok := slices.BinarySearch(s.kks, n)
	if !ok {
		return features.Input{}, fmt.Errorf("%w: %s", adapters.ErrFamilyNotFound, kk)
	}
	i := int(s.index[k])
	if !s.p.encoded {
		return popinput.Assemble(s.p.gen.Household(i), ref), nil
	}
	return s.p.decode(i, ref)
}

// decode rebuilds household i's Input from its encoded summaries.
func (p *Population) decode(i int, ref time.Time) (features.Input, error) {
	l := p.locs[i]
	buf := p.chunks[l.chunk][l.off:]
	in := features.Input{ReferenceDate: ref}
	var dst [messages]proto.Message
	if l.present&(1<<msgFamily) != 0 {
		in.Family = &registryv1.Family{}
		dst[msgFamily] = in.Family
	}
	if l.present&(1<<msgAssets) != 0 {
		in.Assets = &assetv1.FamilyAssets{}
		dst[msgAssets] = in.Assets
	}
	if l.present&(1<<msgEconomics) != 0 {
		in.Economics = &incomev1.FamilyEconomics{}
		dst[msgEconomics] = in.Economics
	}
	if l.present&(1<<msgServiceUsage) != 0 {
		in.ServiceUsage = &serviceusagev1.FamilyServiceUsage{}
		dst[msgServiceUsage] = in.ServiceUsage
	}
	for k, m := range dst {
		size := l.size[k]
		if m != nil {
			if err := proto.Unmarshal(buf[:size:size], m); err != nil {
				return features.Input{}, fmt.Errorf("benchsource: household %d: %w", i, err)
			}
		}
		buf = buf[size:]
	}
	return in, nil
}

// Each implements domain.FamilyLister, in KK order. regionPrefix may name a
// province, regency or district ("32", "32.04", "32.04.12"), which the
// KK's first six digits give; a village needs the household and is refused.
func (s *Source) Each(ctx context.Context, regionPrefix string, fn func(kk string) error) error {
	prefix := strings.ReplaceAll(regionPrefix, ".", "")
	if len(prefix) > 6 {
		return fmt.Errorf("benchsource: region %q: only provinces, regencies and districts can be listed", regionPrefix)
	}
	for k, n := range s.kks {
		if k%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		kk := unpackKK(n)
		if !strings.HasPrefix(kk, prefix) {
			continue
		}
		if err := fn(kk); err != nil {
			return err
		}
	}
	return nil
}

// MeasuredFamilies implements domain.LabelSource: the families whose
// consumption an enumerator measured (≈ 1%, as Susenas), in KK order.
func (s *Source) MeasuredFamilies(ctx context.Context, fn func(kk string) error) error {
	for k, i := range s.index {
		if !s.p.measured[i] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(unpackKK(s.kks[k])); err != nil {
			return err
		}
	}
	return nil
}

func packKK(kk string) (uint64, error) {
	if len(kk) != kkDigits {
		return 0, fmt.Errorf("benchsource: %q is not a %d-digit KK number", kk, kkDigits)
	}
	n, err := strconv.ParseUint(kk, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("benchsource: %q is not a %d-digit KK number", kk, kkDigits)
	}
	return n, nil
}

func unpackKK(n uint64) string {
	var b [kkDigits]byte
	for i := kkDigits - 1; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[:])
}
