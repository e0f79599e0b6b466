// Package validation holds per-message request validators that the gRPC
// server runs before any handler (DESIGN.md §6: every input is validated
// before it touches storage; §7: bad input is INVALID_ARGUMENT, never 5xx).
//
// Keeping validation in an interceptor rather than in each handler means a
// handler can never forget it, and streaming requests get the same checks.
package validation

import (
	"reflect"
	"sync"

	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// Domain is used for errors raised when a validator returns a plain error
// without an ErrorInfo.
const Domain = "dtsen.go.id"

// ReasonRequestInvalid marks a validator error that carried no reason of its own.
const ReasonRequestInvalid = "REQUEST_INVALID"

// Registry maps request message types to validators. The zero value is
// ready; a nil *Registry validates nothing.
type Registry struct {
	mu  sync.RWMutex
	fns map[reflect.Type][]func(any) error
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{} }

// Register adds fn for requests of type T (the pointer type of a generated
// message, e.g. *registryv1.GetPersonRequest). Several validators for one
// type run in registration order; the first error wins.
func Register[T proto.Message](r *Registry, fn func(T) error) {
	t := reflect.TypeFor[T]()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fns == nil {
		r.fns = map[reflect.Type][]func(any) error{}
	}
	r.fns[t] = append(r.fns[t], func(req any) error { return fn(req.(T)) })
}

// Validate runs the validators registered for req's type and returns nil when
// there are none. The returned error is always a gRPC status error: a
// validator's plain error is turned into INVALID_ARGUMENT with
// ReasonRequestInvalid so bad input never surfaces as UNKNOWN.
func (r *Registry) Validate(req any) error {
	if r == nil || req == nil {
		return nil
	}
	r.mu.RLock()
	fns := r.fns[reflect.TypeOf(req)]
	r.mu.RUnlock()
	for _, fn := range fns {
		err := fn(req)
		if err == nil {
			continue
		}
		if _, ok := status.FromError(err); ok {
			return err
		}
		return apierror.New(codes.InvalidArgument, Domain, ReasonRequestInvalid).
			Message(err.Error(), "").Err()
	}
	return nil
}
