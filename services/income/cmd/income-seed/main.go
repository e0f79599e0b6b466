// Command income-seed loads demo income records into a running income
// service through its public ImportRecords API, as BPS, BPJS
// Ketenagakerjaan and OJK integrations would. The records belong to the
// registry's demo families, so load those first (registry-seed) with the same
// DTSEN_SEED_FAMILIES. Running it again is a no-op.
package main

import (
	"context"

	"google.golang.org/grpc"

	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/income/demo"
	"github.com/dtsen-id/dtsen/services/platform/seed"
)

func main() {
	seed.Main("income", "127.0.0.1:9103", func(ctx context.Context, conn *grpc.ClientConn, o seed.Options) (*typev1.ImportSummary, error) {
		stream, err := incomev1.NewIncomeServiceClient(conn).ImportRecords(ctx)
		if err != nil {
			return nil, err
		}
		header := &incomev1.ImportRecordsRequest{Payload: &incomev1.ImportRecordsRequest_Header{Header: seed.Header("demo", o)}}
		return seed.Send(stream, header, func(yield func(*incomev1.ImportRecordsRequest) bool) {
			for f := 0; f < o.Families; f++ {
				var msgs []*incomev1.ImportRecordsRequest
				for m := 0; m < demo.MembersPerFamily; m++ {
					msgs = append(msgs, &incomev1.ImportRecordsRequest{Payload: &incomev1.ImportRecordsRequest_Income{
						Income: demo.Income(f*demo.MembersPerFamily + m)}})
				}
				msgs = append(msgs,
					&incomev1.ImportRecordsRequest{Payload: &incomev1.ImportRecordsRequest_Employment{Employment: demo.Employment(f)}},
					&incomev1.ImportRecordsRequest{Payload: &incomev1.ImportRecordsRequest_Consumption{Consumption: demo.Consumption(f)}},
					&incomev1.ImportRecordsRequest{Payload: &incomev1.ImportRecordsRequest_BankingPattern{BankingPattern: demo.BankingPattern(f)}})
				for _, m := range msgs {
					if !yield(m) {
						return
					}
				}
			}
		})
	})
}
