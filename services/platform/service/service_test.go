package service_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	auditv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/audit/v1"
	"github.com/dtsen-id/dtsen/services/platform/config"
	"github.com/dtsen-id/dtsen/services/platform/service"
)

func TestRun(t *testing.T) {
	t.Setenv("DTSEN_DEMO_DATABASE_URL", "sqlite:"+filepath.Join(t.TempDir(), "demo.db"))
	t.Setenv("DTSEN_DEMO_GRPC_ADDR", "127.0.0.1:0")
	t.Setenv("DTSEN_AUTH_ISSUER", "http://127.0.0.1:1") // never contacted: no RPC is made
	opts := service.Options{Name: "demo", DefaultGRPCAddr: "127.0.0.1:0"}

	t.Run("--help lists the variables and stops", func(t *testing.T) {
		var declared bool
		o := opts
		o.Config = func(cfg *config.Set) { cfg.String("DTSEN_DEMO_EXTRA", "x", "an extra variable"); declared = true }
		err := service.Run(context.Background(), o, []string{"--help"}, func(context.Context, *service.Deps) error {
			t.Fatal("registered despite --help")
			return nil
		})
		if !errors.Is(err, config.ErrHelp) || !declared {
			t.Fatalf("err=%v declared=%v", err, declared)
		}
	})

	t.Run("serves until the context ends, with a migrated database", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- service.Run(ctx, opts, nil, func(ctx context.Context, d *service.Deps) error {
				if _, err := d.Outbox.Head(ctx); err != nil { // the outbox tables exist
					return err
				}
				d.Background(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
				cancel()
				return nil
			})
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
	})

	t.Run("serves Prometheus metrics on DTSEN_<NAME>_METRICS_ADDR", func(t *testing.T) {
		t.Setenv("DTSEN_DEMO_METRICS_ADDR", "127.0.0.1:0")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var body string
		err := service.Run(ctx, opts, nil, func(ctx context.Context, d *service.Deps) error {
			if d.MetricsAddr == "" {
				return errors.New("no metrics address in Deps")
			}
			d.Background(func(ctx context.Context) error {
				defer cancel()
				for d.Server.Addr() == "" {
					time.Sleep(5 * time.Millisecond)
				}
				conn, err := grpc.NewClient(d.Server.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
				if err != nil {
					return err
				}
				defer conn.Close()
				// Refused without a token, and counted.
				_, _ = auditv1.NewAuditServiceClient(conn).ListAuditEvents(ctx, &auditv1.ListAuditEventsRequest{})
				res, err := http.Get("http://" + d.MetricsAddr + "/metrics")
				if err != nil {
					return err
				}
				defer res.Body.Close()
				b, err := io.ReadAll(res.Body)
				body = string(b)
				return err
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`target_info{service_name="dtsen-demo"`,
			`rpc_server_call_duration_seconds_count{`, `rpc_method="dtsen.audit.v1.AuditService/ListAuditEvents"`,
			`rpc_response_status_code="UNAUTHENTICATED"`} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %s:\n%s", want, body)
			}
		}
	})

	t.Run("refuses to start without a token issuer", func(t *testing.T) {
		t.Setenv("DTSEN_AUTH_ISSUER", "")
		err := service.Run(context.Background(), opts, nil, func(context.Context, *service.Deps) error {
			t.Fatal("registered without an issuer")
			return nil
		})
		if err == nil || !strings.Contains(err.Error(), "DTSEN_AUTH_ISSUER") {
			t.Fatalf("Run returned %v, want an error naming DTSEN_AUTH_ISSUER", err)
		}
	})

	t.Run("a failing background task stops the process with its error", func(t *testing.T) {
		boom := errors.New("consumer broke")
		err := service.Run(context.Background(), opts, nil, func(ctx context.Context, d *service.Deps) error {
			d.Background(func(context.Context) error { return boom })
			return nil
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Run returned %v, want %v", err, boom)
		}
	})
}
