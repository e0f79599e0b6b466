// Package explain words a family's welfare score for the citizen it belongs
// to: which of the family's data raised the score and which lowered it
// (DESIGN.md §1.3, §1.6), and which inconsistency flags send the family to
// field verification instead of a silent rank.
//
// [Build] takes the model's exact attributions (TreeSHAP for the trees,
// β·(x − mean) for OLS), checks that the base value plus the contributions
// is the prediction, and keeps the k strongest factors each way. Each factor
// carries the family's value with its unit, its effect in log consumption
// and as a percent of predicted consumption, exp(c) − 1, and a clause; the
// first [SentenceFactors] clauses each way become one sentence in Bahasa
// Indonesia and one in English. The wording comes from the feature
// definitions' descriptions; a small table, keyed by feature name, rewords
// the few descriptions that do not read well inside a sentence. Nothing in
// the text identifies a person.
//
// A family with a car, a ceramic floor and 1,250 m² of land, six members, a
// head with six years of schooling and no air conditioner, explained by a
// GBT model trained on those features (k = 3, from the package's tests):
//
//	cars                  +0.314  +36.9%  Jumlah mobil: 1
//	floor_ceramic         +0.171  +18.7%  Lantai rumah keramik, marmer/granit atau parket/vinil: ya
//	log_land_area_sqm     +0.149  +16.1%  Luas tanah yang dimiliki: 1.250 m²
//	household_size        −0.183  −16.7%  Jumlah anggota keluarga: 6
//	head_education_years  −0.090   −8.6%  Lama sekolah kepala keluarga: 6 tahun
//	owns_air_conditioner  −0.070   −6.7%  Memiliki AC: tidak
//
//	Jumlah mobil 1, rumah berlantai keramik/marmer/granit/parket/vinil, dan
//	luas tanah yang dimiliki 1.250 m² menaikkan skor. Jumlah anggota keluarga
//	6, lama sekolah kepala keluarga 6 tahun, dan tidak memiliki AC menurunkan
//	skor.
//
//	Cars owned (1), a ceramic/marble/granite/parquet/vinyl floor and area of
//	the land owned (1,250 m²) raise the score. Household size (6), schooling
//	of the head of family (6 years) and not owning an air conditioner lower
//	the score.
//
// [Assess] turns the data findings of features.DeriveFlags and the
// prediction into the flags a score carries, each worded in both languages
// and marked for field verification. The "Pak Budi" case, declaring
// Rp400,000 a person a month where the model predicts Rp1,800,000, reads:
//
//	Pengeluaran yang dilaporkan keluarga (Rp400.000 per orang per bulan) jauh
//	di bawah perkiraan dari aset, penghasilan dan pemakaian layanan keluarga
//	(sekitar Rp1.800.000). Petugas akan memeriksanya di lapangan.
//
// Every flag sends the family to the field except DATA_STALE younger than
// [StaleVerificationDays]: a feed running late is repaired by its next
// delivery, not by a visit.
package explain
