package ports_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
)

// Two batches carrying the same new families race. Whatever interleaving the
// engine allows, no family is stored twice or in part, no record is rejected
// for conflicting with itself, and a batch that loses a race fails with a
// retryable status (never INTERNAL) and completes when re-sent.
func TestConcurrentOverlappingImports(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		reg := registrytest.Start(t, url, registrytest.Options{ChunkSize: 3})
		fams := registrytest.Families(0, 24)
		msgs := func(batch string) []*registryv1.ImportRecordsRequest {
			out := []*registryv1.ImportRecordsRequest{registrytest.Header(batch)}
			for _, f := range fams {
				out = append(out, registrytest.Record(f))
			}
			return out
		}
		var wg sync.WaitGroup
		sums := make([]*typev1.ImportSummary, 2)
		errs := make([]error, 2)
		for i := range sums {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sums[i], errs[i] = registrytest.SendImport(ctx(t), reg.Client, msgs(fmt.Sprintf("race-%d", i))...)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				if status.Code(err) != codes.Aborted {
					t.Fatalf("batch %d lost the race with %v (reason %s), want ABORTED", i, err, apierror.ReasonOf(err))
				}
				sums[i] = registrytest.Import(t, reg.Client, fmt.Sprintf("race-%d", i), fams...)
			}
		}
		for i, s := range sums {
			if s.GetRejectedCount() != 0 || s.GetAcceptedCount()+s.GetUnchangedCount() != int64(len(fams)) {
				t.Fatalf("batch %d: %v", i, s)
			}
		}
		if n := reg.FamilyRows(t); n != len(fams) {
			t.Fatalf("%d families stored, want %d", n, len(fams))
		}
		for _, f := range fams {
			if n := reg.PersonRows(t, f.GetKkNumber()); n != 4 {
				t.Fatalf("family %s has %d persons", f.GetKkNumber(), n)
			}
		}
	})
}

// Writers holding the same etag race: exactly one wins, the others get
// ABORTED ETAG_MISMATCH, and no update is lost silently.
func TestConcurrentUpdatesWithOneEtag(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		reg := registrytest.Start(t, url, registrytest.Options{})
		fam := registrytest.Seed(t, reg.Client, 1)[0]
		p := getPerson(t, reg.Client, fam.Members[0].GetNik())
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = reg.Client.UpdatePerson(ctx(t), &registryv1.UpdatePersonRequest{Person: &registryv1.Person{
					Name: p.GetName(), Etag: p.GetEtag(), FullName: fmt.Sprintf("Writer %d", i)}, UpdateMask: mask("full_name")})
			}()
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil:
				if winner >= 0 {
					t.Fatalf("writers %d and %d both won with one etag", winner, i)
				}
				winner = i
			default:
				wantStatus(t, err, codes.Aborted, "ETAG_MISMATCH")
			}
		}
		if winner < 0 {
			t.Fatal("no writer won")
		}
		if got := getPerson(t, reg.Client, p.GetNik()); got.GetFullName() != fmt.Sprintf("Writer %d", winner) {
			t.Fatalf("stored %q, winner %d", got.GetFullName(), winner)
		}
	})
}

// Moves in opposite directions between two families lock them in one order,
// so they neither deadlock nor lose anybody.
func TestConcurrentCrossingMoves(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		reg := registrytest.Start(t, url, registrytest.Options{})
		fams := registrytest.Seed(t, reg.Client, 2)
		a, b := fams[0], fams[1]
		var wg sync.WaitGroup
		errs := make([]error, 4)
		moves := []struct {
			p  *registryv1.Person
			to *registryv1.Family
		}{{a.Members[2], b}, {b.Members[2], a}, {a.Members[3], b}, {b.Members[3], a}}
		for i, m := range moves {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, cancel := context.WithTimeout(context.Background(), 15*time.Second)
				defer cancel()
				_, errs[i] = reg.Client.MovePerson(c, &registryv1.MovePersonRequest{Name: personName(m.p), TargetFamily: familyName(m.to),
					RelationToHead: registryv1.FamilyRelation_FAMILY_RELATION_OTHER_RELATIVE})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("move %d: %v", i, err)
			}
		}
		for _, f := range fams {
			got := getFamily(t, reg.Client, f.GetKkNumber())
			if len(got.GetMembers()) != 4 || reg.PersonRows(t, f.GetKkNumber()) != 4 {
				t.Fatalf("family %s: %v", f.GetKkNumber(), memberNIKs(got))
			}
		}
		for _, m := range moves {
			if got := getPerson(t, reg.Client, m.p.GetNik()); got.GetFamily() != familyName(m.to) {
				t.Fatalf("%s ended in %s", m.p.GetNik(), got.GetFamily())
			}
		}
	})
}
