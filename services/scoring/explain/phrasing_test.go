package explain

import (
	"math"
	"strings"
	"testing"

	"github.com/dtsen-id/dtsen/services/scoring/features"
)

func TestPhrasingsNameExistingFeatures(t *testing.T) {
	for name, p := range phrasings {
		d, ok := features.Lookup(name)
		if !ok {
			t.Errorf("phrasing for %q, which is not a feature", name)
			continue
		}
		indicator := d.Unit == unitIndicator
		hasYesNo := p.yes != (Text{}) || p.no != (Text{})
		switch {
		case indicator && (p.noun != (Text{}) || !complete(p.yes) || !complete(p.no)):
			t.Errorf("%s is an indicator: want yes and no in both languages and no noun, got %+v", name, p)
		case !indicator && (hasYesNo || !complete(p.noun)):
			t.Errorf("%s is numeric (%s): want a noun in both languages only, got %+v", name, d.Unit, p)
		}
	}
}

func complete(t Text) bool { return t.ID != "" && t.EN != "" }

// TestEveryIndicatorIsPhrased: no current indicator falls back to
// "description: ya"; a new one needs a verb the rules know or an entry.
func TestEveryIndicatorIsPhrased(t *testing.T) {
	for _, d := range features.Definitions() {
		if d.Unit != unitIndicator {
			continue
		}
		if _, _, ok := indicatorPhrases(d); !ok {
			t.Errorf("indicator %s (%q / %q) has no phrasing", d.Name, d.DescriptionID, d.DescriptionEN)
		}
	}
}

func TestEveryUnitIsFormatted(t *testing.T) {
	for _, d := range features.Definitions() {
		if d.Unit == unitIndicator {
			continue
		}
		if _, ok := formatValue(d.Unit, 1); !ok {
			t.Errorf("%s: unit %q has no format", d.Name, d.Unit)
		}
	}
}

// TestPhrasesHaveNoListComma: sentences join clauses with ", ", so a clause
// with its own ", " would read as two factors. Every feature is tried with
// the values a family can have: absent, present, missing and a typical one.
func TestPhrasesHaveNoListComma(t *testing.T) {
	for _, d := range features.Definitions() {
		for _, x := range []float64{0, 1, math.NaN(), 2.5, 13.8} {
			p := phrase(d, x)
			for _, s := range []string{p.ID, p.EN} {
				if s == "" || strings.Contains(s, ", ") || strings.Contains(s, "  ") || s != strings.TrimSpace(s) {
					t.Errorf("%s at %v: phrase %q", d.Name, x, s)
				}
			}
		}
	}
}

func TestFormatValue(t *testing.T) {
	for _, c := range []struct {
		unit string
		x    float64
		want Text
	}{
		{"VA", 2200, Text{"2.200 VA", "2,200 VA"}},
		{"ln(1 + m²)", math.Log1p(1250), Text{"1.250 m²", "1,250 m²"}},
		{"ln(1 + Rp)", math.Log1p(12_500_000), Text{"Rp12.500.000", "Rp12,500,000"}},
		{"ln(1 + Rp/person/month)", math.Log1p(1_500_000), Text{"Rp1.500.000 per bulan", "Rp1,500,000 a month"}},
		{"m²/person", 12.5, Text{"12,5 m²", "12.5 m²"}},
		{"ordinal 0–4", 3, Text{"3 pada skala 0–4", "3 on a 0–4 scale"}},
		{"share 0–1", 0.75, Text{"75%", "75%"}},
		{"ratio", 0.6666, Text{"0,67", "0.67"}},
		{"years", 1, Text{"1 tahun", "1 year"}},
		{"years", 12, Text{"12 tahun", "12 years"}},
		{"persons", 6, Text{"6", "6"}},
		{"kWh/person/month", 84.6, Text{"85 kWh", "85 kWh"}},
	} {
		got, ok := formatValue(c.unit, c.x)
		if !ok || got != c.want {
			t.Errorf("formatValue(%q, %v) = %+v, %v; want %+v", c.unit, c.x, got, ok, c.want)
		}
	}
}

func TestNumberAndPercent(t *testing.T) {
	for _, c := range []struct {
		x    float64
		d    int
		want Text
	}{
		{0, 0, Text{"0", "0"}}, {999, 0, Text{"999", "999"}}, {1000, 0, Text{"1.000", "1,000"}},
		{-1234567.25, 2, Text{"-1.234.567,25", "-1,234,567.25"}}, {-0.001, 1, Text{"0", "0"}}, {2.50, 2, Text{"2,5", "2.5"}},
	} {
		if got := number(c.x, c.d); got != c.want {
			t.Errorf("number(%v, %d) = %+v, want %+v", c.x, c.d, got, c.want)
		}
	}
	if got := percent(12.34); got != (Text{"+12,3%", "+12.3%"}) {
		t.Errorf("percent(12.34) = %+v", got)
	}
	if got := percent(-8); got != (Text{"-8%", "-8%"}) {
		t.Errorf("percent(-8) = %+v", got)
	}
	if got := percent(0.01); got != (Text{"0%", "0%"}) {
		t.Errorf("percent(0.01) = %+v", got)
	}
}

func TestLowerFirstKeepsAcronyms(t *testing.T) {
	for in, want := range map[string]string{
		"NJOP value of the land owned": "NJOP value of the land owned",
		"Owns an air conditioner":      "owns an air conditioner",
		"E-wallet spending per person": "e-wallet spending per person",
		"":                             "",
	} {
		if got := lowerFirst(in); got != want {
			t.Errorf("lowerFirst(%q) = %q, want %q", in, got, want)
		}
	}
}
