package model

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
	"sync"
)

// GBTParams are the tree ensemble's hyper-parameters. Start from
// DefaultGBTParams; a zero GBTParams is not valid.
type GBTParams struct {
	// Rounds is the maximum number of trees.
	Rounds int `json:"rounds"`
	// LearningRate (shrinkage) scales every tree's leaves.
	LearningRate float64 `json:"learning_rate"`
	// MaxDepth bounds every tree; a tree of depth d has at most 2^d leaves.
	MaxDepth int `json:"max_depth"`
	// MinSamplesLeaf is the fewest (sampled) training rows in a leaf.
	MinSamplesLeaf int `json:"min_samples_leaf"`
	// MinHessianLeaf is the least total weight in a leaf (the hessian of
	// squared error is the row weight).
	MinHessianLeaf float64 `json:"min_hessian_leaf"`
	// L2 regularises leaf values: a leaf is −G/(H + L2).
	L2 float64 `json:"l2"`
	// MinSplitGain is the least loss reduction a split must bring.
	MinSplitGain float64 `json:"min_split_gain"`
	// MaxBins is the number of quantile bins per feature for split finding,
	// at most 255 (a missing value has a bin of its own besides).
	MaxBins int `json:"max_bins"`
	// RowSubsample is the fraction of rows each tree is grown on.
	RowSubsample float64 `json:"row_subsample"`
	// ColSubsample is the fraction of features each tree may split on.
	ColSubsample float64 `json:"col_subsample"`
	// EarlyStoppingRounds stops training when the validation RMSE has not
	// improved for this many rounds; 0 turns early stopping off.
	EarlyStoppingRounds int `json:"early_stopping_rounds"`
	// Seed drives row and column subsampling; the same seed and data give
	// the same model, byte for byte.
	Seed uint64 `json:"seed"`
	// Workers is the number of goroutines building histograms; 0 means
	// GOMAXPROCS. It does not change the model: each feature's histogram is
	// summed by one goroutine in row order, whatever the scheduling.
	Workers int `json:"-"`
}

// DefaultGBTParams returns hyper-parameters suited to PMT-like data of tens
// of thousands to a few hundred thousand survey households.
func DefaultGBTParams() GBTParams {
	return GBTParams{
		Rounds:              1000,
		LearningRate:        0.05,
		MaxDepth:            6,
		MinSamplesLeaf:      20,
		MinHessianLeaf:      1e-3,
		L2:                  1,
		MinSplitGain:        0,
		MaxBins:             255,
		RowSubsample:        0.8,
		ColSubsample:        0.8,
		EarlyStoppingRounds: 30,
		Seed:                1,
	}
}

// maxTreeDepth bounds MaxDepth so that a tree's node indices fit and the
// TreeSHAP path buffer, O(depth²), stays small.
const maxTreeDepth = 20

func (p GBTParams) validate() error {
	bad := func(name string, v any, want string) error {
		return fmt.Errorf("%w: %s = %v, want %s", ErrParams, name, v, want)
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case p.Rounds < 1:
		return bad("Rounds", p.Rounds, "≥ 1")
	case !(p.LearningRate > 0 && p.LearningRate <= 1):
		return bad("LearningRate", p.LearningRate, "in (0, 1]")
	case p.MaxDepth < 1 || p.MaxDepth > maxTreeDepth:
		return bad("MaxDepth", p.MaxDepth, fmt.Sprintf("in [1, %d]", maxTreeDepth))
	case p.MinSamplesLeaf < 1:
		return bad("MinSamplesLeaf", p.MinSamplesLeaf, "≥ 1")
	case !(p.MinHessianLeaf >= 0) || !finite(p.MinHessianLeaf):
		return bad("MinHessianLeaf", p.MinHessianLeaf, "finite, ≥ 0")
	case !(p.L2 >= 0) || !finite(p.L2):
		return bad("L2", p.L2, "finite, ≥ 0")
	case !(p.MinSplitGain >= 0) || !finite(p.MinSplitGain):
		return bad("MinSplitGain", p.MinSplitGain, "finite, ≥ 0")
	case p.MaxBins < 2 || p.MaxBins > 255:
		return bad("MaxBins", p.MaxBins, "in [2, 255]")
	case !(p.RowSubsample > 0 && p.RowSubsample <= 1):
		return bad("RowSubsample", p.RowSubsample, "in (0, 1]")
	case !(p.ColSubsample > 0 && p.ColSubsample <= 1):
		return bad("ColSubsample", p.ColSubsample, "in (0, 1]")
	case p.EarlyStoppingRounds < 0:
		return bad("EarlyStoppingRounds", p.EarlyStoppingRounds, "≥ 0")
	case p.Workers < 0:
		return bad("Workers", p.Workers, "≥ 0")
	}
	return nil
}

// GBTTraining records how a GBT model was trained.
type GBTTraining struct {
	Rows      int     `json:"rows"`
	ValidRows int     `json:"valid_rows"`
	WeightSum float64 `json:"weight_sum"`
	// Rounds is the number of trees grown before training stopped.
	Rounds int `json:"rounds"`
	// BestIteration is the number of trees kept: the round with the lowest
	// validation RMSE, or every round without a validation set.
	BestIteration int `json:"best_iteration"`
	// EarlyStopped tells whether training stopped before Params.Rounds.
	EarlyStopped bool `json:"early_stopped"`
	// TrainRMSE and ValidRMSE hold the RMSE after each round (ValidRMSE is
	// empty without a validation set).
	TrainRMSE []float64 `json:"train_rmse"`
	ValidRMSE []float64 `json:"valid_rmse,omitempty"`
}

// GBT is a trained ensemble of regression trees. The trees are stored
// flattened into one array of 16-byte nodes, the children of a node next to
// each other: no pointers and no maps. Prediction runs on a second layout
// derived from it at load, complete trees in heap order (see dense), which
// walks a tree without a single branch and allocates nothing.
type GBT struct {
	names     []string
	params    GBTParams
	training  GBTTraining
	baseScore float64
	roots     []int32 // root node of each tree; tree t is nodes[roots[t]:roots[t+1]]
	nodes     []node
	// cover is the training weight reaching each node, the probabilities
	// TreeSHAP uses for "this feature unknown".
	cover []float64

	expected float64 // mean training prediction: the explanations' base
	depth    int     // deepest leaf, sizing TreeSHAP's path buffer
	dense    dense   // the layout prediction runs on, derived from nodes
	bufPool  sync.Pool
	shapPool sync.Pool
}

var _ Model = (*GBT)(nil)

// node is a split or a leaf. A leaf has left == 0 (the first node of the
// array, tree 0's root, is nobody's child) and keeps its value in thr. A
// split sends x[feature] <= thr to left and the rest to left+1; a missing
// (NaN) value goes left when the defaultLeft bit is set.
type node struct {
	thr  float64
	feat uint32
	left int32
}

const (
	defaultLeft = 1 << 31
	featMask    = defaultLeft - 1
)

// Kind implements Model.
func (g *GBT) Kind() string { return KindGBT }

// FeatureNames implements Model.
func (g *GBT) FeatureNames() []string { return g.names }

// BaseValue implements Model: the expected prediction over the training
// data, which is where TreeSHAP's attributions start.
func (g *GBT) BaseValue() float64 { return g.expected }

// Params returns the hyper-parameters the model was trained with.
func (g *GBT) Params() GBTParams { return g.params }

// Training returns the training record.
func (g *GBT) Training() GBTTraining {
	t := g.training
	t.TrainRMSE = slices.Clone(t.TrainRMSE)
	t.ValidRMSE = slices.Clone(t.ValidRMSE)
	return t
}

// NumTrees is the number of trees in the model.
func (g *GBT) NumTrees() int { return len(g.roots) }

// NumNodes is the total number of nodes, splits and leaves.
func (g *GBT) NumNodes() int { return len(g.nodes) }

// Predict implements Model.
func (g *GBT) Predict(row []float64) (float64, error) {
	if err := checkRow(row, len(g.names)); err != nil {
		return 0, err
	}
	if g.dense.depth > 0 {
		if p := len(row); p <= stackFeatures {
			var buf [2 * stackFeatures]float64
			return g.dense.predictOne(g.baseScore, row, buf[:2*p]), nil
		}
		var out [1]float64
		g.predictDense(row, out[:])
		return out[0], nil
	}
	s := g.baseScore
	for _, r := range g.roots {
		s += leafValue(g.nodes, r, row)
	}
	return s, nil
}

// leafValue walks one tree of the compact layout. It serves training
// (validation scores) and ensembles too deep for the dense layout.
func leafValue(nodes []node, i int32, row []float64) float64 {
	for {
		n := &nodes[i]
		if n.left == 0 {
			return n.thr
		}
		i = n.left + int32(goesRight(row[n.feat&featMask], n.thr, n.feat>>31^1))
	}
}

// goesRight is 1 when v goes to the right child: v > thr, or v missing and
// missingRight = 1. It is written with no branch, so the compiler emits
// flag-setting instructions instead of jumps; tree walks are otherwise
// dominated by mispredicted branches.
func goesRight(v, thr float64, missingRight uint32) uint32 {
	return b2u(!(v <= thr)) & (b2u(v == v) | missingRight)
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// predictBlock is the number of rows PredictBatch pushes through one tree
// before moving to the next: the tree (about 1.5 KB at depth 6) stays in L1
// while the block's rows stay in L2, instead of the whole ensemble
// streaming through the cache once per row.
const predictBlock = 64

func (g *GBT) predictDense(rows, out []float64) {
	p := len(g.names)
	buf, _ := g.bufPool.Get().(*[]float64)
	if buf == nil {
		b := make([]float64, 2*p*predictBlock)
		buf = &b
	}
	for lo := 0; lo < len(out); lo += predictBlock {
		hi := min(lo+predictBlock, len(out))
		blk := out[lo:hi]
		for i := range blk {
			blk[i] = g.baseScore
		}
		g.dense.addBlock(rows[lo*p:hi*p], p, blk, *buf)
	}
	g.bufPool.Put(buf)
}

// PredictBatch implements Model. Each row's sum runs over the trees in the
// same order as Predict, so both give identical results.
func (g *GBT) PredictBatch(rows, out []float64) error {
	p := len(g.names)
	if err := checkBatch(rows, out, p); err != nil {
		return err
	}
	if g.dense.depth > 0 {
		g.predictDense(rows, out)
		return nil
	}
	for lo := 0; lo < len(out); lo += predictBlock {
		hi := min(lo+predictBlock, len(out))
		blk := out[lo:hi]
		for i := range blk {
			blk[i] = g.baseScore
		}
		for _, r := range g.roots {
			for i := range blk {
				blk[i] += leafValue(g.nodes, r, rows[(lo+i)*p:(lo+i+1)*p])
			}
		}
	}
	return nil
}

// finish derives what is not stored: the expected value, the depth and
// the dense layout.
func (g *GBT) finish() {
	g.expected = g.baseScore
	g.depth = 0
	for _, r := range g.roots {
		g.expected += g.expectedValue(r)
		g.depth = max(g.depth, g.subtreeDepth(r))
	}
	g.dense = buildDense(g)
	g.bufPool = sync.Pool{}
	g.shapPool = sync.Pool{}
}

// expectedValue is the cover-weighted mean of a tree's leaves. Covers count
// every training row (not only a tree's subsample), so this is the tree's
// mean over the training data and the sum over trees is the mean training
// prediction.
func (g *GBT) expectedValue(i int32) float64 {
	n := &g.nodes[i]
	if n.left == 0 {
		return n.thr
	}
	l, r := n.left, n.left+1
	return (g.cover[l]*g.expectedValue(l) + g.cover[r]*g.expectedValue(r)) / g.cover[i]
}

func (g *GBT) subtreeDepth(i int32) int {
	n := &g.nodes[i]
	if n.left == 0 {
		return 0
	}
	return 1 + max(g.subtreeDepth(n.left), g.subtreeDepth(n.left+1))
}

// The binary encoding, format version 1, all integers and floats little-endian:
//
//	magic     "DTSENGBT"
//	version   uint32
//	metaLen   uint32, then metaLen bytes of JSON (gbtMeta)
//	baseScore float64
//	nTrees    uint32, then nTrees int32 root indices
//	nNodes    uint32, then nNodes × {thr float64, feat uint32, left int32, cover float64}
//	crc       uint32, CRC-32 (IEEE) of everything before it
//
// Floats are stored as their IEEE bits, so a reloaded model predicts bit for
// bit what the trained one did. The JSON header carries everything a person
// needs to know what the file is; the arrays carry what prediction needs.
const (
	gbtMagic   = "DTSENGBT"
	gbtVersion = 1
	nodeBytes  = 24
)

type gbtMeta struct {
	Format    string      `json:"format"`
	Kind      string      `json:"kind"`
	Target    string      `json:"target"`
	Objective string      `json:"objective"`
	Features  []string    `json:"features"`
	Params    GBTParams   `json:"params"`
	Training  GBTTraining `json:"training"`
}

// MarshalBinary implements Model.
func (g *GBT) MarshalBinary() ([]byte, error) {
	meta, err := json.Marshal(gbtMeta{
		Format:    modelFormat,
		Kind:      KindGBT,
		Target:    targetName,
		Objective: "squared_error",
		Features:  g.names,
		Params:    g.params,
		Training:  g.training,
	})
	if err != nil {
		return nil, fmt.Errorf("model: encoding GBT header: %w", err)
	}
	le := binary.LittleEndian
	buf := make([]byte, 0, len(gbtMagic)+16+len(meta)+8+4*len(g.roots)+4+nodeBytes*len(g.nodes)+4)
	buf = append(buf, gbtMagic...)
	buf = le.AppendUint32(buf, gbtVersion)
	buf = le.AppendUint32(buf, uint32(len(meta)))
	buf = append(buf, meta...)
	buf = le.AppendUint64(buf, math.Float64bits(g.baseScore))
	buf = le.AppendUint32(buf, uint32(len(g.roots)))
	for _, r := range g.roots {
		buf = le.AppendUint32(buf, uint32(r))
	}
	buf = le.AppendUint32(buf, uint32(len(g.nodes)))
	for i, n := range g.nodes {
		buf = le.AppendUint64(buf, math.Float64bits(n.thr))
		buf = le.AppendUint32(buf, n.feat)
		buf = le.AppendUint32(buf, uint32(n.left))
		buf = le.AppendUint64(buf, math.Float64bits(g.cover[i]))
	}
	buf = le.AppendUint32(buf, crc32.ChecksumIEEE(buf))
	return buf, nil
}

// UnmarshalGBT reads a GBT model written by MarshalBinary. It checks the
// checksum and every node, so a damaged file is an error rather than a model
// that panics or loops at prediction.
func UnmarshalGBT(data []byte) (*GBT, error) {
	le := binary.LittleEndian
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, a...))
	}
	if !bytes.HasPrefix(data, []byte(gbtMagic)) {
		return nil, bad("not a tree ensemble (magic %q missing)", gbtMagic)
	}
	if len(data) < len(gbtMagic)+8 {
		return nil, bad("truncated header")
	}
	if v := le.Uint32(data[len(gbtMagic):]); v != gbtVersion {
		return nil, bad("tree format version %d is not supported (this build reads %d)", v, gbtVersion)
	}
	if len(data) < len(gbtMagic)+8+4 {
		return nil, bad("truncated")
	}
	body, sum := data[:len(data)-4], le.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, bad("checksum mismatch (file damaged or truncated)")
	}
	r := body[len(gbtMagic)+4:]
	take := func(k int) ([]byte, bool) {
		if k < 0 || len(r) < k {
			return nil, false
		}
		b := r[:k]
		r = r[k:]
		return b, true
	}
	u32 := func() (uint32, bool) {
		b, ok := take(4)
		if !ok {
			return 0, false
		}
		return le.Uint32(b), true
	}
	metaLen, ok := u32()
	if !ok {
		return nil, bad("truncated header")
	}
	metaRaw, ok := take(int(metaLen))
	if !ok {
		return nil, bad("truncated header")
	}
	var meta gbtMeta
	if err := json.Unmarshal(metaRaw, &meta); err != nil {
		return nil, bad("header: %v", err)
	}
	if meta.Format != modelFormat || meta.Kind != KindGBT {
		return nil, bad("format %q kind %q is not a tree ensemble", meta.Format, meta.Kind)
	}
	p := len(meta.Features)
	if err := checkFeatureNames(meta.Features); err != nil {
		return nil, bad("%v", err)
	}
	b, ok := take(8)
	if !ok {
		return nil, bad("truncated base score")
	}
	g := &GBT{names: meta.Features, params: meta.Params, training: meta.Training}
	g.baseScore = math.Float64frombits(le.Uint64(b))
	nTrees, ok := u32()
	if !ok || uint64(nTrees)*4 > uint64(len(r)) {
		return nil, bad("truncated tree table")
	}
	g.roots = make([]int32, nTrees)
	for t := range g.roots {
		v, _ := u32()
		g.roots[t] = int32(v)
	}
	nNodes, ok := u32()
	if !ok || nNodes > math.MaxInt32 || uint64(nNodes)*nodeBytes != uint64(len(r)) {
		return nil, bad("node table length does not match its count")
	}
	g.nodes = make([]node, nNodes)
	g.cover = make([]float64, nNodes)
	for i := range g.nodes {
		b, _ := take(nodeBytes)
		g.nodes[i] = node{
			thr:  math.Float64frombits(le.Uint64(b)),
			feat: le.Uint32(b[8:]),
			left: int32(le.Uint32(b[12:])),
		}
		g.cover[i] = math.Float64frombits(le.Uint64(b[16:]))
	}
	if err := g.checkTrees(p); err != nil {
		return nil, err
	}
	g.finish()
	return g, nil
}

// checkTrees verifies the invariants prediction and TreeSHAP rely on: each
// tree is a contiguous block starting at its root, children come after their
// parent and inside the block (so every walk ends), features exist, leaf
// values are finite and covers positive.
func (g *GBT) checkTrees(p int) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, a...))
	}
	if len(g.roots) == 0 {
		return bad("no trees")
	}
	if g.roots[0] != 0 {
		return bad("first tree does not start at node 0")
	}
	if math.IsNaN(g.baseScore) || math.IsInf(g.baseScore, 0) {
		return bad("base score %v", g.baseScore)
	}
	// depth[i] is set when node i's parent is seen; -1 means no parent yet.
	// Children come after their parent, so one forward pass finds every
	// node without exactly one parent (a shared or orphaned node: not a
	// tree) and every node too deep for TreeSHAP's buffers.
	depth := make([]int8, len(g.nodes))
	for i := range depth {
		depth[i] = -1
	}
	for t, root := range g.roots {
		end := int32(len(g.nodes))
		if t+1 < len(g.roots) {
			end = g.roots[t+1]
		}
		if root >= end {
			return bad("tree %d is empty or out of order", t)
		}
		depth[root] = 0
		for i := root; i < end; i++ {
			n := g.nodes[i]
			if depth[i] < 0 {
				return bad("node %d of tree %d has no parent", i, t)
			}
			if c := g.cover[i]; !(c > 0) || math.IsInf(c, 0) {
				return bad("node %d has cover %v", i, c)
			}
			if n.left == 0 {
				if math.IsNaN(n.thr) || math.IsInf(n.thr, 0) {
					return bad("leaf %d has value %v", i, n.thr)
				}
				continue
			}
			if n.left <= i || n.left+1 >= end {
				return bad("node %d has children %d, %d outside its tree [%d, %d)", i, n.left, n.left+1, root, end)
			}
			if depth[n.left] >= 0 || depth[n.left+1] >= 0 {
				return bad("node %d shares a child with another node", i)
			}
			if depth[i] >= maxTreeDepth {
				return bad("tree %d is deeper than %d", t, maxTreeDepth)
			}
			depth[n.left], depth[n.left+1] = depth[i]+1, depth[i]+1
			if int(n.feat&featMask) >= p {
				return bad("node %d splits on feature %d of %d", i, n.feat&featMask, p)
			}
			if math.IsNaN(n.thr) || math.IsInf(n.thr, 0) {
				return bad("node %d has threshold %v", i, n.thr)
			}
		}
	}
	return nil
}
