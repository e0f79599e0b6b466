// Package tlsconfig gives a DTSEN workload its TLS identity: the certificate
// it serves and presents to the services it calls, and the CA it requires of
// its peers (mutual TLS). Every workload reads the same three variables, so
// a Kubernetes pod mounts its certificate at the same env-named paths
// whatever the service. See docs/tls.md.
package tlsconfig

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/peer"

	"github.com/dtsen-id/dtsen/services/platform/config"
)

// The shared environment variables.
const (
	CertFileEnv = "DTSEN_TLS_CERT_FILE"
	KeyFileEnv  = "DTSEN_TLS_KEY_FILE"
	CAFileEnv   = "DTSEN_TLS_CA_FILE"
)

// DefaultReloadInterval bounds how stale a rotated certificate may be: a
// handshake re-checks the files' modification at most this often, so
// cert-manager's in-place rewrite of a mounted Secret is picked up without a
// restart while handshakes do not stat the disk every time.
const DefaultReloadInterval = 5 * time.Second

// Config names the PEM files of this workload's TLS identity.
type Config struct {
	// CertFile is this workload's certificate chain, leaf first.
	CertFile string
	// KeyFile is the private key of CertFile's leaf.
	KeyFile string
	// CAFile holds the CA certificate(s) that sign DTSEN workload
	// certificates. When set, peers must present a certificate it signed
	// (mutual TLS) and called servers are verified against it alone; when
	// empty, clients are not asked for certificates and called servers are
	// verified against the system roots.
	CAFile string
	// ReloadInterval is how often the files are checked for a change;
	// zero means DefaultReloadInterval.
	ReloadInterval time.Duration
}

// RegisterConfig declares DTSEN_TLS_CERT_FILE, DTSEN_TLS_KEY_FILE and
// DTSEN_TLS_CA_FILE on s. The returned Config is filled in by s.Parse; pass
// it to Load.
func RegisterConfig(s *config.Set) *Config {
	c := &Config{}
	s.StringVar(&c.CertFile, CertFileEnv, "",
		"PEM certificate chain of this workload; empty with the key and CA: plaintext gRPC (loopback/dev only)")
	s.StringVar(&c.KeyFile, KeyFileEnv, "", "PEM private key of "+CertFileEnv)
	s.StringVar(&c.CAFile, CAFileEnv, "",
		"PEM CA of DTSEN workload certificates; set: peers must present a certificate it signed (mutual TLS)")
	return c
}

// Source is a loaded TLS identity whose files are re-read when they change.
// A nil *Source means TLS is off; its methods then give plaintext.
type Source struct {
	cfg      Config
	logger   *slog.Logger
	interval time.Duration

	mu      sync.Mutex
	checked time.Time
	files   []os.FileInfo // of cfg's files as last loaded, in files() order
	snap    *snapshot
	lastErr string
}

// snapshot is one consistent loading of the files. Credentials are built
// once per loading, not per handshake.
type snapshot struct {
	leaf   *x509.Certificate
	server credentials.TransportCredentials
	client credentials.TransportCredentials
}

// Load reads the files named by cfg. With no file named it logs the TLS-off
// warning and returns a nil Source (plaintext). A partial configuration or
// an unreadable file is an error naming the variable to fix. A nil logger
// means slog.Default().
func Load(cfg Config, logger *slog.Logger) (*Source, error) {
	if logger == nil {
		logger = slog.Default()
	}
	switch {
	case cfg.CertFile == "" && cfg.KeyFile == "" && cfg.CAFile == "":
		logger.Warn("TLS off: loopback/dev only",
			slog.String("hint", "set "+CertFileEnv+", "+KeyFileEnv+" and "+CAFileEnv+" for mutual TLS"))
		return nil, nil
	case cfg.CertFile == "" && cfg.KeyFile == "":
		return nil, fmt.Errorf("tlsconfig: %s is set but %s and %s are not: a workload needs its own certificate and key",
			CAFileEnv, CertFileEnv, KeyFileEnv)
	case cfg.CertFile == "":
		return nil, fmt.Errorf("tlsconfig: %s is set but %s is not: set both, or none for plaintext", KeyFileEnv, CertFileEnv)
	case cfg.KeyFile == "":
		return nil, fmt.Errorf("tlsconfig: %s is set but %s is not: set both, or none for plaintext", CertFileEnv, KeyFileEnv)
	}
	s := &Source{cfg: cfg, logger: logger, interval: cfg.ReloadInterval}
	if s.interval <= 0 {
		s.interval = DefaultReloadInterval
	}
	files, err := s.stat()
	if err != nil {
		return nil, err
	}
	snap, err := s.load()
	if err != nil {
		return nil, err
	}
	s.files, s.snap, s.checked = files, snap, time.Now()
	logger.Info("TLS on", slog.Bool("mutual", s.Mutual()), identityAttr(snap.leaf),
		slog.Time("not_after", snap.leaf.NotAfter))
	return s, nil
}

// Mutual reports whether peers must present a certificate signed by the CA.
func (s *Source) Mutual() bool { return s != nil && s.cfg.CAFile != "" }

// TransportCredentials are the gRPC credentials of this identity: serving
// its certificate (requiring client certificates when Mutual) and, when
// dialling, verifying the server and presenting the same certificate. Every
// handshake uses the files' current contents, so a rotation applies to new
// connections; established ones keep the certificate they started with.
// A nil Source gives plaintext credentials.
func (s *Source) TransportCredentials() credentials.TransportCredentials {
	if s == nil {
		return insecure.NewCredentials()
	}
	return reloading{s}
}

// DialOption is TransportCredentials as a dial option for grpcserver.Dial.
// The server's certificate is checked against the host of the dial target
// (registry.dtsen.svc:9090 → registry.dtsen.svc), so certificates must carry
// the names peers dial them by. A nil Source dials in plaintext.
func (s *Source) DialOption() grpc.DialOption {
	return grpc.WithTransportCredentials(s.TransportCredentials())
}

// current returns the latest good snapshot, first reloading the files if
// the check interval has passed and one of them changed. A reload that
// fails (cert-manager mid-write, a key not matching its certificate) keeps
// the previous identity, so a bad rotation degrades to "stale certificate"
// rather than "no TLS at all", and is retried at the next check.
func (s *Source) current() *snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if now.Sub(s.checked) < s.interval {
		return s.snap
	}
	s.checked = now
	// Stat before reading: a change landing between the two is then seen
	// again at the next check instead of being lost.
	files, err := s.stat()
	if err == nil && sameFiles(files, s.files) {
		return s.snap
	}
	if err == nil {
		var snap *snapshot
		if snap, err = s.load(); err == nil {
			s.files, s.snap, s.lastErr = files, snap, ""
			s.logger.Info("TLS certificate reloaded", identityAttr(snap.leaf), slog.Time("not_after", snap.leaf.NotAfter))
			return s.snap
		}
	}
	if err.Error() != s.lastErr { // once per distinct failure, not every check
		s.lastErr = err.Error()
		s.logger.Warn("TLS files changed but cannot be reloaded; keeping the previous certificate",
			slog.String("error", err.Error()))
	}
	return s.snap
}

type namedFile struct{ env, path string }

func (s *Source) names() []namedFile {
	f := []namedFile{{CertFileEnv, s.cfg.CertFile}, {KeyFileEnv, s.cfg.KeyFile}}
	if s.cfg.CAFile != "" {
		f = append(f, namedFile{CAFileEnv, s.cfg.CAFile})
	}
	return f
}

func (s *Source) stat() ([]os.FileInfo, error) {
	var infos []os.FileInfo
	for _, f := range s.names() {
		fi, err := os.Stat(f.path) // follows the ..data symlink Kubernetes swaps
		if err != nil {
			return nil, fmt.Errorf("tlsconfig: %s: %w", f.env, err)
		}
		infos = append(infos, fi)
	}
	return infos, nil
}

// sameFiles compares identity as well as time and size: a Secret update
// replaces the files (new inode) and a copy may keep the old mod time.
func sameFiles(a, b []os.FileInfo) bool {
	return slices.EqualFunc(a, b, func(x, y os.FileInfo) bool {
		return os.SameFile(x, y) && x.ModTime().Equal(y.ModTime()) && x.Size() == y.Size()
	})
}

func (s *Source) load() (*snapshot, error) {
	certPEM, err := os.ReadFile(s.cfg.CertFile)
	if err != nil {
		return nil, fmt.Errorf("tlsconfig: %s: %w", CertFileEnv, err)
	}
	keyPEM, err := os.ReadFile(s.cfg.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("tlsconfig: %s: %w", KeyFileEnv, err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("tlsconfig: %s=%s with %s=%s: %w", CertFileEnv, s.cfg.CertFile, KeyFileEnv, s.cfg.KeyFile, err)
	}
	if cert.Leaf == nil { // X509KeyPair fills it unless GODEBUG x509keypairleaf=0
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, fmt.Errorf("tlsconfig: %s=%s: %w", CertFileEnv, s.cfg.CertFile, err)
		}
	}
	var pool *x509.CertPool // nil: the system roots verify called servers
	if s.cfg.CAFile != "" {
		caPEM, err := os.ReadFile(s.cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("tlsconfig: %s: %w", CAFileEnv, err)
		}
		pool = x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, fmt.Errorf("tlsconfig: %s=%s: no PEM certificate in the file", CAFileEnv, s.cfg.CAFile)
		}
	}
	server := &tls.Config{
		// Every DTSEN client is Go and speaks TLS 1.3; older versions would
		// only widen what a downgrade attack could reach.
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
	}
	if pool != nil {
		server.ClientAuth = tls.RequireAndVerifyClientCert
		server.ClientCAs = pool
	}
	client := &tls.Config{
		MinVersion: tls.VersionTLS13,
		RootCAs:    pool,
		// Always present the certificate, even when the server's CA list
		// does not name our issuer: the server then refuses with a clear
		// "unknown authority" rather than "certificate required".
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil },
	}
	return &snapshot{leaf: cert.Leaf, server: credentials.NewTLS(server), client: credentials.NewTLS(client)}, nil
}

// reloading hands each handshake to the credentials of the current
// snapshot. gRPC's own TLS credentials take a fixed tls.Config; wrapping
// them lets the CA rotate as well as the certificate.
type reloading struct{ s *Source }

func (r reloading) ClientHandshake(ctx context.Context, authority string, raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	return r.s.current().client.ClientHandshake(ctx, authority, raw)
}

func (r reloading) ServerHandshake(raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	return r.s.current().server.ServerHandshake(raw)
}

func (r reloading) Info() credentials.ProtocolInfo {
	return credentials.ProtocolInfo{SecurityProtocol: "tls"}
}

func (r reloading) Clone() credentials.TransportCredentials { return r }

// OverrideServerName is deprecated in gRPC and unused by it; the name to
// verify comes from the dial target or grpc.WithAuthority.
func (r reloading) OverrideServerName(string) error {
	return errors.New("tlsconfig: OverrideServerName is not supported; use grpc.WithAuthority")
}

// Identity is what a verified peer certificate says about the workload that
// connected. It is for logs and diagnostics only: authorization comes from
// the bearer token (see docs/tls.md).
type Identity struct {
	Subject  string   // distinguished name, e.g. "CN=asset,O=DTSEN"
	DNSNames []string // DNS SANs, e.g. asset, asset.dtsen.svc
	URIs     []string // URI SANs, e.g. a SPIFFE id
	IPs      []string // IP SANs
}

// PeerIdentity returns the identity of the mTLS peer of the RPC in ctx. It
// is false unless the peer presented a certificate that was verified.
func PeerIdentity(ctx context.Context) (Identity, bool) {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return Identity{}, false
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(info.State.VerifiedChains) == 0 || len(info.State.VerifiedChains[0]) == 0 {
		return Identity{}, false
	}
	return identityOf(info.State.VerifiedChains[0][0]), true
}

func identityOf(c *x509.Certificate) Identity {
	id := Identity{Subject: c.Subject.String(), DNSNames: slices.Clone(c.DNSNames)}
	for _, u := range c.URIs {
		id.URIs = append(id.URIs, u.String())
	}
	for _, ip := range c.IPAddresses {
		id.IPs = append(id.IPs, ip.String())
	}
	return id
}

// LogValue renders the identity as a group, omitting empty parts.
func (id Identity) LogValue() slog.Value {
	var attrs []slog.Attr
	if id.Subject != "" {
		attrs = append(attrs, slog.String("subject", id.Subject))
	}
	if len(id.DNSNames) > 0 {
		attrs = append(attrs, slog.Any("dns", id.DNSNames))
	}
	if len(id.URIs) > 0 {
		attrs = append(attrs, slog.Any("uris", id.URIs))
	}
	if len(id.IPs) > 0 {
		attrs = append(attrs, slog.Any("ips", id.IPs))
	}
	return slog.GroupValue(attrs...)
}

func identityAttr(leaf *x509.Certificate) slog.Attr {
	return slog.Any("certificate", identityOf(leaf))
}
