package ports_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	suv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
	"github.com/dtsen-id/dtsen/services/serviceusage/demo"
	"github.com/dtsen-id/dtsen/services/serviceusage/serviceusagetest"
)

// The workload: 200,000 health-coverage records (one per person of
// 50,000 registered families), in one batch.
const benchFamilies = 50_000

func benchData() []*suv1.HealthCoverage {
	out := make([]*suv1.HealthCoverage, 0, benchFamilies*4)
	for i := range benchFamilies {
		for m := range 4 {
			out = append(out, demo.HealthCoverage(i, m))
		}
	}
	return out
}

// BenchmarkImport streams the workload through gRPC ImportRecords into
// PostgreSQL: decoding, validation, the registry cross-check over gRPC
// (LookupIdentities, batched per chunk), COPY, the outbox and the batch
// ledger all included. The registry (also on PostgreSQL) holds the 50,000
// families, so every record matches. Beside it, the raw baseline: the same
// rows with pgx CopyFrom straight into the same table and indexes.
func BenchmarkImport(b *testing.B) {
	recs := benchData()
	regURL := storagetest.PostgresURL(b)
	reg := registrytest.Start(b, regURL, registrytest.Options{})
	registrytest.Import(b, reg.Client, "bench-seed", registrytest.Families(0, benchFamilies)...)

	b.Run("postgres/grpc-import", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			svc := serviceusagetest.Start(b, storagetest.PostgresURL(b), reg.Addr, serviceusagetest.Options{NoFeed: true, Auth: reg.Auth})
			b.StartTimer()
			start := time.Now()
			sum := importAll(b, svc.Client, fmt.Sprintf("bench-%d", i), recs)
			elapsed := time.Since(start)
			if sum.GetAcceptedCount() != int64(len(recs)) {
				b.Fatalf("accepted %d of %d: %v", sum.GetAcceptedCount(), len(recs), sum.GetRejections()[:min(3, len(sum.GetRejections()))])
			}
			b.ReportMetric(float64(len(recs))/elapsed.Seconds(), "records/s")
			var unmatched int
			if err := svc.DB.QueryRowContext(context.Background(), "SELECT /* dtsen:fanout benchmark counts every unmatched coverage */ count(*) FROM health_coverages WHERE match_status <> 1").Scan(&unmatched); err != nil || unmatched != 0 {
				b.Fatalf("%d records not matched: %v", unmatched, err)
			}
		}
	})
	b.Run("postgres/raw-copy", func(b *testing.B) {
		rows := rawRows(recs)
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			url := storagetest.PostgresURL(b)
			storagetest.Open(b, url, serviceusagetest.Migrations...)
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
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"health_coverages"}, rawCols, pgx.CopyFromRows(rows)); err != nil {
				b.Fatal(err)
			}
			if err := tx.Commit(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(rows))/time.Since(start).Seconds(), "records/s")
			b.StopTimer()
			_ = conn.Close(ctx)
			b.StartTimer()
		}
	})
}

func importAll(b *testing.B, client suv1.ServiceUsageServiceClient, batch string, recs []*suv1.HealthCoverage) *typev1.ImportSummary {
	stream, err := client.ImportRecords(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if err := stream.Send(serviceusagetest.Header("bpjs-kesehatan", batch)); err != nil {
		b.Fatal(err)
	}
	for _, h := range recs {
		if err := stream.Send(demo.Health(h)); err != nil {
			b.Fatal(err)
		}
	}
	sum, err := stream.CloseAndRecv()
	if err != nil {
		b.Fatal(err)
	}
	return sum
}

var rawCols = []string{"name", "nik", "membership_class", "outpatient_visits", "inpatient_admissions", "chronic_illness",
	"source_agency", "observation_date", "match_status", "unmatched_reason", "flags", "family_kk", "version", "create_time", "update_time"}

func rawRows(recs []*suv1.HealthCoverage) [][]any {
	now := time.Now().UnixMicro()
	rows := make([][]any, len(recs))
	for i, h := range recs {
		rows[i] = []any{hcName(h.Nik, h.SourceAgency), h.Nik, int64(h.MembershipClass), int64(h.OutpatientVisits),
			int64(h.InpatientAdmissions), h.ChronicIllness, h.SourceAgency, h.ObservationDate, int64(1), "", int64(0),
			"3204120000010001", int64(1), now, now}
	}
	return rows
}
