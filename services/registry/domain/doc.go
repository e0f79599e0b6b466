// Package domain holds the registry context's entities (persons and families
// as Dukcapil records them) and the rules that decide whether a record may
// enter DTSEN at all.
//
// DTSEN decides who receives social assistance, so a record that is wrong at
// the door (a NIK that cannot exist, a family without its head) becomes a
// wrong bansos decision later. The checks here are therefore exact and
// report every problem with its own UPPER_SNAKE reason (DESIGN.md §5), and
// they never panic on hostile input.
//
// The package is pure: no storage, no gRPC, no protobuf. Its enums mirror the
// numbering of proto/dtsen/registry/v1/registry.proto so the ports layer can
// convert them with a plain cast. Version and timestamps are owned by the
// persistence layer; the life-event methods here change members only.
//
// Calendar dates (birth, death) are carried as time.Time at UTC midnight, the
// form ParseDate returns.
package domain
