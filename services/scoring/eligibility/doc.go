// Package eligibility decides which social-assistance programmes a ranked
// family qualifies for, and what happens when that answer changes
// (DESIGN.md §1.4 and §1.8).
//
// The rules are data, not code branches: a [Table] read from YAML (or JSON)
// lists each programme with its decile limit, the member conditions that
// qualify a family, an optional national quota and the exclusions that apply.
// The table ships embedded ([DefaultTable]) and can be replaced by a file
// ([Load]). Every [Decision] carries the table's version and content hash,
// so an audit can tell which rules decided.
//
// The flow of a ranking run:
//
//  1. [Evaluate] turns one family's [Facts] into a [Decision]: per programme,
//     eligible or not, with reasons as machine codes and as plain text in
//     Bahasa Indonesia and English.
//  2. [ApplyQuotas] settles the quota programmes (PBI JK) over the whole run:
//     the poorest qualifying families first, ties as the national ranking breaks them.
//  3. [FamilyState.Apply] compares the new decision with what the family is
//     receiving and issues [Notice]s. Gains take effect at once; a loss takes
//     effect only after an objection window, and a pending objection holds
//     it until the case is decided. There are no silent mass removals: the
//     PBI deactivations of 2025–26 are the lesson (DESIGN.md §1.4).
//  4. [BuildReport] compares the old DTKS recipient lists with the new
//     decisions per province and regency, for the pilot switch-over
//     (DESIGN.md §1.8).
//
// Everything here is pure: no storage, no clock, no protobuf. The scoring
// service persists decisions, entitlement states and notices.
package eligibility
