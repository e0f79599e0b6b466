// Command asset-seed loads the demo families' housing, holdings, land and
// vehicles into a running asset service through its ImportRecords API, one
// batch per agency as each would send its own (BPS the house and holdings,
// ATR/BPN the land, Korlantas the vehicles). Load the registry's demo
// families first (registry-seed, same DTSEN_SEED_FAMILIES). Running it again
// is a no-op.
package main

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/asset/demo"
	"github.com/dtsen-id/dtsen/services/platform/seed"
)

func main() {
	seed.Main("asset", "127.0.0.1:9102", func(ctx context.Context, conn *grpc.ClientConn, o seed.Options) (*typev1.ImportSummary, error) {
		client := assetv1.NewAssetServiceClient(conn)
		batches := []struct {
			source  string
			records func(family int) []*assetv1.ImportRecordsRequest
		}{
			{demo.SourceBPS, func(i int) []*assetv1.ImportRecordsRequest {
				return []*assetv1.ImportRecordsRequest{
					{Payload: &assetv1.ImportRecordsRequest_Housing{Housing: demo.Housing(i)}},
					{Payload: &assetv1.ImportRecordsRequest_Holdings{Holdings: demo.Holdings(i)}},
				}
			}},
			{demo.SourceATRBPN, func(i int) []*assetv1.ImportRecordsRequest {
				return []*assetv1.ImportRecordsRequest{{Payload: &assetv1.ImportRecordsRequest_LandParcel{LandParcel: demo.LandParcel(i)}}}
			}},
			{demo.SourceKorlantas, func(i int) []*assetv1.ImportRecordsRequest {
				var out []*assetv1.ImportRecordsRequest
				for v := 0; v < demo.VehiclesPerFamily; v++ {
					out = append(out, &assetv1.ImportRecordsRequest{Payload: &assetv1.ImportRecordsRequest_Vehicle{
						Vehicle: demo.Vehicle(i*demo.VehiclesPerFamily + v)}})
				}
				return out
			}},
		}
		total := &typev1.ImportSummary{Replayed: true}
		for _, b := range batches {
			stream, err := client.ImportRecords(ctx)
			if err != nil {
				return nil, err
			}
			header := &assetv1.ImportRecordsRequest{Payload: &assetv1.ImportRecordsRequest_Header{Header: seed.Header(b.source, o)}}
			sum, err := seed.Send(stream, header, func(yield func(*assetv1.ImportRecordsRequest) bool) {
				for i := 0; i < o.Families; i++ {
					for _, m := range b.records(i) {
						if !yield(m) {
							return
						}
					}
				}
			})
			if err != nil {
				return nil, err
			}
			merge(total, sum)
		}
		return total, nil
	})
}

func merge(total, s *typev1.ImportSummary) {
	total.ReceivedCount += s.GetReceivedCount()
	total.AcceptedCount += s.GetAcceptedCount()
	total.UnchangedCount += s.GetUnchangedCount()
	total.RejectedCount += s.GetRejectedCount()
	total.Rejections = append(total.Rejections, proto.Clone(s).(*typev1.ImportSummary).GetRejections()...)
	total.Replayed = total.Replayed && s.GetReplayed()
}
