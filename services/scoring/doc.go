// Package scoring is the welfare-ranking context of DTSEN: the feature
// store built from the four source contexts, the welfare models (regression
// PMT and gradient-boosted trees), national deciles, explanations and
// programme eligibility (DESIGN.md §1.3–§1.5). Its packages:
//
//   - features: the feature definitions, declared once, and the vector of one
//     family built from the source contexts' API messages;
//   - model: the regression PMT baseline and the gradient-boosted trees, with
//     exact attributions;
//   - ranking: national decile cut-points from mergeable histograms, and the
//     targeting metrics;
//   - eligibility: the versioned programme rules table and notices.
package scoring
