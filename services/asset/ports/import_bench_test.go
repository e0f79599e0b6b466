package ports_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/asset/assettest"
	"github.com/dtsen-id/dtsen/services/asset/demo"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
)

// The workload: 200,000 vehicles (Korlantas/Samsat), owned by the
// members of 50,000 registered families, in one batch.
const benchVehicles = 200_000

// BenchmarkImport streams the workload through the gRPC ImportRecords call
// into a fresh database: decoding, validation, the registry cross-check (a
// real registry holding the owners, reached over gRPC through the identity
// cache), COPY (on PostgreSQL), the outbox and the batch ledger all included.
// The registry runs on SQLite so that the PostgreSQL server serves only the
// asset service.
func BenchmarkImport(b *testing.B) {
	vehicles := make([]*assetv1.Vehicle, benchVehicles)
	for i := range vehicles {
		vehicles[i] = demo.Vehicle(i)
	}
	reg := registrytest.Start(b, storagetest.SQLiteURL(b), registrytest.Options{})
	registrytest.Import(b, reg.Client, "bench-families", registrytest.Families(0, benchVehicles/demo.VehiclesPerFamily)...)

	for _, engine := range []struct {
		name string
		url  func(testing.TB) string
	}{{"postgres", storagetest.PostgresURL}, {"sqlite", storagetest.SQLiteURL}} {
		b.Run(engine.name+"/grpc-import", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				a := assettest.Start(b, engine.url(b), reg.Addr, assettest.Options{NoFeed: true, Auth: reg.Auth})
				b.StartTimer()
				start := time.Now()
				sum := importVehicles(b, a.Client, fmt.Sprintf("bench-%d", i), vehicles)
				elapsed := time.Since(start)
				if sum.GetAcceptedCount() != benchVehicles {
					b.Fatalf("accepted %d of %d: %v", sum.GetAcceptedCount(), benchVehicles, sum.GetRejections()[:min(3, len(sum.GetRejections()))])
				}
				b.ReportMetric(float64(benchVehicles)/elapsed.Seconds(), "records/s")
			}
		})
	}
	// The raw baseline: the same rows with pgx CopyFrom straight into the same
	// tables (the vehicles and their key table) and indexes, with no gRPC,
	// validation, cross-check, outbox or ledger.
	b.Run("postgres/raw-copy", func(b *testing.B) {
		rows, keys := vehicleRows(vehicles), vehicleKeyRows(vehicles)
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			url := storagetest.PostgresURL(b)
			storagetest.Open(b, url, assettest.Migrations...)
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			start := time.Now()
			tx, err := conn.Begin(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"vehicle_keys"}, []string{"frame_number", "owner_nik"}, pgx.CopyFromRows(keys)); err != nil {
				b.Fatal(err)
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"vehicles"}, vehicleCols, pgx.CopyFromRows(rows)); err != nil {
				b.Fatal(err)
			}
			if err := tx.Commit(ctx); err != nil {
				b.Fatal(err)
			}
			elapsed := time.Since(start)
			b.ReportMetric(float64(len(rows))/elapsed.Seconds(), "records/s")
			b.StopTimer()
			_ = conn.Close(ctx)
			b.StartTimer()
		}
	})
}

func importVehicles(b *testing.B, client assetv1.AssetServiceClient, batch string, vehicles []*assetv1.Vehicle) *typev1.ImportSummary {
	stream, err := client.ImportRecords(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if err := stream.Send(assettest.Header(demo.SourceKorlantas, batch)); err != nil {
		b.Fatal(err)
	}
	for _, v := range vehicles {
		if err := stream.Send(assettest.Vehicle(v)); err != nil {
			b.Fatal(err)
		}
	}
	sum, err := stream.CloseAndRecv()
	if err != nil {
		b.Fatal(err)
	}
	return sum
}

var vehicleCols = []string{"frame_number", "owner_nik", "owner_family_kk", "source", "vehicle_type", "model_year",
	"estimated_value", "plate_number", "observation_date", "match_status", "match_reason", "flags", "version",
	"create_time", "update_time"}

func vehicleRows(vehicles []*assetv1.Vehicle) [][]any {
	now := time.Now().UnixMicro()
	rows := make([][]any, len(vehicles))
	for i, v := range vehicles {
		kk := registrytest.Family(i / demo.VehiclesPerFamily).GetKkNumber()
		rows[i] = []any{v.GetFrameNumber(), v.GetOwnerNik(), kk, v.GetSource(), int64(v.GetType()), int64(v.GetYear()),
			v.GetEstimatedValue(), v.GetPlateNumber(), v.GetObservationDate(), int64(1), "", "", int64(1), now, now}
	}
	return rows
}

func vehicleKeyRows(vehicles []*assetv1.Vehicle) [][]any {
	rows := make([][]any, len(vehicles))
	for i, v := range vehicles {
		rows[i] = []any{v.GetFrameNumber(), v.GetOwnerNik()}
	}
	return rows
}
