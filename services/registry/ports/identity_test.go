package ports_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/feed"
	"github.com/dtsen-id/dtsen/services/platform/identity"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
)

// The cross-check other contexts run at import, through the shared client
// they use, against the real registry.
func TestLookupIdentities(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		reg := registrytest.Start(t, url, registrytest.Options{})
		fams := registrytest.Seed(t, reg.Client, 2)
		head := fams[0].Members[0]
		unknownFamily := registrytest.Family(500) // valid, never imported
		unknownNIK := unknownFamily.Members[0].Nik

		ids := identity.NewClient(reg.ServiceConn(t, "asset"), identity.Options{})
		persons, families, err := ids.Lookup(ctx, []string{head.Nik, unknownNIK, head.Nik}, []string{fams[1].KkNumber, unknownFamily.KkNumber})
		if err != nil {
			t.Fatal(err)
		}
		if p := persons[head.Nik]; !p.Registered || p.FamilyKK != fams[0].KkNumber || p.Deceased {
			t.Fatalf("head: %+v", p)
		}
		if p := persons[unknownNIK]; p.Registered {
			t.Fatalf("unknown NIK reported registered: %+v", p)
		}
		if !families[fams[1].KkNumber] || families[unknownFamily.KkNumber] {
			t.Fatalf("families: %v", families)
		}

		// A death is invisible through the cache until the change event for it
		// evicts the NIK, which is what a consumer of the feed does.
		before := reg.FeedHead(t)
		if _, err := reg.Client.RecordDeath(ctx, &registryv1.RecordDeathRequest{Name: "persons/" + head.Nik, DeathDate: "2025-01-02"}); err != nil {
			t.Fatal(err)
		}
		if persons, _, _ := ids.Lookup(ctx, []string{head.Nik}, nil); persons[head.Nik].Deceased {
			t.Fatal("expected the cached answer before the event is handled")
		}
		var touchedNIK bool
		for _, ev := range registrytest.Watch(t, reg.ClientAs(t, authtest.Admin()), before, 2) {
			niks, kks, err := ids.Touched(ctx, ev)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range niks {
				touchedNIK = touchedNIK || n == head.Nik
			}
			if len(kks) != 1 || kks[0] != fams[0].KkNumber {
				t.Fatalf("event %s touched families %v", ev.GetEventType(), kks)
			}
		}
		if !touchedNIK {
			t.Fatal("no event touched the deceased person")
		}
		if persons, _, _ := ids.Lookup(ctx, []string{head.Nik}, nil); !persons[head.Nik].Deceased {
			t.Fatal("lookup after the event still says alive")
		}
	})
}

func TestLookupIdentitiesRejectsMalformedKeys(t *testing.T) {
	reg := registrytest.Start(t, storagetest.SQLiteURL(t), registrytest.Options{})
	ctx := context.Background()
	_, err := reg.Client.LookupIdentities(ctx, &registryv1.LookupIdentitiesRequest{Niks: []string{"3204121505900001", "123"}})
	if status.Code(err) != codes.InvalidArgument || apierror.ReasonOf(err) != "NIK_INVALID_LENGTH" {
		t.Fatalf("malformed NIK: %v", err)
	}
	if fv := apierror.FieldViolationsOf(err); len(fv) != 1 || fv[0].GetField() != "niks[1]" {
		t.Fatalf("field violations %v", fv)
	}
	many := make([]string, 1001)
	for i := range many {
		many[i] = "3204121505900001"
	}
	_, err = reg.Client.LookupIdentities(ctx, &registryv1.LookupIdentitiesRequest{Niks: many})
	if apierror.ReasonOf(err) != "LOOKUP_TOO_MANY" {
		t.Fatalf("1001 NIKs: %v", err)
	}
}

// The consumer every source context runs: a family imported into the
// registry reaches the reconcile function with its KK and its members' NIKs.
func TestRegistryFeedReconciles(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	reg := registrytest.Start(t, storagetest.SQLiteURL(t), registrytest.Options{})
	ids := identity.NewClient(reg.ServiceConn(t, "asset"), identity.Options{})
	sink := storagetest.Open(t, storagetest.SQLiteURL(t), feed.Migrations)

	type call struct{ niks, kks []string }
	calls := make(chan call, 16)
	consumer := ids.RegistryFeed(sink, func(_ context.Context, niks, kks []string) (int, error) {
		calls <- call{niks, kks}
		return len(niks), nil
	}, nil)
	go func() { _ = consumer.Run(ctx) }()

	fam := registrytest.Family(7)
	registrytest.Import(t, reg.Client, "feed-1", fam)
	select {
	case c := <-calls:
		if len(c.kks) != 1 || c.kks[0] != fam.GetKkNumber() || len(c.niks) != len(fam.GetMembers()) {
			t.Fatalf("reconcile called with %+v", c)
		}
	case <-ctx.Done():
		t.Fatal("the registry feed never reached reconcile")
	}
	for {
		if cur, _ := feed.Cursor(ctx, sink, identity.RegistryFeedName); cur >= 1 {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("cursor not saved")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// The sweep re-checks what is still unmatched, bypassing the cache.
	sweepCtx, stop := context.WithCancel(ctx)
	swept := make(chan []string, 1)
	go func() {
		_ = ids.Sweep(sweepCtx, 10*time.Millisecond, func(context.Context, int) ([]string, []string, error) {
			return []string{fam.GetMembers()[0].GetNik()}, nil, nil
		}, func(_ context.Context, niks, _ []string) (int, error) {
			select {
			case swept <- niks:
			default:
			}
			return 0, nil
		}, nil)
	}()
	if niks := <-swept; len(niks) != 1 || niks[0] != fam.GetMembers()[0].GetNik() {
		t.Fatalf("sweep re-checked %v", niks)
	}
	stop()
}
