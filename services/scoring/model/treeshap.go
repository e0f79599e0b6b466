package model

import (
	"fmt"
	"math"
)

// Explain implements Model with exact path-dependent TreeSHAP: the Shapley
// values of the game whose value for a set S of known features is the
// model's expected prediction given x_S, where "expected" follows the
// training covers at every split on an unknown feature. They sum to
// Predict(row) − BaseValue(), give zero to a feature no split uses, and
// never shrink a feature's credit when the model comes to rely on it more.
func (g *GBT) Explain(row []float64) (float64, []float64, error) {
	c := make([]float64, len(g.names))
	base, err := g.ExplainInto(row, c)
	if err != nil {
		return 0, nil, err
	}
	return base, c, nil
}

// ExplainInto implements Model. It allocates nothing once warm: the path
// buffers come from a pool.
func (g *GBT) ExplainInto(row, contributions []float64) (float64, error) {
	p := len(g.names)
	if err := checkRow(row, p); err != nil {
		return 0, err
	}
	if err := checkRow(contributions, p); err != nil {
		return 0, fmt.Errorf("contributions: %w", err)
	}
	clear(contributions)
	s, _ := g.shapPool.Get().(*shapState)
	if s == nil {
		// The frame of a node at depth d starts at 1 + d(d+1)/2 + d and
		// holds at most d+1 elements; the deepest is a leaf at g.depth.
		d := g.depth + 2
		s = &shapState{path: make([]pathElem, (d+1)*(d+2)/2+d+1)}
	}
	s.nodes, s.cover, s.row, s.phi = g.nodes, g.cover, row, contributions
	for _, r := range g.roots {
		s.recurse(r, 0, 0, 1, 1, -1)
	}
	s.row, s.phi = nil, nil
	g.shapPool.Put(s)
	return g.expected, nil
}

// pathElem is one feature on the path from the root to the current node
// (Lundberg et al. 2018, Algorithm 2): the fraction of "feature unknown"
// paths (zero) and "feature known" paths (one) that flow through it, and the
// weight pw of the subsets of the path's features of each size.
type pathElem struct {
	feat      int32
	zero, one float64
	pw        float64
}

type shapState struct {
	path  []pathElem
	nodes []node
	cover []float64
	row   []float64
	phi   []float64
}

// recurse is RECURSE of Algorithm 2. The path of the node is a frame of
// s.path starting at parentOff+ud+1, copied from the parent's frame and
// extended, so the parent's frame is intact when its second child runs.
//
// A path element's one-fraction is always 0 or 1 here (it is 1 down the
// branch x takes and 0 down the other, and products of those), which the
// helpers below use to avoid dividing by it.
func (s *shapState) recurse(i int32, ud, parentOff int, pz, po float64, pf int32) {
	off := parentOff + ud + 1
	path := s.path[off : off+ud+1]
	copy(path, s.path[parentOff:parentOff+ud+1])
	extendPath(path, ud, pz, po, pf)

	n := &s.nodes[i]
	if n.left == 0 {
		s.leaf(path, ud, n.thr)
		return
	}

	f := int32(n.feat & featMask)
	hot := n.left
	if v := s.row[f]; !(v <= n.thr) && (v == v || n.feat&defaultLeft == 0) {
		hot++
	}
	cold := n.left + (n.left + 1) - hot
	c := s.cover[i]
	hz, cz := s.cover[hot]/c, s.cover[cold]/c
	iz, io := 1.0, 1.0
	// A feature already on the path is taken off and its fractions carried
	// into this split, so each feature appears on the path once.
	for k := 0; k <= ud; k++ {
		if path[k].feat == f {
			iz, io = path[k].zero, path[k].one
			unwindPath(path, ud, k)
			ud--
			break
		}
	}
	s.recurse(hot, ud+1, off, hz*iz, io, f)
	s.recurse(cold, ud+1, off, cz*iz, 0, f)
}

// leaf credits the leaf value v to the features of the path: element k gets
// v·(one_k − zero_k)·UNWOUND-SUM(k). For an element with one = 0 that sum
// is Σ_j pw_j·(ud+1)/(ud−j) divided by its zero-fraction, the same sum for
// every such element, so it is computed once.
func (s *shapState) leaf(path []pathElem, ud int, v float64) {
	r := &shapRatios[ud]
	coldSum := math.NaN()
	for k := 1; k <= ud; k++ {
		e := &path[k]
		var w float64
		if e.one != 0 {
			w = unwoundPathSum(path, ud, e.zero)
		} else {
			if coldSum != coldSum {
				coldSum = 0
				for j := ud - 1; j >= 0; j-- {
					coldSum += path[j].pw * r.upOverRest[j]
				}
			}
			if e.zero != 0 { // covers are positive, but products may underflow
				w = coldSum / e.zero
			}
		}
		s.phi[e.feat] += w * (e.one - e.zero) * v
	}
}

// ratios holds, for one unique depth ud, the integer ratios the path
// updates multiply by, so the inner loops multiply instead of divide.
type ratios struct {
	up         [maxTreeDepth + 2]float64 // (ud+1)/(j+1)
	rest       [maxTreeDepth + 2]float64 // (ud−j)/(ud+1)
	nextUp     [maxTreeDepth + 2]float64 // (j+1)/(ud+1)
	upOverRest [maxTreeDepth + 2]float64 // (ud+1)/(ud−j)
}

// shapRatios[ud] for every unique depth a tree of maxTreeDepth can reach
// (the path holds the root's placeholder plus one element per level).
var shapRatios = func() (t [maxTreeDepth + 2]ratios) {
	for ud := range t {
		for j := 0; j <= ud; j++ {
			t[ud].up[j] = float64(ud+1) / float64(j+1)
			t[ud].rest[j] = float64(ud-j) / float64(ud+1)
			t[ud].nextUp[j] = float64(j+1) / float64(ud+1)
			if j < ud {
				t[ud].upOverRest[j] = float64(ud+1) / float64(ud-j)
			}
		}
	}
	return t
}()

// extendPath is EXTEND of Algorithm 2: grows the path by one feature and
// updates the subset-size weights.
func extendPath(path []pathElem, ud int, pz, po float64, pf int32) {
	path[ud] = pathElem{feat: pf, zero: pz, one: po}
	if ud == 0 {
		path[0].pw = 1
		return
	}
	r := &shapRatios[ud]
	for k := ud - 1; k >= 0; k-- {
		path[k+1].pw += po * path[k].pw * r.nextUp[k]
		path[k].pw = pz * path[k].pw * r.rest[k]
	}
}

// unwindPath is UNWIND of Algorithm 2: removes path element k, undoing its
// EXTEND.
func unwindPath(path []pathElem, ud, k int) {
	one, zero := path[k].one, path[k].zero
	r := &shapRatios[ud]
	if one != 0 {
		next := path[ud].pw
		for j := ud - 1; j >= 0; j-- {
			tmp := path[j].pw
			path[j].pw = next * r.up[j]
			next = tmp - path[j].pw*zero*r.rest[j]
		}
	} else {
		for j := ud - 1; j >= 0; j-- {
			path[j].pw = path[j].pw * r.upOverRest[j] / zero
		}
	}
	for j := k; j < ud; j++ {
		path[j].feat, path[j].zero, path[j].one = path[j+1].feat, path[j+1].zero, path[j+1].one
	}
}

// unwoundPathSum is UNWOUND-SUM of Algorithm 2 for an element with
// one-fraction 1 and the given zero-fraction: the total weight it would
// leave if it were unwound, without modifying the path.
func unwoundPathSum(path []pathElem, ud int, zero float64) float64 {
	r := &shapRatios[ud]
	next := path[ud].pw
	total := 0.0
	for j := ud - 1; j >= 0; j-- {
		tmp := next * r.up[j]
		total += tmp
		next = path[j].pw - tmp*zero*r.rest[j]
	}
	return total
}
