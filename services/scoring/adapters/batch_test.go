package adapters_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/scoring/adapters"
	"github.com/dtsen-id/dtsen/services/scoring/features"
)

// barrierConn answers every call only once want calls are in flight
// together, so a caller that makes them one after another times out.
type barrierConn struct {
	want    int32
	arrived atomic.Int32
	all     chan struct{}
	once    sync.Once
}

func (c *barrierConn) Invoke(ctx context.Context, method string, _, reply any, _ ...grpc.CallOption) error {
	if c.arrived.Add(1) == c.want {
		c.once.Do(func() { close(c.all) })
	}
	select {
	case <-c.all:
	case <-ctx.Done():
		return status.FromContextError(ctx.Err()).Err()
	}
	if method == registryv1.RegistryService_GetFamily_FullMethodName {
		proto.Merge(reply.(proto.Message), &registryv1.Family{KkNumber: "3204120000000001"})
		return nil
	}
	return status.Error(codes.NotFound, "no such family here")
}

func (c *barrierConn) NewStream(context.Context, *grpc.StreamDesc, string, ...grpc.CallOption) (grpc.ClientStream, error) {
	return nil, status.Error(codes.Unimplemented, "no streams")
}

func TestFetchCallsTheFourContextsTogether(t *testing.T) {
	conn := &barrierConn{want: 4, all: make(chan struct{})}
	src := adapters.New(adapters.Conns{Registry: conn, Asset: conn, Income: conn, ServiceUsage: conn})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	in, err := src.Fetch(ctx, "3204120000000001", time.Now())
	if err != nil {
		t.Fatalf("the four calls were not in flight together: %v", err)
	}
	// NOT_FOUND from a source context: it knows nothing about the family.
	if in.Family == nil || in.Assets != nil || in.Economics != nil || in.ServiceUsage != nil {
		t.Fatalf("got %+v, want only the registry's family", in)
	}
}

// fakeSource fails the KKs in fail and counts the fetches in flight.
type fakeSource struct {
	fail     map[string]bool
	inflight atomic.Int32
	peak     atomic.Int32
}

func (f *fakeSource) Fetch(ctx context.Context, kk string, ref time.Time) (features.Input, error) {
	n := f.inflight.Add(1)
	defer f.inflight.Add(-1)
	for {
		p := f.peak.Load()
		if n <= p || f.peak.CompareAndSwap(p, n) {
			break
		}
	}
	time.Sleep(2 * time.Millisecond)
	if f.fail[kk] {
		return features.Input{}, adapters.ErrFamilyNotFound
	}
	return features.Input{Family: &registryv1.Family{KkNumber: kk}, ReferenceDate: ref}, ctx.Err()
}

func TestFetchMany(t *testing.T) {
	kks := make([]string, 50)
	for i := range kks {
		kks[i] = fmt.Sprintf("kk-%02d", i)
	}
	ctx := context.Background()

	t.Run("every KK once, bounded", func(t *testing.T) {
		src := &fakeSource{fail: map[string]bool{"kk-07": true}}
		seen := map[string]int{}
		err := adapters.FetchMany(ctx, src, kks, time.Now(), 4, func(kk string, in features.Input, err error) error {
			seen[kk]++
			if (kk == "kk-07") != errors.Is(err, adapters.ErrFamilyNotFound) {
				t.Errorf("%s: err %v", kk, err)
			}
			if err == nil && in.Family.GetKkNumber() != kk {
				t.Errorf("%s: got %s", kk, in.Family.GetKkNumber())
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, kk := range kks {
			if seen[kk] != 1 {
				t.Errorf("%s reported %d times", kk, seen[kk])
			}
		}
		if p := src.peak.Load(); p > 4 || p < 2 {
			t.Errorf("peak %d fetches in flight, want 2..4", p)
		}
	})

	t.Run("stops at fn's error", func(t *testing.T) {
		stop := errors.New("enough")
		calls := 0
		err := adapters.FetchMany(ctx, &fakeSource{}, kks, time.Now(), 4, func(string, features.Input, error) error {
			calls++
			if calls == 5 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || calls != 5 {
			t.Fatalf("err %v after %d calls, want %v after 5", err, calls, stop)
		}
	})

	t.Run("stops when ctx ends", func(t *testing.T) {
		ctx, cancel := context.WithCancel(ctx)
		calls := 0
		err := adapters.FetchMany(ctx, &fakeSource{}, kks, time.Now(), 2, func(string, features.Input, error) error {
			calls++
			if calls == 3 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) || calls >= len(kks) {
			t.Fatalf("err %v after %d calls, want context.Canceled before the end", err, calls)
		}
	})

	t.Run("nothing to fetch", func(t *testing.T) {
		err := adapters.FetchMany(ctx, &fakeSource{}, nil, time.Now(), 0, func(string, features.Input, error) error {
			t.Error("fn called")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
