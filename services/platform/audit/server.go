package audit

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	auditv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/audit/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/pagetoken"
)

// Reasons of ListAuditEvents' INVALID_ARGUMENT errors.
const (
	ReasonFilterInvalid = "AUDIT_FILTER_INVALID"
	ReasonParentInvalid = "AUDIT_PARENT_INVALID"
)

const (
	defaultPageSize = 50
	maxPageSize     = 500
)

// Server serves the log over gRPC to central administrators.
type Server struct {
	auditv1.UnimplementedAuditServiceServer
	log *Log
}

// NewServer returns the AuditService of log.
func NewServer(log *Log) *Server { return &Server{log: log} }

// ListAuditEvents lists the log newest first.
func (s *Server) ListAuditEvents(ctx context.Context, req *auditv1.ListAuditEventsRequest) (*auditv1.ListAuditEventsResponse, error) {
	if _, err := auth.Require(ctx, auth.RoleAdmin); err != nil {
		return nil, err
	}
	if req.GetParent() != "" && req.GetParent() != "services/"+s.log.service {
		return nil, apierror.New(codes.InvalidArgument, auth.Domain, ReasonParentInvalid).
			Message("parent names another service's log", "parent menunjuk log layanan lain").
			Field("parent", ReasonParentInvalid, "services/"+s.log.service).Err()
	}
	q, err := parseFilter(req.GetFilter())
	if err != nil {
		return nil, err
	}
	size := int(req.GetPageSize())
	switch {
	case size < 0:
		return nil, apierror.New(codes.InvalidArgument, auth.Domain, "PAGE_SIZE_INVALID").
			Message("page_size must not be negative", "page_size tidak boleh negatif").
			Field("page_size", "PAGE_SIZE_INVALID", "0 to 500").Err()
	case size == 0:
		size = defaultPageSize
	case size > maxPageSize:
		size = maxPageSize
	}
	if tok := req.GetPageToken(); tok != "" {
		after, err := pagetoken.Decode(auth.Domain, tok, req.GetFilter(), 1)
		if err != nil {
			return nil, err
		}
		q.BeforeID, _ = strconv.ParseInt(after[0], 10, 64)
	}
	q.Limit = size + 1
	events, err := s.log.List(ctx, q)
	if err != nil {
		return nil, err
	}
	resp := &auditv1.ListAuditEventsResponse{}
	if len(events) > size {
		events = events[:size]
		resp.NextPageToken = pagetoken.Encode(req.GetFilter(), strconv.FormatInt(events[size-1].ID, 10))
	}
	for _, e := range events {
		resp.AuditEvents = append(resp.AuditEvents, &auditv1.AuditEvent{
			Name: "auditEvents/" + strconv.FormatInt(e.ID, 10), EventTime: timestamppb.New(e.Time),
			Service: s.log.service, Subject: e.Subject, Actor: e.Actor, Role: e.Role, Region: e.Region, Purpose: e.Purpose,
			Method: e.Method, Record: e.Record, RequestId: e.RequestID, TraceId: e.TraceID,
		})
	}
	return resp, nil
}

var condition = regexp.MustCompile(`^\s*([a-z_]+)\s*(=|>=|<)\s*"([^"]*)"\s*$`)

// parseFilter reads the AIP-160 subset ListAuditEvents documents.
func parseFilter(filter string) (Query, error) {
	var q Query
	if strings.TrimSpace(filter) == "" {
		return q, nil
	}
	bad := func(detail string) error {
		return apierror.New(codes.InvalidArgument, auth.Domain, ReasonFilterInvalid).
			Message("the filter cannot be read: "+detail, "filter tidak dapat dibaca: "+detail).
			Field("filter", ReasonFilterInvalid, detail).Err()
	}
	for _, part := range strings.Split(filter, " AND ") {
		m := condition.FindStringSubmatch(part)
		if m == nil {
			return q, bad(`each condition is field = "value"`)
		}
		field, op, value := m[1], m[2], m[3]
		if field == "event_time" {
			t, err := time.Parse(time.RFC3339, value)
			if err != nil {
				return q, bad("event_time takes an RFC 3339 time")
			}
			switch op {
			case ">=":
				q.From = t
			case "<":
				q.Until = t
			default:
				return q, bad("event_time takes >= or <")
			}
			continue
		}
		if op != "=" {
			return q, bad(field + " takes =")
		}
		switch field {
		case "subject":
			q.Subject = value
		case "role":
			q.Role = value
		case "purpose":
			q.Purpose = value
		case "method":
			q.Method = value
		case "record":
			q.Record = value
		default:
			return q, bad("unknown field " + field)
		}
	}
	return q, nil
}
