package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	"github.com/dtsen-id/dtsen/services/platform/auth"
)

// RequestIDHeader is the HTTP header carrying the request id, both ways.
const RequestIDHeader = "X-Request-Id"

// RequestIDMetadata is the gRPC metadata key the request id travels under.
const RequestIDMetadata = "x-request-id"

const maxRequestIDLength = 64

// requestState is what the gateway learns about one request as it goes
// through the layers; it lives in the request context.
type requestState struct {
	id             string
	route          atomic.Pointer[string] // matched HTTP rule pattern, e.g. /v1/{name=persons/*}
	bodyTooLarge   atomic.Bool
	upstreamCalled atomic.Bool
	// denied is the method check's refusal, recorded as soon as the RPC
	// method is known (checkMethod) and answered in place of whatever the
	// generated handler reports after it.
	denied atomic.Pointer[status.Status]
}

type stateKey struct{}

func withState(ctx context.Context, rs *requestState) context.Context {
	return context.WithValue(ctx, stateKey{}, rs)
}

func stateFrom(ctx context.Context) *requestState {
	rs, _ := ctx.Value(stateKey{}).(*requestState)
	return rs
}

// RequestIDFromContext returns the request id the gateway assigned to the
// request whose context this is ("" outside a gateway request).
func RequestIDFromContext(ctx context.Context) string {
	if rs := stateFrom(ctx); rs != nil {
		return rs.id
	}
	return ""
}

// ValidRequestID reports whether a client-supplied request id is acceptable:
// 1..64 characters of [A-Za-z0-9-_.]. Anything else is replaced, never
// forwarded, so a client cannot smuggle arbitrary text into service logs.
func ValidRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// newRequestID returns 128 random bits in hex.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

func requestIDFor(r *http.Request) string {
	if id := r.Header.Get(RequestIDHeader); ValidRequestID(id) {
		return id
	}
	return newRequestID()
}

// limitedBody enforces the body limit and remembers that it was hit, so the
// error handler can answer 413 even though the generated handler code turns
// the read error into a plain INVALID_ARGUMENT status.
type limitedBody struct {
	io.ReadCloser
	rs *requestState
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			b.rs.bodyTooLarge.Store(true)
		}
	}
	return n, err
}

// trackedConn is the gateway's only way to an upstream. It refuses a call
// the method table does not allow the caller, keyed by the gRPC method
// actually being called, so no route can reach a service unchecked; and it
// marks the request state when a call goes out, so the error handler can
// tell gateway-side failures (decoding, path and query parameters) from
// service errors.
type trackedConn struct {
	cc grpc.ClientConnInterface
}

func (c trackedConn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	if err := c.outgoing(ctx, method); err != nil {
		return err
	}
	return c.cc.Invoke(ctx, method, args, reply, opts...)
}

func (c trackedConn) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	if err := c.outgoing(ctx, method); err != nil {
		return nil, err
	}
	return c.cc.NewStream(ctx, desc, method, opts...)
}

func (c trackedConn) outgoing(ctx context.Context, method string) error {
	if err := auth.AllowMethod(ctx, auth.MethodRoles, method); err != nil {
		return err
	}
	if rs := stateFrom(ctx); rs != nil {
		rs.upstreamCalled.Store(true)
	}
	return nil
}

// malformedBodyPrefix starts the message of every body decoding error; the
// generated handlers flatten decoder errors into a status message, so the
// prefix is how the error handler recognises them.
const malformedBodyPrefix = "malformed request body: "

// jsonMarshaler is protojson (lowerCamelCase names, enums as names, unknown
// fields rejected) with body decoding errors tagged by malformedBodyPrefix.
type jsonMarshaler struct {
	*runtime.JSONPb
}

func newJSONMarshaler() *jsonMarshaler {
	m := &runtime.JSONPb{}
	m.UseProtoNames = false
	m.UseEnumNumbers = false
	m.EmitUnpopulated = false
	m.DiscardUnknown = false
	return &jsonMarshaler{JSONPb: m}
}

func (m *jsonMarshaler) NewDecoder(r io.Reader) runtime.Decoder {
	d := m.JSONPb.NewDecoder(r)
	return runtime.DecoderFunc(func(v any) error {
		err := d.Decode(v)
		if err == nil || errors.Is(err, io.EOF) {
			return err // io.EOF means an empty body, which the handlers accept
		}
		return errors.New(malformedBodyPrefix + err.Error())
	})
}

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return formatInt(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return formatInt(n>>10) + " KiB"
	}
	return formatInt(n) + " bytes"
}
