// Command serviceusage-seed loads the demo families' health coverage, school
// enrolment, utilities and programme records into a running service-usage
// service through its ImportRecords API. Load the registry's demo families
// first (registry-seed, same DTSEN_SEED_FAMILIES). Running it again is a
// no-op.
package main

import (
	"context"
	"time"

	"google.golang.org/grpc"

	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/seed"
	"github.com/dtsen-id/dtsen/services/serviceusage/demo"
)

func main() {
	seed.Main("serviceusage", "127.0.0.1:9104", func(ctx context.Context, conn *grpc.ClientConn, o seed.Options) (*typev1.ImportSummary, error) {
		stream, err := serviceusagev1.NewServiceUsageServiceClient(conn).ImportRecords(ctx)
		if err != nil {
			return nil, err
		}
		header := &serviceusagev1.ImportRecordsRequest{Payload: &serviceusagev1.ImportRecordsRequest_Header{Header: seed.Header("demo", o)}}
		now := time.Now()
		return seed.Send(stream, header, func(yield func(*serviceusagev1.ImportRecordsRequest) bool) {
			for i := 0; i < o.Families; i++ {
				for _, m := range demo.Records(i, now) {
					if !yield(m) {
						return
					}
				}
			}
		})
	})
}
