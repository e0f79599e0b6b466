package adapters_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/asset/assettest"
	incomedemo "github.com/dtsen-id/dtsen/services/income/demo"
	"github.com/dtsen-id/dtsen/services/income/incometest"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
	"github.com/dtsen-id/dtsen/services/scoring/adapters"
	"github.com/dtsen-id/dtsen/services/scoring/features"
	"github.com/dtsen-id/dtsen/services/scoring/scoringtest"
)

const (
	// registered spans three ListFamilies pages of 1000.
	registered = 2005
	// withData: families 0..withData-1 have records in every source
	// context; the others have none.
	withData = 10
)

type env struct {
	reg   *registrytest.Registry
	conns adapters.Conns
	src   *adapters.Sources
}

// dialAsScoring connects to addr as cmd/scoring would: calls made outside a
// request carry scoring's own service token.
func dialAsScoring(t *testing.T, reg *registrytest.Registry, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())},
		auth.ClientOptions(reg.Auth.ServiceTokens("scoring"))...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// start runs the four source contexts on SQLite, trusting one issuer, and
// seeds them: registered families in the registry, and records in the other
// three for the first withData of them.
func start(t *testing.T) *env {
	t.Helper()
	src := scoringtest.StartSources(t, scoringtest.SourceOptions{Registered: registered, WithData: withData, NoFeed: true})
	// A second measured round of family 0: still one label family.
	again := incomedemo.Consumption(0)
	again.SurveyId, again.SurveyDate, again.ObservationDate = "susenas-2025-03", "2025-03-10", "2025-04-01"
	checkAccepted(t, "income", incometest.Import(t, src.Income.Client, "seed-again", incometest.ConsumptionRecord(again)))
	c := src.Dial(t)
	conns := adapters.Conns{Registry: c.Registry, Asset: c.Asset, Income: c.Income, ServiceUsage: c.ServiceUsage}
	return &env{reg: src.Registry, conns: conns, src: adapters.New(conns)}
}

func checkAccepted(t *testing.T, source string, sum *typev1.ImportSummary) {
	t.Helper()
	if sum.GetRejectedCount() != 0 {
		t.Fatalf("%s seed: %d rejected: %v", source, sum.GetRejectedCount(), sum.GetRejections())
	}
}

func kk(i int) string { return registrytest.Family(i).GetKkNumber() }

// unknownKK is well formed but never registered.
var unknownKK = kk(registered + 7)

func TestSources(t *testing.T) {
	e := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ref := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

	t.Run("fetch a family with data everywhere", func(t *testing.T) {
		in, err := e.src.Fetch(ctx, kk(0), ref)
		if err != nil {
			t.Fatal(err)
		}
		if in.Family == nil || in.Assets == nil || in.Economics == nil || in.ServiceUsage == nil {
			t.Fatalf("want four messages, got family %v assets %v economics %v usage %v",
				in.Family != nil, in.Assets != nil, in.Economics != nil, in.ServiceUsage != nil)
		}
		if !in.ReferenceDate.Equal(ref) {
			t.Errorf("reference date %v, want %v", in.ReferenceDate, ref)
		}
		if got, err := in.KK(); err != nil || got != kk(0) {
			t.Errorf("KK = %q, %v; want %s", got, err, kk(0))
		}
		if in.Assets.GetHousing() == nil || len(in.Economics.GetMeasuredConsumptions()) != 2 ||
			len(in.ServiceUsage.GetProgrammeParticipations()) == 0 {
			t.Errorf("summaries lack the seeded records: housing %v, measured %d, programmes %d", in.Assets.GetHousing() != nil,
				len(in.Economics.GetMeasuredConsumptions()), len(in.ServiceUsage.GetProgrammeParticipations()))
		}
		v, err := features.Build(in)
		if err != nil {
			t.Fatalf("build: %v", err)
		}
		if len(v) == 0 {
			t.Fatal("empty vector")
		}
		if _, ok := features.Label(in.Economics); !ok {
			t.Error("family 0 was measured, but has no label")
		}
	})

	t.Run("a family without source data", func(t *testing.T) {
		in, err := e.src.Fetch(ctx, kk(withData+3), ref)
		if err != nil {
			t.Fatal(err)
		}
		if in.Family.GetKkNumber() != kk(withData+3) {
			t.Fatalf("family %q, want %s", in.Family.GetKkNumber(), kk(withData+3))
		}
		if in.Assets != nil || in.Economics != nil || in.ServiceUsage != nil {
			t.Fatalf("want nil summaries, got assets %v economics %v usage %v", in.Assets, in.Economics, in.ServiceUsage)
		}
		if _, err := features.Build(in); err != nil {
			t.Fatalf("build on the registry alone: %v", err)
		}
	})

	t.Run("an unknown KK", func(t *testing.T) {
		_, err := e.src.Fetch(ctx, unknownKK, ref)
		if !errors.Is(err, adapters.ErrFamilyNotFound) {
			t.Fatalf("err = %v, want ErrFamilyNotFound", err)
		}
	})

	t.Run("lister walks every family across pages", func(t *testing.T) {
		var got []string
		if err := e.src.Each(ctx, "", func(kk string) error { got = append(got, kk); return nil }); err != nil {
			t.Fatal(err)
		}
		want := make([]string, registered)
		for i := range want {
			want[i] = kk(i)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("listed %d families, want the %d registered", len(got), len(want))
		}
	})

	t.Run("lister by region", func(t *testing.T) {
		var want, got []string
		for _, f := range registrytest.Families(0, registered) {
			if strings.HasPrefix(f.GetRegionCode(), "32.04.") {
				want = append(want, f.GetKkNumber())
			}
		}
		if err := e.src.Each(ctx, "32.04", func(kk string) error { got = append(got, kk); return nil }); err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		slices.Sort(want)
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Fatalf("listed %d families in 32.04, want %d", len(got), len(want))
		}
	})

	t.Run("lister stops at fn's error", func(t *testing.T) {
		stop := errors.New("enough")
		n := 0
		err := e.src.Each(ctx, "", func(string) error {
			n++
			if n == 3 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 3 {
			t.Fatalf("err %v after %d calls, want %v after 3", err, n, stop)
		}
	})

	t.Run("labels are the measured families", func(t *testing.T) {
		var got []string
		if err := e.src.MeasuredFamilies(ctx, func(kk string) error { got = append(got, kk); return nil }); err != nil {
			t.Fatal(err)
		}
		var want []string
		for f := 0; f < withData; f += 2 {
			want = append(want, kk(f))
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("label families %v, want %v", got, want)
		}
	})

	t.Run("fetch many", func(t *testing.T) {
		kks := []string{unknownKK}
		for i := range withData + 5 {
			kks = append(kks, kk(i))
		}
		seen := map[string]int{}
		err := adapters.FetchMany(ctx, e.src, kks, ref, 3, func(k string, in features.Input, err error) error {
			seen[k]++
			switch {
			case k == unknownKK:
				if !errors.Is(err, adapters.ErrFamilyNotFound) {
					t.Errorf("%s: err %v, want ErrFamilyNotFound", k, err)
				}
			case err != nil:
				t.Errorf("%s: %v", k, err)
			case in.Family.GetKkNumber() != k:
				t.Errorf("%s: got family %s", k, in.Family.GetKkNumber())
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range kks {
			if seen[k] != 1 {
				t.Errorf("%s reported %d times", k, seen[k])
			}
		}
		if len(seen) != len(kks) {
			t.Errorf("reported %d KKs, want %d", len(seen), len(kks))
		}
	})

	t.Run("a stopped source service", func(t *testing.T) {
		var addr string
		t.Run("serve", func(t *testing.T) {
			as := assettest.Start(t, storagetest.SQLiteURL(t), e.reg.Addr, assettest.Options{Auth: e.reg.Auth, NoFeed: true})
			addr = as.Addr
		}) // the harness stops with its subtest
		conns := e.conns
		conns.Asset = dialAsScoring(t, e.reg, addr)
		_, err := adapters.New(conns).Fetch(ctx, kk(0), ref)
		var se *adapters.SourceError
		if !errors.As(err, &se) || se.Context != adapters.ContextAsset {
			t.Fatalf("err = %v, want a SourceError of the asset context", err)
		}
		if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "asset") {
			t.Errorf("err = %v (%v), want UNAVAILABLE naming asset", err, status.Code(err))
		}
	})

	t.Run("a refused caller", func(t *testing.T) {
		// A citizen's forwarded token may not read another family: the
		// refusal is an error, never a family without data.
		ctx := authtest.WithToken(ctx, e.reg.Auth.Token(t, authtest.Citizen(registrytest.Family(1).GetHeadNik())))
		_, err := e.src.Fetch(ctx, kk(0), ref)
		if status.Code(err) != codes.PermissionDenied {
			t.Fatalf("err = %v, want PERMISSION_DENIED", err)
		}
	})
}
