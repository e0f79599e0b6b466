// Package domain holds the income context's entities and the rules that
// decide whether a record may enter DTSEN: income per person, employment per
// person, consumption per family (from Susenas-style surveys) and banking
// patterns per person (shared under data-sharing agreements).
//
// Structural checks of NIKs, KK numbers and dates are the registry's own
// (services/registry/domain), imported rather than re-implemented, so a NIK
// valid in one context is valid in all. Every record also carries its source
// agency and observation date, and the NIK or KK number it belongs to.
//
// Cross-checks against the registry go through IdentityChecker and
// FamilyDirectory, interfaces declared here in this context's own terms; the
// adapters translate the registry's gRPC API into them (DESIGN.md §3).
//
// The package is pure: no storage, no gRPC, no protobuf. Its enums mirror the
// numbering of proto/dtsen/income/v1/income.proto so the ports convert them
// with a plain cast. Dates are carried as their wire text (YYYY-MM-DD, and
// YYYY-MM for income periods), which sorts and compares correctly as text.
package domain
