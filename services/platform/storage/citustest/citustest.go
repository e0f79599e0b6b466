// Package citustest holds the guard tests that keep each service's schema
// and SQL ready for PostgreSQL distributed with Citus (docs/scale-out.md
// §12): CheckSchema for the primary-key, foreign-key and co-location rules,
// and RunLinted, which lints every statement a test package sends to
// PostgreSQL against the placement map of the database it ran on.
//
// The lint parses with libpg_query (cgo). Only test binaries import this
// package, so the services themselves stay pure Go.
package citustest

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/dtsen-id/dtsen/services/platform/storage"
)

// RunLinted runs a package's tests while collecting every distinct statement
// they send to PostgreSQL, then lints each against its database's placement
// map. A finding fails the package even when every test passed. Use it as
//
//	func TestMain(m *testing.M) { os.Exit(citustest.RunLinted(m)) }
//
// Statements run before a database's migrations finish carry no map and are
// skipped; they are the migrations themselves.
func RunLinted(m *testing.M) int {
	type key struct {
		tables *storage.Tables
		sql    string
	}
	var mu sync.Mutex
	seen := map[key]bool{}
	stop := storage.ObserveStatements(func(tables *storage.Tables, sql string) {
		if tables == nil {
			return
		}
		mu.Lock()
		seen[key{tables, sql}] = true
		mu.Unlock()
	})
	code := m.Run()
	stop()

	findings := map[string]bool{}
	statements := map[string]bool{}
	for k := range seen {
		statements[k.sql] = true
		for _, f := range Lint(*k.tables, k.sql) {
			findings[f+"\n    in: "+condense(k.sql)] = true
		}
	}
	if testing.Verbose() || len(findings) > 0 {
		fmt.Fprintf(os.Stderr, "citus lint: %d distinct PostgreSQL statements checked\n", len(statements))
	}
	if len(findings) == 0 {
		return code
	}
	list := make([]string, 0, len(findings))
	for f := range findings {
		list = append(list, f)
	}
	sort.Strings(list)
	fmt.Fprintf(os.Stderr, "citus lint: %d findings (docs/scale-out.md §6, services/platform/storage/citustest):\n", len(list))
	for _, f := range list {
		fmt.Fprintln(os.Stderr, "  - "+f)
	}
	if code == 0 {
		code = 1
	}
	return code
}

// condense puts a statement on one line for the report.
func condense(sql string) string {
	s := strings.Join(strings.Fields(sql), " ")
	if len(s) > 400 {
		s = s[:400] + " …"
	}
	return s
}
