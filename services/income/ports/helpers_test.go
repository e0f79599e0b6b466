package ports_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	"github.com/dtsen-id/dtsen/services/income/incometest"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
)

func wantStatus(t *testing.T, err error, code codes.Code, reason string) {
	t.Helper()
	if status.Code(err) != code || apierror.ReasonOf(err) != reason {
		t.Fatalf("got %v (reason %q), want %v %s", err, apierror.ReasonOf(err), code, reason)
	}
	// DESIGN.md §5: every error names its domain and speaks English and Bahasa Indonesia.
	if apierror.ErrorInfoOf(err).GetDomain() == "" || apierror.LocalizedMessageOf(err, apierror.LocaleIndonesian) == "" ||
		apierror.LocalizedMessageOf(err, apierror.LocaleEnglish) == "" {
		t.Fatalf("%v lacks an ErrorInfo domain or localized messages", err)
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

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// env is a real registry with families 0..n-1 and an income service on it,
// both trusting one test issuer.
type env struct {
	reg *registrytest.Registry
	inc *incometest.Income
	// c is the default integration client (nationwide reads, imports of
	// every fixture agency); admin follows the change feed.
	c, admin incomev1.IncomeServiceClient
}

func start(t *testing.T, url string, families int, opts incometest.Options) *env {
	t.Helper()
	// The registry gets its own SQLite file: only the service under test
	// runs on the engine being tested.
	reg := registrytest.Start(t, storagetest.SQLiteURL(t), registrytest.Options{})
	if families > 0 {
		registrytest.Seed(t, reg.Client, families)
	}
	opts.Auth = reg.Auth
	inc := incometest.Start(t, url, reg.Addr, opts)
	return &env{reg: reg, inc: inc, c: inc.Client, admin: inc.ClientAs(t, authtest.Admin())}
}
