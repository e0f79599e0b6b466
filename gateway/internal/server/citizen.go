package server

import (
	"fmt"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	"github.com/dtsen-id/dtsen/gateway/internal/citizen"
)

// registerCitizen adds citizen self-service (ADR 0009): the anonymous
// POST /v1/citizen:check, and the service that verifies the session tokens
// it issues (authenticate). Its upstream calls go through trackedConn like
// every other, so the method table is checked for the delegated citizen.
func (g *gateway) registerCitizen(opts Options) error {
	key := opts.Citizen.SessionKey
	if key == nil {
		key = citizen.RandomKey()
	}
	sessions, err := citizen.NewSessions(key)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	tracked := func(cc grpc.ClientConnInterface) grpc.ClientConnInterface {
		if cc == nil {
			return nil
		}
		return trackedConn{cc: cc}
	}
	c := opts.Citizen
	g.citizen, err = citizen.New(citizen.Config{
		Sessions: sessions, Tokens: c.Tokens, Actor: c.Actor,
		Registry: tracked(opts.Registry), Scoring: tracked(opts.Scoring), Grievance: tracked(opts.Grievance),
		Limiter: g.abuse.limiter, Limits: c.Limits, PerNIK: g.abuse.policy.PerNIK, ClientIP: g.abuse.clientIP,
		Redis: c.Redis, RedisPrefix: c.RedisPrefix, CacheTTL: c.CacheTTL, FailureFloor: c.FailureFloor,
		Logger: g.log, RequestID: RequestIDFromContext, WriteError: g.writeErrorOf,
	})
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	if err := g.mux.HandlePath(http.MethodPost, citizen.CheckPath, func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
		g.citizen.ServeHTTP(w, r)
	}); err != nil {
		return fmt.Errorf("server: register %s: %w", citizen.CheckPath, err)
	}
	return nil
}

// writeErrorOf answers err as the mux's error handler would: 413 for a body
// over the limit, the gateway's reasons for errors without one.
func (g *gateway) writeErrorOf(w http.ResponseWriter, r *http.Request, err error) {
	if rs := stateFrom(r.Context()); rs != nil && rs.bodyTooLarge.Load() {
		writeError(w, http.StatusRequestEntityTooLarge, tooLargeStatus(g.maxBody))
		return
	}
	st := status.Convert(err)
	if !hasErrorInfo(st.Proto()) {
		st = g.annotate(st, true)
	}
	writeError(w, runtime.HTTPStatusFromCode(st.Code()), st)
}
