package citustest

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
)

func migrationSet(sql string, tables storage.Tables) storage.MigrationSet {
	return storage.MigrationSet{Name: "things", Tables: tables, FS: fstest.MapFS{
		"postgres/0001_things.sql": {Data: []byte(sql)},
	}}
}

func TestCheckSchemaAcceptsACitusReadySchema(t *testing.T) {
	CheckSchema(t, migrationSet(`
		CREATE TABLE regions (code TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE);
		CREATE TABLE families (kk TEXT COLLATE "C" PRIMARY KEY, region TEXT REFERENCES regions (code));
		CREATE TABLE persons (family_kk TEXT COLLATE "C" REFERENCES families (kk), nik TEXT COLLATE "C",
			PRIMARY KEY (family_kk, nik));
		CREATE UNIQUE INDEX persons_open ON persons (family_kk) WHERE nik = '';
		CREATE TABLE batches (id TEXT PRIMARY KEY);`,
		storage.Tables{
			"regions":  storage.Reference,
			"families": storage.Distributed("kk"),
			"persons":  storage.Distributed("family_kk"),
			"batches":  storage.Local,
		}))
}

func TestSchemaProblemsNamesEveryBrokenRule(t *testing.T) {
	set := migrationSet(`
		CREATE TABLE families (kk TEXT PRIMARY KEY, head TEXT NOT NULL);
		CREATE UNIQUE INDEX families_head ON families (head);
		CREATE TABLE persons (nik TEXT COLLATE "C" PRIMARY KEY, family_kk TEXT REFERENCES families (kk));
		CREATE TABLE runs (id BIGINT PRIMARY KEY, kk TEXT REFERENCES families (kk));
		CREATE TABLE notes (id BIGINT PRIMARY KEY, kk TEXT COLLATE "C" REFERENCES families (kk));
		CREATE TABLE undeclared (id BIGINT PRIMARY KEY);`,
		storage.Tables{
			"families": storage.Distributed("kk"),
			"persons":  storage.Distributed("nik"),
			"runs":     storage.Reference,
			"notes":    storage.Local,
			"missing":  storage.Local,
		})
	db := storagetest.Open(t, storagetest.PostgresURL(t), set)
	tables, _ := storage.Placements(set)
	tables["schema_migrations"] = storage.Local
	got := strings.Join(SchemaProblems(context.Background(), db.SQL(), tables), "\n")
	for _, want := range []string{
		"table undeclared has no declared placement",
		"table missing is declared (local) but the migrations do not create it",
		"families is distributed by kk, but its unique index families_head (head) does not include it",
		"foreign key persons_family_kk_fkey from persons (distributed(nik)) to families (distributed(kk)): between distributed tables",
		"foreign key runs_kk_fkey from runs (reference) to families (distributed(kk)): a reference table may only reference reference tables",
		"foreign key notes_kk_fkey from notes (local) to families (distributed(kk)): a local table cannot reference a distributed table",
		`distribution columns differ in type or collation`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q; got:\n%s", want, got)
		}
	}
}
