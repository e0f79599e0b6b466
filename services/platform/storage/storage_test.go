package storage_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
)

var testMigrations = storage.MigrationSet{Name: "test", FS: fstest.MapFS{
	"sqlite/0001_items.sql":   {Data: []byte("CREATE TABLE items (id TEXT PRIMARY KEY, n BIGINT NOT NULL);")},
	"sqlite/0002_more.sql":    {Data: []byte("ALTER TABLE items ADD COLUMN note TEXT NOT NULL DEFAULT ''; CREATE INDEX items_n ON items (n);")},
	"postgres/0001_items.sql": {Data: []byte("CREATE TABLE items (id TEXT PRIMARY KEY, n BIGINT NOT NULL);")},
	"postgres/0002_more.sql":  {Data: []byte("ALTER TABLE items ADD COLUMN note TEXT NOT NULL DEFAULT ''; CREATE INDEX items_n ON items (n);")},
}}

func count(t *testing.T, db *storage.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM items").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The conformance suite every engine must pass.
func TestConformance(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := storagetest.Open(t, url, testMigrations)

		t.Run("migrations are recorded and re-running them is a no-op", func(t *testing.T) {
			if err := db.Migrate(ctx, testMigrations); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE set_name = 'test'").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 2 {
				t.Fatalf("schema_migrations has %d rows for set test, want 2", n)
			}
		})

		t.Run("commit makes writes visible and runs after-commit hooks", func(t *testing.T) {
			ran := false
			err := db.InTx(ctx, func(tx *storage.Tx) error {
				tx.AfterCommit(func() { ran = true })
				_, err := tx.ExecContext(ctx, "INSERT INTO items (id, n, note) VALUES ($1, $2, $3)", "a", 1, "x")
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if !ran || count(t, db) != 1 {
				t.Fatalf("hook ran=%v rows=%d", ran, count(t, db))
			}
		})

		t.Run("an error rolls everything back and skips hooks", func(t *testing.T) {
			boom := errors.New("boom")
			ran := false
			err := db.InTx(ctx, func(tx *storage.Tx) error {
				tx.AfterCommit(func() { ran = true })
				if _, err := tx.ExecContext(ctx, "INSERT INTO items (id, n) VALUES ('b', 2)"); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) || ran || count(t, db) != 1 {
				t.Fatalf("err=%v ran=%v rows=%d", err, ran, count(t, db))
			}
		})

		t.Run("a panic rolls back and the pool stays usable", func(t *testing.T) {
			func() {
				defer func() { _ = recover() }()
				_ = db.InTx(ctx, func(tx *storage.Tx) error {
					_, _ = tx.ExecContext(ctx, "INSERT INTO items (id, n) VALUES ('p', 9)")
					panic("boom")
				})
			}()
			if count(t, db) != 1 {
				t.Fatalf("panicking transaction left %d rows", count(t, db))
			}
		})

		t.Run("DeferFlush relaxes only its own transaction", func(t *testing.T) {
			err := db.InTx(ctx, func(tx *storage.Tx) error {
				if err := tx.DeferFlush(ctx); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, "INSERT INTO items (id, n) VALUES ('deferred', 7)")
				return err
			})
			if err != nil || count(t, db) != 2 {
				t.Fatalf("err=%v rows=%d", err, count(t, db))
			}
			if db.Engine() != storage.Postgres {
				return
			}
			db.SQL().SetMaxOpenConns(1) // the next query reuses the same connection
			defer db.SQL().SetMaxOpenConns(16)
			var setting string
			if err := db.QueryRowContext(ctx, "SHOW synchronous_commit").Scan(&setting); err != nil || setting != "on" {
				t.Fatalf("synchronous_commit after the transaction = %q (%v), want on", setting, err)
			}
		})

		t.Run("unique violations are recognised", func(t *testing.T) {
			err := db.InTx(ctx, func(tx *storage.Tx) error {
				_, err := tx.ExecContext(ctx, "INSERT INTO items (id, n) VALUES ('a', 5)")
				return err
			})
			if !storage.IsUniqueViolation(err) {
				t.Fatalf("IsUniqueViolation(%v) = false", err)
			}
		})

		t.Run("CopyFrom writes every row inside the transaction", func(t *testing.T) {
			rows := make([][]any, 500)
			for i := range rows {
				rows[i] = []any{"c" + string(rune('A'+i%26)) + itoa(i), int64(i), "copied"}
			}
			err := db.InTx(ctx, func(tx *storage.Tx) error {
				n, err := tx.CopyFrom(ctx, "items", []string{"id", "n", "note"}, rows)
				if err == nil && n != 500 {
					t.Errorf("CopyFrom = %d rows", n)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if count(t, db) != 502 {
				t.Fatalf("rows = %d, want 502", count(t, db))
			}
			// A failed copy inside a rolled-back transaction leaves nothing.
			err = db.InTx(ctx, func(tx *storage.Tx) error {
				_, err := tx.CopyFrom(ctx, "items", []string{"id", "n", "note"}, [][]any{{"new1", int64(1), ""}, {"a", int64(2), ""}})
				return err
			})
			if err == nil || count(t, db) != 502 {
				t.Fatalf("duplicate copy: err=%v rows=%d", err, count(t, db))
			}
		})
	})
}

// The Citus query lint sees every statement a database sends to
// PostgreSQL, COPY included, with the placement map its migrations declared:
// without this the lint would pass having checked nothing.
func TestObserveStatements(t *testing.T) {
	ctx := context.Background()
	set := testMigrations
	set.Tables = storage.Tables{"items": storage.Distributed("id")}
	db := storagetest.Open(t, storagetest.PostgresURL(t), set)

	var mu sync.Mutex
	seen := map[string]*storage.Tables{}
	stop := storage.ObserveStatements(func(tables *storage.Tables, sql string) {
		mu.Lock()
		seen[sql] = tables
		mu.Unlock()
	})
	err := db.InTx(ctx, func(tx *storage.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO items (id, n) VALUES ($1, $2)", "a", 1); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, "items", []string{"id", "n"}, [][]any{{"b", 2}})
		return err
	})
	stop()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, "SELECT 1 FROM items WHERE id = 'after stop'"); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{"INSERT INTO items (id, n) VALUES ($1, $2)", `COPY "items" (id, n) FROM STDIN`} {
		tables, ok := seen[sql]
		if !ok {
			t.Errorf("the observer did not see %q; it saw %v", sql, seen)
			continue
		}
		if tables == nil || (*tables)["items"].String() != "distributed(id)" || (*tables)["schema_migrations"].String() != "local" {
			t.Errorf("%q came with placements %v, want the migrated set's", sql, tables)
		}
	}
	if _, ok := seen["SELECT 1 FROM items WHERE id = 'after stop'"]; ok {
		t.Error("the observer saw a statement after stop")
	}
}

// ExecOne is the optimistic write: one row changed is success, none is a
// stale write that the caller retries, and the transaction stays usable.
func TestExecOne(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := storagetest.Open(t, url, testMigrations)
		err := db.InTx(ctx, func(tx *storage.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO items (id, n) VALUES ('a', 1)"); err != nil {
				return err
			}
			if err := tx.ExecOne(ctx, "UPDATE items SET n = 2 WHERE id = $1 AND n = $2", "a", 1); err != nil {
				t.Errorf("update at the version read: %v", err)
			}
			err := tx.ExecOne(ctx, "UPDATE items SET n = 3 WHERE id = $1 AND n = $2", "a", 1)
			if !errors.Is(err, storage.ErrStaleWrite) || !storage.IsTransient(err) {
				t.Errorf("update at a stale version: %v, want a transient ErrStaleWrite", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRowContext(ctx, "SELECT n FROM items WHERE id = 'a'").Scan(&n); err != nil || n != 2 {
			t.Fatalf("n = %d (%v), want 2", n, err)
		}
	})
}

func TestOpenRejectsUnknownURL(t *testing.T) {
	for _, url := range []string{"", "mysql://root@localhost/db"} {
		if _, err := storage.Open(context.Background(), url); err == nil {
			t.Errorf("Open(%q) succeeded", url)
		}
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{digits[i%10]}, b...)
	}
	return string(b)
}
