package adapters

import (
	"context"
	"sync"
	"time"

	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/features"
)

// FetchMany fetches every family of kks from src as of ref, with at most
// workers fetches in flight (each itself four RPCs), and reports each KK to
// fn exactly once, in completion order, with its Input or its Fetch error
// (ErrFamilyNotFound, a *SourceError): a failing family does not stop the
// batch, fn decides. fn runs on the calling goroutine, one call at a time,
// so it needs no locking. FetchMany stops at fn's first error, or when ctx
// ends, and returns that error; the KKs not yet reported then are not.
func FetchMany(ctx context.Context, src domain.FamilySource, kks []string, ref time.Time, workers int,
	fn func(kk string, in features.Input, err error) error) error {
	workers = max(1, min(workers, len(kks)))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type result struct {
		kk  string
		in  features.Input
		err error
	}
	jobs := make(chan string)
	results := make(chan result, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for kk := range jobs {
				in, err := src.Fetch(ctx, kk, ref)
				select {
				case results <- result{kk, in, err}:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() {
		defer close(jobs)
		for _, kk := range kks {
			select {
			case jobs <- kk:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	// Draining results after a stop lets the workers and the feeder finish
	// before FetchMany returns, so no goroutine outlives the call.
	var stop error
	reported := 0
	for r := range results {
		if stop != nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			stop = err
			cancel()
			continue
		}
		reported++
		if err := fn(r.kk, r.in, r.err); err != nil {
			stop = err
			cancel()
		}
	}
	if stop == nil && reported < len(kks) {
		// ctx ended while the last ones were in flight, and the workers
		// dropped them.
		stop = ctx.Err()
	}
	return stop
}
