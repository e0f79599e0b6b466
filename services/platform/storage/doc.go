// Package storage is the one database layer every DTSEN service uses.
//
// Two engines sit behind database/sql:
//   - SQLite through the pure-Go modernc.org/sqlite driver, in WAL mode: the
//     embedded default, which needs no setup and suits a pilot region on one
//     machine;
//   - PostgreSQL through pgx v5: the production engine, selected by a
//     postgres:// URL.
//
// SQL is written once with $n placeholders, which both engines accept. Each
// service embeds its own migrations per engine and runs them at start-up with
// Migrate. Writes go through InTx, whose Tx adds CopyFrom: COPY on PostgreSQL
// (the bulk path for imports), prepared inserts on SQLite.
//
// On PostgreSQL every statement run inside a traced request is a child span
// (otelpgx; the SQL text with its placeholders, never the values). SQLite
// statements are not traced: the driver has no hook, and a wrapping driver
// would put a span on each of the per-row inserts of an import.
package storage
