// Package ranking places every family in a national decile of predicted
// welfare (DESIGN.md §1.3, §2 "Deciles"), computed across partitions without
// any node sorting the population (§3 "Scale-out"), and measures how well a
// welfare model targets the poor (§2 "Targeting metrics"). It is pure: no
// storage, clock or protobuf. The scoring service stores scores, runs and
// placements, and drives the passes described here.
//
// # The national order
//
// A family's place is its [Position]: first its score key, round(score·10^6)
// ([Quantise]), then its tie key, a fixed bijective mix of its KK number
// ([TieKeyOf]); both ascending, poorer first. The order is total: two
// families never share a position unless they share a KK number.
//
// The resolution, 10^-6 of log per-capita consumption, is a relative
// difference in consumption of 0.0001%: Rp 1 a month on Rp 1,000,000. A
// welfare model's error is 0.3–0.5 log points, five orders of magnitude
// coarser, and 10^-6 is already the spacing of float32 numbers between 8 and
// 16 (2^-20), where log consumption in rupiah lies, so no pipeline step that
// passed scores through float32 can tell finer differences apart. Scores
// closer than that are treated as level, and the tie key decides. The tie
// key is a mix rather than the KK number itself, because a KK number starts
// with its region code (DESIGN.md §2), and ordering ties by it would put
// one province on the poorer side of every tie, run after run.
//
// # Deciles
//
// With N families ranked 0…N−1 in that order, the family at rank r is in
// desil ⌊10·r/N⌋+1 ([DesilOfRank]). When N is not a multiple of ten, the
// spare families go to the poorer deciles, so "desil ≤ k" always covers at
// least k·N/10 families: the rounding errs towards inclusion. The run's
// [CutPoints] are nine positions: threshold k is the position of the richest
// family of desil k (rank ⌈k·N/10⌉−1, [BoundaryRank]). Any family, ranked in
// the run or re-scored since, is in desil 1 + the number of thresholds its
// position lies above ([CutPoints.Assign]); for a ranked family that is
// exactly ⌊10·r/N⌋+1.
//
// The cut-points are a function of the multiset of positions alone, and the
// procedure below finds exact order statistics of that multiset, however it
// is split. So a run partitioned by province gives the same cut-points, and
// the same decile to every family, as a single-node run: by construction,
// and checked by the property tests over random splits.
//
// # Finding the cut-points without sorting
//
//  1. Every partition builds a [Histogram] of its families' score keys, a
//     sorted array of (key, count) built through a radix-sorted buffer, and
//     ships it in a compact binary encoding ([Histogram.MarshalBinary]:
//     kind and version bytes, varint key deltas and counts, CRC-32C). The
//     coordinator adds them up ([Histogram.Merge]: associative and
//     commutative) and reads off, for each boundary rank, the key that holds
//     it and the boundary's rank among that key's families ([Histogram.Select]).
//  2. Families sharing a boundary key are split by tie key. The
//     [Selection] asks every partition for the tie keys of the families on
//     the (at most nine) boundary keys: a [Query], answered by a
//     [Collector] per partition, merged, sorted centrally. In a real
//     population a boundary key holds a few dozen families, so this second,
//     small pass ends the run.
//  3. A boundary key holding more than [DefaultExactLimit] families (a tree
//     model's few distinct outputs, or everyone on one score) is first
//     narrowed by counting its families by the top 16 bits of their tie key,
//     which, tie keys being evenly spread, leaves about N/65,536 of them:
//     one more pass, then the collecting one.
//
// Each pass checks that the families it counts add up to what the previous
// pass counted, so a score that changes between passes, or a partition
// dropped or counted twice, stops the run with [ErrInconsistent] rather than
// yielding skewed deciles: a run ranks one snapshot of scores. [Run] drives
// the passes over a set of [Partition]s; a [Scanner] is a local one.
//
// # Memory
//
// A histogram holds 16 bytes per distinct key (plus, while adding, a buffer
// of up to as many keys again, 8 bytes each). DTSEN's 93 million families,
// with log consumption spread like a mixture of provincial bells of
// standard deviation ≈ 0.55, occupy about 3.5 million distinct keys (the
// benchmarks measure it): about 56 MB at the coordinator and 7 MB encoded,
// against 1.5 GB for the 93 million positions themselves. The bound is min(N, score span
// ·10^6) keys. Where that is too much, because a node is small or scores are
// spread far wider than log consumption, [NewCoarseHistogram] (or
// [Options.CoarseShift]) counts buckets of 2^s keys instead: s = 16 gives
// buckets 0.066 log points wide, about a hundred of them nationally, and the
// selection then refines the (at most nine) boundary buckets by 16 key bits
// per round before splitting ties, one pass more. The result is the same for
// every shift.
//
// # Targeting metrics
//
// [Evaluate] judges a model on a sample with true welfare (DESIGN.md §2): at
// each coverage quota q (by default 10% and 40%), the truly poor are the
// poorest share q by true welfare and the selected are the poorest share q by
// the prediction; the exclusion error is the share of the truly poor not
// selected, the inclusion error the share of the selected not truly poor.
// With optional survey weights every count is a weight. [Spearman] is the
// rank correlation, each tie given its average rank. Breakdowns by
// province, area or sex of head report the same metrics per group, with the
// truly poor and the selected still defined by the national quotas, so the
// groups add up to the nation; the group's Spearman ranks its families among
// themselves.
//
// The metrics select by the exact bottom-q share of weight, not by "desil
// ≤ k", for three reasons. A model is judged on a survey sample, whose
// weighted families have no registry deciles. The quota may be any q, not
// only a multiple of 10%. And a decile threshold would select ⌈k·N/10⌉
// families and break ties by KK number, making the figures depend on
// rounding and on arbitrary identifiers, where the exact share makes them
// depend only on the two rankings. Where the quota falls inside a run of
// tied values, or inside one family's weight, each member of the run counts
// the same fraction; so a prediction that ranks everyone level scores the
// 1 − q of a lottery, and the report does not change when rows are
// shuffled. On the registry itself, with N a multiple of ten and no tie
// across a boundary, the bottom 10·k% is exactly desil 1…k.
//
// Because the selection and the truly poor are the same share of the same
// weight, the national exclusion and inclusion errors are equal; they
// differ within groups, which is where the breakdowns earn their place.
package ranking
