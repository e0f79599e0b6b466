package grpcserver

import (
	"strings"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/config"
	"github.com/dtsen-id/dtsen/services/platform/tlsconfig"
)

// DefaultMaxRecvMsgBytes matches gRPC's own default. It is declared so the
// limit shows in --help: DESIGN.md §6 requires size-limited request bodies.
const DefaultMaxRecvMsgBytes = 4 << 20

// Config holds the settings of one service's gRPC server.
type Config struct {
	// Addr is the TCP listen address, e.g. ":9090" or "127.0.0.1:0".
	Addr string
	// ShutdownGrace bounds how long in-flight RPCs (notably long-lived
	// WatchChanges streams) may run after shutdown starts before they are
	// cut off. Keep it below Kubernetes' terminationGracePeriodSeconds.
	ShutdownGrace time.Duration
	// MaxRecvMsgBytes caps one inbound message; larger ones fail with
	// RESOURCE_EXHAUSTED before reaching any handler.
	MaxRecvMsgBytes int
	// TLS is the workload's TLS identity (tlsconfig.Load); nil serves
	// plaintext, for loopback and development only. With a CA configured,
	// every client must present a certificate the CA signed.
	TLS *tlsconfig.Source
}

// RegisterConfig declares DTSEN_<SERVICE>_GRPC_ADDR,
// DTSEN_<SERVICE>_SHUTDOWN_GRACE and DTSEN_<SERVICE>_GRPC_MAX_RECV_BYTES on s.
// The returned Config is filled in by s.Parse.
func RegisterConfig(s *config.Set, service, defaultAddr string) *Config {
	prefix := "DTSEN_" + envName(service) + "_"
	cfg := &Config{}
	s.StringVar(&cfg.Addr, prefix+"GRPC_ADDR", defaultAddr, "gRPC listen address")
	s.DurationVar(&cfg.ShutdownGrace, prefix+"SHUTDOWN_GRACE", 15*time.Second,
		"how long in-flight RPCs may finish after SIGTERM before being cut off")
	s.IntVar(&cfg.MaxRecvMsgBytes, prefix+"GRPC_MAX_RECV_BYTES", DefaultMaxRecvMsgBytes,
		"largest accepted request message in bytes")
	return cfg
}

func envName(service string) string {
	return strings.ToUpper(strings.NewReplacer("-", "_", ".", "_", " ", "_").Replace(service))
}
