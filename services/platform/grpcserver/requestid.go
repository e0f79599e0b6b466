package grpcserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// RequestIDHeader is the metadata key read from callers and echoed back. The
// gateway forwards it, so one id follows a REST call through every hop.
const RequestIDHeader = "x-request-id"

const maxRequestIDLen = 128

type requestIDKey struct{}

// RequestID returns the id of the current RPC, or "" outside one.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func withRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// acceptableRequestID rejects caller ids that could forge or break log lines
// (control characters, quotes, huge values); such callers get a fresh id.
func acceptableRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == ':' || c == '/' || c == '+' || c == '='
		if !ok {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}
