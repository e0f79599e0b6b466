package ports_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/income/demo"
	"github.com/dtsen-id/dtsen/services/income/incometest"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
)

// The workload: 200,000 income records, one per person of 50,000
// registered families, in one batch.
const (
	benchIncomes  = 200_000
	benchFamilies = benchIncomes / demo.MembersPerFamily
)

// BenchmarkImport streams the workload through the gRPC ImportRecords call
// into a fresh PostgreSQL schema: decoding, validation, the registry
// cross-check of every NIK (batched LookupIdentities against a real
// registry holding the 50,000 families), COPY, the outbox and the batch
// ledger all included. The registry's own load is not timed.
func BenchmarkImport(b *testing.B) {
	records := make([]*incomev1.Income, benchIncomes)
	for f := 0; f < benchFamilies; f++ {
		fam := registrytest.Family(f)
		for m := 0; m < demo.MembersPerFamily; m++ {
			i := f*demo.MembersPerFamily + m
			records[i] = demo.IncomeOf(fam.GetMembers()[m].GetNik(), i)
		}
	}
	b.StopTimer()
	reg := registrytest.Start(b, storagetest.PostgresURL(b), registrytest.Options{})
	registrytest.Import(b, reg.Client, "bench-families", registrytest.Families(0, benchFamilies)...)
	b.StartTimer()

	b.Run("postgres/grpc-import", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			inc := incometest.Start(b, storagetest.PostgresURL(b), reg.Addr, incometest.Options{NoFeed: true, Auth: reg.Auth})
			b.StartTimer()
			start := time.Now()
			sum := importAll(b, inc.Client, fmt.Sprintf("bench-%d", i), records)
			elapsed := time.Since(start)
			if sum.AcceptedCount != benchIncomes {
				b.Fatalf("accepted %d of %d: %v", sum.AcceptedCount, benchIncomes, sum.Rejections[:min(3, len(sum.Rejections))])
			}
			b.ReportMetric(float64(benchIncomes)/elapsed.Seconds(), "records/s")
		}
	})
	// The raw baseline: the same rows with pgx CopyFrom straight into the
	// same table and indexes, with no gRPC, validation, cross-check, outbox
	// or ledger.
	b.Run("postgres/raw-copy", func(b *testing.B) {
		rows := incomeRows(records)
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			url := storagetest.PostgresURL(b)
			storagetest.Open(b, url, incometest.Migrations...)
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
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"incomes"}, incomeCols, pgx.CopyFromRows(rows)); err != nil {
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

func importAll(b *testing.B, client incomev1.IncomeServiceClient, batch string, records []*incomev1.Income) *typev1.ImportSummary {
	stream, err := client.ImportRecords(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if err := stream.Send(incometest.Header(batch)); err != nil {
		b.Fatal(err)
	}
	for _, x := range records {
		if err := stream.Send(incometest.IncomeRecord(x)); err != nil {
			b.Fatal(err)
		}
	}
	sum, err := stream.CloseAndRecv()
	if err != nil {
		b.Fatal(err)
	}
	return sum
}

var incomeCols = []string{"nik", "source", "period_start", "period_end", "monthly_amount", "source_agency", "observation_date",
	"match_status", "match_reason", "flags", "create_time", "update_time"}

func incomeRows(records []*incomev1.Income) [][]any {
	now := time.Now().UnixMicro()
	out := make([][]any, len(records))
	for i, x := range records {
		out[i] = []any{x.Nik, int64(x.Source), x.PeriodStart, x.PeriodEnd, x.MonthlyAmount, x.SourceAgency, x.ObservationDate,
			int64(1), "", int64(0), now, now}
	}
	return out
}
