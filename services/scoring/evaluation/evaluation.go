// Package evaluation measures the welfare models the way issue 6 asks: on a
// fresh synthetic population whose true welfare is known, it trains the
// regression PMT baseline and the gradient-boosted trees on the families
// with survey-measured consumption (the only labels DTSEN has, ≈1%), and
// compares their national rankings of every other family with the truth:
// exclusion and inclusion error at q = 10% and 40%, rank correlation, per
// province, urban/rural and sex of the head (DESIGN.md §2 "Targeting
// metrics"). It also shows where the under-reporting "Pak Budi" families
// land, against a ranking on self-declared consumption alone (the DTKS way).
//
// Features reach the models through the same messages the services serve
// (popinput.Assemble, features.Build), so what is evaluated is what runs.
package evaluation

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"

	"github.com/dtsen-id/dtsen/services/population/population"
	"github.com/dtsen-id/dtsen/services/scoring/features"
	"github.com/dtsen-id/dtsen/services/scoring/internal/popinput"
	"github.com/dtsen-id/dtsen/services/scoring/model"
	"github.com/dtsen-id/dtsen/services/scoring/ranking"
)

// Config selects the evaluation population and the models' settings.
type Config struct {
	// Families and Seed select the population. The seed must not be one a
	// deployed model was trained on (make run trains on seed 1).
	Families int
	Seed     uint64
	// ValidFraction of the labelled families is held out for the boosted
	// trees' early stopping.
	ValidFraction float64
	GBT           model.GBTParams
	OLS           model.OLSParams
	// WithTargetingFeatures also feeds the models past programme receipt
	// (PKH, Sembako, PBI...). Off by default: a ranking that learns from who
	// was helped before would carry DTKS's mistakes into DTSEN.
	WithTargetingFeatures bool
}

// DefaultConfig is what make eval runs.
func DefaultConfig() Config {
	return Config{Families: 200_000, Seed: 20261127, ValidFraction: 0.2,
		GBT: model.DefaultGBTParams(), OLS: model.DefaultOLSParams()}
}

// Result is one evaluation.
type Result struct {
	Config Config
	// Households generated, and those left out because they carry a
	// deliberate registry error (the registry would have refused them).
	Households, Skipped int
	Features            []string
	// Labelled families (measured consumption), split for training.
	Labelled, Train, Valid int
	// Evaluated families: everyone not labelled.
	Evaluated int
	OLS, GBT  ModelResult
	// Declared is the ranking on self-declared consumption alone, over the
	// evaluated families that declared one.
	Declared       *ranking.Report
	DeclaredFamily int
	PakBudi        PakBudi
}

// ModelResult is one model's training record and its national report.
type ModelResult struct {
	Name      string
	ValidRMSE float64
	Detail    string
	Report    *ranking.Report
}

// PakBudi is where the families that under-report their consumption land.
type PakBudi struct {
	Families int // under-reporters among the evaluated families that declared consumption
	// Mean national percentile (0 = poorest, 100 = richest) and share placed
	// in the poorest 40%, by each ranking.
	Truth, Declared, OLS, GBT Placement
}

// Placement summarises a group's positions in one ranking.
type Placement struct {
	MeanPercentile float64
	ShareBottom40  float64
}

type family struct {
	row       []float64
	label     float64
	labelled  bool
	truth     float64 // ln true per-capita consumption
	declared  float64 // ln declared per-capita consumption, NaN if none
	province  string
	urban     bool
	female    bool
	underRept bool
}

// Run generates the population, trains both models and evaluates them.
func Run(cfg Config) (*Result, error) {
	if cfg.Families < 100 {
		return nil, errors.New("evaluation: at least 100 families")
	}
	names := features.ModelFeatures(cfg.WithTargetingFeatures)
	proj, err := features.NewProjection(names)
	if err != nil {
		return nil, err
	}
	res := &Result{Config: cfg, Features: names}
	var fams []family
	vec := make(features.Vector, features.Len())
	gen := population.Config{Families: cfg.Families, Seed: cfg.Seed, Workers: runtime.GOMAXPROCS(0)}
	err = population.Generate(gen, func(h *population.Household) error {
		res.Households++
		if len(h.Errors) > 0 {
			res.Skipped++
			return nil
		}
		in := popinput.Assemble(h, population.DefaultReferenceDate)
		v, err := features.BuildInto(in, vec)
		if err != nil {
			return fmt.Errorf("household %d: %w", h.Index, err)
		}
		f := family{row: proj.Apply(v, nil), truth: math.Log(h.Truth.PerCapitaConsumption), declared: math.NaN(),
			province: h.Truth.Province, urban: h.Truth.Urban, female: h.Truth.HeadFemale, underRept: h.Truth.UnderReports}
		f.label, f.labelled = features.Label(in.Economics)
		if d, ok := features.DeclaredConsumption(in.Economics); ok && d.PerCapita > 0 {
			f.declared = d.Log()
		}
		fams = append(fams, f)
		return nil
	})
	if err != nil {
		return nil, err
	}

	var lx, ly []float64
	var eval []*family
	for i := range fams {
		if fams[i].labelled {
			lx = append(lx, fams[i].row...)
			ly = append(ly, fams[i].label)
		} else {
			eval = append(eval, &fams[i])
		}
	}
	res.Labelled, res.Evaluated = len(ly), len(eval)
	labelled, err := model.NewDataset(names, lx, ly, nil)
	if err != nil {
		return nil, fmt.Errorf("evaluation: labelled data: %w", err)
	}
	train, valid, err := labelled.Split(cfg.ValidFraction, cfg.Seed)
	if err != nil {
		return nil, err
	}
	res.Train, res.Valid = train.Rows(), valid.Rows()

	ols, err := model.TrainOLS(train, cfg.OLS)
	if err != nil {
		return nil, fmt.Errorf("evaluation: OLS: %w", err)
	}
	gbt, err := model.TrainGBT(train, valid, cfg.GBT)
	if err != nil {
		return nil, fmt.Errorf("evaluation: boosted trees: %w", err)
	}

	ex := make([]float64, 0, len(eval)*len(names))
	truth := make([]float64, len(eval))
	groupings := []ranking.Grouping{{Name: "province"}, {Name: "area"}, {Name: "sex of head"}}
	for i, f := range eval {
		ex = append(ex, f.row...)
		truth[i] = f.truth
		groupings[0].Keys = append(groupings[0].Keys, f.province)
		groupings[1].Keys = append(groupings[1].Keys, map[bool]string{true: "urban", false: "rural"}[f.urban])
		groupings[2].Keys = append(groupings[2].Keys, map[bool]string{true: "female", false: "male"}[f.female])
	}
	opts := ranking.EvalOptions{Coverages: []float64{0.10, 0.40}, Groupings: groupings}
	predict := func(m model.Model) ([]float64, error) {
		out := make([]float64, len(eval))
		return out, m.PredictBatch(ex, out)
	}
	olsPred, err := predict(ols)
	if err != nil {
		return nil, err
	}
	gbtPred, err := predict(gbt)
	if err != nil {
		return nil, err
	}
	_, olsValid, err := model.Evaluate(ols, valid)
	if err != nil {
		return nil, err
	}
	gt := gbt.Training()
	res.OLS = ModelResult{Name: "regression PMT (OLS)", ValidRMSE: olsValid,
		Detail: fmt.Sprintf("%d coefficients", len(names))}
	res.GBT = ModelResult{Name: "gradient-boosted trees", ValidRMSE: gt.ValidRMSE[gt.BestIteration-1],
		Detail: fmt.Sprintf("%d trees (best of %d rounds), depth %d, learning rate %g", gbt.NumTrees(), gt.Rounds, cfg.GBT.MaxDepth, cfg.GBT.LearningRate)}
	if res.OLS.Report, err = ranking.Evaluate(ranking.Sample{Predicted: olsPred, Actual: truth}, opts); err != nil {
		return nil, err
	}
	if res.GBT.Report, err = ranking.Evaluate(ranking.Sample{Predicted: gbtPred, Actual: truth}, opts); err != nil {
		return nil, err
	}

	// The DTKS way: rank on what families declared, where they declared.
	var dPred, dTruth []float64
	var dIdx []int
	for i, f := range eval {
		if !math.IsNaN(f.declared) {
			dPred = append(dPred, f.declared)
			dTruth = append(dTruth, f.truth)
			dIdx = append(dIdx, i)
		}
	}
	res.DeclaredFamily = len(dIdx)
	if len(dIdx) > 1 {
		if res.Declared, err = ranking.Evaluate(ranking.Sample{Predicted: dPred, Actual: dTruth}, ranking.EvalOptions{Coverages: opts.Coverages}); err != nil {
			return nil, err
		}
		res.PakBudi = pakBudi(eval, dIdx, dPred, dTruth, olsPred, gbtPred)
	}
	return res, nil
}

// pakBudi places the under-reporters in each ranking of the families that
// declared consumption (the only ones the DTKS way can rank).
func pakBudi(eval []*family, idx []int, declared, truth, ols, gbt []float64) PakBudi {
	pick := func(all []float64) []float64 {
		out := make([]float64, len(idx))
		for i, j := range idx {
			out[i] = all[j]
		}
		return out
	}
	var who []int
	for i, j := range idx {
		if eval[j].underRept {
			who = append(who, i)
		}
	}
	return PakBudi{Families: len(who), Truth: place(truth, who), Declared: place(declared, who),
		OLS: place(pick(ols), who), GBT: place(pick(gbt), who)}
}

// place gives the mean percentile and bottom-40% share of the members who
// in the ranking by scores (ties by index, so deterministic).
func place(scores []float64, who []int) Placement {
	if len(who) == 0 {
		return Placement{MeanPercentile: math.NaN(), ShareBottom40: math.NaN()}
	}
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return scores[order[a]] < scores[order[b]] })
	rank := make([]int, len(scores))
	for r, i := range order {
		rank[i] = r
	}
	var sum float64
	bottom := 0
	for _, i := range who {
		pct := 100 * float64(rank[i]) / float64(len(scores))
		sum += pct
		if pct < 40 {
			bottom++
		}
	}
	return Placement{MeanPercentile: sum / float64(len(who)), ShareBottom40: float64(bottom) / float64(len(who))}
}
