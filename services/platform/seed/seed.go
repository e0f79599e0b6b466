// Package seed loads demo records into a running service through its public
// ImportRecords API, as an agency's integration would. Each context's
// `<context>-seed` command builds its messages and hands them here; `make
// run` runs them after the services start.
package seed

import (
	"context"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/config"
)

// Stream is a client-streaming ImportRecords call.
type Stream[M any] interface {
	Send(M) error
	CloseAndRecv() (*typev1.ImportSummary, error)
}

// Options are the seed command's settings, read from the environment.
type Options struct {
	Addr     string
	Families int
	Wait     time.Duration
}

// Main parses the seed command's configuration (DTSEN_SEED_<CONTEXT>_ADDR,
// DTSEN_SEED_FAMILIES, DTSEN_SEED_WAIT), waits for the service to be healthy,
// runs load and prints the summary. It exits the process on failure.
func Main(context_, defaultAddr string, load func(ctx context.Context, conn *grpc.ClientConn, o Options) (*typev1.ImportSummary, error)) {
	if err := run(context_, defaultAddr, load); err != nil && err != config.ErrHelp {
		fmt.Fprintf(os.Stderr, "%s-seed: %v\n", context_, err)
		os.Exit(1)
	}
}

func run(context_, defaultAddr string, load func(context.Context, *grpc.ClientConn, Options) (*typev1.ImportSummary, error)) error {
	cfg := config.New(context_ + "-seed")
	var o Options
	cfg.StringVar(&o.Addr, "DTSEN_SEED_"+envName(context_)+"_ADDR", defaultAddr, context_+" gRPC address")
	cfg.IntVar(&o.Families, "DTSEN_SEED_FAMILIES", 200, "number of demo families to load")
	cfg.DurationVar(&o.Wait, "DTSEN_SEED_WAIT", 30*time.Second, "how long to wait for the service to become healthy")
	if err := cfg.Parse(os.Args[1:]); err != nil {
		return err
	}
	conn, err := grpc.NewClient(o.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), o.Wait)
	defer cancel()
	if err := waitHealthy(ctx, healthpb.NewHealthClient(conn)); err != nil {
		return fmt.Errorf("%s at %s not healthy: %w", context_, o.Addr, err)
	}
	sum, err := load(context.Background(), conn, o)
	if err != nil {
		return err
	}
	if sum.GetReplayed() {
		fmt.Printf("%s: demo data already loaded (%d records)\n", context_, sum.GetAcceptedCount())
		return nil
	}
	fmt.Printf("%s: demo data loaded, %d records accepted, %d unchanged, %d rejected\n",
		context_, sum.GetAcceptedCount(), sum.GetUnchangedCount(), sum.GetRejectedCount())
	return nil
}

// Send streams the header message and then every record, and returns the
// summary. A server that answers early (a replayed batch) ends the sending.
func Send[M any](stream Stream[M], header M, records func(yield func(M) bool)) (*typev1.ImportSummary, error) {
	if err := stream.Send(header); err != nil {
		return stream.CloseAndRecv()
	}
	for msg := range records {
		if err := stream.Send(msg); err != nil {
			break
		}
	}
	return stream.CloseAndRecv()
}

// Header is the batch header every seed uses: the agency's source name and a
// fixed batch id per size, so running a seed again is a no-op.
func Header(source string, o Options) *typev1.ImportBatchHeader {
	return &typev1.ImportBatchHeader{Source: source, BatchId: fmt.Sprintf("demo-seed-%d", o.Families)}
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

func envName(s string) string {
	out := []byte(s)
	for i, c := range out {
		if c >= 'a' && c <= 'z' {
			out[i] = c - 'a' + 'A'
		}
	}
	return string(out)
}
