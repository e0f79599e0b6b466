package config

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaultsWhenUnset(t *testing.T) {
	s := New("svc")
	s.Lookup = envOf(nil)
	addr := s.String("DTSEN_X_ADDR", ":8080", "listen address")
	n := s.Int("DTSEN_X_N", 7, "n")
	d := s.Duration("DTSEN_X_D", 3*time.Second, "d")
	b := s.Bool("DTSEN_X_B", true, "b")
	if err := s.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if *addr != ":8080" || *n != 7 || *d != 3*time.Second || !*b {
		t.Fatalf("defaults not applied: %q %d %v %v", *addr, *n, *d, *b)
	}
}

func TestEnvironmentOverridesDefaults(t *testing.T) {
	s := New("svc")
	s.Lookup = envOf(map[string]string{
		"DTSEN_X_ADDR": "127.0.0.1:9", "DTSEN_X_N": "42", "DTSEN_X_D": "250ms", "DTSEN_X_B": "false",
	})
	addr := s.String("DTSEN_X_ADDR", ":8080", "")
	n := s.Int("DTSEN_X_N", 7, "")
	d := s.Duration("DTSEN_X_D", time.Second, "")
	b := s.Bool("DTSEN_X_B", true, "")
	if err := s.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if *addr != "127.0.0.1:9" || *n != 42 || *d != 250*time.Millisecond || *b {
		t.Fatalf("env not applied: %q %d %v %v", *addr, *n, *d, *b)
	}
}

func TestStringFallback(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"DTSEN_REGISTRY_DATABASE_URL": "own", "DTSEN_DATABASE_URL": "shared"}, "own"},
		{map[string]string{"DTSEN_DATABASE_URL": "shared"}, "shared"},
		{nil, "sqlite://default"},
		// Explicitly empty still counts as set: an operator may blank a value.
		{map[string]string{"DTSEN_REGISTRY_DATABASE_URL": "", "DTSEN_DATABASE_URL": "shared"}, ""},
	}
	for _, c := range cases {
		s := New("svc")
		s.Lookup = envOf(c.env)
		got := s.StringFallback("DTSEN_REGISTRY_DATABASE_URL", "DTSEN_DATABASE_URL", "sqlite://default", "")
		if err := s.Parse(nil); err != nil {
			t.Fatal(err)
		}
		if *got != c.want {
			t.Errorf("env %v: got %q want %q", c.env, *got, c.want)
		}
	}
}

func TestBadValuesNameTheVariable(t *testing.T) {
	for _, c := range []struct{ name, raw string }{
		{"DTSEN_X_N", "forty"}, {"DTSEN_X_D", "10"}, {"DTSEN_X_B", "yes please"},
	} {
		s := New("svc")
		s.Lookup = envOf(map[string]string{c.name: c.raw})
		s.Int("DTSEN_X_N", 1, "")
		s.Duration("DTSEN_X_D", time.Second, "")
		s.Bool("DTSEN_X_B", false, "")
		err := s.Parse(nil)
		if err == nil {
			t.Fatalf("%s=%q: expected error", c.name, c.raw)
		}
		if !strings.Contains(err.Error(), c.name) {
			t.Errorf("error %q does not name %s", err, c.name)
		}
	}
}

func TestHelpPrintsUsage(t *testing.T) {
	for _, arg := range []string{"--help", "-h"} {
		var out bytes.Buffer
		s := New("registry")
		s.Output = &out
		s.Lookup = envOf(nil)
		s.String("DTSEN_REGISTRY_GRPC_ADDR", ":9090", "gRPC listen address")
		s.StringFallback("DTSEN_REGISTRY_DATABASE_URL", "DTSEN_DATABASE_URL", "", "database URL")
		s.Duration("DTSEN_REGISTRY_SHUTDOWN_GRACE", 15*time.Second, "grace period")
		err := s.Parse([]string{"registry", arg})
		if !errors.Is(err, ErrHelp) {
			t.Fatalf("%s: want ErrHelp, got %v", arg, err)
		}
		text := out.String()
		for _, want := range []string{"DTSEN_REGISTRY_GRPC_ADDR", ":9090", "gRPC listen address",
			"DTSEN_REGISTRY_SHUTDOWN_GRACE", "15s", "DTSEN_DATABASE_URL"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: usage lacks %q:\n%s", arg, want, text)
			}
		}
	}
}

func TestDuplicateDeclarationPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("expected panic on duplicate variable")
		}
	}()
	s := New("svc")
	s.String("A", "", "")
	s.Int("A", 0, "")
}

func TestVarFormsBindIntoFields(t *testing.T) {
	var cfg struct {
		Addr  string
		N     int
		Grace time.Duration
		On    bool
	}
	s := New("svc")
	s.Lookup = envOf(map[string]string{"N": "5", "GRACE": "2s"})
	s.StringVar(&cfg.Addr, "ADDR", ":1", "")
	s.IntVar(&cfg.N, "N", 1, "")
	s.DurationVar(&cfg.Grace, "GRACE", time.Second, "")
	s.BoolVar(&cfg.On, "ON", true, "")
	if cfg.Addr != ":1" || cfg.N != 1 {
		t.Fatal("defaults must be visible before Parse")
	}
	if err := s.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":1" || cfg.N != 5 || cfg.Grace != 2*time.Second || !cfg.On {
		t.Fatalf("bound values wrong: %+v", cfg)
	}
}
