// Package storagetest gives tests a fresh database on each engine.
//
// PostgreSQL tests run against a real server: DTSEN_TEST_POSTGRES_URL, or
// postgres://postgres@127.0.0.1:5432/test by default. Each test gets its own
// schema, dropped afterwards, so packages can run in parallel. When the server
// is unreachable the PostgreSQL half is skipped, except under CI=true, where
// it fails: CI must never go green by skipping.
package storagetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver for schema setup

	"github.com/dtsen-id/dtsen/services/platform/storage"
)

// DefaultPostgresURL is the development and CI server.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Engines runs fn as a subtest on SQLite and on PostgreSQL.
func Engines(t *testing.T, fn func(t *testing.T, url string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLiteURL(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, PostgresURL(t)) })
}

// SQLiteURL returns the URL of a new SQLite file in the test's temp dir.
func SQLiteURL(t testing.TB) string {
	t.Helper()
	return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
}

// PostgresURL returns a URL whose search_path is a new, empty schema.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("DTSEN_TEST_POSTGRES_URL")
	if base == "" {
		base = DefaultPostgresURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", base)
	if err == nil {
		err = admin.PingContext(ctx)
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required under CI=true: %v", err)
		}
		t.Skipf("PostgreSQL not reachable (%v); set DTSEN_TEST_POSTGRES_URL or start it", err)
	}
	schema := "t_" + randomHex(6)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		_ = admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse DTSEN_TEST_POSTGRES_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	if !q.Has("random_page_cost") {
		// As docs/deployment.md configures production (data on SSD, mostly
		// cached). With the default of 4 the planner scans the small test
		// tables whole instead of reading a chunk's keys by index, so the
		// benchmarks would measure a plan production never runs.
		q.Set("random_page_cost", "1.1")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Before returns set as a database in the field had it before migration
// version: the earlier files only, under the same name. A migration's upgrade
// test opens a database with it, stores rows the way the old code did, then
// migrates fully and reads them back. It declares no placements, so the
// Citus lint skips the statements that fill the old schema.
func Before(t testing.TB, set storage.MigrationSet, version int) storage.MigrationSet {
	t.Helper()
	earlier := fstest.MapFS{}
	err := fs.WalkDir(set.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		num, _, _ := strings.Cut(d.Name(), "_")
		if v, err := strconv.Atoi(num); err != nil || v >= version {
			return err
		}
		body, err := fs.ReadFile(set.FS, path)
		earlier[path] = &fstest.MapFile{Data: body}
		return err
	})
	if err != nil {
		t.Fatalf("migrations %s before %d: %v", set.Name, version, err)
	}
	return storage.MigrationSet{Name: set.Name, FS: earlier}
}

// Open opens url and closes it when the test ends.
func Open(t testing.TB, url string, sets ...storage.MigrationSet) *storage.DB {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx, sets...); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
