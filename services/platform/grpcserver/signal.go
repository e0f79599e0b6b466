package grpcserver

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// SignalContext is cancelled on SIGINT or SIGTERM (what Kubernetes sends
// before killing a pod), so a main can do:
//
//	ctx, stop := grpcserver.SignalContext()
//	defer stop()
//	err := srv.Run(ctx)
func SignalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}
