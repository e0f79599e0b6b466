package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Engine names a supported database engine.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is an open database of one service.
type DB struct {
	sql    *sql.DB
	engine Engine
	// placements is the Citus map of the tables Migrate created; the
	// statement observer hands it out with each statement (trace.go).
	placements *atomic.Pointer[Tables]
}

// ErrBadURL reports a database URL that names no supported engine.
var ErrBadURL = errors.New("storage: database URL must start with sqlite:, file:, postgres:// or postgresql://")

// Open opens the database named by url:
//   - `sqlite:PATH` or `file:PATH` (or a bare path) opens an SQLite file in WAL
//     mode, creating its directory;
//   - `postgres://...` or `postgresql://...` opens PostgreSQL through pgx.
//
// It pings the database, so a wrong URL fails at start-up, not at first use.
func Open(ctx context.Context, url string) (*DB, error) {
	var db *DB
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		placements := new(atomic.Pointer[Tables])
		sdb, err := openPostgres(url, placements)
		if err != nil {
			return nil, err
		}
		sdb.SetMaxOpenConns(16)
		sdb.SetMaxIdleConns(16)
		db = &DB{sql: sdb, engine: Postgres, placements: placements}
	case url == "":
		return nil, ErrBadURL
	default:
		path := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(url, "sqlite://"), "sqlite:"), "file:")
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		if strings.Contains(url, "://") && !strings.HasPrefix(url, "sqlite://") {
			return nil, ErrBadURL
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("storage: create database directory: %w", err)
			}
		}
		// busy_timeout lets a writer wait for the single SQLite write lock
		// instead of failing; foreign_keys is off by default in SQLite.
		dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
			"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
		sdb, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("storage: open sqlite: %w", err)
		}
		sdb.SetMaxOpenConns(8)
		db = &DB{sql: sdb, engine: SQLite, placements: new(atomic.Pointer[Tables])}
	}
	if err := db.sql.PingContext(ctx); err != nil {
		_ = db.sql.Close()
		return nil, fmt.Errorf("storage: connect to %s: %w", db.engine, err)
	}
	return db, nil
}

// Engine reports which engine the database runs on.
func (db *DB) Engine() Engine { return db.engine }

// SQL exposes the pool for reads outside a transaction.
func (db *DB) SQL() *sql.DB { return db.sql }

// Close closes the pool.
func (db *DB) Close() error { return db.sql.Close() }

// QueryContext runs a read outside a transaction.
func (db *DB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.sql.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a single-row read outside a transaction.
func (db *DB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return db.sql.QueryRowContext(ctx, query, args...)
}

// IsUniqueViolation reports whether err is a primary-key or unique-constraint
// violation on either engine.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		code := sqErr.Code()
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// ErrStaleWrite marks an optimistic write that found its row changed since
// the transaction read it (an UPDATE ... AND version = $read that matched
// nothing). Running the whole transaction again re-reads and decides again,
// so IsTransient counts it: it is how writers keep their place without row
// locks, which Citus refuses across shards (docs/scale-out.md §2).
var ErrStaleWrite = errors.New("storage: row changed since it was read")

// IsTransient reports whether a transaction failed only because of a
// concurrent one, so running it again may succeed: a PostgreSQL deadlock or
// serialization failure, or SQLite's lock being busy past busy_timeout.
func IsTransient(err error) bool {
	if errors.Is(err, ErrStaleWrite) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40P01" || pgErr.Code == "40001"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code()&0xff == sqlite3.SQLITE_BUSY
	}
	return false
}

// hooks collects functions to run after a commit.
type hooks struct {
	mu  sync.Mutex
	fns []func()
}

func (h *hooks) add(fn func()) {
	h.mu.Lock()
	h.fns = append(h.fns, fn)
	h.mu.Unlock()
}

func (h *hooks) run() {
	h.mu.Lock()
	fns := h.fns
	h.fns = nil
	h.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}
