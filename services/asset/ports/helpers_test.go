package ports_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/asset/assettest"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
)

// env is a real registry (on SQLite) with the asset service beside it, on
// the engine under test, both trusting one issuer. c is the default
// integration client (nationwide reads, imports of the test agencies);
// admin follows the change feed.
type env struct {
	reg   *registrytest.Registry
	asset *assettest.Asset
	c     assetv1.AssetServiceClient
	admin assetv1.AssetServiceClient
}

// start starts both services and imports demo families 0..families-1 into the
// registry.
func start(t *testing.T, url string, families int) *env {
	t.Helper()
	reg := registrytest.Start(t, storagetest.SQLiteURL(t), registrytest.Options{})
	if families > 0 {
		registrytest.Seed(t, reg.Client, families)
	}
	a := assettest.Start(t, url, reg.Addr, assettest.Options{Auth: reg.Auth})
	return &env{reg: reg, asset: a, c: a.Client, admin: a.ClientAs(t, authtest.Admin())}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func wantStatus(t *testing.T, err error, code codes.Code, reason string) {
	t.Helper()
	if status.Code(err) != code || apierror.ReasonOf(err) != reason {
		t.Fatalf("got %v (reason %q), want %v %s", err, apierror.ReasonOf(err), code, reason)
	}
	if apierror.ErrorInfoOf(err).GetDomain() != "asset.dtsen.go.id" || apierror.LocalizedMessageOf(err, apierror.LocaleIndonesian) == "" ||
		apierror.LocalizedMessageOf(err, apierror.LocaleEnglish) == "" {
		t.Fatalf("%v lacks the asset ErrorInfo domain or localized messages", err)
	}
}

func wantField(t *testing.T, err error, field, reason string) {
	t.Helper()
	for _, v := range apierror.FieldViolationsOf(err) {
		if v.GetField() == field && v.GetReason() == reason {
			return
		}
	}
	t.Fatalf("no field violation %s %s in %v: %v", field, reason, err, apierror.FieldViolationsOf(err))
}

// rejectionsByIndex maps each rejected record's index to its violations as
// "field:REASON".
func rejectionsByIndex(s *typev1.ImportSummary) map[int64][]string {
	out := map[int64][]string{}
	for _, r := range s.GetRejections() {
		for _, v := range r.GetViolations() {
			out[r.GetIndex()] = append(out[r.GetIndex()], v.GetField()+":"+v.GetReason())
		}
	}
	return out
}

func counts(s *typev1.ImportSummary) [4]int64 {
	return [4]int64{s.GetReceivedCount(), s.GetAcceptedCount(), s.GetUnchangedCount(), s.GetRejectedCount()}
}

// watch returns the first n events after the cursor, failing after 10 s.
func watch(t *testing.T, c assetv1.AssetServiceClient, after int64, n int) []*typev1.ChangeEvent {
	t.Helper()
	wctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := c.WatchChanges(wctx, &assetv1.WatchChangesRequest{AfterSequence: after})
	if err != nil {
		t.Fatal(err)
	}
	var out []*typev1.ChangeEvent
	for len(out) < n {
		resp, err := stream.Recv()
		if err != nil {
			t.Fatalf("watch after %d: %d of %d events: %v", after, len(out), n, err)
		}
		out = append(out, resp.GetEvent())
	}
	return out
}
