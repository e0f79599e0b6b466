package citustest

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
)

// CheckSchema applies a service's migration sets, as the service runs them,
// to a fresh PostgreSQL schema and fails the test for every way the result
// breaks Citus's rules under the sets' declared placements:
//   - a table no set declares, or a declared table that does not exist;
//   - a distributed table whose primary key or unique index (partial ones
//     included) lacks the distribution column: Citus enforces uniqueness
//     within a shard only;
//   - a foreign key from a distributed table that is not to a reference
//     table or to a distributed table's distribution column on its own, or
//     from a reference table to anything but a reference table, or from a
//     local table to a distributed one;
//   - distribution columns of different types or collations within the
//     service: Citus co-locates only columns that match.
func CheckSchema(t *testing.T, sets ...storage.MigrationSet) {
	t.Helper()
	db := storagetest.Open(t, storagetest.PostgresURL(t), sets...)
	tables, err := storage.Placements(sets...)
	if err != nil {
		t.Fatal(err)
	}
	tables["schema_migrations"] = storage.Local
	for _, problem := range SchemaProblems(context.Background(), db.SQL(), tables) {
		t.Error(problem)
	}
}

// SchemaProblems reads the catalogue of the current schema (search_path)
// and lists each violation of the rules CheckSchema names.
func SchemaProblems(ctx context.Context, db *sql.DB, tables storage.Tables) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	existing, err := queryStrings(ctx, db, `SELECT c.relname FROM pg_class c
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition`)
	if err != nil {
		return []string{err.Error()}
	}
	exists := map[string]bool{}
	for _, name := range existing {
		exists[name] = true
		if _, ok := tables[name]; !ok {
			add("table %s has no declared placement: add it to its migration set's storage.Tables", name)
		}
	}
	for _, name := range tables.Names() {
		if !exists[name] {
			add("table %s is declared (%s) but the migrations do not create it", name, tables[name])
		}
	}

	problems = append(problems, uniqueProblems(ctx, db, tables)...)
	problems = append(problems, foreignKeyProblems(ctx, db, tables)...)
	problems = append(problems, colocationProblems(ctx, db, tables)...)
	return problems
}

func uniqueProblems(ctx context.Context, db *sql.DB, tables storage.Tables) []string {
	rows, err := db.QueryContext(ctx, `SELECT t.relname, i.relname, x.indisprimary,
			array_to_string(ARRAY(SELECT coalesce(a.attname, '(expression)') FROM unnest(x.indkey) WITH ORDINALITY k(attnum, n)
				LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.n), ',')
		FROM pg_index x
		JOIN pg_class t ON t.oid = x.indrelid
		JOIN pg_class i ON i.oid = x.indexrelid
		WHERE t.relnamespace = current_schema()::regnamespace AND x.indisunique
		ORDER BY t.relname, i.relname`)
	if err != nil {
		return []string{err.Error()}
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var table, index string
		var primary bool
		var joined string
		if err := rows.Scan(&table, &index, &primary, &joined); err != nil {
			return []string{err.Error()}
		}
		columns := strings.Split(joined, ",")
		column, distributed := tables[table].IsDistributed()
		if !distributed || containsKey(columns, column) {
			continue
		}
		kind := "unique index " + index
		if primary {
			kind = "primary key"
		}
		problems = append(problems, fmt.Sprintf("%s is distributed by %s, but its %s (%s) does not include it",
			table, column, kind, strings.Join(columns, ", ")))
	}
	return append(problems, errString(rows.Err())...)
}

func foreignKeyProblems(ctx context.Context, db *sql.DB, tables storage.Tables) []string {
	rows, err := db.QueryContext(ctx, `SELECT c.conname, t.relname, r.relname,
			array_to_string(ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
				JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n), ','),
			array_to_string(ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(attnum, n)
				JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.n), ',')
		FROM pg_constraint c
		JOIN pg_class t ON t.oid = c.conrelid
		JOIN pg_class r ON r.oid = c.confrelid
		WHERE c.contype = 'f' AND t.relnamespace = current_schema()::regnamespace
		ORDER BY t.relname, c.conname`)
	if err != nil {
		return []string{err.Error()}
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var name, from, to string
		var fromJoined, toJoined string
		if err := rows.Scan(&name, &from, &to, &fromJoined, &toJoined); err != nil {
			return []string{err.Error()}
		}
		fromCols, toCols := strings.Split(fromJoined, ","), strings.Split(toJoined, ",")
		if why := foreignKeyProblem(tables[from], tables[to], fromCols, toCols); why != "" {
			problems = append(problems, fmt.Sprintf("foreign key %s from %s (%s) to %s (%s): %s",
				name, from, tables[from], to, tables[to], why))
		}
	}
	return append(problems, errString(rows.Err())...)
}

func foreignKeyProblem(from, to storage.Placement, fromCols, toCols []string) string {
	fromCol, fromDist := from.IsDistributed()
	toCol, toDist := to.IsDistributed()
	switch {
	case to.IsReference():
		return ""
	case fromDist && toDist:
		for i := range fromCols {
			if fromCols[i] == fromCol && toCols[i] == toCol {
				return ""
			}
		}
		return "between distributed tables it must pair their distribution columns, so both rows share a shard"
	case fromDist:
		return "a distributed table may only reference a reference table or a co-located distributed table"
	case from.IsReference():
		return "a reference table may only reference reference tables"
	case toDist:
		return "a local table cannot reference a distributed table"
	}
	return ""
}

func colocationProblems(ctx context.Context, db *sql.DB, tables storage.Tables) []string {
	kinds := map[string][]string{}
	var problems []string
	for _, table := range tables.Names() {
		column, ok := tables[table].IsDistributed()
		if !ok {
			continue
		}
		var kind string
		err := db.QueryRowContext(ctx, `SELECT format_type(a.atttypid, a.atttypmod) || ' COLLATE "' ||
				coalesce((SELECT collname FROM pg_collation WHERE oid = a.attcollation), '') || '"'
			FROM pg_attribute a
			WHERE a.attrelid = (current_schema() || '.' || $1)::regclass AND a.attname = $2 AND NOT a.attisdropped`,
			table, column).Scan(&kind)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: distribution column %s: %v", table, column, err))
			continue
		}
		kinds[kind] = append(kinds[kind], table+"."+column)
	}
	if len(kinds) > 1 {
		var parts []string
		for kind, cols := range kinds {
			parts = append(parts, kind+": "+strings.Join(cols, ", "))
		}
		sort.Strings(parts)
		problems = append(problems, "distribution columns differ in type or collation, so Citus cannot co-locate them; make each TEXT COLLATE \"C\": "+
			strings.Join(parts, "; "))
	}
	return problems
}

func queryStrings(ctx context.Context, db *sql.DB, query string) ([]string, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func errString(err error) []string {
	if err == nil {
		return nil
	}
	return []string{err.Error()}
}
