package ports_test

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc/codes"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/redisx/redistest"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
)

// waitCaching reads kk until the cache serves a hit: the cache serves only
// once it follows the change feed.
func waitCaching(t *testing.T, reg *registrytest.Registry, kk string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		getFamily(t, reg.Client, kk)
		if hits, _ := reg.Families.Stats(); hits > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the family cache never served a hit")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestFamilyCache drives GetFamily's read-through cache through gRPC, in
// process and through Redis with two replicas sharing one database.
func TestFamilyCache(t *testing.T) {
	for _, backend := range []string{"in-process", "redis"} {
		t.Run(backend, func(t *testing.T) {
			url := storagetest.SQLiteURL(t)
			var rdb *redis.Client
			var prefix string
			if backend == "redis" {
				url = storagetest.PostgresURL(t)
				rdb, prefix = redistest.Real(t)
			}
			a := registrytest.Start(t, url, registrytest.Options{Redis: rdb, RedisPrefix: prefix})
			fams := registrytest.Seed(t, a.Client, 2)
			kk := fams[0].GetKkNumber()
			waitCaching(t, a, kk)

			t.Run("a hit is still authorised and audited", func(t *testing.T) {
				other := a.ClientAs(t, authtest.Citizen(fams[1].GetHeadNik()))
				_, err := getFamilyAs(t, other, kk)
				wantStatus(t, err, codes.PermissionDenied, auth.ReasonNotOwnFamily)

				officer := authtest.Officer(auth.RoleDistrictOfficer, fams[0].GetRegionCode()[:5])
				mark := auditMark(t, a)
				hits, _ := a.Families.Stats()
				if _, err := getFamilyAs(t, a.ClientAs(t, officer), kk); err != nil {
					t.Fatal(err)
				}
				if now, _ := a.Families.Stats(); now != hits+1 {
					t.Fatalf("hits %d -> %d, want a hit", hits, now)
				}
				wantAudit(t, a, mark, officer, "case_work", methodGetFamily, "families/"+kk)
			})

			t.Run("a write is read back at once", func(t *testing.T) {
				before := getFamily(t, a.Client, kk)
				upd := &registryv1.Family{Name: before.GetName(), Etag: before.GetEtag(),
					Address: &registryv1.Address{Street: "Jl. Cache 9", Rt: "001", Rw: "001", PostalCode: "40000"}}
				got, err := a.Client.UpdateFamily(ctx(t), &registryv1.UpdateFamilyRequest{Family: upd, UpdateMask: mask("address")})
				if err != nil {
					t.Fatal(err)
				}
				if after := getFamily(t, a.Client, kk); after.GetEtag() != got.GetEtag() || after.GetAddress().GetStreet() != "Jl. Cache 9" {
					t.Fatalf("read after write served %v", after)
				}
			})

			if rdb == nil {
				return
			}
			t.Run("another replica sees the write through the shared cache", func(t *testing.T) {
				b := registrytest.Start(t, url, registrytest.Options{Redis: rdb, RedisPrefix: prefix, Auth: a.Auth})
				waitCaching(t, b, fams[1].GetKkNumber())
				kk := fams[1].GetKkNumber()
				getFamily(t, b.Client, kk) // cached by b
				before := getFamily(t, a.Client, kk)
				got, err := a.Client.UpdateFamily(ctx(t), &registryv1.UpdateFamilyRequest{
					Family:     &registryv1.Family{Name: before.GetName(), Etag: before.GetEtag(), Settlement: registryv1.Settlement_SETTLEMENT_URBAN},
					UpdateMask: mask("settlement")})
				if err != nil {
					t.Fatal(err)
				}
				if after := getFamily(t, b.Client, kk); after.GetEtag() != got.GetEtag() {
					t.Fatalf("replica b served etag %s after replica a wrote %s", after.GetEtag(), got.GetEtag())
				}
			})
		})
	}
}
