package model

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
)

// TrainGBT grows a gradient-boosted ensemble of regression trees on train,
// with squared-error loss. When valid is not nil, the model keeps the trees
// up to the round with the lowest validation RMSE, and training stops once
// that RMSE has not improved for params.EarlyStoppingRounds rounds (if not
// 0). Without a validation set every round is kept.
//
// Split finding works on histograms: every feature is cut once, on the
// training set, into at most params.MaxBins quantile bins plus one bin for
// missing values, so finding a node's best split costs O(bins) per feature
// instead of a sort of its rows. A split's missing values go to whichever
// side lowers the loss more; a split that saw no missing values sends them to
// its larger side. Trees grow level by level; of two children, only the
// smaller one's histogram is summed from its rows and the larger one's is
// the parent's minus the smaller's.
//
// The result depends only on the data, params (Workers aside) and the CPU
// architecture (the Go compiler may fuse multiply-adds on some, such as
// arm64, which can move a near-tie): each feature's histogram is summed by a
// single goroutine in row order, ties between splits go to the lower
// feature index, and subsampling draws from a PCG generator seeded with
// params.Seed. A trained model, once stored, predicts the same everywhere.
func TrainGBT(train, valid *Dataset, params GBTParams) (*GBT, error) {
	return TrainGBTContext(context.Background(), train, valid, params)
}

// TrainGBTContext is TrainGBT that gives up, between two rounds, once ctx is
// done: a training run is a long-running operation its caller may cancel
// (DESIGN.md §5).
func TrainGBTContext(ctx context.Context, train, valid *Dataset, params GBTParams) (*GBT, error) {
	if err := params.validate(); err != nil {
		return nil, err
	}
	if train == nil {
		return nil, fmt.Errorf("%w: no training set", ErrNoRows)
	}
	if err := train.Validate(); err != nil {
		return nil, err
	}
	if valid != nil {
		if err := valid.Validate(); err != nil {
			return nil, fmt.Errorf("validation set: %w", err)
		}
		if err := checkNames(train.Names, valid.Names); err != nil {
			return nil, fmt.Errorf("validation set: %w", err)
		}
	}
	workers := params.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("model: training cancelled: %w", err)
	}
	t := newTrainer(train, params, workers)
	g, err := t.run(ctx, valid)
	if err != nil {
		return nil, fmt.Errorf("model: training cancelled after %d rounds: %w", len(g.roots), err)
	}
	return g, nil
}

// binSampleRows caps the rows read to place the bin edges; quantiles of
// 200,000 values are as good as those of millions for 255 bins.
const binSampleRows = 200_000

// gbtStream separates the trainer's PRNG stream from Split's.
const gbtStream = 0x6a09e667f3bcc909

type histBin struct {
	g, h float64
	n    int64
}

// tnode is a node of the tree being grown.
type tnode struct {
	feat     int
	bin      uint8 // rows with a bin ≤ this go left
	missLeft bool
	thr      float64
	left     int // 0: leaf
	value    float64
	cover    float64

	start, end int // rows idx[start:end]
	g, h       float64
	n          int
	hist       []histBin
}

type split struct {
	gain     float64
	feat     int
	bin      uint8
	missLeft bool
	g, h     float64 // left child's totals
	n        int
}

type trainer struct {
	p       GBTParams
	workers int
	d       *Dataset
	n, nf   int

	bins  []uint8 // column-major: bins[j*n+i] is row i's bin of feature j
	edges [][]float64
	nbins []int // non-missing bins of feature j; nbins[j] is its missing bin
	hoff  []int // feature j's histogram is hist[hoff[j] : hoff[j]+nbins[j]+1]
	hlen  int

	unit       bool // every weight is 1, so a hessian sum is a count
	grad, hess []float64
	pred       []float64

	idx, oob, tmp []int32
	ordG, ordH    []float64
	feats         []int
	perm          []int
	rng           *rand.Rand
	tree          []tnode
	free          [][]histBin
	results       []split
	minGain       float64 // least twice-gain for a split in the current tree
}

func newTrainer(d *Dataset, p GBTParams, workers int) *trainer {
	n, nf := d.Rows(), d.Cols()
	t := &trainer{
		p: p, workers: workers, d: d, n: n, nf: nf,
		unit: d.W == nil,
		grad: make([]float64, n),
		pred: make([]float64, n),
		idx:  make([]int32, 0, n),
		oob:  make([]int32, 0, n),
		tmp:  make([]int32, 0, n),
		ordG: make([]float64, n),
		rng:  rand.New(rand.NewPCG(p.Seed, gbtStream)),
	}
	if !t.unit {
		t.hess = d.W
		t.ordH = make([]float64, n)
	}
	t.buildBins()
	t.perm = make([]int, nf)
	t.results = make([]split, nf)
	return t
}

// buildBins places each feature's bin edges at quantiles of its observed
// values and bins every row.
func (t *trainer) buildBins() {
	n, p := t.n, t.nf
	x := t.d.X
	t.bins = make([]uint8, n*p)
	t.edges = make([][]float64, p)
	t.nbins = make([]int, p)
	stride := (n + binSampleRows - 1) / binSampleRows
	parallelFor(t.workers, p, func(j int) {
		vals := make([]float64, 0, n/stride+1)
		for i := 0; i < n; i += stride {
			if v := x[i*p+j]; v == v {
				vals = append(vals, v)
			}
		}
		slices.Sort(vals)
		e := binEdges(vals, t.p.MaxBins)
		t.edges[j] = e
		t.nbins[j] = len(e) + 1
		col := t.bins[j*n : (j+1)*n]
		miss := uint8(len(e) + 1)
		for i := range col {
			if v := x[i*p+j]; v == v {
				col[i] = uint8(sort.SearchFloat64s(e, v))
			} else {
				col[i] = miss
			}
		}
	})
	t.hoff = make([]int, p)
	for j := range p {
		t.hoff[j] = t.hlen
		t.hlen += t.nbins[j] + 1
	}
}

// binEdges returns increasing edges for sorted values: bin b holds the
// values v with edges[b-1] < v ≤ edges[b]. Edges sit halfway between two
// observed values, so an unseen value in a gap goes to the nearer side.
// With more distinct values than bins, each cut is placed once the current
// bin holds its share of the values not yet binned; recomputing the share
// after each cut keeps the bins even when one value (no land: 0 m²) holds
// most of the rows.
func binEdges(vals []float64, maxBins int) []float64 {
	var distinct []float64
	var counts []int
	for i, v := range vals {
		if i == 0 || v != vals[i-1] {
			distinct = append(distinct, v)
			counts = append(counts, 0)
		}
		counts[len(counts)-1]++
	}
	var edges []float64
	cut := func(i int) {
		a, b := distinct[i], distinct[i+1]
		m := a + (b-a)/2
		if m >= b { // a and b adjacent floats
			m = a
		}
		edges = append(edges, m)
	}
	if len(distinct) <= maxBins {
		for i := 0; i+1 < len(distinct); i++ {
			cut(i)
		}
		return edges
	}
	rest, binsLeft, acc := len(vals), maxBins, 0
	for i := 0; i+1 < len(distinct) && binsLeft > 1; i++ {
		acc += counts[i]
		if float64(acc) >= float64(rest)/float64(binsLeft) {
			cut(i)
			rest -= acc
			binsLeft--
			acc = 0
		}
	}
	return edges
}

func (t *trainer) run(ctx context.Context, valid *Dataset) (*GBT, error) {
	d, p := t.d, t.p
	var sw, sy float64
	for i := range t.n {
		w := d.Weight(i)
		sw += w
		sy += w * d.Y[i]
	}
	g := &GBT{
		names:     slices.Clone(d.Names),
		params:    p,
		baseScore: sy / sw,
		training:  GBTTraining{Rows: t.n, WeightSum: sw},
	}
	for i := range t.pred {
		t.pred[i] = g.baseScore
	}
	var validPred []float64
	if valid != nil {
		g.training.ValidRows = valid.Rows()
		validPred = make([]float64, valid.Rows())
		for i := range validPred {
			validPred[i] = g.baseScore
		}
	}
	best, bestRMSE := 0, math.Inf(1)
	for round := range p.Rounds {
		if err := ctx.Err(); err != nil {
			return g, err
		}
		for i, y := range d.Y {
			t.grad[i] = t.pred[i] - y
			if !t.unit {
				t.grad[i] *= t.hess[i]
			}
		}
		t.sample()
		t.grow()
		root := t.finishTree(g)
		g.training.TrainRMSE = append(g.training.TrainRMSE, RMSE(t.pred, d.Y, d.W))
		g.training.Rounds = round + 1
		if valid == nil {
			continue
		}
		pp := valid.Cols()
		for i := range validPred {
			validPred[i] += leafValue(g.nodes, root, valid.X[i*pp:(i+1)*pp])
		}
		v := RMSE(validPred, valid.Y, valid.W)
		g.training.ValidRMSE = append(g.training.ValidRMSE, v)
		if v < bestRMSE {
			best, bestRMSE = round+1, v
		} else if p.EarlyStoppingRounds > 0 && round+1-best >= p.EarlyStoppingRounds {
			g.training.EarlyStopped = round+1 < p.Rounds
			break
		}
	}
	keep := g.training.Rounds
	if valid != nil {
		keep = best
	}
	g.training.BestIteration = keep
	if keep < len(g.roots) {
		end := g.roots[keep]
		g.roots, g.nodes, g.cover = g.roots[:keep], g.nodes[:end], g.cover[:end]
	}
	g.roots, g.nodes, g.cover = slices.Clip(g.roots), slices.Clip(g.nodes), slices.Clip(g.cover)
	g.finish()
	return g, nil
}

// sample draws this round's rows (exactly round(RowSubsample·n) of them, in
// increasing order, by selection sampling) and features.
func (t *trainer) sample() {
	n := t.n
	t.idx, t.oob = t.idx[:0], t.oob[:0]
	m := max(1, int(math.Round(t.p.RowSubsample*float64(n))))
	if m >= n {
		for i := range n {
			t.idx = append(t.idx, int32(i))
		}
	} else {
		need := m
		for i := range n {
			if t.rng.IntN(n-i) < need {
				t.idx = append(t.idx, int32(i))
				need--
			} else {
				t.oob = append(t.oob, int32(i))
			}
		}
	}
	k := max(1, int(math.Round(t.p.ColSubsample*float64(t.nf))))
	for j := range t.perm {
		t.perm[j] = j
	}
	if k < t.nf {
		for i := range k {
			r := i + t.rng.IntN(t.nf-i)
			t.perm[i], t.perm[r] = t.perm[r], t.perm[i]
		}
	}
	t.feats = append(t.feats[:0], t.perm[:k]...)
	slices.Sort(t.feats)
}

func (t *trainer) splittable(nd *tnode, depth int) bool {
	return depth < t.p.MaxDepth && nd.n >= 2*t.p.MinSamplesLeaf && nd.h >= 2*t.p.MinHessianLeaf
}

// grow builds one tree on the sampled rows into t.tree, level by level.
func (t *trainer) grow() {
	root := tnode{start: 0, end: len(t.idx), n: len(t.idx)}
	for _, r := range t.idx {
		root.g += t.grad[r]
		if !t.unit {
			root.h += t.hess[r]
		}
	}
	if t.unit {
		root.h = float64(root.n)
	}
	// A split must lower the loss by more than 10⁻¹² of the loss the tree
	// starts from. Below that a "gain" is rounding noise in the histogram
	// sums (a node whose rows all have the same residual shows gains of
	// 1e-13 on every feature), and following it grows branches on features
	// that predict nothing, which the L2 penalty then turns into real
	// differences between leaves for later trees to chase.
	var loss float64
	for _, r := range t.idx {
		g := t.grad[r]
		if t.unit {
			loss += g * g
		} else {
			loss += g * g / t.hess[r]
		}
	}
	t.minGain = math.Max(2*t.p.MinSplitGain, 1e-12*loss)
	t.tree = append(t.tree[:0], root)
	if t.splittable(&t.tree[0], 0) {
		h := t.getHist()
		t.buildHist(0, h, nil)
		t.tree[0].hist = h
	}
	level, next := []int{0}, []int(nil)
	for depth := 0; depth < t.p.MaxDepth && len(level) > 0; depth++ {
		next = next[:0]
		for _, id := range level {
			if t.tree[id].hist == nil {
				continue
			}
			s, ok := t.bestSplit(&t.tree[id])
			if !ok {
				t.putHist(t.tree[id].hist)
				t.tree[id].hist = nil
				continue
			}
			next = t.split(id, s, depth+1, next)
		}
		level, next = next, level
	}
	lr, l2 := t.p.LearningRate, t.p.L2
	for i := range t.tree {
		nd := &t.tree[i]
		if nd.hist != nil {
			t.putHist(nd.hist)
			nd.hist = nil
		}
		if nd.left == 0 {
			nd.value = -nd.g / (nd.h + l2) * lr
		}
	}
}

// split applies s to node id, creates its two children and gives each child
// that may split again its histogram. It appends those children to next.
func (t *trainer) split(id int, s split, depth int, next []int) []int {
	nd := &t.tree[id]
	rows := t.idx[nd.start:nd.end]
	col := t.bins[s.feat*t.n : (s.feat+1)*t.n]
	miss := uint8(t.nbins[s.feat])
	nl, tmp := 0, t.tmp[:0]
	for _, r := range rows {
		if b := col[r]; b <= s.bin || (b == miss && s.missLeft) {
			rows[nl] = r
			nl++
		} else {
			tmp = append(tmp, r)
		}
	}
	copy(rows[nl:], tmp)

	nd.feat, nd.bin, nd.missLeft = s.feat, s.bin, s.missLeft
	if int(s.bin) < len(t.edges[s.feat]) {
		nd.thr = t.edges[s.feat][s.bin]
	} else {
		// Every observed value left, missing right. The largest finite
		// float rather than +Inf, so that thresholds stay finite and the
		// dense layout can stand +Inf in for a missing value that goes
		// right (see dense); a +Inf input goes right here too.
		nd.thr = math.MaxFloat64
	}
	mid := nd.start + nl
	l := tnode{start: nd.start, end: mid, g: s.g, h: s.h, n: nl}
	r := tnode{start: mid, end: nd.end, g: nd.g - s.g, h: nd.h - s.h, n: nd.n - nl}
	if t.unit {
		l.h, r.h = float64(l.n), float64(r.n)
	}
	parent := nd.hist
	nd.hist = nil
	lid := len(t.tree)
	nd.left = lid
	t.tree = append(t.tree, l, r)

	small, large := lid, lid+1
	if t.tree[small].n > t.tree[large].n {
		small, large = large, small
	}
	needS, needL := t.splittable(&t.tree[small], depth), t.splittable(&t.tree[large], depth)
	switch {
	case needS && needL:
		h := t.getHist()
		t.buildHist(small, h, parent)
		t.tree[small].hist, t.tree[large].hist = h, parent
		return append(next, lid, lid+1)
	case needL:
		h := t.getHist()
		t.buildHist(small, h, parent)
		t.putHist(h)
		t.tree[large].hist = parent
		return append(next, large)
	case needS:
		t.buildHist(small, parent, nil)
		t.tree[small].hist = parent
		return append(next, small)
	}
	t.putHist(parent)
	return next
}

// buildHist sums node id's rows into h, for the features of this tree.
// With parent set it also turns parent into the sibling's histogram
// (parent − h), in the same pass while h is hot in cache.
func (t *trainer) buildHist(id int, h, parent []histBin) {
	nd := &t.tree[id]
	rows := t.idx[nd.start:nd.end]
	og := t.ordG[:len(rows)]
	for k, r := range rows {
		og[k] = t.grad[r]
	}
	var oh []float64
	if !t.unit {
		oh = t.ordH[:len(rows)]
		for k, r := range rows {
			oh[k] = t.hess[r]
		}
	}
	workers := t.workers
	if len(rows)*len(t.feats) < 1<<14 {
		workers = 1 // not worth waking goroutines for
	}
	parallelFor(workers, len(t.feats), func(k int) {
		j := t.feats[k]
		lo, hi := t.hoff[j], t.hoff[j]+t.nbins[j]+1
		hj := h[lo:hi]
		clear(hj)
		col := t.bins[j*t.n : (j+1)*t.n]
		if oh == nil && len(hj) <= fewBins && len(rows) >= 8*len(hj) {
			sumFewBins(hj, col, rows, og)
		} else if oh == nil {
			for k, r := range rows {
				b := &hj[col[r]]
				b.g += og[k]
				b.n++
			}
		} else {
			for k, r := range rows {
				b := &hj[col[r]]
				b.g += og[k]
				b.h += oh[k]
				b.n++
			}
		}
		if parent != nil {
			pj := parent[lo:hi]
			for b := range pj {
				pj[b].g -= hj[b].g
				pj[b].h -= hj[b].h
				pj[b].n -= hj[b].n
			}
		}
	})
}

// fewBins is the histogram size up to which sumFewBins pays off.
const fewBins = 32

// sumFewBins is the unweighted histogram loop for a feature with few bins,
// such as the yes/no asset questions that make up most of a PMT form. With
// two bins, consecutive rows nearly always add to the same bin, and each
// addition waits for the previous one's store; alternating rows between two
// histograms halves that chain. The two are then added, in a fixed order,
// so the result is still the same on every run.
func sumFewBins(h []histBin, col []uint8, rows []int32, og []float64) {
	var alt [256]histBin
	a := alt[:len(h)]
	k := 0
	for ; k+1 < len(rows); k += 2 {
		b0 := &h[col[rows[k]]]
		b0.g += og[k]
		b0.n++
		b1 := &alt[col[rows[k+1]]]
		b1.g += og[k+1]
		b1.n++
	}
	if k < len(rows) {
		b := &h[col[rows[k]]]
		b.g += og[k]
		b.n++
	}
	for b := range a {
		h[b].g += a[b].g
		h[b].n += a[b].n
	}
}

// bestSplit scans the node's histogram of every feature of this tree.
func (t *trainer) bestSplit(nd *tnode) (split, bool) {
	workers := t.workers
	if len(t.feats) < 8 {
		workers = 1
	}
	res := t.results[:len(t.feats)]
	parallelFor(workers, len(t.feats), func(k int) {
		res[k] = t.scanFeature(t.feats[k], nd)
	})
	// In feature order, strictly better only: ties go to the lower index
	// whatever the goroutine that found them.
	best := split{gain: t.minGain}
	found := false
	for _, s := range res {
		if s.gain > best.gain {
			best, found = s, true
		}
	}
	return best, found
}

// scanFeature finds feature j's best threshold for the node, trying missing
// values on either side. Its gain is twice the loss reduction (the ½ of the
// usual formula is folded into the comparison with MinSplitGain).
func (t *trainer) scanFeature(j int, nd *tnode) split {
	hist := nd.hist[t.hoff[j] : t.hoff[j]+t.nbins[j]+1]
	nb := t.nbins[j]
	miss := hist[nb]
	l2 := t.p.L2
	minN, minH := int64(t.p.MinSamplesLeaf), t.p.MinHessianLeaf
	G, H, N := nd.g, nd.h, int64(nd.n)
	parentScore := G * G / (H + l2)
	best := split{gain: math.Inf(-1), feat: j}
	hess := func(b histBin) float64 {
		if t.unit {
			return float64(b.n)
		}
		return b.h
	}
	for pass := range 2 {
		missLeft := pass == 1
		if missLeft && miss.n == 0 {
			break
		}
		var gl, hl float64
		var nl int64
		last := nb - 1
		if missLeft {
			gl, hl, nl = miss.g, hess(miss), miss.n
		} else if miss.n > 0 {
			last = nb // also try: every observed value left, missing right
		}
		for b := range last {
			hb := hist[b]
			if hb.n == 0 {
				continue // same partition as the previous bin
			}
			gl += hb.g
			hl += hess(hb)
			nl += hb.n
			if nl < minN || hl < minH {
				continue
			}
			hr := H - hl
			if N-nl < minN || hr < minH {
				break
			}
			gr := G - gl
			gain := gl*gl/(hl+l2) + gr*gr/(hr+l2) - parentScore
			if gain > best.gain {
				best = split{gain: gain, feat: j, bin: uint8(b), missLeft: missLeft, g: gl, h: hl, n: int(nl)}
			}
		}
	}
	if miss.n == 0 && best.gain > math.Inf(-1) {
		// No missing value reached this node: send future ones where most
		// of the training weight went.
		best.missLeft = best.h >= H-best.h
	}
	return best
}

// finishTree computes the tree's covers over all training rows, adds its
// leaves to the training predictions, appends it to g and returns its root.
func (t *trainer) finishTree(g *GBT) int32 {
	w := t.d.W
	for i := range t.tree {
		nd := &t.tree[i]
		if nd.left != 0 {
			continue
		}
		for _, r := range t.idx[nd.start:nd.end] {
			t.pred[r] += nd.value
		}
		if w == nil {
			nd.cover = float64(nd.n)
		} else {
			for _, r := range t.idx[nd.start:nd.end] {
				nd.cover += w[r]
			}
		}
	}
	for _, r := range t.oob {
		i := 0
		for t.tree[i].left != 0 {
			nd := &t.tree[i]
			i = nd.left
			if b := t.bins[nd.feat*t.n+int(r)]; b > nd.bin && !(b == uint8(t.nbins[nd.feat]) && nd.missLeft) {
				i++
			}
		}
		t.pred[r] += t.tree[i].value
		if w == nil {
			t.tree[i].cover++
		} else {
			t.tree[i].cover += w[r]
		}
	}
	for i := len(t.tree) - 1; i >= 0; i-- {
		if l := t.tree[i].left; l != 0 {
			t.tree[i].cover = t.tree[l].cover + t.tree[l+1].cover
		}
	}

	base := int32(len(g.nodes))
	g.roots = append(g.roots, base)
	for i := range t.tree {
		tn := &t.tree[i]
		nd := node{thr: tn.value}
		if tn.left != 0 {
			nd = node{thr: tn.thr, feat: uint32(tn.feat), left: base + int32(tn.left)}
			if tn.missLeft {
				nd.feat |= defaultLeft
			}
		}
		g.nodes = append(g.nodes, nd)
		g.cover = append(g.cover, tn.cover)
	}
	return base
}

func (t *trainer) getHist() []histBin {
	if k := len(t.free); k > 0 {
		h := t.free[k-1]
		t.free = t.free[:k-1]
		return h
	}
	return make([]histBin, t.hlen)
}

func (t *trainer) putHist(h []histBin) { t.free = append(t.free, h) }

// parallelFor runs fn(0..n-1) on up to workers goroutines. Which goroutine
// runs which index varies; callers make each index's work independent of
// the others, so the result does not.
func parallelFor(workers, n int, fn func(i int)) {
	if workers <= 1 || n <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}
