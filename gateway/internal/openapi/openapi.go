// Package openapi embeds the OpenAPI document that protoc-gen-openapiv2
// generates from the protos and the HTTP rules (spec/, written by
// `make generate`; buf cleans that directory, so this file lives above it).
package openapi

import _ "embed"

// Document is the merged OpenAPI (Swagger 2.0) document of every REST route.
//
//go:embed spec/dtsen.swagger.json
var Document []byte
