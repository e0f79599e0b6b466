package observability

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

type collectorConfig struct {
	Receivers  map[string]map[string]any `json:"receivers"`
	Processors map[string]map[string]any `json:"processors"`
	Exporters  map[string]map[string]any `json:"exporters"`
	Extensions map[string]map[string]any `json:"extensions"`
	Service    struct {
		Extensions []string                  `json:"extensions"`
		Telemetry  map[string]any            `json:"telemetry"`
		Pipelines  map[string]pipelineConfig `json:"pipelines"`
	} `json:"service"`
}

type pipelineConfig struct {
	Receivers  []string `json:"receivers"`
	Processors []string `json:"processors"`
	Exporters  []string `json:"exporters"`
}

func loadCollector(t *testing.T) collectorConfig {
	t.Helper()
	data, err := os.ReadFile("otel-collector.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c collectorConfig
	if err := yaml.UnmarshalStrict(data, &c); err != nil {
		t.Fatalf("otel-collector.yaml: %v", err)
	}
	return c
}

// The processors that strip personal data; every pipeline that exports
// anything runs both.
const (
	dropProcessor = "attributes/drop-personal-data"
	maskProcessor = "transform/mask-nik"
)

// Attributes that can hold a NIK and must be deleted, whatever else is.
var mustDelete = []string{"url.full", "url.query", "url.path", "http.url", "http.target", "db.statement", "db.query.text"}

// TestCollectorConfig parses the collector configuration and checks its
// shape: OTLP over gRPC and HTTP in, every pipeline's components defined and
// every defined one used, memory_limiter first and batch before export, and
// the personal-data processors in every pipeline that exports data.
func TestCollectorConfig(t *testing.T) {
	c := loadCollector(t)
	otlp := c.Receivers["otlp"]
	protocols, _ := otlp["protocols"].(map[string]any)
	for _, p := range []string{"grpc", "http"} {
		if _, ok := protocols[p]; !ok {
			t.Errorf("the otlp receiver does not accept OTLP/%s", p)
		}
	}
	if _, ok := c.Exporters["otlp/tracing"]; !ok {
		t.Error("no otlp exporter to the tracing backend")
	}
	if _, ok := c.Exporters["prometheusremotewrite"]; !ok {
		if _, ok := c.Receivers["prometheus"]; !ok {
			t.Error("metrics reach Prometheus neither by remote write nor by a scrape")
		}
	}

	used := map[string]bool{}
	var tracesExported, metricsExported bool
	for name, p := range c.Service.Pipelines {
		signal, _, _ := strings.Cut(name, "/")
		if !slices.Contains([]string{"traces", "metrics", "logs"}, signal) {
			t.Errorf("pipeline %s: unknown signal %q", name, signal)
		}
		if len(p.Receivers) == 0 || len(p.Exporters) == 0 {
			t.Errorf("pipeline %s needs receivers and exporters", name)
		}
		for _, kind := range []struct {
			names   []string
			defined map[string]map[string]any
			what    string
		}{{p.Receivers, c.Receivers, "receiver"}, {p.Processors, c.Processors, "processor"}, {p.Exporters, c.Exporters, "exporter"}} {
			for _, n := range kind.names {
				if _, ok := kind.defined[n]; !ok {
					t.Errorf("pipeline %s: %s %s is not defined", name, kind.what, n)
				}
				used[kind.what+" "+n] = true
			}
		}
		if len(p.Processors) == 0 || p.Processors[0] != "memory_limiter" {
			t.Errorf("pipeline %s: memory_limiter must be the first processor", name)
		}
		exportsData := slices.ContainsFunc(p.Exporters, func(e string) bool { return e != "debug" })
		if !exportsData {
			continue
		}
		if signal == "traces" {
			tracesExported = true
		}
		if signal == "metrics" {
			metricsExported = true
		}
		drop, mask, batch := slices.Index(p.Processors, dropProcessor), slices.Index(p.Processors, maskProcessor), slices.Index(p.Processors, "batch")
		if drop < 0 || mask < 0 {
			t.Errorf("pipeline %s exports data without %s and %s", name, dropProcessor, maskProcessor)
		}
		if batch < 0 || batch != len(p.Processors)-1 {
			t.Errorf("pipeline %s: batch must be the last processor", name)
		}
	}
	if !tracesExported || !metricsExported {
		t.Errorf("traces exported: %v, metrics exported: %v; want both", tracesExported, metricsExported)
	}
	for what, defined := range map[string]map[string]map[string]any{"receiver": c.Receivers, "processor": c.Processors, "exporter": c.Exporters} {
		for n := range defined {
			if !used[what+" "+n] {
				t.Errorf("%s %s is defined but no pipeline uses it", what, n)
			}
		}
	}
	for _, e := range c.Service.Extensions {
		if _, ok := c.Extensions[e]; !ok {
			t.Errorf("extension %s is not defined", e)
		}
	}
}

// TestCollectorDropsPersonalData checks the attributes that can carry a NIK
// are deleted, and that the masking pattern masks a NIK wherever it stands
// but leaves hex trace ids and longer numbers alone.
func TestCollectorDropsPersonalData(t *testing.T) {
	c := loadCollector(t)
	var deleted []string
	var patterns []*regexp.Regexp
	actions, _ := c.Processors[dropProcessor]["actions"].([]any)
	for _, a := range actions {
		m, _ := a.(map[string]any)
		if m["action"] != "delete" {
			continue
		}
		if k, ok := m["key"].(string); ok {
			deleted = append(deleted, k)
		}
		if p, ok := m["pattern"].(string); ok {
			re, err := regexp.Compile(p)
			if err != nil {
				t.Errorf("%s: pattern %q: %v", dropProcessor, p, err)
				continue
			}
			patterns = append(patterns, re)
		}
	}
	for _, k := range mustDelete {
		if !slices.Contains(deleted, k) {
			t.Errorf("%s does not delete %s", dropProcessor, k)
		}
	}
	for _, header := range []string{"http.request.header.authorization", "rpc.grpc.request.metadata.x-dtsen-citizen-nik"} {
		if !slices.ContainsFunc(patterns, func(re *regexp.Regexp) bool { return re.MatchString(header) }) {
			t.Errorf("%s does not delete %s", dropProcessor, header)
		}
	}

	// Every statement masks with the same pattern; OTTL's regexps are Go's.
	mask := c.Processors[maskProcessor]
	var statements []string
	for _, key := range []string{"trace_statements", "metric_statements", "log_statements"} {
		groups, _ := mask[key].([]any)
		for _, g := range groups {
			gm, _ := g.(map[string]any)
			ss, _ := gm["statements"].([]any)
			for _, s := range ss {
				statements = append(statements, s.(string))
			}
		}
	}
	if len(statements) == 0 {
		t.Fatalf("%s has no statements", maskProcessor)
	}
	quoted := regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)
	for _, st := range statements {
		if !strings.HasPrefix(st, "replace_pattern(") && !strings.HasPrefix(st, "replace_all_patterns(") {
			t.Errorf("%s: unexpected statement %q", maskProcessor, st)
			continue
		}
		args := quoted.FindAllStringSubmatch(st, -1)
		if len(args) < 2 {
			t.Errorf("%s: cannot read %q", maskProcessor, st)
			continue
		}
		// The pattern is the second-to-last quoted argument, an OTTL string
		// literal ("\\b" is the regexp \b).
		pattern := strings.ReplaceAll(args[len(args)-2][1], `\\`, `\`)
		re, err := regexp.Compile(pattern)
		if err != nil {
			t.Errorf("%s: %q: %v", maskProcessor, pattern, err)
			continue
		}
		replacement := args[len(args)-1][1]
		for in, want := range map[string]string{
			"GET /v1/persons/3575011010560001":         "GET /v1/persons/" + replacement,
			"nik=3575011010560001&kk=3575010712120001": "nik=" + replacement + "&kk=" + replacement,
			"3575011010560001":                         replacement,
			"4bf92f3577b34da6a3ce929d0e0e4736":         "4bf92f3577b34da6a3ce929d0e0e4736",
			"a1234567890123456b":                       "a1234567890123456b",
			"12345678901234567":                        "12345678901234567",
			"families/357501071212":                    "families/357501071212",
		} {
			if got := re.ReplaceAllString(in, replacement); got != want {
				t.Errorf("%s: %q masks %q as %q, want %q", maskProcessor, pattern, in, got, want)
			}
		}
	}
}
