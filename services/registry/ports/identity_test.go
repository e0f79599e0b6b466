package ports_test

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
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

		ids := identity.NewClient(reg.Conn, identity.Options{})
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
		for _, ev := range registrytest.Watch(t, reg.Client, before, 2) {
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
