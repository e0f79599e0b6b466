package observability

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// metrics are the series DTSEN exports (docs/operations.md), with their
// label names; histograms also export _bucket (with le), _sum and _count.
var metrics = map[string][]string{
	"rpc_server_call_duration_seconds":     {"rpc_method", "rpc_response_status_code", "error_type"},
	"http_server_request_duration_seconds": {"http_route", "http_response_status_code"},
	"dtsen_import_records_total":           {"context", "source", "outcome"},
	"dtsen_import_rejections_total":        {"context", "reason"},
	"dtsen_feed_lag_events":                {"consumer", "feed"},
	"dtsen_feed_lag_seconds":               {"consumer", "feed"},
	"dtsen_ranking_run_families":           {"run", "stage"},
	"dtsen_grievance_cases_open":           {"province", "state"},
	"dtsen_grievance_cases_overdue":        {"province"},
	"dtsen_cache_requests_total":           {"cache", "result"},
}

var histograms = []string{"rpc_server_call_duration_seconds", "http_server_request_duration_seconds"}

// baseMetric maps a series name to the metric it belongs to ("" if none).
func baseMetric(series string) string {
	if _, ok := metrics[series]; ok {
		return series
	}
	for _, h := range histograms {
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if series == h+suffix {
				return h
			}
		}
	}
	return ""
}

type dashboard struct {
	Title         string  `json:"title"`
	UID           string  `json:"uid"`
	SchemaVersion int     `json:"schemaVersion"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []struct {
			Name       string          `json:"name"`
			Type       string          `json:"type"`
			Definition string          `json:"definition"`
			Query      json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int                 `json:"id"`
	Type       string              `json:"type"`
	Title      string              `json:"title"`
	Datasource *datasource         `json:"datasource"`
	GridPos    *struct{ H, W int } `json:"gridPos"`
	Targets    []struct {
		RefID      string      `json:"refId"`
		Expr       string      `json:"expr"`
		Datasource *datasource `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // a collapsed row's
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	data, err := os.ReadFile("grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("grafana-dashboard.json: %v", err)
	}
	return d
}

func allPanels(ps []panel) []panel {
	var out []panel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, allPanels(p.Panels)...)
	}
	return out
}

// TestDashboard parses the dashboard and checks that every query names only
// DTSEN's metrics and their labels, that every metric has a panel, and that
// the panels are well formed (unique ids, a position, the data-source
// variable).
func TestDashboard(t *testing.T) {
	d := loadDashboard(t)
	if d.Title == "" || d.UID == "" || d.SchemaVersion == 0 {
		t.Errorf("title %q, uid %q, schemaVersion %d: a dashboard needs all three", d.Title, d.UID, d.SchemaVersion)
	}
	used := map[string]bool{}
	ids := map[int]bool{}
	check := func(where, expr string) {
		series, labels, err := promqlNames(expr)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			return
		}
		if len(series) == 0 {
			t.Errorf("%s: %q names no metric", where, expr)
		}
		var allowedLabels []string
		for _, s := range series {
			m := baseMetric(s)
			if m == "" {
				t.Errorf("%s: %q names %s, which DTSEN does not export", where, expr, s)
				continue
			}
			used[m] = true
			allowedLabels = append(allowedLabels, metrics[m]...)
			if slices.Contains(histograms, m) {
				allowedLabels = append(allowedLabels, "le")
			}
		}
		for _, l := range labels {
			if !slices.Contains(allowedLabels, l) {
				t.Errorf("%s: %q uses the label %s, which %v do not have", where, expr, l, series)
			}
		}
	}
	for _, p := range allPanels(d.Panels) {
		where := "panel " + p.Title
		if ids[p.ID] || p.ID == 0 {
			t.Errorf("%s: id %d is missing or not unique", where, p.ID)
		}
		ids[p.ID] = true
		if p.GridPos == nil || p.GridPos.W == 0 || p.GridPos.H == 0 {
			t.Errorf("%s: no gridPos", where)
		}
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 {
			t.Errorf("%s: no query", where)
		}
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
			t.Errorf("%s: data source is not the ${datasource} variable", where)
		}
		for _, tg := range p.Targets {
			check(where+" "+tg.RefID, tg.Expr)
		}
	}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		m := labelValues.FindStringSubmatch(v.Definition)
		if m == nil {
			t.Errorf("variable %s: %q is not label_values(metric, label)", v.Name, v.Definition)
			continue
		}
		check("variable "+v.Name, m[1]+"{"+m[2]+"!=\"\"}")
	}
	for m := range metrics {
		if !used[m] {
			t.Errorf("no panel shows %s", m)
		}
	}
}

var labelValues = regexp.MustCompile(`^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$`)

var (
	promString   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`[^`]*`")
	promMatchers = regexp.MustCompile(`\{([^{}]*)\}`)
	promRange    = regexp.MustCompile(`\[[^\]]*\]`)
	promGrouping = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)`)
	promIdent    = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	promMatcher  = regexp.MustCompile(`^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*$`)
	promDuration = regexp.MustCompile(`\b([0-9]+(ms|[smhdwy]))+\b`)
	promNumber   = regexp.MustCompile(`\b[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?\b`)
)

// promKeywords are PromQL's words that are not metric names.
var promKeywords = []string{"by", "without", "on", "ignoring", "group_left", "group_right",
	"and", "or", "unless", "bool", "offset", "inf", "nan", "Inf", "NaN"}

// promqlNames returns the series (metric names) and label names a PromQL
// expression uses: a small scanner, enough for dashboards (it does not
// accept every PromQL expression, and says so).
func promqlNames(expr string) (series, labels []string, err error) {
	// Label names in matchers and groupings; then drop those parts.
	s := promString.ReplaceAllString(expr, `""`)
	for _, m := range promMatchers.FindAllStringSubmatch(s, -1) {
		for _, part := range strings.Split(m[1], ",") {
			if strings.TrimSpace(part) == "" {
				continue
			}
			name, _, ok := strings.Cut(part, `""`)
			mm := promMatcher.FindStringSubmatch(name)
			if !ok || mm == nil {
				return nil, nil, fmt.Errorf("cannot read the matcher %q in %q", part, expr)
			}
			labels = append(labels, mm[1])
		}
	}
	s = promMatchers.ReplaceAllString(s, " ")
	for _, m := range promGrouping.FindAllStringSubmatch(s, -1) {
		for _, l := range strings.Split(m[2], ",") {
			if l = strings.TrimSpace(l); l != "" {
				labels = append(labels, l)
			}
		}
	}
	s = promGrouping.ReplaceAllString(s, " ")
	s = promRange.ReplaceAllString(s, " ")
	s = promDuration.ReplaceAllString(s, " ")
	s = promNumber.ReplaceAllString(s, " ")
	s = strings.ReplaceAll(s, `""`, " ")
	for _, loc := range promIdent.FindAllStringIndex(s, -1) {
		word := s[loc[0]:loc[1]]
		rest := strings.TrimLeft(s[loc[1]:], " \t\n")
		if strings.HasPrefix(rest, "(") || slices.Contains(promKeywords, word) {
			continue // a function, an aggregation or a keyword
		}
		if loc[0] > 0 && s[loc[0]-1] == '$' {
			return nil, nil, fmt.Errorf("template variable $%s outside a string or range in %q", word, expr)
		}
		series = append(series, word)
	}
	sort.Strings(series)
	series = slices.Compact(series)
	return series, labels, nil
}

// TestPromQLNames checks the scanner the dashboard test relies on.
func TestPromQLNames(t *testing.T) {
	for _, tc := range []struct {
		expr           string
		series, labels []string
	}{
		{`histogram_quantile(0.99, sum by (le, rpc_method) (rate(rpc_server_duration_milliseconds_bucket{rpc_service!="x"}[$__rate_interval])))`,
			[]string{"rpc_server_duration_milliseconds_bucket"}, []string{"rpc_service", "le", "rpc_method"}},
		{`sum(rate(a_total{x=~"5.."}[5m])) / ignoring(y) sum(rate(b_total[5m])) > bool 0.5`,
			[]string{"a_total", "b_total"}, []string{"x", "y"}},
		{`max by (run) (dtsen_ranking_run_families{stage="scored"}) / max by (run) (dtsen_ranking_run_families{stage="total"})`,
			[]string{"dtsen_ranking_run_families"}, []string{"stage", "stage", "run", "run"}},
		{`up offset 1h30m unless down`, []string{"down", "up"}, nil},
	} {
		series, labels, err := promqlNames(tc.expr)
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		if !slices.Equal(series, tc.series) {
			t.Errorf("%q: series %v, want %v", tc.expr, series, tc.series)
		}
		sort.Strings(labels)
		want := slices.Clone(tc.labels)
		sort.Strings(want)
		if !slices.Equal(labels, want) {
			t.Errorf("%q: labels %v, want %v", tc.expr, labels, want)
		}
	}
	if _, _, err := promqlNames(`rate(x[5m]) * $factor`); err == nil {
		t.Error("a bare template variable was read as a metric")
	}
}
