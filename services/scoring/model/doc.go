// Package model holds DTSEN's welfare models: the functions from a family's
// feature vector to its predicted log per-capita consumption, from which the
// national deciles are cut (DESIGN.md §1.3, §2 "Deciles").
//
// Two models satisfy the same [Model] interface:
//
//   - [OLS], the regression proxy means test (PMT) that BPS-style targeting has
//     used for years; it is the baseline every other model is measured against
//     (DESIGN.md §2 "Targeting metrics").
//   - [GBT], gradient-boosted regression trees, the main model. Machine-learned
//     models beat regression PMT by 2–18% in the literature (McBride & Nichols
//     2018), chiefly because welfare is not linear in assets: a car matters more
//     in a village than in Jakarta, a second motorcycle less than the first.
//
// Labels are survey-measured consumption (Susenas-style, about 1% of
// families), never self-declared consumption: a self-declared figure is what
// the model is there to check, so training on it would teach the model to
// believe it (the "Pak Budi" case of DESIGN.md §1.3).
//
// Missing values are NaN everywhere, in training data and at prediction.
// OLS imputes the training mean; the trees learn, at every split, which side
// a missing value goes to.
//
// Every prediction can be explained: Explain returns a base value and one
// contribution per feature with base + Σ contributions = prediction, so the
// explanation shown to a citizen who contests a score adds up to the score
// itself (DESIGN.md §1.6). For OLS the contributions are β_j·(x_j − mean_j);
// for the trees they are exact TreeSHAP values (Lundberg et al. 2018,
// Algorithm 2), path-dependent. TreeSHAP was chosen over Saabas path
// attributions because it is consistent: if a model changes so that a
// feature matters more, its attribution never goes down; and its values are
// the Shapley values of a stated game (the expected prediction when only
// some features are known, estimated from the training rows that reached
// each node), so they add up, a feature no split uses gets zero, and two
// features playing the same role get the same credit. Saabas values give
// each split's whole effect to its feature where it sits in the tree, so
// for y = a AND b they give a and b different credit depending on which
// one the tree happens to test first, which is hard to defend to a citizen
// contesting a score. The price is time: O(trees · leaves · depth²) per row
// instead of O(trees · depth), about 2 ms per family for 300 trees of
// depth 6 on one core (BENCHMARKS.md), so explaining all 93 million
// families is some 50 CPU-hours: a batch to spread over the ranking's
// partitions, or work to do when a score is shown or contested.
//
// Trained models serialise to a versioned, self-describing encoding
// ([Model.MarshalBinary], [Unmarshal]) that reloads bit for bit, so a stored
// model version (DESIGN.md §1.3: every score carries its model version)
// always reproduces the scores it produced.
package model
