package openapi

import (
	"encoding/json"
	"strings"
	"testing"
)

// The served document describes the citizen check, anonymous, and every
// reference in it resolves: an SDK generator would fail on a dangling one.
func TestDocumentIsCompleteAndResolves(t *testing.T) {
	var d struct {
		Paths       map[string]map[string]json.RawMessage `json:"paths"`
		Definitions map[string]json.RawMessage            `json:"definitions"`
	}
	if err := json.Unmarshal(Document, &d); err != nil {
		t.Fatal(err)
	}
	var check struct {
		Security   []any `json:"security"`
		Parameters []struct {
			Schema map[string]string `json:"schema"`
		} `json:"parameters"`
		Responses map[string]struct {
			Schema map[string]string `json:"schema"`
		} `json:"responses"`
	}
	if err := json.Unmarshal(d.Paths["/v1/citizen:check"]["post"], &check); err != nil {
		t.Fatalf("POST /v1/citizen:check: %v", err)
	}
	if check.Security == nil || len(check.Security) != 0 {
		t.Errorf("the citizen check must declare no security (anonymous): %v", check.Security)
	}
	if got := check.Parameters[0].Schema["$ref"]; got != "#/definitions/citizenCheckRequest" {
		t.Errorf("request schema %q", got)
	}
	if got := check.Responses["200"].Schema["$ref"]; got != "#/definitions/citizenCheckResponse" {
		t.Errorf("response schema %q", got)
	}

	for _, ref := range refs(Document) {
		name, ok := strings.CutPrefix(ref, "#/definitions/")
		if _, defined := d.Definitions[name]; !ok || !defined {
			t.Errorf("dangling reference %s", ref)
		}
		if name == "rpcStatus" {
			t.Errorf("a response still names google.rpc.Status; the gateway answers %s", errorDefinition)
		}
	}
}

// The response schema follows the Go type, field for field, as encoding/json
// writes it.
func TestCitizenCheckResponseSchemaFollowsTheHandler(t *testing.T) {
	var d struct {
		Definitions map[string]struct {
			Properties map[string]map[string]any `json:"properties"`
		} `json:"definitions"`
	}
	if err := json.Unmarshal(Document, &d); err != nil {
		t.Fatal(err)
	}
	for def, fields := range map[string][]string{
		"citizenCheckRequest":  {"nik", "kkNumber", "birthDate", "lang"},
		"citizenCheckResponse": {"session", "lang", "asOf", "family", "score", "eligibility", "notices", "cases", "unavailable"},
		"citizenProgramme":     {"programme", "name", "status", "phase", "reasons", "objectionDeadline", "lossEffectiveTime"},
	} {
		props := d.Definitions[def].Properties
		if len(props) != len(fields) {
			t.Errorf("%s has %d properties, want %v", def, len(props), fields)
		}
		for _, f := range fields {
			if _, ok := props[f]; !ok {
				t.Errorf("%s lacks %s", def, f)
			}
		}
	}
	if got := d.Definitions["citizenCheckResponse"].Properties["cases"]["items"]; got.(map[string]any)["$ref"] != caseRef {
		t.Errorf("cases items %v, want the grievance case", got)
	}
	if got := d.Definitions["citizenSessionInfo"].Properties["expireTime"]["format"]; got != "date-time" {
		t.Errorf("expireTime format %v", got)
	}
}

func refs(doc []byte) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				if s, ok := c.(string); ok && k == "$ref" {
					out = append(out, s)
				}
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	var v any
	_ = json.Unmarshal(doc, &v)
	walk(v)
	return out
}
