package outbox

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
)

// ReasonShuttingDown ends a WatchChanges stream when its server stops; the
// client reconnects, to another replica, with its last sequence.
const ReasonShuttingDown = "SERVER_SHUTTING_DOWN"

// Serve is the body of every context's WatchChanges handler: it streams the
// feed after the cursor until the client leaves (CANCELLED) or stopping closes
// (UNAVAILABLE with ReasonShuttingDown, so a rolling deploy does not wait for
// open streams), whatever domain-specific message type send wraps events in.
func (o *Outbox) Serve(ctx context.Context, domain string, after int64, stopping <-chan struct{}, send func(*typev1.ChangeEvent) error) error {
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-stopping:
			cancel()
		case <-fctx.Done():
		}
	}()
	err := o.Follow(fctx, after, func(r Record) error { return send(r.Proto()) })
	switch {
	case ctx.Err() != nil:
		return status.FromContextError(ctx.Err()).Err()
	case fctx.Err() != nil:
		return apierror.New(codes.Unavailable, domain, ReasonShuttingDown).
			Message("the server is shutting down; reconnect with your last sequence",
				"server sedang berhenti; sambungkan ulang dengan sequence terakhir Anda").Err()
	}
	return err
}
