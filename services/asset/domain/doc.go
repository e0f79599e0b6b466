// Package domain holds the asset context's entities: the house a family lives
// in, its land parcels and vehicles, and its other holdings (livestock,
// durable goods, gold or savings), the housing and asset variables of the
// proxy means test (DESIGN.md §2).
//
// The package is pure: no storage, no gRPC, no protobuf. Its enums mirror the
// numbering of proto/dtsen/asset/v1/asset.proto so the ports layer converts
// them with a plain cast. NIK, KK number, region-code and date structure come
// from the registry's domain package, which owns those rules; this package
// never re-implements them.
//
// Every record carries provenance (its source agency and observation date)
// and the result of the registry cross-check (MATCHED or UNMATCHED with a
// reason, plus flags such as OWNER_DECEASED). A record about an identity the
// registry does not know is kept, not dropped: it is reconciled when the
// registry learns it (DESIGN.md §1.2, issue 3 "Cross-checks").
package domain
