// Package cli implements dtsenctl's commands. Each command lives in its own
// file and registers itself in the command table from an init function, so a
// new command (rank, score, cases, ...) is one new file.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
)

// Command is one dtsenctl sub-command.
type Command struct {
	// Name is the word on the command line.
	Name string
	// Args is the positional-argument synopsis, for example "<context> FILE...".
	Args string
	// Summary is the one-line description shown by `dtsenctl --help`.
	Summary string
	// Help is the longer text shown by `dtsenctl CMD --help`.
	Help string
	// Flags declares the command's own flags on fs; the connection flags are
	// added by the framework when Conn is true.
	Flags func(fs *flag.FlagSet)
	// Conn adds the connection flags (addresses, TLS, token, timeout).
	Conn bool
	// Run executes the command with the positional arguments.
	Run func(ctx context.Context, e *Env, args []string) error
}

var commands = map[string]*Command{}

// register adds a command to the table; each command file calls it from init.
func register(c *Command) {
	if _, dup := commands[c.Name]; dup {
		panic("dtsenctl: duplicate command " + c.Name)
	}
	commands[c.Name] = c
}

// App is the CLI with its output streams.
type App struct {
	Stdout, Stderr io.Writer
	// Getenv reads the environment (os.Getenv by default; tests replace it).
	Getenv func(string) string
	// Terminal says whether Stderr is a terminal (progress bars); by default
	// it is detected from Stderr.
	Terminal bool
}

// New returns the CLI writing to stdout and stderr.
func New(stdout, stderr io.Writer) *App {
	return &App{Stdout: stdout, Stderr: stderr, Getenv: os.Getenv, Terminal: isTerminal(stderr)}
}

// Env is what a running command sees: output streams, the parsed connection
// settings and the global options.
type Env struct {
	Stdout, Stderr io.Writer
	Conn           *ConnConfig
	Quiet          bool
	Terminal       bool
	getenv         func(string) string
}

// usageError is a command-line mistake: it prints the usage hint and exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1 // the command ran and failed (transport, server error)
	ExitUsage   = 2 // bad arguments
)

// Run executes the command line args (without the program name) and returns
// the process exit code.
func (a *App) Run(ctx context.Context, args []string) int {
	if a.Getenv == nil {
		a.Getenv = os.Getenv
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help" {
		if len(args) > 1 && args[0] == "help" {
			if c, ok := commands[args[1]]; ok {
				a.commandUsage(c, a.Stdout)
				return ExitOK
			}
		}
		a.usage(a.Stdout)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(a.Stderr, "dtsenctl: unknown command %q\n", args[0])
		a.usage(a.Stderr)
		return ExitUsage
	}
	e := &Env{Stdout: a.Stdout, Stderr: a.Stderr, Terminal: a.Terminal, getenv: a.Getenv}
	fs := flag.NewFlagSet("dtsenctl "+c.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&e.Quiet, "quiet", false, "no progress output")
	fs.BoolVar(&e.Quiet, "q", false, "short for --quiet")
	if c.Conn {
		e.Conn = connFlags(fs, a.Getenv)
	}
	if c.Flags != nil {
		c.Flags(fs)
	}
	pos, err := parseInterleaved(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		a.commandUsage(c, a.Stdout)
		return ExitOK
	}
	if err == nil {
		err = c.Run(ctx, e, pos)
	}
	if err == nil {
		return ExitOK
	}
	fmt.Fprintf(a.Stderr, "dtsenctl %s: %v\n", c.Name, err)
	var ue *usageError
	if errors.As(err, &ue) || isFlagError(err) {
		fmt.Fprintf(a.Stderr, "Run 'dtsenctl %s --help' for usage.\n", c.Name)
		return ExitUsage
	}
	return ExitFailure
}

type flagError struct{ error }

func isFlagError(err error) bool {
	var fe flagError
	return errors.As(err, &fe)
}

// parseInterleaved parses flags that may come before, between or after the
// positional arguments ("--" ends flag parsing).
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, flagError{err}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// flag stops at the first non-flag, or after "--".
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func (a *App) usage(w io.Writer) {
	fmt.Fprint(w, `dtsenctl: the DTSEN operator CLI

Usage:
  dtsenctl <command> [flags] [arguments]

Commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, n := range names {
		fmt.Fprintf(tw, "  %s\t%s\n", n, commands[n].Summary)
	}
	tw.Flush()
	fmt.Fprint(w, `
Connection flags (every command that talks to a service):
  --registry-addr, --asset-addr, --income-addr, --serviceusage-addr, --scoring-addr, --grievance-addr
        gRPC addresses (env DTSEN_CTL_<SERVICE>_ADDR; default 127.0.0.1:9101..9106)
  --tls, --tls-ca FILE    use TLS (system roots, or the CA in FILE)
  --token TOKEN           bearer JWT sent as "authorization: Bearer TOKEN" (env DTSEN_TOKEN)
  --client-id ID, --client-secret SECRET, --issuer URL
                          or obtain tokens with the OAuth2 client-credentials grant
                          (env DTSEN_CTL_CLIENT_ID, DTSEN_CTL_CLIENT_SECRET, DTSEN_AUTH_ISSUER)
  --timeout DURATION      deadline of each unary call (default 30s)

Every call needs a token. make run writes persona tokens to var/dev-issuer/tokens.env
(source it); seed and import on loopback use its development hub client by default.
Security model: docs/security.md.

Run 'dtsenctl <command> --help' for a command's flags. Reference: docs/dtsenctl.md.
`)
}

func (a *App) commandUsage(c *Command, w io.Writer) {
	fmt.Fprintf(w, "Usage: dtsenctl %s [flags] %s\n\n%s\n", c.Name, c.Args, strings.TrimSpace(c.Help))
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	fs.Bool("quiet", false, "no progress output")
	if c.Conn {
		connFlags(fs, a.Getenv)
	}
	if c.Flags != nil {
		c.Flags(fs)
	}
	fmt.Fprintln(w, "\nFlags:")
	fs.SetOutput(w)
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		if name != "" {
			name = " " + name
		}
		def := ""
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			def = fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "  --%s%s\n        %s%s\n", f.Name, name, usage, def)
	})
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
