package domain

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/dtsen-id/dtsen/services/scoring/model"
)

// ModelState is where a model is in its life.
type ModelState string

const (
	// ModelTrained: stored and evaluated, not used for scoring.
	ModelTrained ModelState = "TRAINED"
	// ModelActive: the one model new scores are computed with.
	ModelActive ModelState = "ACTIVE"
	// ModelRetired: was active once and was replaced. It can be activated
	// again, which is how an operator rolls back a bad model.
	ModelRetired ModelState = "RETIRED"
)

// TrainingSnapshot pins down what a model was trained on, so that a
// training run can be reproduced and an auditor can tell two models apart
// by their data, not only by their parameters.
type TrainingSnapshot struct {
	// Labels is the number of labelled families (survey consumption) used.
	Labels int
	// Fingerprint is a hash of the training rows and labels.
	Fingerprint string
	// SourceCursor is the position in the source contexts' change feeds
	// (or a population snapshot id) the features were read at.
	SourceCursor string
}

// Activation records the explicit, audited act of putting a model into
// service: who did it, why, and when.
type Activation struct {
	By     string
	Reason string
	At     time.Time
}

// Model is a trained proxy-means-test model as stored: its encoded form
// plus everything needed to audit it.
//
// Invariants: Blob decodes (model.Unmarshal) to a model of Kind with exactly
// Features; Params and Metrics, when set, are JSON; a model is created
// TRAINED — only Models.Activate makes one ACTIVE, so that every activation
// is recorded; at most one model is ACTIVE at any time.
type Model struct {
	// ID is unique and stable, e.g. "gbt-20261127-0001".
	ID        string
	Kind      string // model.KindOLS or model.KindGBT
	CreatedAt time.Time
	Features  []string
	// Params are the training hyper-parameters, as JSON.
	Params json.RawMessage
	// Metrics are the evaluation's results (RMSE, inclusion/exclusion
	// errors by decile, ...), as JSON.
	Metrics  json.RawMessage
	Training TrainingSnapshot
	// Blob is model.Model.MarshalBinary's output.
	Blob  []byte
	State ModelState
	// Activation is the last time the model was activated; nil if never.
	Activation *Activation
	// RetiredAt is when the model was last replaced; zero unless RETIRED.
	RetiredAt time.Time
}

// Validate checks the invariants a new model must satisfy before it is
// stored. It decodes the blob, so a model that could not be loaded for
// scoring is refused at the door, not at activation.
func (m *Model) Validate() error {
	if m.ID == "" {
		return fmt.Errorf("%w: model id is empty", ErrInvalid)
	}
	if m.Kind != model.KindOLS && m.Kind != model.KindGBT {
		return fmt.Errorf("%w: model %s: unknown kind %q", ErrInvalid, m.ID, m.Kind)
	}
	if m.State != ModelTrained {
		return fmt.Errorf("%w: model %s: a new model must be %s, not %q (activation is a separate, audited step)",
			ErrInvalid, m.ID, ModelTrained, m.State)
	}
	if len(m.Features) == 0 {
		return fmt.Errorf("%w: model %s has no features", ErrInvalid, m.ID)
	}
	if m.Training.Labels < 0 {
		return fmt.Errorf("%w: model %s: negative label count", ErrInvalid, m.ID)
	}
	if len(m.Params) > 0 && !json.Valid(m.Params) {
		return fmt.Errorf("%w: model %s: params are not valid JSON", ErrInvalid, m.ID)
	}
	if len(m.Metrics) > 0 && !json.Valid(m.Metrics) {
		return fmt.Errorf("%w: model %s: metrics are not valid JSON", ErrInvalid, m.ID)
	}
	decoded, err := model.Unmarshal(m.Blob)
	if err != nil {
		return fmt.Errorf("%w: model %s: blob: %v", ErrInvalid, m.ID, err)
	}
	if decoded.Kind() != m.Kind {
		return fmt.Errorf("%w: model %s: blob is a %s model, not %s", ErrInvalid, m.ID, decoded.Kind(), m.Kind)
	}
	if !slices.Equal(decoded.FeatureNames(), m.Features) {
		return fmt.Errorf("%w: model %s: blob's features differ from the declared ones", ErrInvalid, m.ID)
	}
	return nil
}

// Load decodes the model for scoring.
func (m *Model) Load() (model.Model, error) {
	return model.Unmarshal(m.Blob)
}
