package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Tx is a transaction on one dedicated connection.
//
// It is opened with plain BEGIN/COMMIT statements on a *sql.Conn rather than
// with sql.Tx, because COPY needs the driver's own connection (conn.Raw), and
// database/sql offers that only on a *sql.Conn. See docs/adr/0003.
type Tx struct {
	conn   *sql.Conn
	engine Engine
	after  hooks
}

// InTx runs fn in a transaction and commits when fn returns nil. On SQLite the
// transaction takes the write lock up front (BEGIN IMMEDIATE) so that two
// writers queue on busy_timeout instead of failing to upgrade a read lock.
// Functions registered with AfterCommit run after a successful commit.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return fmt.Errorf("storage: acquire connection: %w", err)
	}
	tx := &Tx{conn: conn, engine: db.engine}
	begin := "BEGIN"
	if db.engine == SQLite {
		begin = "BEGIN IMMEDIATE"
	}
	if _, err := conn.ExecContext(ctx, begin); err != nil {
		tx.discard()
		return fmt.Errorf("storage: begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			tx.rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		tx.rollback()
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		tx.rollback()
		return fmt.Errorf("storage: commit: %w", err)
	}
	_ = conn.Close()
	tx.after.run()
	return nil
}

// rollback ends the transaction even when the request's context is gone, and
// throws the connection away if that fails, so no later caller inherits an
// open transaction.
func (tx *Tx) rollback() {
	if _, err := tx.conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		tx.discard()
		return
	}
	_ = tx.conn.Close()
}

func (tx *Tx) discard() {
	_ = tx.conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = tx.conn.Close()
}

// Engine reports the engine the transaction runs on.
func (tx *Tx) Engine() Engine { return tx.engine }

// AfterCommit registers fn to run once the transaction has committed. It does
// not run on rollback.
func (tx *Tx) AfterCommit(fn func()) { tx.after.add(fn) }

// ExecContext runs a statement in the transaction.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.conn.ExecContext(ctx, query, args...)
}

// QueryContext runs a query in the transaction.
// ExecOne runs an optimistic write that must change exactly one row: an
// UPDATE or DELETE whose WHERE names the key and the version (or owner) the
// transaction read. No row changed means another writer got there first:
// ErrStaleWrite, which IsTransient counts, so the transaction is run again.
func (tx *Tx) ExecOne(ctx context.Context, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return ErrStaleWrite
	}
	return nil
}

func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.conn.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a single-row query in the transaction.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.conn.QueryRowContext(ctx, query, args...)
}

// CopyFrom bulk-inserts rows into table. On PostgreSQL it is COPY in binary
// format; on SQLite it is one prepared INSERT per row, which inside a single
// transaction is SQLite's fastest path.
func (tx *Tx) CopyFrom(ctx context.Context, table string, columns []string, rows [][]any) (int64, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	if tx.engine == Postgres {
		var n int64
		err := tx.conn.Raw(func(dc any) error {
			c, ok := dc.(*stdlib.Conn)
			if !ok {
				return errors.New("storage: postgres connection is not a pgx connection")
			}
			var err error
			n, err = c.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
			return err
		})
		if err != nil {
			return n, fmt.Errorf("storage: copy into %s: %w", table, err)
		}
		return n, nil
	}
	placeholders := make([]string, len(columns))
	for i := range columns {
		placeholders[i] = fmt.Sprintf("$%d", i+1)
	}
	stmt, err := tx.conn.PrepareContext(ctx, "INSERT INTO "+table+" ("+strings.Join(columns, ", ")+
		") VALUES ("+strings.Join(placeholders, ", ")+")")
	if err != nil {
		return 0, fmt.Errorf("storage: prepare insert into %s: %w", table, err)
	}
	defer stmt.Close()
	var n int64
	for _, row := range rows {
		if _, err := stmt.ExecContext(ctx, row...); err != nil {
			return n, fmt.Errorf("storage: insert into %s: %w", table, err)
		}
		n++
	}
	return n, nil
}

// DeferFlush lets this transaction commit without waiting for its WAL to
// reach disk (PostgreSQL synchronous_commit = off, for this transaction only).
// A crash may lose it, but never out of order: WAL is flushed in sequence, so
// once any later transaction commits normally, this one is durable too. Bulk
// imports use it for their chunks and commit the batch's completion normally,
// so a client is told "done" only when every chunk is on disk. On SQLite (WAL
// mode, synchronous=NORMAL) commits already skip the flush; it is a no-op.
func (tx *Tx) DeferFlush(ctx context.Context) error {
	if tx.engine != Postgres {
		return nil
	}
	_, err := tx.conn.ExecContext(ctx, "SET LOCAL synchronous_commit = off")
	return err
}
