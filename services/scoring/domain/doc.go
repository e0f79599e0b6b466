// Package domain holds the scoring context's stored entities — trained
// models, ranking runs, family scores with their history, and eligibility
// notices — with the invariants they must keep, and the repository
// interfaces that persist them (DESIGN.md §4). The SQL implementation lives
// in ../adapters; nothing here touches a database.
package domain
