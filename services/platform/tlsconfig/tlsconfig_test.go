package tlsconfig_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dtsen-id/dtsen/services/platform/config"
	"github.com/dtsen-id/dtsen/services/platform/tlsconfig"
	"github.com/dtsen-id/dtsen/services/platform/tlsconfig/tlstest"
)

func TestNoFilesMeansPlaintextWithOneWarning(t *testing.T) {
	var logs bytes.Buffer
	src, err := tlsconfig.Load(tlsconfig.Config{}, slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil || src != nil {
		t.Fatalf("Load = %v, %v; want nil, nil", src, err)
	}
	if strings.Count(logs.String(), `"msg":"TLS off: loopback/dev only"`) != 1 || !strings.Contains(logs.String(), `"level":"WARN"`) {
		t.Fatalf("want one warning, got:\n%s", logs.String())
	}
	if src.Mutual() || src.TransportCredentials().Info().SecurityProtocol != "insecure" {
		t.Fatal("a nil Source must mean plaintext")
	}
}

func TestBadConfigurationNamesTheVariable(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, "dtsen-ca")
	good := ca.Issue(t, filepath.Join(dir, "good"), "registry", "registry")
	other := ca.Issue(t, filepath.Join(dir, "other"), "asset", "asset")
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not PEM"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	for _, tc := range []struct {
		name string
		cfg  tlsconfig.Config
		want []string
	}{
		{"certificate without key", tlsconfig.Config{CertFile: good.Cert}, []string{"DTSEN_TLS_KEY_FILE"}},
		{"key without certificate", tlsconfig.Config{KeyFile: good.Key, CAFile: good.CA}, []string{"DTSEN_TLS_CERT_FILE"}},
		{"CA alone", tlsconfig.Config{CAFile: good.CA}, []string{"DTSEN_TLS_CERT_FILE", "DTSEN_TLS_KEY_FILE"}},
		{"missing certificate", tlsconfig.Config{CertFile: missing, KeyFile: good.Key}, []string{"DTSEN_TLS_CERT_FILE", "no such file"}},
		{"missing key", tlsconfig.Config{CertFile: good.Cert, KeyFile: missing}, []string{"DTSEN_TLS_KEY_FILE", "no such file"}},
		{"missing CA", tlsconfig.Config{CertFile: good.Cert, KeyFile: good.Key, CAFile: missing}, []string{"DTSEN_TLS_CA_FILE"}},
		{"CA not PEM", tlsconfig.Config{CertFile: good.Cert, KeyFile: good.Key, CAFile: garbage}, []string{"DTSEN_TLS_CA_FILE", "no PEM"}},
		{"key of another certificate", tlsconfig.Config{CertFile: good.Cert, KeyFile: other.Key}, []string{"DTSEN_TLS_CERT_FILE", "DTSEN_TLS_KEY_FILE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, err := tlsconfig.Load(tc.cfg, slog.New(slog.DiscardHandler))
			if err == nil || src != nil {
				t.Fatalf("Load = %v, %v; want an error", src, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %s", err, w)
				}
			}
		})
	}
}

func TestLoadReportsTheIdentity(t *testing.T) {
	ca := tlstest.NewCA(t, "dtsen-ca")
	files := ca.Issue(t, t.TempDir(), "registry", "registry", "registry.dtsen.svc")
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	src, err := tlsconfig.Load(files.Config(0), logger)
	if err != nil {
		t.Fatal(err)
	}
	if !src.Mutual() {
		t.Fatal("a CA file must mean mutual TLS")
	}
	for _, want := range []string{`"msg":"TLS on"`, `"mutual":true`, `"subject":"CN=registry,O=DTSEN test"`, `"dns":["registry","registry.dtsen.svc"]`, `"not_after"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("start-up log lacks %s:\n%s", want, logs.String())
		}
	}
	files.CA = ""
	if src, err := tlsconfig.Load(files.Config(0), logger); err != nil || src.Mutual() {
		t.Fatalf("without a CA: %v, mutual %v; want server-only TLS", err, src.Mutual())
	}
}

func TestRegisterConfig(t *testing.T) {
	s := config.New("registry")
	env := map[string]string{"DTSEN_TLS_CERT_FILE": "/tls/tls.crt", "DTSEN_TLS_KEY_FILE": "/tls/tls.key", "DTSEN_TLS_CA_FILE": "/tls/ca.crt"}
	s.Lookup = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cfg := tlsconfig.RegisterConfig(s)
	if err := s.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if *cfg != (tlsconfig.Config{CertFile: "/tls/tls.crt", KeyFile: "/tls/tls.key", CAFile: "/tls/ca.crt"}) {
		t.Fatalf("cfg = %+v", cfg)
	}
	var usage bytes.Buffer
	s.Output = &usage
	s.PrintUsage()
	for name := range env {
		if !strings.Contains(usage.String(), name) {
			t.Errorf("--help lacks %s", name)
		}
	}
}

func TestNoPeerIdentityOutsideMutualTLS(t *testing.T) {
	if id, ok := tlsconfig.PeerIdentity(context.Background()); ok {
		t.Fatalf("PeerIdentity without a peer = %+v", id)
	}
}
