package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/dtsen-id/dtsen/gateway/internal/openapi"
)

// Operational paths served by the gateway itself.
const (
	PathHealthz = "/healthz"
	PathReadyz  = "/readyz"
	PathOpenAPI = "/openapi.json"
)

// registerOperational adds /healthz, /readyz and /openapi.json to the mux, so
// they share its routing (unknown methods get the JSON 405 body too).
func (g *gateway) registerOperational(ups []upstream, registryHealthService string, timeout time.Duration) error {
	if !json.Valid(openapi.Document) {
		return fmt.Errorf("server: embedded OpenAPI document is not valid JSON")
	}

	handlers := []struct {
		path string
		h    runtime.HandlerFunc
	}{
		{PathHealthz, func(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
			// Liveness: the gateway process serves HTTP. Upstreams are /readyz's job.
			writeJSON(w, http.StatusOK, map[string]any{"status": "SERVING"})
		}},
		{PathReadyz, func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
			// Ready when the registry answers its health check: every token's
			// family and region decisions and the citizen check need it. The
			// other upstreams are asked too (in parallel, so one slow service
			// costs one timeout) and reported, but do not make the gateway
			// unready: every replica asks the same services, so a restarting
			// scoring service would otherwise take the whole public API —
			// citizen pages included — out of the load balancer, where its
			// routes alone answer UNAVAILABLE and the check degrades.
			ctx, cancel := context.WithTimeout(r.Context(), timeout)
			defer cancel()
			states := make([]string, len(ups))
			var wg sync.WaitGroup
			for i, u := range ups {
				wg.Add(1)
				go func() {
					defer wg.Done()
					service := ""
					if u.name == "registry" {
						service = registryHealthService
					}
					resp, err := healthpb.NewHealthClient(u.conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service})
					states[i] = "UNREACHABLE"
					if err == nil {
						states[i] = resp.GetStatus().String()
					}
				}()
			}
			wg.Wait()
			report := map[string]string{}
			status := "SERVING"
			for i, u := range ups {
				report[u.name] = states[i]
				serving := states[i] == healthpb.HealthCheckResponse_SERVING.String()
				if !serving && u.name == "registry" {
					writeError(w, http.StatusServiceUnavailable, gatewayError(codes.Unavailable, ReasonUpstreamNotReady,
						"upstream "+u.name+" is not serving", "Layanan "+u.name+" belum siap.",
						map[string]string{"upstream": u.name, "state": states[i]}))
					return
				}
				if !serving {
					status = "DEGRADED"
				}
			}
			writeJSON(w, http.StatusOK, map[string]any{"status": status, "upstreams": report})
		}},
		{PathOpenAPI, func(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "public, max-age=300")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(openapi.Document)
		}},
	}
	for _, e := range handlers {
		if err := g.mux.HandlePath(http.MethodGet, e.path, e.h); err != nil {
			return fmt.Errorf("server: register %s: %w", e.path, err)
		}
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	buf, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf)
}
