// Package features turns what the four source contexts know about a family
// into the welfare model's inputs: the feature vector, the training label,
// the inconsistency flags and the facts the eligibility rules test.
//
// It is the scoring context's anti-corruption layer (DESIGN.md §3, "Bounded
// contexts"): the registry's Family, the asset context's FamilyAssets, the
// income context's FamilyEconomics and the service-usage context's
// FamilyServiceUsage are read here and nowhere else in scoring; the models,
// the ranking and the eligibility rules see only Vector, Consumption,
// Finding and FamilyFacts.
//
// Every feature is declared once, in the definitions table (table.go), with
// its stable name, group, English and Indonesian descriptions, unit and
// computation. docs/features.md is generated from that table and a test
// fails when it is stale (go test -run TestDocsCurrent -update rewrites it).
//
// Missing is NaN, never 0: a family the asset context knows nothing about
// has NaN for its car count, while a family the asset context knows and
// that owns no car has 0. The models handle NaN themselves.
package features
