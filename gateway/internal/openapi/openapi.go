// Package openapi serves the OpenAPI document of the REST API: what
// protoc-gen-openapiv2 generates from the protos and their HTTP rules
// (spec/, written by `make generate`; buf cleans that directory, so this file
// lives above it), completed with what the gateway itself adds:
//   - the citizen's status check, POST /v1/citizen:check, which is not a
//     gRPC method (ADR 0009), described from its Go request and response
//     types so the document cannot drift from the handler;
//   - the error body every route really answers with, the Google JSON error
//     (AIP-193, gateway/internal/server/errors.go), in place of the
//     generator's google.rpc.Status.
package openapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/dtsen-id/dtsen/gateway/internal/citizen"
)

//go:embed spec/dtsen.swagger.json
var generated []byte

// Document is the OpenAPI (Swagger 2.0) document of every REST route.
var Document = mustComplete(generated)

const (
	errorDefinition = "dtsenError"
	errorRef        = "#/definitions/" + errorDefinition
	// caseRef is the grievance case: the citizen check lists the citizen's
	// own cases as the grievance service renders them.
	caseRef = "#/definitions/v1Case"
)

func mustComplete(doc []byte) []byte {
	out, err := complete(doc)
	if err != nil {
		panic(fmt.Sprintf("openapi: %v", err))
	}
	return out
}

func complete(doc []byte) ([]byte, error) {
	var d map[string]any
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, err
	}
	defs, _ := d["definitions"].(map[string]any)
	paths, _ := d["paths"].(map[string]any)
	if defs == nil || paths == nil {
		return nil, fmt.Errorf("the generated document has no paths or definitions")
	}
	defs[errorDefinition] = errorSchema()
	replaceRefs(paths, "#/definitions/rpcStatus", errorRef)
	paths["/v1/citizen:check"] = citizenCheck(defs)
	d["tags"] = append(asSlice(d["tags"]), map[string]any{
		"name":        "Citizen",
		"description": "Cek DTSEN: a citizen's own status, by NIK and a second factor (docs/gateway.md).",
	})
	return json.MarshalIndent(d, "", "  ")
}

// errorSchema is gateway/internal/server/errors.go's errorBody.
func errorSchema() map[string]any {
	return map[string]any{
		"type":        "object",
		"description": "The Google JSON error (AIP-193). details carry google.rpc.ErrorInfo (reason, domain), BadRequest and LocalizedMessage (Bahasa Indonesia), each with its @type.",
		"properties": map[string]any{
			"error": map[string]any{
				"type": "object",
				"properties": map[string]any{
					"code":    map[string]any{"type": "integer", "format": "int32", "description": "The HTTP status."},
					"status":  map[string]any{"type": "string", "description": "The canonical gRPC code name, e.g. PERMISSION_DENIED."},
					"message": map[string]any{"type": "string"},
					"details": map[string]any{"type": "array", "items": map[string]any{"$ref": "#/definitions/protobufAny"}},
				},
			},
		},
	}
}

func citizenCheck(defs map[string]any) map[string]any {
	errResp := func(desc string) map[string]any {
		return map[string]any{"description": desc, "schema": map[string]any{"$ref": errorRef}}
	}
	return map[string]any{"post": map[string]any{
		"summary": "Checks a family's status as the citizen (Cek DTSEN).",
		"description": "The citizen names their NIK and one second factor, the family's KK number or their birth date " +
			"(YYYY-MM-DD). The answer holds the family's decile with its explanation, each programme's eligibility " +
			"with reasons and objection deadlines, pending notices, the family (masked) and the citizen's own cases, " +
			"plus a 30-minute session token (cs2.…) to send as Authorization: Bearer for the citizen's next calls. " +
			"An unregistered NIK and a wrong factor get the same 403 CHECK_FAILED. Sections a service could not " +
			"answer are listed in unavailable. No bearer token is needed.",
		"operationId": "Citizen_Check",
		"tags":        []any{"Citizen"},
		"security":    []any{},
		"parameters": []any{map[string]any{
			"name": "body", "in": "body", "required": true,
			"schema": schemaOf(reflect.TypeFor[citizen.CheckRequest](), defs),
		}},
		"responses": map[string]any{
			"200":     map[string]any{"description": "The family's status and a session.", "schema": schemaOf(reflect.TypeFor[citizen.CheckResponse](), defs)},
			"400":     errResp("The NIK, KK number or birth date is malformed, or neither factor is given."),
			"403":     errResp("CHECK_FAILED: the NIK is not registered, the person has died, or the factor does not match."),
			"429":     errResp("Too many checks or failures from this address, or for this NIK; Retry-After says when to try again."),
			"503":     errResp("Self-service is off, or the registry cannot be reached."),
			"default": errResp("An unexpected error."),
		},
	}}
}

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

// schemaOf describes t as encoding/json writes it, adding a definition
// "citizen<Name>" for each struct.
func schemaOf(t reflect.Type, defs map[string]any) map[string]any {
	switch t {
	case timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case rawType:
		return map[string]any{"$ref": caseRef}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem(), defs)
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int32:
		return map[string]any{"type": "integer", "format": "int32"}
	case reflect.Int, reflect.Int64:
		return map[string]any{"type": "integer", "format": "int64"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), defs)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), defs)}
	case reflect.Struct:
		name := "citizen" + t.Name()
		if _, done := defs[name]; !done {
			props := map[string]any{}
			defs[name] = map[string]any{"type": "object", "properties": props}
			for i := range t.NumField() {
				f := t.Field(i)
				if tag := jsonName(f); tag != "" {
					props[tag] = schemaOf(f.Type, defs)
				}
			}
		}
		return map[string]any{"$ref": "#/definitions/" + name}
	}
	panic(fmt.Sprintf("openapi: no schema for %s", t))
}

func jsonName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	switch name {
	case "-":
		return ""
	case "":
		return f.Name
	}
	return name
}

func replaceRefs(v any, from, to string) {
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			if k == "$ref" && child == from {
				x[k] = to
				continue
			}
			replaceRefs(child, from, to)
		}
	case []any:
		for _, child := range x {
			replaceRefs(child, from, to)
		}
	}
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}
