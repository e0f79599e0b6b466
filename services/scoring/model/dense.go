package model

import "math"

// dense is the ensemble laid out for batch prediction: every tree padded to
// a complete binary tree of the ensemble's depth D and stored in heap order,
// the children of split h at 2h+1 and 2h+2, so that a walk is exactly D
// steps of "h = 2h + 1 + (x > thr)" with no leaf test and no branch.
//
// Missing values cost nothing per step either. Each row is copied twice,
// once with NaN replaced by −Inf and once by +Inf, and a split whose missing
// values go right reads the second copy: +Inf > thr and −Inf ≤ thr for every
// (finite) threshold, so the comparison alone routes them. Together with
// the finite largest-float threshold of a "missing right, all else left"
// split, this gives the compact tree's route for every input, ±Inf
// included, and so the same value bit for bit.
//
// A leaf shallower than D becomes a chain of pass-through splits (threshold
// +Inf: nothing is greater) ending in a copy of the leaf. Padding costs 2^D
// nodes per tree, so ensembles deeper than denseMaxDepth keep walking the
// compact layout.
type dense struct {
	depth  int       // D; 0 when the dense layout is not used
	splits []dsplit  // tree t: splits[t·(2^D−1) : (t+1)·(2^D−1)]
	leaves []float64 // tree t: leaves[t·2^D : (t+1)·2^D]
}

type dsplit struct {
	thr float64
	// off is the feature's index in a row's pair of copies: feature j, or
	// p + j when missing values go right.
	off uint32
}

// denseMaxDepth keeps a padded tree within 6 KB (255 splits and 256
// leaves).
const denseMaxDepth = 8

func buildDense(g *GBT) dense {
	if g.depth > denseMaxDepth {
		return dense{}
	}
	p := uint32(len(g.names))
	d := dense{depth: max(1, g.depth)}
	ns, nl := 1<<d.depth-1, 1<<d.depth
	d.splits = make([]dsplit, ns*len(g.roots))
	d.leaves = make([]float64, nl*len(g.roots))
	pass := dsplit{thr: math.Inf(1)}
	var fill func(sp []dsplit, lv []float64, i int32, h int)
	fill = func(sp []dsplit, lv []float64, i int32, h int) {
		n := &g.nodes[i]
		if h >= ns {
			lv[h-ns] = n.thr // a leaf: the walk ends at depth D
			return
		}
		if n.left == 0 {
			sp[h] = pass
			fill(sp, lv, i, 2*h+1)
			fill(sp, lv, i, 2*h+2) // unreachable, filled for tidiness
			return
		}
		s := dsplit{thr: n.thr, off: n.feat & featMask}
		if n.feat&defaultLeft == 0 {
			s.off += p
		}
		sp[h] = s
		fill(sp, lv, n.left, 2*h+1)
		fill(sp, lv, n.left+1, 2*h+2)
	}
	for t, r := range g.roots {
		fill(d.splits[t*ns:(t+1)*ns], d.leaves[t*nl:(t+1)*nl], r, 0)
	}
	return d
}

// stackFeatures bounds the row width whose pair of copies Predict keeps on
// the stack (2 KB).
const stackFeatures = 128

// predictOne is addBlock for a single row, without the level-by-level
// bookkeeping that only pays off across rows. The trees are independent, so
// the CPU still overlaps one tree's walk with the next.
func (d *dense) predictOne(base float64, row, buf []float64) float64 {
	p := len(row)
	for j, v := range row {
		if v == v {
			buf[j], buf[p+j] = v, v
		} else {
			buf[j], buf[p+j] = math.Inf(-1), math.Inf(1)
		}
	}
	depth := d.depth
	ns, nl := 1<<depth-1, 1<<depth
	s := base
	splits, leaves := d.splits, d.leaves
	for len(leaves) >= nl && len(splits) >= ns {
		sp, lv := splits[:ns], leaves[:nl]
		splits, leaves = splits[ns:], leaves[nl:]
		h := uint32(0)
		for range depth {
			n := &sp[h]
			h = 2*h + 1 + b2u(buf[n.off] > n.thr)
		}
		s += lv[int(h)-ns]
	}
	return s
}

// addBlock adds every tree's value to out for the len(out) ≤ predictBlock
// rows of rows (p values each), using buf (2·p·predictBlock values) for the
// rows' copies. The rows advance through a tree one level at a time
// together, so the walks of different rows are independent instructions the
// CPU overlaps instead of one dependent chain after another.
func (d *dense) addBlock(rows []float64, p int, out, buf []float64) {
	n := len(out)
	buf = buf[:2*p*n]
	for r := range n {
		src := rows[r*p : (r+1)*p]
		lo, hi := buf[2*r*p:2*r*p+p], buf[2*r*p+p:2*r*p+2*p]
		for j, v := range src {
			if v == v {
				lo[j], hi[j] = v, v
			} else {
				lo[j], hi[j] = math.Inf(-1), math.Inf(1)
			}
		}
	}
	depth := d.depth
	ns, nl := 1<<depth-1, 1<<depth
	var pos [predictBlock]uint32
	h := pos[:n]
	splits, leaves := d.splits, d.leaves
	for len(leaves) >= nl && len(splits) >= ns {
		sp, lv := splits[:ns], leaves[:nl]
		splits, leaves = splits[ns:], leaves[nl:]
		clear(h)
		for range depth {
			descend(sp, h, buf, 2*p)
		}
		for r, hr := range h {
			out[r] += lv[int(hr)-ns]
		}
	}
}

// descend moves every row of a block one level down a tree. It is a
// function of its own so that its loop gets the registers to itself: inlined
// into addBlock, the loop counters spill to the stack and every step waits
// on a store and a load.
//
//go:noinline
func descend(sp []dsplit, h []uint32, buf []float64, stride int) {
	off := 0
	for r, hr := range h {
		n := &sp[hr]
		h[r] = 2*hr + 1 + b2u(buf[off+int(n.off)] > n.thr)
		off += stride
	}
}
