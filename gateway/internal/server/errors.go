package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// ErrorDomain is the ErrorInfo.domain of errors the gateway itself produces
// (routing, body limits, malformed JSON, unreachable upstreams). Errors from a
// service keep that service's domain.
const ErrorDomain = "gateway.dtsen.go.id"

// Reasons of gateway-generated errors (ErrorInfo.reason, UPPER_SNAKE per
// DESIGN.md §5). They are part of the REST contract.
const (
	ReasonRouteNotFound       = "ROUTE_NOT_FOUND"
	ReasonMethodNotAllowed    = "METHOD_NOT_ALLOWED"
	ReasonRequestBodyTooLarge = "REQUEST_BODY_TOO_LARGE"
	ReasonMalformedBody       = "MALFORMED_REQUEST_BODY"
	ReasonInvalidRequest      = "INVALID_REQUEST"
	ReasonUpstreamUnavailable = "UPSTREAM_UNAVAILABLE"
	ReasonUpstreamTimeout     = "UPSTREAM_DEADLINE_EXCEEDED"
	ReasonUpstreamNotReady    = "UPSTREAM_NOT_READY"
	ReasonRequestCancelled    = "REQUEST_CANCELLED"
	// ReasonServiceNotFound: GET /v1/services/{service}/auditEvents names a
	// service that does not exist or is not configured behind this gateway.
	ReasonServiceNotFound = "SERVICE_NOT_FOUND"
	// ReasonPurposeInvalid: X-Dtsen-Purpose is not a purpose identifier.
	ReasonPurposeInvalid = "PURPOSE_INVALID"
	// ReasonCORSOriginNotAllowed: a CORS preflight from an origin not in
	// Options.CORSOrigins.
	ReasonCORSOriginNotAllowed = "CORS_ORIGIN_NOT_ALLOWED"
)

// bearerChallenge is the WWW-Authenticate challenge of every 401 (RFC 6750).
const bearerChallenge = `Bearer realm="dtsen"`

// errorBody is the Google JSON error shape (AIP-193):
//
//	{"error": {"code": 404, "status": "NOT_FOUND", "message": "...", "details": [{"@type": ...}]}}
//
// code is the HTTP status; status the canonical gRPC code name; details are
// the google.rpc.Status details rendered with protojson, so ErrorInfo,
// BadRequest and LocalizedMessage keep their @type.
type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code    int               `json:"code"`
	Status  string            `json:"status"`
	Message string            `json:"message"`
	Details []json.RawMessage `json:"details,omitempty"`
}

// gatewayError builds a status carrying an ErrorInfo in the gateway's domain
// and LocalizedMessages in English and Indonesian.
func gatewayError(c codes.Code, reason, en, id string, meta map[string]string) *status.Status {
	st := &spb.Status{Code: int32(c), Message: en}
	add := func(m proto.Message) {
		if a, err := anypb.New(m); err == nil {
			st.Details = append(st.Details, a)
		}
	}
	add(&errdetails.ErrorInfo{Reason: reason, Domain: ErrorDomain, Metadata: meta})
	add(&errdetails.LocalizedMessage{Locale: "en", Message: en})
	if id != "" {
		add(&errdetails.LocalizedMessage{Locale: "id-ID", Message: id})
	}
	return status.FromProto(st)
}

// hasErrorInfo reports whether st already carries an ErrorInfo detail.
func hasErrorInfo(st *spb.Status) bool {
	for _, d := range st.GetDetails() {
		if d.MessageIs((*errdetails.ErrorInfo)(nil)) {
			return true
		}
	}
	return false
}

// writeError writes st as the JSON error body with the given HTTP status.
func writeError(w http.ResponseWriter, httpStatus int, st *status.Status) {
	p := st.Proto()
	body := errorBody{Error: errorPayload{
		Code:    httpStatus,
		Status:  code.Code(p.GetCode()).String(),
		Message: p.GetMessage(),
	}}
	for _, d := range p.GetDetails() {
		raw, err := protojson.Marshal(d)
		if err != nil {
			// A detail type this binary does not know: keep its type URL so
			// the client at least sees what was there.
			raw, _ = json.Marshal(map[string]string{"@type": d.GetTypeUrl()})
		}
		body.Error.Details = append(body.Error.Details, raw)
	}
	buf, err := json.Marshal(body)
	if err != nil {
		buf = []byte(`{"error":{"code":500,"status":"INTERNAL","message":"failed to marshal error"}}`)
		httpStatus = http.StatusInternalServerError
	}
	h := w.Header()
	h.Del("Trailer")
	h.Del("Transfer-Encoding")
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	if httpStatus == http.StatusUnauthorized && h.Get("WWW-Authenticate") == "" {
		h.Set("WWW-Authenticate", bearerChallenge)
	}
	w.WriteHeader(httpStatus)
	_, _ = w.Write(buf)
}

// errorHandler is the mux's runtime.WithErrorHandler. It maps gRPC codes to
// HTTP with runtime.HTTPStatusFromCode and writes the JSON error body. Errors
// that arise in the gateway before the upstream was called (body too large,
// malformed JSON, bad path or query parameters) get a gateway ErrorInfo.
func (g *gateway) errorHandler(ctx context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	rs := stateFrom(r.Context())
	if rs != nil {
		if denied := rs.denied.Load(); denied != nil {
			// Whatever went wrong after the method check, a caller who may
			// not call the method is told that and nothing else.
			writeError(w, runtime.HTTPStatusFromCode(denied.Code()), denied)
			return
		}
	}
	if rs != nil && rs.bodyTooLarge.Load() {
		writeError(w, http.StatusRequestEntityTooLarge, tooLargeStatus(g.maxBody))
		return
	}

	httpStatus := 0
	var hse *runtime.HTTPStatusError
	if errors.As(err, &hse) {
		// Only produced by the mux itself (e.g. a malformed %-sequence in the path).
		httpStatus = hse.HTTPStatus
		err = hse.Err
	}
	st := status.Convert(err)
	if httpStatus == 0 {
		httpStatus = runtime.HTTPStatusFromCode(st.Code())
	}

	upstreamCalled := rs != nil && rs.upstreamCalled.Load()
	if !hasErrorInfo(st.Proto()) {
		st = g.annotate(st, upstreamCalled)
	}
	if st.Code() == codes.Internal || st.Code() == codes.Unknown || st.Code() == codes.DataLoss {
		g.log.ErrorContext(ctx, "upstream error", slog.String("code", st.Code().String()), slog.Bool("upstream_called", upstreamCalled))
	}
	writeError(w, httpStatus, st)
}

// annotate gives an error without ErrorInfo one in the gateway domain, so
// every error body carries a machine-readable reason (DESIGN.md §5).
func (g *gateway) annotate(st *status.Status, upstreamCalled bool) *status.Status {
	msg := st.Message()
	switch st.Code() {
	case codes.InvalidArgument:
		if !upstreamCalled {
			if strings.HasPrefix(msg, malformedBodyPrefix) {
				return gatewayError(codes.InvalidArgument, ReasonMalformedBody, msg,
					"Isi permintaan bukan JSON yang valid untuk operasi ini.", nil)
			}
			return gatewayError(codes.InvalidArgument, ReasonInvalidRequest, msg,
				"Permintaan tidak valid.", nil)
		}
	case codes.Unavailable:
		return gatewayError(codes.Unavailable, ReasonUpstreamUnavailable, "upstream service unavailable",
			"Layanan sedang tidak tersedia, silakan coba lagi.", nil)
	case codes.DeadlineExceeded:
		return gatewayError(codes.DeadlineExceeded, ReasonUpstreamTimeout, "upstream service did not answer in time",
			"Layanan tidak menjawab tepat waktu, silakan coba lagi.", nil)
	case codes.Canceled:
		return gatewayError(codes.Canceled, ReasonRequestCancelled, "request cancelled", "", nil)
	}
	// Keep the service's own code and message; add a reason naming the code.
	p := proto.Clone(st.Proto()).(*spb.Status)
	if a, err := anypb.New(&errdetails.ErrorInfo{Reason: code.Code(p.GetCode()).String(), Domain: ErrorDomain}); err == nil {
		p.Details = append([]*anypb.Any{a}, p.Details...)
	}
	return status.FromProto(p)
}

func tooLargeStatus(limit int64) *status.Status {
	return gatewayError(codes.InvalidArgument, ReasonRequestBodyTooLarge,
		"request body exceeds the limit of "+formatBytes(limit),
		"Isi permintaan melebihi batas "+formatBytes(limit)+".",
		map[string]string{"limitBytes": formatInt(limit)})
}

// routingErrorHandler is the mux's runtime.WithRoutingErrorHandler: unknown
// routes and wrong methods get the same JSON error body as service errors.
func routingErrorHandler(_ context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
	switch httpStatus {
	case http.StatusNotFound:
		// The path is not echoed: it may contain a NIK.
		writeError(w, http.StatusNotFound, gatewayError(codes.NotFound, ReasonRouteNotFound,
			"no route matches "+r.Method+" on this path", "Alamat yang diminta tidak ditemukan.", nil))
	case http.StatusMethodNotAllowed:
		writeError(w, http.StatusMethodNotAllowed, gatewayError(codes.Unimplemented, ReasonMethodNotAllowed,
			"method "+r.Method+" is not allowed on this path", "Metode tidak diizinkan untuk alamat ini.",
			map[string]string{"method": r.Method}))
	case http.StatusBadRequest:
		writeError(w, http.StatusBadRequest, gatewayError(codes.InvalidArgument, ReasonInvalidRequest,
			"malformed request path", "Alamat permintaan tidak valid.", nil))
	default:
		writeError(w, httpStatus, gatewayError(codes.Internal, "ROUTING_ERROR",
			http.StatusText(httpStatus), "", nil))
	}
}
