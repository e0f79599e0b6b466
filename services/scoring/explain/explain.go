package explain

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/dtsen-id/dtsen/services/scoring/features"
	"github.com/dtsen-id/dtsen/services/scoring/model"
)

// Errors Build returns, wrapped with the detail; test with errors.Is.
var (
	// ErrUnknownFeature: the model uses a feature the current definitions
	// do not describe, so there is nothing to tell the citizen about it.
	ErrUnknownFeature = errors.New("explain: unknown feature")
	// ErrNotAdditive: base + Σ contributions is not the prediction. An
	// explanation that does not add up to the score is not shown at all
	// (DESIGN.md §1.6: the citizen contests the score with it).
	ErrNotAdditive = errors.New("explain: contributions do not add up to the prediction")
	// ErrTopK: k is not positive.
	ErrTopK = errors.New("explain: k must be at least 1")
)

// AdditivityTolerance is how far base + Σ contributions may lie from the
// prediction. TreeSHAP and the OLS attributions are exact; what remains is
// float rounding over a hundred-odd terms of size ~1 on a prediction of
// ~13, some 1e-13.
const AdditivityTolerance = 1e-9

// SentenceFactors is how many factors a sentence names. Three is what a
// citizen reads at a glance; the rest are in Up and Down.
const SentenceFactors = 3

// Factor is one feature's share in an explanation.
type Factor struct {
	model.Factor
	Group       features.Group `json:"group"`
	Description Text           `json:"description"`
	// ValueText is the description and the family's value with its unit,
	// e.g. "Daya listrik PLN terpasang: 2.200 VA".
	ValueText Text `json:"value_text"`
	// Percent is the approximate effect on predicted consumption,
	// 100·(exp(Contribution) − 1): the prediction is log consumption, so a
	// contribution multiplies consumption by exp(Contribution).
	Percent     float64 `json:"percent"`
	PercentText Text    `json:"percent_text"`
	// Phrase is the factor's clause in the sentences.
	Phrase Text `json:"phrase"`
}

// Explanation is why a family's score is what it is: the model's base value
// (the average prediction), the prediction, and the factors that moved one
// to the other most, worded for the citizen.
type Explanation struct {
	Base       float64 `json:"base"`
	Prediction float64 `json:"prediction"`
	// Up holds the factors that raised the prediction most, largest first;
	// Down those that lowered it most, most negative first.
	Up   []Factor `json:"up"`
	Down []Factor `json:"down"`
	// Raising and Lowering are one sentence each about the first
	// SentenceFactors of Up and Down; empty when the list is.
	Raising  Text `json:"raising"`
	Lowering Text `json:"lowering"`
	// Summary is the two sentences together, or a sentence saying nothing
	// moved the score.
	Summary Text `json:"summary"`
}

// Build explains one family's row with the model's exact attributions and
// keeps the k strongest factors each way. The row is the family's feature
// vector in m.FeatureNames() order; every name must be a current feature.
// It fails rather than return an explanation that does not add up to
// m.Predict(row).
//
// The text is made only of feature descriptions and the family's values:
// nothing identifies a person, so it can be logged and shown to any role
// that may see the score.
func Build(m model.Model, row []float64, k int) (Explanation, error) {
	if k < 1 {
		return Explanation{}, fmt.Errorf("%w: got %d", ErrTopK, k)
	}
	names := m.FeatureNames()
	defs := make([]features.Definition, len(names))
	var unknown []string
	for j, n := range names {
		d, ok := features.Lookup(n)
		if !ok {
			unknown = append(unknown, n)
		}
		defs[j] = d
	}
	if len(unknown) > 0 {
		return Explanation{}, fmt.Errorf("%w: %s", ErrUnknownFeature, strings.Join(unknown, ", "))
	}
	base, contrib, err := m.Explain(row)
	if err != nil {
		return Explanation{}, err
	}
	pred, err := m.Predict(row)
	if err != nil {
		return Explanation{}, err
	}
	sum := base
	for _, c := range contrib {
		sum += c
	}
	if !(math.Abs(sum-pred) <= AdditivityTolerance) {
		return Explanation{}, fmt.Errorf("%w: base %v + Σ contributions = %v, prediction %v", ErrNotAdditive, base, sum, pred)
	}
	up, down := model.RankFactors(names, row, contrib, k)
	e := Explanation{Base: base, Prediction: pred, Up: decorate(up, defs), Down: decorate(down, defs)}
	e.Raising = sentence(e.Up, Text{ID: "menaikkan skor", EN: "raises the score"}, Text{EN: "raise the score"})
	e.Lowering = sentence(e.Down, Text{ID: "menurunkan skor", EN: "lowers the score"}, Text{EN: "lower the score"})
	e.Summary = Text{ID: strings.TrimSpace(e.Raising.ID + " " + e.Lowering.ID), EN: strings.TrimSpace(e.Raising.EN + " " + e.Lowering.EN)}
	if e.Summary.ID == "" {
		e.Summary = Text{
			ID: "Tidak ada data keluarga yang menggeser skor dari rata-rata.",
			EN: "None of the family's data moved the score away from the average.",
		}
	}
	return e, nil
}

func decorate(fs []model.Factor, defs []features.Definition) []Factor {
	out := make([]Factor, len(fs))
	for i, f := range fs {
		d := defs[f.Index]
		p := 100 * math.Expm1(f.Contribution)
		out[i] = Factor{
			Factor:      f,
			Group:       d.Group,
			Description: Text{ID: d.DescriptionID, EN: d.DescriptionEN},
			ValueText:   valueText(d, f.Value),
			Percent:     p,
			PercentText: percent(p),
			Phrase:      phrase(d, f.Value),
		}
	}
	return out
}

// sentence names the first SentenceFactors factors as the subject of verb;
// plural.EN is the English verb for more than one factor (Indonesian verbs
// do not agree in number).
func sentence(fs []Factor, verb, plural Text) Text {
	if len(fs) == 0 {
		return Text{}
	}
	fs = fs[:min(len(fs), SentenceFactors)]
	id, en := make([]string, len(fs)), make([]string, len(fs))
	for i, f := range fs {
		id[i], en[i] = f.Phrase.ID, f.Phrase.EN
	}
	enVerb := verb.EN
	if len(fs) > 1 {
		enVerb = plural.EN
	}
	return Text{
		ID: upperFirst(joinID(id)) + " " + verb.ID + ".",
		EN: upperFirst(joinEN(en)) + " " + enVerb + ".",
	}
}
