package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
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
func (g *gateway) registerOperational(registry grpc.ClientConnInterface, healthService string, timeout time.Duration) error {
	if !json.Valid(openapi.Document) {
		return fmt.Errorf("server: embedded OpenAPI document is not valid JSON")
	}
	health := healthpb.NewHealthClient(registry)

	handlers := []struct {
		path string
		h    runtime.HandlerFunc
	}{
		{PathHealthz, func(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
			// Liveness: the gateway process serves HTTP. Upstreams are /readyz's job.
			writeJSON(w, http.StatusOK, map[string]any{"status": "SERVING"})
		}},
		{PathReadyz, func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
			ctx, cancel := context.WithTimeout(r.Context(), timeout)
			defer cancel()
			resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: healthService})
			state := "UNREACHABLE"
			if err == nil {
				state = resp.GetStatus().String()
			}
			if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
				writeError(w, http.StatusServiceUnavailable, gatewayError(codes.Unavailable, ReasonUpstreamNotReady,
					"upstream registry is not serving", "Layanan registri belum siap.",
					map[string]string{"upstream": "registry", "state": state}))
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"status": "SERVING", "upstreams": map[string]string{"registry": state}})
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
