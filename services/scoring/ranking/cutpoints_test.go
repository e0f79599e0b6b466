package ranking

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

type family struct {
	score float64
	kk    string
}

// kkOf builds a distinct, well-formed KK number: a province code and a
// serial.
func kkOf(province, serial int) string { return fmt.Sprintf("%02d%014d", province, serial) }

// reference ranks by sorting every position: the definition the package
// must reproduce without sorting.
func reference(t testing.TB, fams []family) (CutPoints, []int) {
	t.Helper()
	pos := make([]Position, len(fams))
	for i, f := range fams {
		p, err := PositionOf(f.score, f.kk)
		if err != nil {
			t.Fatal(err)
		}
		pos[i] = p
	}
	order := make([]int, len(fams))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return pos[a].Compare(pos[b]) })
	n := uint64(len(fams))
	desil := make([]int, len(fams))
	for r, i := range order {
		desil[i] = DesilOfRank(uint64(r), n)
	}
	cp := CutPoints{N: n}
	for k := range cp.Thresholds {
		cp.Thresholds[k] = pos[order[BoundaryRank(k+1, n)]]
	}
	return cp, desil
}

func scanner(fams []family) Scanner {
	return func(ctx context.Context, visit func(float64, string) error) error {
		for _, f := range fams {
			if err := visit(f.score, f.kk); err != nil {
				return err
			}
		}
		return nil
	}
}

// remote stands for a partition on another machine: everything it
// receives and returns crosses the binary encodings.
type remote struct{ local Partition }

func (r remote) Histogram(ctx context.Context, shift uint) (*Histogram, error) {
	h, err := r.local.Histogram(ctx, shift)
	if err != nil {
		return nil, err
	}
	data, err := h.MarshalBinary()
	if err != nil {
		return nil, err
	}
	out := new(Histogram)
	return out, out.UnmarshalBinary(data)
}

func (r remote) Collect(ctx context.Context, q *Query) (*Collector, error) {
	data, err := q.MarshalBinary()
	if err != nil {
		return nil, err
	}
	var got Query
	if err := got.UnmarshalBinary(data); err != nil {
		return nil, err
	}
	c, err := r.local.Collect(ctx, &got)
	if err != nil {
		return nil, err
	}
	if data, err = c.MarshalBinary(); err != nil {
		return nil, err
	}
	out := new(Collector)
	return out, out.UnmarshalBinary(data)
}

func singleNode(t testing.TB, fams []family, opts Options) *CutPoints {
	t.Helper()
	cp, err := Run(context.Background(), []Partition{scanner(fams)}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// check compares cut-points with the reference and every family's desil.
func check(t *testing.T, label string, cp *CutPoints, fams []family) {
	t.Helper()
	want, desil := reference(t, fams)
	if *cp != want {
		t.Fatalf("%s: cut-points\n got %v\nwant %v", label, cp, &want)
	}
	for i, f := range fams {
		got, err := cp.Assign(f.score, f.kk)
		if err != nil {
			t.Fatal(err)
		}
		if got != desil[i] {
			t.Fatalf("%s: family %d (score %v, kk %s): desil %d, reference %d", label, i, f.score, f.kk, got, desil[i])
		}
	}
}

func normalFamilies(rng *rand.Rand, n int) []family {
	fams := make([]family, n)
	for i := range fams {
		fams[i] = family{score: 13.8 + 0.55*rng.NormFloat64(), kk: kkOf(11+rng.IntN(84), i)}
	}
	return fams
}

func TestCutPointsSmallPopulations(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 5, 9, 10, 11, 19, 100, 1000} {
		fams := normalFamilies(rng, n)
		check(t, fmt.Sprintf("n=%d", n), singleNode(t, fams, Options{}), fams)
	}
}

func TestDesilSizesWhenNIsNotAMultipleOfTen(t *testing.T) {
	sizes := func(n uint64) []int {
		s := make([]int, 10)
		for r := range n {
			s[DesilOfRank(r, n)-1]++
		}
		return s
	}
	for n, want := range map[uint64][]int{
		10:  {1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
		11:  {2, 1, 1, 1, 1, 1, 1, 1, 1, 1},
		19:  {2, 2, 2, 2, 2, 2, 2, 2, 2, 1},
		3:   {1, 0, 0, 1, 0, 0, 1, 0, 0, 0},
		105: {11, 10, 11, 10, 11, 10, 11, 10, 11, 10},
	} {
		if got := sizes(n); !slices.Equal(got, want) {
			t.Errorf("n=%d: desil sizes %v, want %v", n, got, want)
		}
	}
	// "desil ≤ k" covers ⌈k·n/10⌉ families, and the rank formulas agree for
	// populations too large for 64-bit products.
	for _, n := range []uint64{1, 7, 10, 11, 19, 93_000_000, 1 << 62, math.MaxUint64} {
		for k := 1; k <= 9; k++ {
			b := BoundaryRank(k, n)
			if DesilOfRank(b, n) > k || (b+1 < n && DesilOfRank(b+1, n) <= k) {
				t.Fatalf("n=%d k=%d: boundary rank %d disagrees with DesilOfRank", n, k, b)
			}
		}
	}
}

func TestAllEqualScoresSplitByTieKey(t *testing.T) {
	fams := make([]family, 1000)
	for i := range fams {
		fams[i] = family{score: 14.25, kk: kkOf(32, i)}
	}
	// The default limit collects the one shared key's families; limit 1
	// forces radix rounds through all 64 bits of the tie key.
	for _, limit := range []int{0, 1, 50} {
		cp := singleNode(t, fams, Options{ExactLimit: limit})
		check(t, fmt.Sprintf("limit %d", limit), cp, fams)
		count := make([]int, 11)
		for _, f := range fams {
			d, _ := cp.Assign(f.score, f.kk)
			count[d]++
		}
		if !slices.Equal(count[1:], []int{100, 100, 100, 100, 100, 100, 100, 100, 100, 100}) {
			t.Fatalf("limit %d: desil sizes %v", limit, count[1:])
		}
	}
}

func TestManyTiesAtBoundaries(t *testing.T) {
	// 100 families on five scores, 20 each: every boundary between desil 2k
	// and 2k+1 falls between two scores and every other one inside a score.
	var fams []family
	for i := range 100 {
		fams = append(fams, family{score: 12 + float64(i%5), kk: kkOf(11+i%30, i)})
	}
	check(t, "five scores", singleNode(t, fams, Options{}), fams)
	// Scores that differ below the resolution tie.
	fams = fams[:0]
	for i := range 200 {
		fams = append(fams, family{score: 13 + float64(i%3)*1e-7, kk: kkOf(35, i)})
	}
	cp := singleNode(t, fams, Options{})
	check(t, "sub-resolution", cp, fams)
	for k, th := range cp.Thresholds {
		if th.Score != 13*Scale {
			t.Fatalf("threshold %d: key %d, want every score on one key", k+1, th.Score)
		}
	}
}

func TestAssignOutsideAndBetweenObservedScores(t *testing.T) {
	var fams []family
	for i := range 100 {
		fams = append(fams, family{score: 10 + float64(i)/10, kk: kkOf(51, i)})
	}
	cp := singleNode(t, fams, Options{})
	for _, c := range []struct {
		score float64
		kk    string
		want  int
	}{
		{-5, kkOf(11, 1), 1},   // below every observed score
		{9.99, kkOf(11, 1), 1}, // just below the poorest
		{1e9, kkOf(94, 9), 10}, // above the richest
		{10.95, kkOf(11, 2), 2},
		{10.9500001, kkOf(11, 2), 2}, // rounds onto the same key
		{10.9500006, kkOf(11, 2), 2},
		{10.9999994, kkOf(11, 2), 2},
		{11.0000006, kkOf(11, 2), 2},
		{11.8999994, kkOf(11, 2), 2},
		{11.9000006, kkOf(11, 2), 3},
		{14.45, kkOf(11, 2), 5},
		{14.95, kkOf(11, 2), 6},
	} {
		got, err := cp.Assign(c.score, c.kk)
		if err != nil || got != c.want {
			t.Errorf("Assign(%v, %s) = %d, %v; want %d", c.score, c.kk, got, err, c.want)
		}
	}
	// A family re-scored onto a threshold's own key is placed by its tie key
	// against the threshold's.
	th := cp.Thresholds[3]
	below, above := Position{Score: th.Score, Tie: th.Tie - 1}, Position{Score: th.Score, Tie: th.Tie + 1}
	if cp.AssignPosition(th) != 4 || cp.AssignPosition(below) != 4 || cp.AssignPosition(above) != 5 {
		t.Errorf("placement at threshold 4: %d %d %d", cp.AssignPosition(below), cp.AssignPosition(th), cp.AssignPosition(above))
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 2e12} {
		if _, err := cp.Assign(bad, kkOf(11, 1)); !errors.Is(err, ErrInvalidScore) {
			t.Errorf("Assign(%v): %v, want ErrInvalidScore", bad, err)
		}
	}
	if _, err := cp.Assign(12, "32040112345678"); !errors.Is(err, ErrInvalidKK) {
		t.Errorf("Assign with a 14-digit KK: %v", err)
	}
}

// population draws one of several shapes of score distribution, each hard
// in its own way.
func population(rng *rand.Rand, n int) []family {
	fams := make([]family, n)
	shape := rng.IntN(5)
	for i := range fams {
		var s float64
		switch shape {
		case 0: // continuous: boundary keys hold one family or a few
			s = 13.8 + 0.55*rng.NormFloat64()
		case 1: // a tree model's few distinct outputs: huge ties
			s = 12 + float64(rng.IntN(7))/4
		case 2: // everyone ties
			s = 14
		case 3: // ties below the resolution, and negative scores
			s = -1 + float64(rng.IntN(40))*3e-7
		default: // a mixture of continuous and one crowded value
			if rng.IntN(3) == 0 {
				s = 13.5
			} else {
				s = 13.8 + 0.55*rng.NormFloat64()
			}
		}
		fams[i] = family{score: s, kk: kkOf(11+rng.IntN(84), rng.IntN(1e10)*10000+i)}
	}
	return fams
}

// split deals the families into a random number of partitions, some
// empty, one of them often taking nearly everyone.
func split(rng *rand.Rand, fams []family) [][]family {
	parts := make([][]family, 1+rng.IntN(40))
	giant := -1
	if rng.IntN(2) == 0 {
		giant = rng.IntN(len(parts))
	}
	for _, f := range fams {
		p := rng.IntN(len(parts))
		if giant >= 0 && rng.IntN(10) != 0 {
			p = giant
		}
		parts[p] = append(parts[p], f)
	}
	return parts
}

func TestPartitionedRunEqualsSingleNode(t *testing.T) {
	seeds := 150
	if testing.Short() {
		seeds = 30
	}
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(uint64(seed), 99))
		fams := population(rng, 1+rng.IntN(3000))
		opts := Options{
			CoarseShift: []uint{0, 0, 4, 20, MaxCoarseShift}[rng.IntN(5)],
			ExactLimit:  []int{0, 0, 1, 7, 100}[rng.IntN(5)],
		}
		single := singleNode(t, fams, Options{})
		var parts []Partition
		for _, p := range split(rng, fams) {
			parts = append(parts, remote{scanner(p)})
		}
		cp, err := Run(context.Background(), parts, opts)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if *cp != *single {
			t.Fatalf("seed %d (%+v, %d partitions): partitioned\n%v\nsingle node\n%v", seed, opts, len(parts), cp, single)
		}
		check(t, fmt.Sprintf("seed %d", seed), cp, fams)
	}
}

func TestHistogramMergeOrderDoesNotMatter(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	fams := population(rng, 20000)
	parts := split(rng, fams)
	encode := func(order []int) []byte {
		h := NewHistogram()
		for _, i := range order {
			p, err := scanner(parts[i]).Histogram(context.Background(), 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := h.Merge(p); err != nil {
				t.Fatal(err)
			}
		}
		data, _ := h.MarshalBinary()
		return data
	}
	order := make([]int, len(parts))
	for i := range order {
		order[i] = i
	}
	want := encode(order)
	for range 5 {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		if got := encode(order); !slices.Equal(got, want) {
			t.Fatal("merge order changed the histogram")
		}
	}
	// ((a+b)+c) = (a+(b+c)), with a histogram merged into itself as a + a.
	a, b, c := NewHistogram(), NewHistogram(), NewHistogram()
	for i, f := range fams[:3000] {
		_ = []*Histogram{a, b, c}[i%3].Add(f.score)
	}
	left, right := NewHistogram(), NewHistogram()
	for _, m := range []error{left.Merge(a), left.Merge(b), left.Merge(c), b.Merge(c), right.Merge(a), right.Merge(b)} {
		if m != nil {
			t.Fatal(m)
		}
	}
	l, _ := left.MarshalBinary()
	r, _ := right.MarshalBinary()
	if !slices.Equal(l, r) {
		t.Fatal("merge is not associative")
	}
	twice := NewHistogram()
	_ = twice.Merge(a)
	_ = twice.Merge(a)
	_ = a.Merge(a)
	x, _ := a.MarshalBinary()
	y, _ := twice.MarshalBinary()
	if !slices.Equal(x, y) {
		t.Fatal("a histogram merged into itself is not doubled")
	}
}

func TestHistogramFlushesAndCounts(t *testing.T) {
	// Enough keys to go through several buffer flushes and the radix sort,
	// negative and positive, checked against a map.
	rng := rand.New(rand.NewPCG(3, 4))
	h := NewHistogram()
	want := map[Key]uint64{}
	for range 3*minFlush + 123 {
		k := Key(rng.IntN(200_000) - 100_000)
		if rng.IntN(4) == 0 {
			k = Key(rng.Int64N(int64(maxKey))) * Key(1-2*rng.IntN(2))
		}
		h.AddKey(k)
		want[k]++
	}
	if h.Count() != 3*minFlush+123 || h.Distinct() != len(want) {
		t.Fatalf("count %d, distinct %d; want %d, %d", h.Count(), h.Distinct(), 3*minFlush+123, len(want))
	}
	prev := Key(math.MinInt64)
	for k, n := range h.All() {
		if k <= prev || want[k] != n {
			t.Fatalf("key %d: count %d, want %d (previous key %d)", k, n, want[k], prev)
		}
		prev = k
	}
}

func TestCoarseHistogramCountsBuckets(t *testing.T) {
	h, err := NewCoarseHistogram(10)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []Key{0, 1023, 1024, -1, -1024, -1025} {
		h.AddKey(k)
	}
	var got []Key
	for k, n := range h.All() {
		for range n {
			got = append(got, k)
		}
	}
	if !slices.Equal(got, []Key{-2, -1, -1, 0, 0, 1}) {
		t.Fatalf("buckets %v", got)
	}
	if _, err := NewCoarseHistogram(MaxCoarseShift + 1); err == nil {
		t.Fatal("shift above the maximum accepted")
	}
	if err := NewHistogram().Merge(h); err == nil {
		t.Fatal("histograms of different shifts merged")
	}
}

func TestChangedScoresBetweenPassesAreDetected(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	fams := normalFamilies(rng, 5000)
	pass := 0
	changing := Scanner(func(ctx context.Context, visit func(float64, string) error) error {
		pass++
		for i, f := range fams {
			s := f.score
			if pass > 1 && i%2 == 0 {
				s += 0.5
			}
			if err := visit(s, f.kk); err != nil {
				return err
			}
		}
		return nil
	})
	if _, err := Run(context.Background(), []Partition{changing}, Options{}); !errors.Is(err, ErrInconsistent) {
		t.Fatalf("scores changed between passes: %v, want ErrInconsistent", err)
	}
	// A partition counted twice in the second pass only.
	double := Scanner(func(ctx context.Context, visit func(float64, string) error) error {
		pass++
		for range 1 + min(pass%2, 1) {
			for _, f := range fams[:100] {
				if err := visit(f.score, f.kk); err != nil {
					return err
				}
			}
		}
		return nil
	})
	pass = 1
	if _, err := Run(context.Background(), []Partition{double}, Options{}); !errors.Is(err, ErrInconsistent) {
		t.Fatalf("population doubled between passes: %v, want ErrInconsistent", err)
	}
}

func TestRunErrors(t *testing.T) {
	if _, err := Run(context.Background(), nil, Options{}); !errors.Is(err, ErrEmpty) {
		t.Errorf("no partitions: %v", err)
	}
	if _, err := Run(context.Background(), []Partition{scanner(nil), scanner(nil)}, Options{}); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty partitions: %v", err)
	}
	bad := []family{{score: 13, kk: kkOf(11, 1)}, {score: math.NaN(), kk: kkOf(11, 2)}}
	if _, err := Run(context.Background(), []Partition{scanner(bad)}, Options{}); !errors.Is(err, ErrInvalidScore) {
		t.Errorf("NaN score: %v", err)
	}
	// A malformed KK matters only where the tie key is read: at a boundary.
	badKK := []family{{score: 13, kk: "1234"}}
	if _, err := Run(context.Background(), []Partition{scanner(badKK)}, Options{}); !errors.Is(err, ErrInvalidKK) {
		t.Errorf("bad KK at a boundary: %v", err)
	}
}

func TestQuantiseAndTieKey(t *testing.T) {
	for _, c := range []struct {
		score float64
		want  Key
	}{
		{14.0, 14_000_000}, {14.0000004, 14_000_000}, {14.0000006, 14_000_001},
		{-0.0000006, -1}, {0, 0}, {-1.25, -1_250_000},
	} {
		if got, err := Quantise(c.score); err != nil || got != c.want {
			t.Errorf("Quantise(%v) = %d, %v; want %d", c.score, got, err, c.want)
		}
	}
	// Distinct KK numbers never share a tie key, and the order of tie keys
	// is not the order of region codes.
	seen := map[TieKey]string{}
	aceh := 0
	for i := range 20000 {
		west, east := kkOf(11, i), kkOf(94, i)
		a, err1 := TieKeyOf(west)
		b, err2 := TieKeyOf(east)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		for _, p := range []struct {
			k  TieKey
			kk string
		}{{a, west}, {b, east}} {
			if other, dup := seen[p.k]; dup {
				t.Fatalf("%s and %s share a tie key", other, p.kk)
			}
			seen[p.k] = p.kk
		}
		if a < b {
			aceh++
		}
	}
	if aceh < 9500 || aceh > 10500 {
		t.Errorf("Aceh's KK numbers win %d of 20000 ties against Papua's; want about half", aceh)
	}
	for _, bad := range []string{"", "123456789012345", "12345678901234567", "320401123456789x"} {
		if _, err := TieKeyOf(bad); !errors.Is(err, ErrInvalidKK) {
			t.Errorf("TieKeyOf(%q): %v", bad, err)
		}
	}
}

type countingPartition struct {
	Partition
	collects *int
}

func (c countingPartition) Collect(ctx context.Context, q *Query) (*Collector, error) {
	*c.collects++
	return c.Partition.Collect(ctx, q)
}

// The passes the package doc promises: one small collecting pass after the
// histogram for a real population, one radix pass more for a tie shared by
// more than the exact limit, and one more for a coarse histogram. (A limit
// of 1,000 in 100,000 families stands for the default 65,536 in 93
// million.)
func TestPassesPerRun(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	continuous := normalFamilies(rng, 100_000)
	tied := make([]family, 100_000)
	for i := range tied {
		tied[i] = family{score: 14, kk: kkOf(11+i%84, i)}
	}
	for _, c := range []struct {
		name string
		fams []family
		opts Options
		want int
	}{
		{"continuous", continuous, Options{}, 1},
		{"all tied", tied, Options{}, 2},
		{"all tied, limit 1000", tied, Options{ExactLimit: 1000}, 2},
		{"coarse 2^16", continuous, Options{CoarseShift: 16, ExactLimit: 1000}, 2},
		{"coarse 2^40", continuous, Options{CoarseShift: 40, ExactLimit: 1000}, 3},
	} {
		collects := 0
		cp, err := Run(context.Background(), []Partition{countingPartition{scanner(c.fams), &collects}}, c.opts)
		if err != nil {
			t.Fatal(err)
		}
		if collects != c.want {
			t.Errorf("%s: %d passes after the histogram, want %d", c.name, collects, c.want)
		}
		check(t, c.name, cp, c.fams)
	}
}
