package ports_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
)

// BenchmarkReadFamily is what an officer's read of one family costs with the
// security model in the path: the token verified (ES256), the method table,
// the cache, the region decision and one audit insert. The baseline is a
// bare gRPC round trip to the same server (the health check, which has none
// of it).
func BenchmarkReadFamily(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			url := storagetest.SQLiteURL(b)
			if engine == "postgres" {
				url = storagetest.PostgresURL(b)
			}
			reg := registrytest.Start(b, url, registrytest.Options{})
			fams := registrytest.Seed(b, reg.Client, 64)
			officer := reg.ClientAs(b, authtest.Officer(auth.RoleDistrictOfficer, fams[0].GetRegionCode()[:5]))
			var inRegion []string
			for _, f := range fams {
				if auth.RegionWithin(f.GetRegionCode(), fams[0].GetRegionCode()[:5]) {
					inRegion = append(inRegion, f.GetKkNumber())
				}
			}
			ctx := context.Background()
			// Warm the cache and wait until it serves (it does once it follows the feed).
			deadline := time.Now().Add(10 * time.Second)
			for hits, _ := reg.Families.Stats(); hits == 0 && time.Now().Before(deadline); hits, _ = reg.Families.Stats() {
				for _, kk := range inRegion {
					if _, err := officer.GetFamily(ctx, &registryv1.GetFamilyRequest{Name: "families/" + kk}); err != nil {
						b.Fatal(err)
					}
				}
			}

			b.Run("bare-grpc-health (baseline)", func(b *testing.B) {
				hc := healthpb.NewHealthClient(reg.Conn)
				for b.Loop() {
					if _, err := hc.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("officer-get-family", func(b *testing.B) {
				i := 0
				for b.Loop() {
					kk := inRegion[i%len(inRegion)]
					i++
					if _, err := officer.GetFamily(ctx, &registryv1.GetFamilyRequest{Name: "families/" + kk}, grpc.WaitForReady(true)); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("officer-get-family-parallel", func(b *testing.B) {
				b.SetParallelism(8) // 16 callers in flight on two cores
				var next atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						kk := inRegion[int(next.Add(1))%len(inRegion)]
						if _, err := officer.GetFamily(ctx, &registryv1.GetFamilyRequest{Name: "families/" + kk}); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		})
	}
}
