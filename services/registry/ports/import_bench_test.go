package ports_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
)

// The workload: 200,000 persons in 50,000 families, in one batch.
const benchFamilies = 50_000

func benchData() []*registryv1.Family {
	fams := make([]*registryv1.Family, benchFamilies)
	for i := range fams {
		fams[i] = registrytest.Family(i)
	}
	return fams
}

func persons(fams []*registryv1.Family) int {
	n := 0
	for _, f := range fams {
		n += len(f.Members)
	}
	return n
}

// BenchmarkImport streams the workload through the gRPC ImportRecords call
// into a fresh database: decoding, validation, cross-checks, COPY (on
// PostgreSQL), the outbox and the batch ledger all included.
func BenchmarkImport(b *testing.B) {
	fams := benchData()
	for _, engine := range []struct {
		name string
		url  func(testing.TB) string
	}{{"postgres", storagetest.PostgresURL}, {"sqlite", storagetest.SQLiteURL}} {
		b.Run(engine.name+"/grpc-import", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				reg := registrytest.Start(b, engine.url(b), registrytest.Options{})
				b.StartTimer()
				start := time.Now()
				sum := importAll(b, reg.Client, fmt.Sprintf("bench-%d", i), fams)
				elapsed := time.Since(start)
				if sum.AcceptedCount != benchFamilies {
					b.Fatalf("accepted %d of %d: %v", sum.AcceptedCount, benchFamilies, sum.Rejections[:min(3, len(sum.Rejections))])
				}
				b.ReportMetric(float64(persons(fams))/elapsed.Seconds(), "persons/s")
			}
		})
	}
	// A quarterly update re-sends every family, most of them unchanged: the
	// same workload again, under a new batch id, into the database that
	// already holds it.
	for _, engine := range []struct {
		name string
		url  func(testing.TB) string
	}{{"postgres", storagetest.PostgresURL}, {"sqlite", storagetest.SQLiteURL}} {
		b.Run(engine.name+"/grpc-resend-unchanged", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				reg := registrytest.Start(b, engine.url(b), registrytest.Options{})
				if sum := importAll(b, reg.Client, "first", fams); sum.AcceptedCount != benchFamilies {
					b.Fatalf("first import accepted %d of %d", sum.AcceptedCount, benchFamilies)
				}
				b.StartTimer()
				start := time.Now()
				sum := importAll(b, reg.Client, "again", fams)
				elapsed := time.Since(start)
				if sum.UnchangedCount != benchFamilies {
					b.Fatalf("re-send: %d of %d unchanged", sum.UnchangedCount, benchFamilies)
				}
				b.ReportMetric(float64(persons(fams))/elapsed.Seconds(), "persons/s")
			}
		})
	}
	// The raw baseline: the same rows with pgx CopyFrom straight into the same
	// tables and indexes (person_keys included), with no gRPC, validation,
	// outbox or ledger.
	b.Run("postgres/raw-copy", func(b *testing.B) {
		famRows, personRows, keyRows := rows(fams)
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			url := storagetest.PostgresURL(b)
			storagetest.Open(b, url, registrytest.Migrations...)
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
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"families"}, familyCols, pgx.CopyFromRows(famRows)); err != nil {
				b.Fatal(err)
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"person_keys"}, []string{"nik", "family_kk"}, pgx.CopyFromRows(keyRows)); err != nil {
				b.Fatal(err)
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"persons"}, personCols, pgx.CopyFromRows(personRows)); err != nil {
				b.Fatal(err)
			}
			if err := tx.Commit(ctx); err != nil {
				b.Fatal(err)
			}
			elapsed := time.Since(start)
			b.ReportMetric(float64(len(personRows))/elapsed.Seconds(), "persons/s")
			b.StopTimer()
			_ = conn.Close(ctx)
			b.StartTimer()
		}
	})
}

func importAll(b *testing.B, client registryv1.RegistryServiceClient, batch string, fams []*registryv1.Family) *typev1.ImportSummary {
	stream, err := client.ImportRecords(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if err := stream.Send(&registryv1.ImportRecordsRequest{Payload: &registryv1.ImportRecordsRequest_Header{
		Header: &typev1.ImportBatchHeader{Source: "dukcapil", BatchId: batch}}}); err != nil {
		b.Fatal(err)
	}
	for _, f := range fams {
		if err := stream.Send(&registryv1.ImportRecordsRequest{Payload: &registryv1.ImportRecordsRequest_Family{Family: f}}); err != nil {
			b.Fatal(err)
		}
	}
	sum, err := stream.CloseAndRecv()
	if err != nil {
		b.Fatal(err)
	}
	return sum
}

var familyCols = []string{"kk", "head_nik", "region_code", "settlement", "street", "rt", "rw", "postal_code", "version", "create_time", "update_time"}

var personCols = []string{"nik", "family_kk", "full_name", "birth_place", "birth_date", "sex", "marital_status", "relation",
	"education", "occupation", "disability", "severe_disability", "vital_status", "death_date", "version", "create_time", "update_time"}

func rows(fams []*registryv1.Family) (famRows, personRows, keyRows [][]any) {
	now := time.Now().UnixMicro()
	for _, f := range fams {
		famRows = append(famRows, []any{f.KkNumber, f.HeadNik, f.RegionCode, int64(f.Settlement), f.Address.Street,
			f.Address.Rt, f.Address.Rw, f.Address.PostalCode, int64(1), now, now})
		for _, p := range f.Members {
			personRows = append(personRows, []any{p.Nik, f.KkNumber, p.FullName, p.BirthPlace, p.BirthDate, int64(p.Sex),
				int64(p.MaritalStatus), int64(p.RelationToHead), int64(p.Education), int64(p.Occupation), int64(p.Disability),
				p.SevereDisability, int64(p.VitalStatus), p.DeathDate, int64(1), now, now})
			keyRows = append(keyRows, []any{p.Nik, f.KkNumber})
		}
	}
	return famRows, personRows, keyRows
}
