package app

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/dtsen-id/dtsen/services/scoring/adapters"
	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/features"
	"github.com/dtsen-id/dtsen/services/scoring/model"
)

// TrainParams are a training run's settings. The zero value trains with
// the models' defaults, a 20% validation set and seed 1.
type TrainParams struct {
	// OLS is used for model.KindOLS; zero means model.DefaultOLSParams.
	OLS model.OLSParams `json:"ols,omitzero"`
	// GBT is used for model.KindGBT; a zero Rounds means
	// model.DefaultGBTParams.
	GBT model.GBTParams `json:"gbt,omitzero"`
	// ValidFraction is the share of labelled families held out to measure
	// the model; 0 means 0.2.
	ValidFraction float64 `json:"valid_fraction"`
	// SplitSeed picks the held-out families; the same seed and data always
	// hold out the same ones.
	SplitSeed uint64 `json:"split_seed"`
	// WithTargeting includes the Targeting features (programme
	// participation), which are left out by default: a model that learns
	// "receives PKH ⇒ poor" would keep today's beneficiaries poor by
	// construction, whatever their welfare.
	WithTargeting bool `json:"with_targeting"`
}

// trainingMetrics is what TrainModel records in Model.Metrics.
type trainingMetrics struct {
	// Targeting is measured on the held-out families.
	Targeting  *TargetingMetrics `json:"targeting"`
	ValidRMSE  float64           `json:"valid_rmse"`
	TrainRMSE  float64           `json:"train_rmse"`
	TrainRows  int               `json:"train_rows"`
	ValidRows  int               `json:"valid_rows"`
	Unlabelled int               `json:"unlabelled"`
}

// TrainModel trains a model of kind (model.KindOLS or model.KindGBT) on the
// families whose consumption an enumerator measured, measures it on a
// held-out share of them and stores it TRAINED. Self-declared consumption is
// never a label (see package model). A labelled family that cannot be
// fetched fails the training: a model silently trained on whichever families
// happened to answer could not be reproduced.
func (a *App) TrainModel(ctx context.Context, kind string, p TrainParams) (*domain.Model, error) {
	if kind != model.KindOLS && kind != model.KindGBT {
		return nil, fmt.Errorf("%w: unknown model kind %q", domain.ErrInvalid, kind)
	}
	if p.ValidFraction == 0 {
		p.ValidFraction = 0.2
	}
	if p.ValidFraction < 0 || p.ValidFraction >= 1 {
		return nil, fmt.Errorf("%w: validation fraction %v is outside (0, 1)", domain.ErrInvalid, p.ValidFraction)
	}
	if p.SplitSeed == 0 {
		p.SplitSeed = 1
	}
	if p.OLS == (model.OLSParams{}) {
		p.OLS = model.DefaultOLSParams()
	}
	if p.GBT.Rounds == 0 {
		p.GBT = model.DefaultGBTParams()
	}

	var kks []string
	if err := a.labels.MeasuredFamilies(ctx, func(kk string) error { kks = append(kks, kk); return nil }); err != nil {
		return nil, fmt.Errorf("list labelled families: %w", err)
	}
	// Rows in KK order make the dataset, its split and its fingerprint
	// independent of the order the sources answer in.
	slices.Sort(kks)
	kks = slices.Compact(kks)

	names := features.ModelFeatures(p.WithTargeting)
	proj, err := features.NewProjection(names)
	if err != nil {
		return nil, err
	}
	ref := a.now()
	type example struct {
		row    []float64
		label  float64
		groups familyGroups
	}
	examples := make(map[string]example, len(kks))
	unlabelled := 0
	err = adapters.FetchMany(ctx, a.families, kks, ref, a.workers, func(kk string, in features.Input, err error) error {
		if err != nil {
			return fmt.Errorf("fetch labelled family %s: %w", kk, err)
		}
		// The label source and the economics summary are read at different
		// moments; a measurement withdrawn in between leaves no label.
		label, ok := features.Label(in.Economics)
		if !ok {
			unlabelled++
			return nil
		}
		v, err := features.Build(in)
		if err != nil {
			return fmt.Errorf("features of %s: %w", kk, err)
		}
		examples[kk] = example{row: proj.Apply(v, nil), label: label, groups: groupsOf(in)}
		return nil
	})
	if err != nil {
		return nil, ctxErr(ctx, err)
	}
	if len(examples) < 2 {
		return nil, fmt.Errorf("%w: %d labelled families, need at least 2 to train and validate", domain.ErrInvalid, len(examples))
	}

	x := make([]float64, 0, len(examples)*len(names))
	y := make([]float64, 0, len(examples))
	h := sha256.New()
	for _, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{0})
	}
	var buf [8]byte
	groups := make([]familyGroups, 0, len(examples))
	for _, kk := range kks {
		e, ok := examples[kk]
		if !ok {
			continue
		}
		groups = append(groups, e.groups)
		x = append(x, e.row...)
		y = append(y, e.label)
		h.Write([]byte(kk))
		for _, v := range append(e.row, e.label) {
			binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
			h.Write(buf[:])
		}
	}
	data, err := model.NewDataset(names, x, y, nil)
	if err != nil {
		return nil, err
	}
	train, valid, err := data.Split(p.ValidFraction, p.SplitSeed)
	if err != nil {
		return nil, err
	}

	// The stored params name only the kind's own hyper-parameters.
	var trained model.Model
	switch kind {
	case model.KindOLS:
		p.GBT = model.GBTParams{}
		trained, err = model.TrainOLS(train, p.OLS)
	default:
		p.OLS = model.OLSParams{}
		trained, err = model.TrainGBTContext(ctx, train, valid, p.GBT)
	}
	if err != nil {
		return nil, ctxErr(ctx, fmt.Errorf("train %s: %w", kind, err))
	}
	_, validRMSE, err := model.Evaluate(trained, valid)
	if err != nil {
		return nil, err
	}
	_, trainRMSE, err := model.Evaluate(trained, train)
	if err != nil {
		return nil, err
	}
	targeting, err := a.measureTargeting(trained, valid, groups, p)
	if err != nil {
		return nil, err
	}
	metrics, err := json.Marshal(trainingMetrics{Targeting: targeting, ValidRMSE: validRMSE, TrainRMSE: trainRMSE,
		TrainRows: train.Rows(), ValidRows: valid.Rows(), Unlabelled: unlabelled})
	if err != nil {
		return nil, fmt.Errorf("metrics of the %s model (RMSE %v): %w", kind, validRMSE, err)
	}
	paramsJSON, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	blob, err := trained.MarshalBinary()
	if err != nil {
		return nil, err
	}
	m := &domain.Model{
		ID:       a.newID(kind),
		Kind:     kind,
		Features: names,
		Params:   paramsJSON,
		Metrics:  metrics,
		Training: domain.TrainingSnapshot{
			Labels:       len(y),
			Fingerprint:  "sha256:" + hex.EncodeToString(h.Sum(nil)),
			SourceCursor: "ref:" + ref.UTC().Format("2006-01-02"),
		},
		Blob:  blob,
		State: domain.ModelTrained,
	}
	if err := a.models.Create(ctx, m); err != nil {
		return nil, err
	}
	return m, nil
}

// measureTargeting computes the targeting metrics on the held-out rows,
// which Split keeps in dataset order, so the mask lines them up with their
// families' groups.
func (a *App) measureTargeting(m model.Model, valid *model.Dataset, groups []familyGroups, p TrainParams) (*TargetingMetrics, error) {
	mask, err := model.SplitMask(len(groups), p.ValidFraction, p.SplitSeed)
	if err != nil {
		return nil, err
	}
	validGroups := make([]familyGroups, 0, valid.Rows())
	for i, in := range mask {
		if in {
			validGroups = append(validGroups, groups[i])
		}
	}
	pred := make([]float64, valid.Rows())
	if err := m.PredictBatch(valid.X, pred); err != nil {
		return nil, err
	}
	return targetingMetrics(pred, valid.Y, validGroups)
}
