// Command registry-seed loads the demo families into a running registry
// through its public ImportRecords API, as Dukcapil's integration would. The
// batch id is fixed, so running it again is a no-op.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/config"
	"github.com/dtsen-id/dtsen/services/registry/demo"
)

func main() {
	if err := run(); err != nil && err != config.ErrHelp {
		fmt.Fprintln(os.Stderr, "registry-seed:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg := config.New("registry-seed")
	addr := cfg.String("DTSEN_SEED_REGISTRY_ADDR", "127.0.0.1:9101", "registry gRPC address")
	families := cfg.Int("DTSEN_SEED_FAMILIES", 200, "number of demo families to load")
	wait := cfg.Duration("DTSEN_SEED_WAIT", 30*time.Second, "how long to wait for the registry to become healthy")
	if err := cfg.Parse(os.Args[1:]); err != nil {
		return err
	}
	conn, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), *wait)
	defer cancel()
	if err := waitHealthy(ctx, healthpb.NewHealthClient(conn)); err != nil {
		return fmt.Errorf("registry at %s not healthy: %w", *addr, err)
	}

	stream, err := registryv1.NewRegistryServiceClient(conn).ImportRecords(context.Background())
	if err != nil {
		return err
	}
	header := &typev1.ImportBatchHeader{Source: "dukcapil", BatchId: fmt.Sprintf("demo-seed-%d", *families)}
	if err := stream.Send(&registryv1.ImportRecordsRequest{Payload: &registryv1.ImportRecordsRequest_Header{Header: header}}); err != nil {
		return err
	}
	for i := 0; i < *families; i++ {
		msg := &registryv1.ImportRecordsRequest{Payload: &registryv1.ImportRecordsRequest_Family{Family: demo.Family(i)}}
		if err := stream.Send(msg); err != nil {
			break // the server answered early (a replayed batch); CloseAndRecv has the summary
		}
	}
	sum, err := stream.CloseAndRecv()
	if err != nil {
		return err
	}
	if sum.GetReplayed() {
		fmt.Printf("demo data already loaded (%d families)\n", sum.GetAcceptedCount())
		return nil
	}
	fmt.Printf("demo data loaded: %d families accepted, %d unchanged, %d rejected\n",
		sum.GetAcceptedCount(), sum.GetUnchangedCount(), sum.GetRejectedCount())
	return nil
}

func waitHealthy(ctx context.Context, hc healthpb.HealthClient) error {
	for {
		resp, err := hc.Check(ctx, &healthpb.HealthCheckRequest{})
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return nil
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return err
			}
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
