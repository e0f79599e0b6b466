// Package config reads a service's settings from environment variables.
//
// Settings come from the environment rather than flags so that the same
// binary runs unchanged under `make run`, docker-compose and Kubernetes,
// where env vars are the common denominator. Every variable is declared with
// a default and a help text so `--help` documents the whole surface.
package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// ErrHelp is returned by Parse when the caller asked for usage; mains should
// exit 0 on it.
var ErrHelp = errors.New("config: help requested")

// Set is a collection of declared environment variables for one program.
type Set struct {
	// Lookup reads one variable; tests replace it to avoid touching the
	// process environment.
	Lookup func(name string) (string, bool)
	// Output receives the usage table printed for --help.
	Output io.Writer

	program string
	vars    []*variable
}

type variable struct {
	name     string
	fallback string // second env var consulted when name is unset; may be empty
	def      string // default rendered for usage
	help     string
	set      func(raw string) error
}

// New returns an empty Set reading the real process environment.
func New(program string) *Set {
	return &Set{Lookup: os.LookupEnv, Output: os.Stdout, program: program}
}

func (s *Set) declare(v *variable) {
	for _, existing := range s.vars {
		if existing.name == v.name {
			// A duplicate would silently let one declaration win; that is
			// always a programming error.
			panic("config: variable declared twice: " + v.name)
		}
	}
	s.vars = append(s.vars, v)
}

// String declares a string variable.
func (s *Set) String(name, def, help string) *string {
	p := new(string)
	s.StringVar(p, name, def, help)
	return p
}

// StringFallback declares a string variable that, when unset, is taken from
// the fallback variable (e.g. a service-specific database URL falling back to
// the shared one) and then from def.
func (s *Set) StringFallback(name, fallback, def, help string) *string {
	p := new(string)
	s.StringFallbackVar(p, name, fallback, def, help)
	return p
}

// Int declares an integer variable.
func (s *Set) Int(name string, def int, help string) *int {
	p := new(int)
	s.IntVar(p, name, def, help)
	return p
}

// Duration declares a duration variable in time.ParseDuration syntax ("15s").
func (s *Set) Duration(name string, def time.Duration, help string) *time.Duration {
	p := new(time.Duration)
	s.DurationVar(p, name, def, help)
	return p
}

// Bool declares a boolean variable (accepts strconv.ParseBool forms).
func (s *Set) Bool(name string, def bool, help string) *bool {
	p := new(bool)
	s.BoolVar(p, name, def, help)
	return p
}

// The *Var forms bind into existing fields, so a package can expose a plain
// struct of settings (see grpcserver.RegisterConfig).

// StringVar is String writing into p.
func (s *Set) StringVar(p *string, name, def, help string) {
	s.StringFallbackVar(p, name, "", def, help)
}

// StringFallbackVar is StringFallback writing into p.
func (s *Set) StringFallbackVar(p *string, name, fallback, def, help string) {
	*p = def
	s.declare(&variable{name: name, fallback: fallback, def: def, help: help,
		set: func(raw string) error { *p = raw; return nil }})
}

// IntVar is Int writing into p.
func (s *Set) IntVar(p *int, name string, def int, help string) {
	*p = def
	s.declare(&variable{name: name, def: strconv.Itoa(def), help: help,
		set: func(raw string) error {
			n, err := strconv.Atoi(strings.TrimSpace(raw))
			if err != nil {
				return errors.New("not an integer")
			}
			*p = n
			return nil
		}})
}

// DurationVar is Duration writing into p.
func (s *Set) DurationVar(p *time.Duration, name string, def time.Duration, help string) {
	*p = def
	s.declare(&variable{name: name, def: def.String(), help: help,
		set: func(raw string) error {
			d, err := time.ParseDuration(strings.TrimSpace(raw))
			if err != nil {
				return errors.New("not a duration (examples: 500ms, 15s, 2m)")
			}
			*p = d
			return nil
		}})
}

// BoolVar is Bool writing into p.
func (s *Set) BoolVar(p *bool, name string, def bool, help string) {
	*p = def
	s.declare(&variable{name: name, def: strconv.FormatBool(def), help: help,
		set: func(raw string) error {
			b, err := strconv.ParseBool(strings.TrimSpace(raw))
			if err != nil {
				return errors.New("not a boolean (true/false/1/0)")
			}
			*p = b
			return nil
		}})
}

// Parse fills every declared variable from the environment. It reports all
// malformed variables at once so an operator fixes a deployment in one pass.
// With --help or -h in args it prints the usage table and returns ErrHelp.
func (s *Set) Parse(args []string) error {
	if slices.ContainsFunc(args, func(a string) bool {
		return a == "--help" || a == "-h" || a == "-help"
	}) {
		s.PrintUsage()
		return ErrHelp
	}
	lookup := s.Lookup
	if lookup == nil {
		lookup = os.LookupEnv
	}
	var errs []error
	for _, v := range s.vars {
		raw, ok := lookup(v.name)
		source := v.name
		if !ok && v.fallback != "" {
			raw, ok = lookup(v.fallback)
			source = v.fallback
		}
		if !ok {
			continue
		}
		if err := v.set(raw); err != nil {
			errs = append(errs, fmt.Errorf("config: %s=%q: %w", source, raw, err))
		}
	}
	return errors.Join(errs...)
}

// PrintUsage writes the table of variables, defaults and help to s.Output.
func (s *Set) PrintUsage() {
	out := s.Output
	if out == nil {
		out = os.Stdout
	}
	fmt.Fprintf(out, "%s is configured by environment variables:\n\n", s.program)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VARIABLE\tDEFAULT\tDESCRIPTION")
	for _, v := range s.vars {
		def := v.def
		if def == "" {
			def = `""`
		}
		help := v.help
		if v.fallback != "" {
			help += " (falls back to " + v.fallback + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", v.name, def, help)
	}
	tw.Flush()
}
