package citustest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/dtsen-id/dtsen/services/platform/storage"
)

// fanoutMarker is a block comment that names a reason: /* dtsen:fanout officer list by region */.
var fanoutMarker = regexp.MustCompile(`/\*\s*` + storage.FanoutMarker + `\s+[^*\s][^*]*\*/`)

// Lint checks one SQL text against a placement map and returns what Citus
// would route to every shard, or refuse, as readable findings. A statement
// on a distributed table passes when it fixes the distribution column
// (`= $n`, `= literal`, `= ANY($n)`, `IN (...)`, or equality with a fixed
// co-located table's column), when it is an INSERT or COPY that supplies
// the column, or when it carries a fan-out marker. No statement may assign
// the distribution column, marked or not: Citus refuses that outright.
//
// It parses with PostgreSQL's own parser (libpg_query), so comments,
// quoting and nesting are read as the server reads them.
func Lint(tables storage.Tables, sql string) []string {
	tree, err := pg_query.ParseToJSON(sql)
	if err != nil {
		return []string{fmt.Sprintf("does not parse: %v", err)}
	}
	var parsed struct {
		Stmts []struct {
			Stmt map[string]any `json:"stmt"`
		} `json:"stmts"`
	}
	if err := json.Unmarshal([]byte(tree), &parsed); err != nil {
		return []string{fmt.Sprintf("parse tree: %v", err)}
	}
	l := linter{tables: tables, marked: fanoutMarker.MatchString(sql)}
	for _, s := range parsed.Stmts {
		l.statement(s.Stmt, nil)
	}
	return l.findings
}

type linter struct {
	tables   storage.Tables
	marked   bool
	findings []string
}

// relation is one table reference in a query scope.
type relation struct {
	table  string
	alias  string // the name columns qualify it by
	column string // distribution column, "" when not distributed
	fixed  bool
	// single is set when the table is fixed to one value, so to one shard:
	// the only case where Citus runs a row lock (FOR UPDATE, FOR SHARE).
	single bool
}

func (l *linter) report(format string, args ...any) {
	l.findings = append(l.findings, fmt.Sprintf(format, args...))
}

// unfixed reports a distributed table the scope does not pin to a shard,
// unless the statement is a marked fan-out.
func (l *linter) unfixed(r *relation) {
	if !l.marked {
		l.report("%s: %s is not fixed; name %s = $n / = ANY($n), or mark a deliberate fan-out /* %s <why> */",
			r.table, r.column, r.column, storage.FanoutMarker)
	}
}

// statement dispatches one parse-tree node that may be a statement.
func (l *linter) statement(node map[string]any, outer []*relation) {
	for kind, body := range node {
		n, _ := body.(map[string]any)
		switch kind {
		case "SelectStmt":
			l.selectScope(n, outer)
		case "InsertStmt":
			l.insertScope(n, outer)
		case "UpdateStmt":
			l.updateScope(n, outer)
		case "DeleteStmt":
			l.deleteScope(n, outer)
		case "CopyStmt":
			l.copyStmt(n)
		}
	}
}

func (l *linter) selectScope(n map[string]any, outer []*relation) {
	if op, _ := n["op"].(string); op != "" && op != "SETOP_NONE" {
		l.statement(map[string]any{"SelectStmt": n["larg"]}, outer)
		l.statement(map[string]any{"SelectStmt": n["rarg"]}, outer)
		return
	}
	var rels []*relation
	var conds []any
	for _, f := range list(n["fromClause"]) {
		l.from(f, &rels, &conds)
	}
	conds = append(conds, n["whereClause"])
	l.settle(rels, outer, conds)
	l.locks(n, rels)
	l.nested(n, append(rels, outer...), "fromClause")
	for _, f := range list(n["fromClause"]) {
		l.nestedFrom(f)
	}
}

func (l *linter) updateScope(n map[string]any, outer []*relation) {
	var rels []*relation
	var conds []any
	l.from(map[string]any{"RangeVar": n["relation"]}, &rels, &conds)
	target := rels[0]
	for _, f := range list(n["fromClause"]) {
		l.from(f, &rels, &conds)
	}
	conds = append(conds, n["whereClause"])
	l.assigns(target, n["targetList"])
	l.settle(rels, outer, conds)
	l.nested(n, append(rels, outer...), "fromClause", "relation")
	for _, f := range list(n["fromClause"]) {
		l.nestedFrom(f)
	}
}

func (l *linter) deleteScope(n map[string]any, outer []*relation) {
	var rels []*relation
	var conds []any
	l.from(map[string]any{"RangeVar": n["relation"]}, &rels, &conds)
	for _, f := range list(n["usingClause"]) {
		l.from(f, &rels, &conds)
	}
	conds = append(conds, n["whereClause"])
	l.settle(rels, outer, conds)
	l.nested(n, append(rels, outer...), "usingClause", "relation")
	for _, f := range list(n["usingClause"]) {
		l.nestedFrom(f)
	}
}

func (l *linter) insertScope(n map[string]any, outer []*relation) {
	var rels []*relation
	var conds []any
	l.from(map[string]any{"RangeVar": n["relation"]}, &rels, &conds)
	target := rels[0]
	if target.column != "" {
		cols := list(n["cols"])
		if len(cols) > 0 && !containsTarget(cols, target.column) {
			l.report("%s: INSERT does not supply the distribution column %s", target.table, target.column)
		}
		if oc, ok := n["onConflictClause"].(map[string]any); ok {
			l.assigns(target, oc["targetList"])
		}
	}
	if sel, ok := n["selectStmt"].(map[string]any); ok {
		if s, ok := sel["SelectStmt"].(map[string]any); ok && s["valuesLists"] != nil {
			l.nested(s, outer)
		} else {
			l.statement(sel, outer)
		}
	}
	if w, ok := n["withClause"]; ok {
		l.nested(map[string]any{"withClause": w}, outer)
	}
}

func (l *linter) copyStmt(n map[string]any) {
	var rels []*relation
	var conds []any
	l.from(map[string]any{"RangeVar": n["relation"]}, &rels, &conds)
	if r := rels[0]; r.column != "" && !containsString(list(n["attlist"]), r.column) {
		l.report("%s: COPY does not supply the distribution column %s", r.table, r.column)
	}
}

// assigns reports a SET of the distribution column.
func (l *linter) assigns(target *relation, targets any) {
	if target.column != "" && containsTarget(list(targets), target.column) {
		l.report("%s: assigns the distribution column %s; Citus cannot move a row between shards: delete and insert it", target.table, target.column)
	}
}

// from collects the relations of one FROM item, and its join conditions.
func (l *linter) from(item any, rels *[]*relation, conds *[]any) {
	m, _ := item.(map[string]any)
	if rv, ok := m["RangeVar"].(map[string]any); ok {
		name, _ := rv["relname"].(string)
		r := &relation{table: name, alias: name}
		if a, ok := rv["alias"].(map[string]any); ok {
			r.alias, _ = a["aliasname"].(string)
		}
		if p, ok := l.tables[name]; ok {
			r.column, _ = p.IsDistributed()
		}
		*rels = append(*rels, r)
		return
	}
	if j, ok := m["JoinExpr"].(map[string]any); ok {
		l.from(j["larg"], rels, conds)
		l.from(j["rarg"], rels, conds)
		*conds = append(*conds, j["quals"])
	}
}

// nestedFrom lints the subqueries of FROM items (derived tables), each as a
// scope of its own.
func (l *linter) nestedFrom(item any) {
	m, _ := item.(map[string]any)
	if rs, ok := m["RangeSubselect"].(map[string]any); ok {
		l.statement(mapOf(rs["subquery"]), nil)
	}
	if j, ok := m["JoinExpr"].(map[string]any); ok {
		l.nestedFrom(j["larg"])
		l.nestedFrom(j["rarg"])
		l.nested(map[string]any{"quals": j["quals"]}, nil)
	}
}

// nested lints every statement found under n's fields (subqueries in WHERE,
// the target list, CTEs), except the skipped fields, which the caller walks.
// visible are the relations a correlated subquery may refer to.
func (l *linter) nested(n map[string]any, visible []*relation, skip ...string) {
	for k, v := range n {
		if containsKey(skip, k) {
			continue
		}
		l.walk(v, visible)
	}
}

func (l *linter) walk(v any, visible []*relation) {
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			switch k {
			case "SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt":
				l.statement(map[string]any{k: child}, visible)
			default:
				l.walk(child, visible)
			}
		}
	case []any:
		for _, child := range x {
			l.walk(child, visible)
		}
	}
}

// settle marks the scope's distributed relations fixed by its conjuncts,
// repeating until a co-located join adds nothing, then reports the rest.
func (l *linter) settle(rels, outer []*relation, conds []any) {
	var conjuncts []map[string]any
	for _, c := range conds {
		conjuncts = appendConjuncts(conjuncts, c)
	}
	visible := append(append([]*relation{}, rels...), outer...)
	for changed := true; changed; {
		changed = false
		for _, c := range conjuncts {
			for _, f := range fixes(c, visible) {
				if !f.rel.fixed || (f.single && !f.rel.single) {
					f.rel.fixed, changed = true, true
					f.rel.single = f.rel.single || f.single
				}
			}
		}
	}
	for _, r := range rels {
		if r.column != "" && !r.fixed {
			l.unfixed(r)
		}
	}
}

// locks reports a row lock that would span shards, which Citus refuses
// ("could not run distributed query with FOR UPDATE/SHARE commands"),
// marked fan-out or not.
func (l *linter) locks(n map[string]any, rels []*relation) {
	if len(list(n["lockingClause"])) == 0 {
		return
	}
	for _, r := range rels {
		if r.column != "" && !r.single {
			l.report("%s: FOR UPDATE/SHARE must fix %s to one value (= $n); Citus runs row locks in single-shard queries only. "+
				"Lock one family at a time, or update with a version check instead of locking", r.table, r.column)
		}
	}
}

// fix is one relation a conjunct pins, and whether to a single value.
type fix struct {
	rel    *relation
	single bool
}

func fixesOf(rels []*relation, single bool) []fix {
	out := make([]fix, len(rels))
	for i, r := range rels {
		out[i] = fix{r, single}
	}
	return out
}

func appendConjuncts(out []map[string]any, c any) []map[string]any {
	m, ok := c.(map[string]any)
	if !ok {
		return out
	}
	if b, ok := m["BoolExpr"].(map[string]any); ok && b["boolop"] == "AND_EXPR" {
		for _, a := range list(b["args"]) {
			out = appendConjuncts(out, a)
		}
		return out
	}
	return append(out, m)
}

// fixes returns the relations one conjunct pins to a shard or a few.
func fixes(c map[string]any, visible []*relation) []fix {
	e, ok := c["A_Expr"].(map[string]any)
	if !ok || !isEquality(e) {
		return nil
	}
	switch e["kind"] {
	case "AEXPR_OP":
		l, r := mapOf(e["lexpr"]), mapOf(e["rexpr"])
		var out []fix
		if isValue(r) {
			out = append(out, fixesOf(distColumn(l, visible), true)...)
		}
		if isValue(l) {
			out = append(out, fixesOf(distColumn(r, visible), true)...)
		}
		// A co-located join: one side's table is already fixed, and the
		// other lands on the same shards.
		left, right := distColumn(l, visible), distColumn(r, visible)
		if f, single := fixedState(left); f {
			out = append(out, fixesOf(right, single)...)
		}
		if f, single := fixedState(right); f {
			out = append(out, fixesOf(left, single)...)
		}
		return out
	case "AEXPR_OP_ANY":
		if isValue(mapOf(e["rexpr"])) || isArray(mapOf(e["rexpr"])) {
			return fixesOf(distColumn(mapOf(e["lexpr"]), visible), false)
		}
	case "AEXPR_IN":
		values := list(e["rexpr"])
		for _, v := range values {
			if !isValue(mapOf(v)) {
				return nil
			}
		}
		return fixesOf(distColumn(mapOf(e["lexpr"]), visible), len(values) == 1)
	}
	return nil
}

func isEquality(e map[string]any) bool {
	name := list(e["name"])
	if len(name) != 1 {
		return false
	}
	s, _ := mapOf(mapOf(name[0])["String"])["sval"].(string)
	return s == "="
}

// isValue is a parameter or a constant, possibly cast.
func isValue(m map[string]any) bool {
	if tc, ok := m["TypeCast"].(map[string]any); ok {
		return isValue(mapOf(tc["arg"])) || isArray(mapOf(tc["arg"]))
	}
	_, param := m["ParamRef"]
	_, constant := m["A_Const"]
	return param || constant
}

func isArray(m map[string]any) bool {
	a, ok := m["A_ArrayExpr"].(map[string]any)
	if !ok {
		return false
	}
	for _, el := range list(a["elements"]) {
		if !isValue(mapOf(el)) {
			return false
		}
	}
	return true
}

// distColumn returns the visible relations whose distribution column the
// expression names: `alias.col`, or a bare `col`.
func distColumn(m map[string]any, visible []*relation) []*relation {
	ref, ok := m["ColumnRef"].(map[string]any)
	if !ok {
		return nil
	}
	var names []string
	for _, f := range list(ref["fields"]) {
		s, _ := mapOf(mapOf(f)["String"])["sval"].(string)
		names = append(names, s)
	}
	var out []*relation
	for _, r := range visible {
		switch {
		case r.column == "":
		case len(names) == 1 && names[0] == r.column:
			out = append(out, r)
		case len(names) == 2 && names[0] == r.alias && names[1] == r.column:
			out = append(out, r)
		}
	}
	return out
}

// fixedState says whether any of rels is fixed, and whether to one value.
func fixedState(rels []*relation) (fixed, single bool) {
	for _, r := range rels {
		if r.fixed {
			fixed = true
			single = single || r.single
		}
	}
	return fixed, single
}

func containsTarget(targets []any, column string) bool {
	for _, t := range targets {
		if name, _ := mapOf(mapOf(t)["ResTarget"])["name"].(string); strings.EqualFold(name, column) {
			return true
		}
	}
	return false
}

func containsString(nodes []any, s string) bool {
	for _, n := range nodes {
		if v, _ := mapOf(mapOf(n)["String"])["sval"].(string); v == s {
			return true
		}
	}
	return false
}

func containsKey(keys []string, k string) bool {
	for _, s := range keys {
		if s == k {
			return true
		}
	}
	return false
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
