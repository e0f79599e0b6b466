package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// ConnConfig holds the connection flags: one address per service, TLS, the
// caller's credentials (a bearer token, or OAuth2 client credentials at an
// issuer) and the unary-call timeout.
type ConnConfig struct {
	Addr         map[string]*string
	TLS          bool
	TLSCA        string
	TLSCert      string
	TLSKey       string
	Token        string
	ClientID     string
	ClientSecret string
	Issuer       string
	Audience     string
	Timeout      time.Duration

	// tokens is what authenticate chose; nil sends no token.
	tokens   oauth2.TokenSource
	identity string
	getenv   func(string) string

	mu    sync.Mutex
	conns map[string]*grpc.ClientConn
}

// defaultAddrs are the addresses `make run` listens on.
var defaultAddrs = map[string]string{
	"registry":     "127.0.0.1:9101",
	"asset":        "127.0.0.1:9102",
	"income":       "127.0.0.1:9103",
	"serviceusage": "127.0.0.1:9104",
	"scoring":      "127.0.0.1:9105",
	"grievance":    "127.0.0.1:9106",
}

// serviceNames are the services dtsenctl has an address for: the importable
// contexts, then scoring (which is read and run, never imported into) and
// grievance (whose cases are listed and driven through their workflow).
var serviceNames = append(append([]string(nil), contextNames...), "scoring", "grievance")

func connFlags(fs *flag.FlagSet, getenv func(string) string) *ConnConfig {
	c := &ConnConfig{Addr: map[string]*string{}}
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	for _, name := range serviceNames {
		c.Addr[name] = fs.String(name+"-addr", env("DTSEN_CTL_"+strings.ToUpper(name)+"_ADDR", defaultAddrs[name]),
			name+" gRPC address (env DTSEN_CTL_"+strings.ToUpper(name)+"_ADDR)")
	}
	fs.BoolVar(&c.TLS, "tls", env("DTSEN_CTL_TLS", "") == "true", "connect with TLS (env DTSEN_CTL_TLS=true)")
	fs.StringVar(&c.TLSCert, "tls-cert", env("DTSEN_CTL_TLS_CERT", ""), "PEM client certificate, for services that require mutual TLS (with --tls-key; implies --tls)")
	fs.StringVar(&c.TLSKey, "tls-key", env("DTSEN_CTL_TLS_KEY", ""), "PEM key of --tls-cert")
	fs.StringVar(&c.TLSCA, "tls-ca", env("DTSEN_CTL_TLS_CA", ""), "PEM file of the CA that signs the servers' certificates (implies --tls; default: system roots)")
	// Secrets are read from the environment only when used, so that --help
	// never prints them as flag defaults.
	c.getenv = getenv
	fs.StringVar(&c.Token, "token", "", "bearer JWT sent as 'authorization: Bearer TOKEN' (env DTSEN_TOKEN)")
	fs.StringVar(&c.ClientID, "client-id", env("DTSEN_CTL_CLIENT_ID", ""),
		"OAuth2 client id: obtain tokens with the client-credentials grant instead of --token (env DTSEN_CTL_CLIENT_ID)")
	fs.StringVar(&c.ClientSecret, "client-secret", "",
		"OAuth2 client secret; prefer the env DTSEN_CTL_CLIENT_SECRET, which other users cannot see in ps")
	fs.StringVar(&c.Issuer, "issuer", env("DTSEN_AUTH_ISSUER", ""), "OIDC issuer URL whose token endpoint --client-id uses (env DTSEN_AUTH_ISSUER)")
	fs.StringVar(&c.Audience, "audience", env("DTSEN_AUTH_AUDIENCE", "dtsen"), "audience requested for client-credentials tokens (env DTSEN_AUTH_AUDIENCE)")
	timeout, err := time.ParseDuration(env("DTSEN_CTL_TIMEOUT", "30s"))
	if err != nil {
		timeout = 30 * time.Second
	}
	fs.DurationVar(&c.Timeout, "timeout", timeout, "deadline of each unary call (env DTSEN_CTL_TIMEOUT)")
	return c
}

// Conn returns the (shared) client connection to a context's service.
func (c *ConnConfig) Conn(name string) (*grpc.ClientConn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cc, ok := c.conns[name]; ok {
		return cc, nil
	}
	addrp, ok := c.Addr[name]
	if !ok {
		return nil, fmt.Errorf("no address for context %q", name)
	}
	addr := *addrp
	var opts []grpc.DialOption
	useTLS := c.TLS || c.TLSCA != "" || c.TLSCert != ""
	if useTLS {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if (c.TLSCert == "") != (c.TLSKey == "") {
			return nil, fmt.Errorf("--tls-cert and --tls-key go together")
		}
		if c.TLSCert != "" {
			pair, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
			if err != nil {
				return nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
			}
			cfg.Certificates = []tls.Certificate{pair}
		}
		if c.TLSCA != "" {
			pem, err := os.ReadFile(c.TLSCA)
			if err != nil {
				return nil, fmt.Errorf("--tls-ca: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("--tls-ca: no PEM certificate in %s", c.TLSCA)
			}
			cfg.RootCAs = pool
		}
		opts = append(opts, grpc.WithTransportCredentials(credentials.NewTLS(cfg)))
	} else {
		opts = append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
	if c.tokens != nil {
		if !useTLS && !isLoopback(addr) {
			return nil, fmt.Errorf("refusing to send a token in clear text to %s: use --tls (plaintext is allowed on loopback only)", addr)
		}
		opts = append(opts, grpc.WithPerRPCCredentials(tokenCredentials{src: c.tokens, identity: c.identity}))
	}
	opts = append(opts, grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20)))
	cc, err := grpc.NewClient(addr, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", name, addr, err)
	}
	if c.conns == nil {
		c.conns = map[string]*grpc.ClientConn{}
	}
	c.conns[name] = cc
	return cc, nil
}

// Close closes every connection opened.
func (c *ConnConfig) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cc := range c.conns {
		_ = cc.Close()
	}
	c.conns = nil
}

// unary returns a context bounded by --timeout for one unary call.
func (c *ConnConfig) unary(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.Timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, c.Timeout)
}

// WaitHealthy polls a context's grpc.health.v1 service until it reports
// SERVING or ctx ends.
func (c *ConnConfig) WaitHealthy(ctx context.Context, name string) error {
	cc, err := c.Conn(name)
	if err != nil {
		return err
	}
	hc := healthpb.NewHealthClient(cc)
	var last error
	for {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		resp, err := hc.Check(cctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true))
		cancel()
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return nil
		}
		if err != nil {
			last = err
		} else {
			last = fmt.Errorf("status %s", resp.GetStatus())
		}
		select {
		case <-ctx.Done():
			if last == nil {
				last = ctx.Err()
			}
			return fmt.Errorf("%s at %s is not healthy: %w", name, *c.Addr[name], last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
