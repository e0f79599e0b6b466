package features

import (
	"math"

	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
)

// Consumption is one family's monthly consumption from one survey round,
// per living member.
type Consumption struct {
	// PerCapita is monthly_expenditure ÷ the living members, in rupiah per
	// person per month.
	PerCapita  float64
	SurveyID   string
	SurveyDate string
}

// Log is ln(PerCapita), the scale the welfare model predicts on.
func (c Consumption) Log() float64 { return math.Log(c.PerCapita) }

// MeasuredConsumption is the family's newest consumption measured by an
// enumerator (Susenas-style, item by item): the welfare model's training
// label. ok is false when there is none, or when the family has no living
// member to divide by. A record in the measured list that does not itself
// say MEASURED_BY_ENUMERATOR is ignored, so a mislabelled self-declaration
// can never become a label.
func MeasuredConsumption(e *incomev1.FamilyEconomics) (Consumption, bool) {
	return newestConsumption(e, e.GetMeasuredConsumptions(), incomev1.Measurement_MEASUREMENT_MEASURED_BY_ENUMERATOR)
}

// DeclaredConsumption is the family's newest self-declared consumption:
// what DeclaredConsumptionInconsistent compares with the model's
// prediction. It is never a feature and never a label.
func DeclaredConsumption(e *incomev1.FamilyEconomics) (Consumption, bool) {
	return newestConsumption(e, e.GetSelfDeclaredConsumptions(), incomev1.Measurement_MEASUREMENT_SELF_DECLARED)
}

// Label is the training label: ln of the measured consumption per capita.
func Label(e *incomev1.FamilyEconomics) (float64, bool) {
	c, ok := MeasuredConsumption(e)
	if !ok {
		return math.NaN(), false
	}
	return c.Log(), true
}

// newestConsumption picks the record with the latest survey_date (ties: the
// greater survey_id), so the result does not depend on list order.
func newestConsumption(e *incomev1.FamilyEconomics, cs []*incomev1.Consumption, want incomev1.Measurement) (Consumption, bool) {
	members := e.GetMemberCount()
	if members <= 0 {
		return Consumption{}, false
	}
	var best *incomev1.Consumption
	var bestDay day
	for _, c := range cs {
		if c.GetMeasurement() != want || c.GetMonthlyExpenditure() <= 0 {
			continue
		}
		d, ok := dayOf(c.GetSurveyDate())
		if !ok {
			continue
		}
		if best == nil || d > bestDay || (d == bestDay && c.GetSurveyId() > best.GetSurveyId()) {
			best, bestDay = c, d
		}
	}
	if best == nil {
		return Consumption{}, false
	}
	return Consumption{
		PerCapita:  float64(best.GetMonthlyExpenditure()) / float64(members),
		SurveyID:   best.GetSurveyId(),
		SurveyDate: best.GetSurveyDate(),
	}, true
}
