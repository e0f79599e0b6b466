package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"

	"google.golang.org/grpc/codes"

	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth"
)

// Headers of the protocol. Idempotency-Key follows the IETF httpapi draft;
// Idempotent-Replayed tells a client the response is the stored one.
const (
	HeaderKey      = "Idempotency-Key"
	HeaderReplayed = "Idempotent-Replayed"
)

// Reasons (ErrorInfo.reason) of the errors the middleware answers with.
const (
	// ReasonRequestIDReused (INVALID_ARGUMENT): the key was used for a
	// different request (method, path, query or body) within the window.
	ReasonRequestIDReused = "REQUEST_ID_REUSED"
	// ReasonRequestInProgress (ABORTED, 409): the first request with this
	// key has not finished; retry after Retry-After.
	ReasonRequestInProgress = "REQUEST_IN_PROGRESS"
)

// DefaultMaxBody matches the services' largest accepted message
// (grpcserver.DefaultMaxRecvMsgBytes).
const DefaultMaxBody = 4 << 20

// Options adapt the middleware to the gateway.
type Options struct {
	// Subject names the caller that keys are scoped to. Default: the
	// verified principal's subject (auth.FromContext).
	Subject func(*http.Request) string
	// WriteError renders the middleware's own errors; the gateway passes
	// its standard JSON error writer. Required.
	WriteError func(http.ResponseWriter, *http.Request, error)
	// MaxBody is the largest body buffered to fingerprint (DefaultMaxBody
	// when zero). A larger request passes through untouched: the gateway's
	// body limit refuses it anyway.
	MaxBody int64
}

// Middleware makes POST, PUT, PATCH and DELETE requests that carry a key
// idempotent per caller. Requests without a key, or from no authenticated
// subject, pass through: with nobody to scope a key to, a replay could hand
// one caller another's response.
//
// The first request with a key runs the handler; its status, Content-Type
// and body are kept for the Store's window and returned, with
// Idempotent-Replayed: true, to any identical request with the same key.
// Results that say "try again" (5xx, 408, 429 and 499) are not kept, so the
// retry they invite can run.
func Middleware(s *Store, o Options) func(http.Handler) http.Handler {
	if o.WriteError == nil {
		panic("idempotency: Options.WriteError is required")
	}
	if o.Subject == nil {
		o.Subject = principalSubject
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.Method {
			case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
			default:
				next.ServeHTTP(w, r)
				return
			}
			subject := o.Subject(r)
			if subject == "" {
				next.ServeHTTP(w, r)
				return
			}
			key := r.Header.Get(HeaderKey)
			body, whole := bufferBody(r, o.MaxBody)
			if !whole {
				next.ServeHTTP(w, r)
				return
			}
			if key == "" {
				key = bodyRequestID(body)
			}
			if key == "" {
				next.ServeHTTP(w, r)
				return
			}
			s.serve(w, r, next, o, s.storeKey(subject, key), fingerprint(r, body))
		})
	}
}

func (s *Store) serve(w http.ResponseWriter, r *http.Request, next http.Handler, o Options, key, fp string) {
	ctx := r.Context()
	held, c := s.acquire(ctx, key, fp)
	if held != nil {
		switch {
		case held.Fingerprint != fp:
			o.WriteError(w, r, apierror.New(codes.InvalidArgument, auth.Domain, ReasonRequestIDReused).
				Message("this request id was already used for a different request; use a new id for a new request",
					"ID permintaan ini sudah dipakai untuk permintaan lain; gunakan ID baru untuk permintaan baru").Err())
		case held.inProgress():
			w.Header().Set("Retry-After", "1")
			o.WriteError(w, r, apierror.New(codes.Aborted, auth.Domain, ReasonRequestInProgress).
				Message("a request with this request id is still being processed; try again shortly",
					"permintaan dengan ID ini masih diproses; coba lagi sebentar lagi").Err())
		default:
			replay(w, held)
		}
		return
	}

	// The outcome is recorded even if the client has hung up meanwhile:
	// its retry is exactly what the record is for.
	bg := context.WithoutCancel(ctx)
	rec := &recorder{ResponseWriter: w}
	finished := false
	defer func() {
		// A panicking handler must not leave the key claimed until
		// ClaimTTL; the panic itself carries on up the stack.
		if !finished {
			s.release(bg, c)
		}
	}()
	next.ServeHTTP(rec, r)
	finished = true

	status := rec.statusCode()
	if !keep(status) || rec.overflow {
		s.release(bg, c)
		return
	}
	s.complete(bg, c, record{
		Fingerprint: fp,
		Status:      status,
		ContentType: w.Header().Get("Content-Type"),
		Body:        rec.body.Bytes(),
	})
}

// keep reports whether a response is the request's final answer. The others
// tell the client to retry, and the retry must reach the handler.
func keep(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, 499: // 499: client closed request
		return false
	}
	return status < 500
}

func replay(w http.ResponseWriter, rec *record) {
	if rec.ContentType != "" {
		w.Header().Set("Content-Type", rec.ContentType)
	}
	w.Header().Set(HeaderReplayed, "true")
	w.WriteHeader(rec.Status)
	_, _ = w.Write(rec.Body)
}

// fingerprint identifies the request a key was used for. The query is part
// of it because it changes what a write does (update_mask, validate_only).
func fingerprint(r *http.Request, body []byte) string {
	h := sha256.New()
	h.Write([]byte(r.Method))
	h.Write([]byte{0})
	h.Write([]byte(r.URL.RequestURI()))
	h.Write([]byte{0})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// bufferBody reads up to limit bytes of the body and puts them back for the
// handler. whole is false when the body is longer (or could not be read); the
// request body then still yields everything, read part first.
func bufferBody(r *http.Request, limit int64) (body []byte, whole bool) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, true
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil || int64(len(body)) > limit {
		r.Body = readCloser{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
		return nil, false
	}
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, true
}

type readCloser struct {
	io.Reader
	io.Closer
}

// bodyRequestID returns the AIP-155 request_id of a JSON body. protojson
// accepts the field as "requestId" and as "request_id", so both count.
func bodyRequestID(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return ""
	}
	for _, name := range []string{"requestId", "request_id"} {
		var id string
		if raw, ok := fields[name]; ok && json.Unmarshal(raw, &id) == nil && id != "" {
			return id
		}
	}
	return ""
}

func principalSubject(r *http.Request) string {
	if p := auth.FromContext(r.Context()); p != nil {
		return p.Subject
	}
	return ""
}

// recorder passes the response through while keeping a copy to store.
type recorder struct {
	http.ResponseWriter
	status   int
	body     bytes.Buffer
	overflow bool
}

func (rw *recorder) WriteHeader(code int) {
	// 1xx responses are interim; the final status comes later.
	if rw.status == 0 && code >= 200 {
		rw.status = code
	}
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *recorder) Write(p []byte) (int, error) {
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	if !rw.overflow {
		if rw.body.Len()+len(p) > MaxStoredBody {
			rw.overflow = true
			rw.body = bytes.Buffer{}
		} else {
			rw.body.Write(p)
		}
	}
	return rw.ResponseWriter.Write(p)
}

func (rw *recorder) statusCode() int {
	if rw.status == 0 {
		return http.StatusOK
	}
	return rw.status
}

// Flush keeps streaming handlers working through the recorder.
func (rw *recorder) Flush() {
	_ = http.NewResponseController(rw.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (rw *recorder) Unwrap() http.ResponseWriter { return rw.ResponseWriter }
