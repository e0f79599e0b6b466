// Command registry-seed loads the demo families into a running registry
// through its public ImportRecords API, as Dukcapil's integration would.
// Running it again is a no-op.
package main

import (
	"context"

	"google.golang.org/grpc"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/seed"
	"github.com/dtsen-id/dtsen/services/registry/demo"
)

func main() {
	seed.Main("registry", "127.0.0.1:9101", func(ctx context.Context, conn *grpc.ClientConn, o seed.Options) (*typev1.ImportSummary, error) {
		stream, err := registryv1.NewRegistryServiceClient(conn).ImportRecords(ctx)
		if err != nil {
			return nil, err
		}
		header := &registryv1.ImportRecordsRequest{Payload: &registryv1.ImportRecordsRequest_Header{Header: seed.Header("dukcapil", o)}}
		return seed.Send(stream, header, func(yield func(*registryv1.ImportRecordsRequest) bool) {
			for i := 0; i < o.Families; i++ {
				if !yield(&registryv1.ImportRecordsRequest{Payload: &registryv1.ImportRecordsRequest_Family{Family: demo.Family(i)}}) {
					return
				}
			}
		})
	})
}
