package ranking

import (
	"context"
	"fmt"
	"sync"
)

// Partition is one share of the families of a ranking run, typically a
// province (DESIGN.md §3, "Scale-out"), possibly on another machine: a
// remote implementation ships the [Query] and the answers in their binary
// encodings. Every call must see the same snapshot of scores.
type Partition interface {
	// Histogram counts the partition's families by score key (or coarse
	// bucket, for shift > 0).
	Histogram(ctx context.Context, shift uint) (*Histogram, error)
	// Collect answers a query over the partition's families.
	Collect(ctx context.Context, q *Query) (*Collector, error)
}

// Scanner is a [Partition] that holds its families locally and visits each
// once per call, such as a query over one province's scores. A visit
// returning an error stops the scan with it.
type Scanner func(ctx context.Context, visit func(score float64, kk string) error) error

// Histogram implements [Partition].
func (s Scanner) Histogram(ctx context.Context, shift uint) (*Histogram, error) {
	h, err := NewCoarseHistogram(shift)
	if err != nil {
		return nil, err
	}
	if err := s(ctx, func(score float64, _ string) error { return h.Add(score) }); err != nil {
		return nil, err
	}
	return h, nil
}

// Collect implements [Partition].
func (s Scanner) Collect(ctx context.Context, q *Query) (*Collector, error) {
	c := q.NewCollector()
	if err := s(ctx, c.Add); err != nil {
		return nil, err
	}
	return c, nil
}

// Options tune a run without changing its result: the cut-points are the
// same for every choice.
type Options struct {
	// CoarseShift > 0 makes the first pass count buckets of 2^CoarseShift
	// keys, for a histogram that is 2^CoarseShift times smaller at the cost
	// of a refinement round (see the package doc for when that is worth
	// it).
	CoarseShift uint
	// ExactLimit is the selection's exact limit; 0 means
	// [DefaultExactLimit].
	ExactLimit int
}

// Run computes the national cut-points over the partitions: a histogram
// pass, then the selection's queries, each put to every partition at once
// and the answers merged as they arrive (merging is commutative, so arrival
// order does not matter). One node holds the merged histogram and one
// merged answer at a time, never the families.
func Run(ctx context.Context, parts []Partition, opts Options) (*CutPoints, error) {
	if len(parts) == 0 {
		return nil, ErrEmpty
	}
	hist, err := NewCoarseHistogram(opts.CoarseShift)
	if err != nil {
		return nil, err
	}
	err = fanOut(ctx, parts, func(ctx context.Context, p Partition) (func() error, error) {
		h, err := p.Histogram(ctx, opts.CoarseShift)
		if err != nil {
			return nil, err
		}
		return func() error { return hist.Merge(h) }, nil
	})
	if err != nil {
		return nil, err
	}
	sel, err := hist.Select(opts.ExactLimit)
	if err != nil {
		return nil, err
	}
	for !sel.Done() {
		q := sel.Query()
		answer := q.NewCollector()
		err := fanOut(ctx, parts, func(ctx context.Context, p Partition) (func() error, error) {
			c, err := p.Collect(ctx, q)
			if err != nil {
				return nil, err
			}
			return func() error { return answer.Merge(c) }, nil
		})
		if err != nil {
			return nil, err
		}
		if err := sel.Absorb(answer); err != nil {
			return nil, err
		}
	}
	return sel.CutPoints()
}

// fanOut calls work on every partition concurrently and runs the merge it
// returns under a lock. The first error cancels the others and is returned.
func fanOut(ctx context.Context, parts []Partition, work func(context.Context, Partition) (func() error, error)) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg sync.WaitGroup
		mu sync.Mutex
	)
	for i, p := range parts {
		wg.Go(func() {
			merge, err := work(ctx, p)
			if err == nil {
				mu.Lock()
				err = merge()
				mu.Unlock()
			}
			if err != nil {
				cancel(fmt.Errorf("partition %d: %w", i, err))
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}
