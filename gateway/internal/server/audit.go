package server

import (
	"context"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	auditv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/audit/v1"
)

// auditRouter is the AuditService client behind GET
// /v1/{parent=services/*}/auditEvents. Every service keeps and serves its own
// audit log, so there is no single upstream: the parent names the service,
// and the call goes to that service's connection.
type auditRouter struct {
	conns map[string]grpc.ClientConnInterface // by upstream name: "registry", "asset", ...
}

func newAuditRouter(ups []upstream) auditRouter {
	r := auditRouter{conns: map[string]grpc.ClientConnInterface{}}
	for _, u := range ups {
		r.conns[u.name] = trackedConn{cc: u.conn}
	}
	return r
}

func (r auditRouter) ListAuditEvents(ctx context.Context, req *auditv1.ListAuditEventsRequest, opts ...grpc.CallOption) (*auditv1.ListAuditEventsResponse, error) {
	name, _ := strings.CutPrefix(req.GetParent(), "services/")
	conn, ok := r.conns[name]
	if !ok {
		// The parent is not echoed: like every path segment, it is the
		// client's text and could be anything, a NIK included.
		return nil, gatewayError(codes.NotFound, ReasonServiceNotFound,
			"no such service behind this gateway", "Layanan tersebut tidak ada di balik gateway ini.", nil).Err()
	}
	return auditv1.NewAuditServiceClient(conn).ListAuditEvents(ctx, req, opts...)
}
