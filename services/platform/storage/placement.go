package storage

import (
	"fmt"
	"sort"
	"strings"
)

// Placement says where a table's rows live once its service's database is
// PostgreSQL distributed with Citus (docs/scale-out.md). Every table a
// migration set creates declares one, next to the migrations, so the plan is
// code: the Citus guard tests (storage/citustest) check the schema and every
// statement the tests run against it.
type Placement struct {
	kind   placementKind
	column string
}

type placementKind int

const (
	placementLocal placementKind = iota
	placementReference
	placementDistributed
)

// Distributed places a table's rows on shards by a hash of column: every
// primary key and unique constraint must include it, every statement must
// fix it or be a marked fan-out, and no UPDATE may change it.
func Distributed(column string) Placement {
	return Placement{kind: placementDistributed, column: column}
}

// Reference copies a small table to every node; any constraint is allowed,
// and every write is a two-phase commit across all nodes.
var Reference = Placement{kind: placementReference}

// Local keeps a table on the coordinator only: service bookkeeping (the
// migration ledger, import batches, feed cursors) and, until phase 2 of the
// plan, the outbox.
var Local = Placement{kind: placementLocal}

// IsDistributed reports whether the table is sharded, and on which column.
func (p Placement) IsDistributed() (column string, ok bool) {
	return p.column, p.kind == placementDistributed
}

// IsReference reports whether the table is copied to every node.
func (p Placement) IsReference() bool { return p.kind == placementReference }

func (p Placement) String() string {
	switch p.kind {
	case placementDistributed:
		return "distributed(" + p.column + ")"
	case placementReference:
		return "reference"
	default:
		return "local"
	}
}

// Tables maps each table a migration set creates to its placement.
type Tables map[string]Placement

// FanoutMarker starts the comment that marks a statement as a deliberate
// fan-out over every shard: /* dtsen:fanout <why> */. A statement on a
// distributed table that neither fixes the distribution column nor carries
// the marker fails the query lint.
const FanoutMarker = "dtsen:fanout"

// Placements is the union of the sets' tables. A table declared by two sets
// is a programming error.
func Placements(sets ...MigrationSet) (Tables, error) {
	all := Tables{}
	owner := map[string]string{}
	for _, s := range sets {
		for table, p := range s.Tables {
			if prev, dup := owner[table]; dup {
				return nil, fmt.Errorf("storage: table %s is declared by migration sets %s and %s", table, prev, s.Name)
			}
			owner[table] = s.Name
			all[table] = p
		}
	}
	return all, nil
}

// Names lists the tables in order, for messages.
func (t Tables) Names() []string {
	names := make([]string, 0, len(t))
	for n := range t {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// String renders the map as "table=placement, ...".
func (t Tables) String() string {
	var b strings.Builder
	for i, n := range t.Names() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(n + "=" + t[n].String())
	}
	return b.String()
}
