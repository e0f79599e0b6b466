package storage

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MigrationSet is one named sequence of schema migrations, embedded with
// //go:embed. FS holds a directory per engine, `sqlite/` and `postgres/`, of
// files named `NNNN_description.sql`, applied in version order.
//
// Tables declares the placement of every table the set creates, for the
// Citus scale-out plan (placement.go).
type MigrationSet struct {
	Name   string
	FS     fs.FS
	Tables Tables
}

// Migrate applies every migration of every set that has not been applied yet,
// each in its own transaction. On PostgreSQL an advisory lock keeps replicas
// that start together from migrating twice.
func (db *DB) Migrate(ctx context.Context, sets ...MigrationSet) error {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return fmt.Errorf("storage: migrate: %w", err)
	}
	defer conn.Close()
	if db.engine == Postgres {
		const lockKey = 0x44545345 // "DTSE"
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
			return fmt.Errorf("storage: migration lock: %w", err)
		}
		defer func() { _, _ = conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", lockKey) }()
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		set_name   TEXT    NOT NULL,
		version    INTEGER NOT NULL,
		applied_at BIGINT  NOT NULL,
		PRIMARY KEY (set_name, version))`); err != nil {
		return fmt.Errorf("storage: create schema_migrations: %w", err)
	}
	for _, set := range sets {
		if err := db.migrateSet(ctx, set); err != nil {
			return err
		}
	}
	tables, err := Placements(sets...)
	if err != nil {
		return err
	}
	tables["schema_migrations"] = Local
	db.placements.Store(&tables)
	return nil
}

type migration struct {
	version int
	name    string
	sql     string
}

func (db *DB) migrateSet(ctx context.Context, set MigrationSet) error {
	dir := string(db.engine)
	entries, err := fs.ReadDir(set.FS, dir)
	if err != nil {
		return fmt.Errorf("storage: migrations %q have no %s directory: %w", set.Name, dir, err)
	}
	var ms []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			return fmt.Errorf("storage: migration %s/%s: name must start with a version number", set.Name, e.Name())
		}
		body, err := fs.ReadFile(set.FS, path.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return fmt.Errorf("storage: migrations %s and %s share version %d", ms[i-1].name, ms[i].name, ms[i].version)
		}
	}
	applied := map[int]bool{}
	rows, err := db.sql.QueryContext(ctx, "SELECT version FROM schema_migrations WHERE set_name = $1", set.Name)
	if err != nil {
		return fmt.Errorf("storage: read schema_migrations: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		applied[v] = true
	}
	rows.Close()
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		err := db.InTx(ctx, func(tx *Tx) error {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("storage: migration %s/%s/%s: %w", set.Name, db.engine, m.name, err)
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (set_name, version, applied_at) VALUES ($1, $2, $3)",
				set.Name, m.version, time.Now().UnixMicro())
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// EmbeddedMigrations names the migrations under the "migrations" directory
// of an embedded file system (//go:embed migrations), with the placement of
// every table they create. It panics if the directory is missing, a
// build-time mistake.
func EmbeddedMigrations(name string, fsys fs.FS, tables Tables) MigrationSet {
	sub, err := fs.Sub(fsys, "migrations")
	if err != nil {
		panic(fmt.Sprintf("storage: migrations %q: %v", name, err))
	}
	return MigrationSet{Name: name, FS: sub, Tables: tables}
}
