package registrytest

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
)

// Source is the import source the helpers use.
const Source = "dukcapil"

// Families returns fixture families first, first+1, ..., first+n-1.
func Families(first, n int) []*registryv1.Family {
	out := make([]*registryv1.Family, n)
	for i := range out {
		out[i] = Family(first + i)
	}
	return out
}

// Header returns a batch header of Source with batchID.
func Header(batchID string) *registryv1.ImportRecordsRequest {
	return &registryv1.ImportRecordsRequest{Payload: &registryv1.ImportRecordsRequest_Header{
		Header: &typev1.ImportBatchHeader{Source: Source, BatchId: batchID}}}
}

// Record wraps one family as an import message.
func Record(f *registryv1.Family) *registryv1.ImportRecordsRequest {
	return &registryv1.ImportRecordsRequest{Payload: &registryv1.ImportRecordsRequest_Family{Family: f}}
}

// SendImport sends msgs as one ImportRecords stream, closes it and returns the
// server's answer. A send that fails because the server already answered is
// not an error: the answer (usually a status) is what CloseAndRecv returns.
func SendImport(ctx context.Context, client registryv1.RegistryServiceClient, msgs ...*registryv1.ImportRecordsRequest) (*typev1.ImportSummary, error) {
	stream, err := client.ImportRecords(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if err := stream.Send(m); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, err
		}
	}
	return stream.CloseAndRecv()
}

// Import imports fams as batch batchID and fails the test on any error. A
// batch still held by an interrupted stream (IMPORT_BATCH_IN_PROGRESS, which
// lasts until the server notices the cut) is retried for a few seconds.
func Import(t testing.TB, client registryv1.RegistryServiceClient, batchID string, fams ...*registryv1.Family) *typev1.ImportSummary {
	t.Helper()
	msgs := make([]*registryv1.ImportRecordsRequest, 0, len(fams)+1)
	msgs = append(msgs, Header(batchID))
	for _, f := range fams {
		msgs = append(msgs, Record(f))
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		sum, err := SendImport(ctx, client, msgs...)
		cancel()
		if status.Code(err) == codes.Aborted && apierror.ReasonOf(err) == "IMPORT_BATCH_IN_PROGRESS" && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatalf("import %s: %v", batchID, err)
		}
		return sum
	}
}

// Seed imports fixture families 0..n-1 (batch "seed") and returns them; every
// one must be accepted.
func Seed(t testing.TB, client registryv1.RegistryServiceClient, n int) []*registryv1.Family {
	t.Helper()
	fams := Families(0, n)
	sum := Import(t, client, "seed", fams...)
	if sum.GetAcceptedCount() != int64(n) || sum.GetRejectedCount() != 0 {
		t.Fatalf("seed: accepted %d, rejected %d of %d: %v", sum.GetAcceptedCount(), sum.GetRejectedCount(), n, sum.GetRejections())
	}
	return fams
}

// Watch subscribes to the change feed after the cursor and returns the first
// n events, failing the test if they do not arrive within 10 s.
func Watch(t testing.TB, client registryv1.RegistryServiceClient, after int64, n int) []*typev1.ChangeEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := client.WatchChanges(ctx, &registryv1.WatchChangesRequest{AfterSequence: after})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	out := make([]*typev1.ChangeEvent, 0, n)
	for len(out) < n {
		resp, err := stream.Recv()
		if err != nil {
			t.Fatalf("watch after %d: got %d of %d events: %v", after, len(out), n, err)
		}
		out = append(out, resp.GetEvent())
	}
	return out
}

// FeedHead returns the last sequence of the change feed (0 when empty),
// read from the database of the running server.
func (r *Registry) FeedHead(t testing.TB) int64 {
	t.Helper()
	var head int64
	if err := r.DB.QueryRowContext(context.Background(), "SELECT sequence FROM outbox_head WHERE id = 1").Scan(&head); err != nil {
		t.Fatalf("feed head: %v", err)
	}
	return head
}

// PersonRows counts the stored person rows of the family kk, straight from
// the database, so a test can see a partial family that the API would hide.
func (r *Registry) PersonRows(t testing.TB, kk string) int {
	t.Helper()
	var n int
	if err := r.DB.QueryRowContext(context.Background(), "SELECT count(*) FROM persons WHERE family_kk = $1", kk).Scan(&n); err != nil {
		t.Fatalf("count persons of a family: %v", err)
	}
	return n
}

// FamilyRows counts the stored family rows.
func (r *Registry) FamilyRows(t testing.TB) int {
	t.Helper()
	var n int
	if err := r.DB.QueryRowContext(context.Background(), "SELECT /* dtsen:fanout test helper counts every family */ count(*) FROM families").Scan(&n); err != nil {
		t.Fatalf("count families: %v", err)
	}
	return n
}
