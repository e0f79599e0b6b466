package adapters

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/dtsen-id/dtsen/services/platform/storage"
)

// multiRowChunk bounds the rows of one multi-row statement: 500 rows of up
// to 13 columns stay far below SQLite's and PostgreSQL's parameter limits
// (32,766 and 65,535).
const multiRowChunk = 500

// insertMany writes rows with one statement per chunk —
// "INSERT INTO table (columns) VALUES (...), (...) tail" — instead of one
// round trip per row, which is what a run's eligibility writes cost when
// they went row by row (BENCHMARKS.md). Within one statement a conflict
// target may appear only once, so callers pass each key once.
func insertMany(ctx context.Context, tx *storage.Tx, table, columns string, rows [][]any, tail string) error {
	for start := 0; start < len(rows); start += multiRowChunk {
		chunk := rows[start:min(start+multiRowChunk, len(rows))]
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + columns + ") VALUES ")
		args := make([]any, 0, len(chunk)*len(chunk[0]))
		for i, row := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j := range row {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString("$" + strconv.Itoa(len(args)+j+1))
			}
			b.WriteByte(')')
			args = append(args, row...)
		}
		b.WriteString(tail)
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("write %d rows into %s: %w", len(chunk), table, err)
		}
	}
	return nil
}
