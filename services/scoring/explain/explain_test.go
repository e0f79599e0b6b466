package explain

import (
	"cmp"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dtsen-id/dtsen/services/scoring/model"
)

// testNames are real features, so the explanations quote real descriptions.
var testNames = []string{
	"floor_ceramic", "cars", "installed_power_va", "log_land_area_sqm",
	"household_size", "owns_air_conditioner", "head_education_years", "programme_pkh",
}

// synthFamilies draws families whose log consumption rises with a ceramic
// floor, cars, power, land, an air conditioner and schooling, and falls
// with household size and (as targeting would have it) with PKH.
func synthFamilies(n int, seed uint64) *model.Dataset {
	rng := rand.New(rand.NewPCG(seed, 11))
	p := len(testNames)
	x, y := make([]float64, n*p), make([]float64, n)
	bern := func(pr float64) float64 {
		if rng.Float64() < pr {
			return 1
		}
		return 0
	}
	for i := range n {
		z := rng.NormFloat64()
		row := x[i*p : (i+1)*p]
		row[0] = bern(1 / (1 + math.Exp(-1.5*z)))
		row[1] = math.Min(2, math.Floor(math.Max(0, 0.8*z+rng.NormFloat64()-0.5)))
		row[2] = []float64{450, 900, 1300, 2200, 3500}[min(4, max(0, int(math.Round(1.5+z+0.5*rng.NormFloat64()))))]
		row[3] = math.Log1p(math.Max(0, math.Exp(5+z+rng.NormFloat64())-100))
		row[4] = float64(1 + rng.IntN(7))
		row[5] = bern(1 / (1 + math.Exp(-(2*z - 2))))
		row[6] = math.Max(0, math.Min(16, math.Round(8+3*z+2*rng.NormFloat64())))
		row[7] = bern(1 / (1 + math.Exp(2*z+1)))
		y[i] = 13 + 0.3*row[0] + 0.35*row[1] + 0.1*math.Log(row[2]/450) + 0.03*row[3] -
			0.3*math.Log(row[4]) + 0.2*row[5] + 0.02*row[6] - 0.1*row[7] + 0.15*rng.NormFloat64()
	}
	return &model.Dataset{Names: slices.Clone(testNames), X: x, Y: y}
}

var trained = sync.OnceValues(func() (*model.GBT, error) {
	d := synthFamilies(3000, 1)
	train, valid, err := d.Split(0.2, 1)
	if err != nil {
		return nil, err
	}
	p := model.DefaultGBTParams()
	p.Rounds, p.LearningRate, p.MaxDepth, p.MinSamplesLeaf, p.Workers = 120, 0.1, 4, 10, 1
	return model.TrainGBT(train, valid, p)
})

func testModel(t *testing.T) *model.GBT {
	t.Helper()
	m, err := trained()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A well-off family (Pak Budi's assets) and a poor one.
var (
	richRow = []float64{1, 2, 2200, math.Log1p(1250), 3, 1, 12, 0}
	poorRow = []float64{0, 0, 450, math.NaN(), 7, 0, 3, 1}
)

func mustBuild(t *testing.T, m model.Model, row []float64, k int) Explanation {
	t.Helper()
	e, err := Build(m, row, k)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestContributionsAddUp(t *testing.T) {
	m := testModel(t)
	d := synthFamilies(50, 9)
	rows := [][]float64{richRow, poorRow}
	for i := range d.Rows() {
		rows = append(rows, d.Row(i))
	}
	for _, row := range rows {
		e := mustBuild(t, m, row, len(testNames))
		pred, _ := m.Predict(row)
		if e.Prediction != pred {
			t.Errorf("prediction %v, model predicts %v", e.Prediction, pred)
		}
		sum := e.Base
		for _, f := range slices.Concat(e.Up, e.Down) {
			sum += f.Contribution
		}
		if math.Abs(sum-e.Prediction) > AdditivityTolerance {
			t.Errorf("base %v + factors = %v, prediction %v", e.Base, sum, e.Prediction)
		}
	}
}

func TestTopFactorsAreLargestWithSigns(t *testing.T) {
	m := testModel(t)
	for _, row := range [][]float64{richRow, poorRow} {
		_, contrib, err := m.Explain(row)
		if err != nil {
			t.Fatal(err)
		}
		const k = 3
		e := mustBuild(t, m, row, k)
		idx := make([]int, len(contrib))
		for j := range idx {
			idx[j] = j
		}
		byMag := func(sign float64) []string {
			var js []int
			for _, j := range idx {
				if contrib[j]*sign > 0 {
					js = append(js, j)
				}
			}
			slices.SortFunc(js, func(a, b int) int { return cmp.Compare(math.Abs(contrib[b]), math.Abs(contrib[a])) })
			var out []string
			for _, j := range js[:min(k, len(js))] {
				out = append(out, testNames[j])
			}
			return out
		}
		names := func(fs []Factor, sign float64) []string {
			var out []string
			for _, f := range fs {
				if f.Contribution*sign <= 0 {
					t.Errorf("%s has contribution %v in the wrong list", f.Feature, f.Contribution)
				}
				if want := 100 * math.Expm1(f.Contribution); math.Abs(f.Percent-want) > 1e-12 || (f.Percent > 0) != (sign > 0) {
					t.Errorf("%s percent %v, want %v", f.Feature, f.Percent, want)
				}
				out = append(out, f.Feature)
			}
			return out
		}
		if got, want := names(e.Up, 1), byMag(1); !slices.Equal(got, want) {
			t.Errorf("up = %v, want %v", got, want)
		}
		if got, want := names(e.Down, -1), byMag(-1); !slices.Equal(got, want) {
			t.Errorf("down = %v, want %v", got, want)
		}
	}
}

func factor(e Explanation, name string) (Factor, bool) {
	for _, f := range slices.Concat(e.Up, e.Down) {
		if f.Feature == name {
			return f, true
		}
	}
	return Factor{}, false
}

func TestSentences(t *testing.T) {
	m := testModel(t)
	rich := mustBuild(t, m, richRow, len(testNames))
	t.Logf("rich:\n%s\n%s", rich.Summary.ID, rich.Summary.EN)
	if !strings.HasSuffix(rich.Raising.ID, " menaikkan skor.") || !strings.HasSuffix(rich.Raising.EN, " raise the score.") {
		t.Errorf("raising sentence %q / %q", rich.Raising.ID, rich.Raising.EN)
	}
	if len(rich.Up) < SentenceFactors {
		t.Fatalf("only %d raising factors for the rich family", len(rich.Up))
	}
	for i, f := range rich.Up[:SentenceFactors] {
		id, en := f.Phrase.ID, f.Phrase.EN
		if i == 0 {
			// The sentence starts with the first clause, capitalised.
			id, en = upperFirst(id), upperFirst(en)
		}
		if !strings.Contains(rich.Raising.ID, id) || !strings.Contains(rich.Raising.EN, en) {
			t.Errorf("raising sentence lacks %q / %q", f.Phrase.ID, f.Phrase.EN)
		}
	}
	for _, f := range rich.Up[SentenceFactors:] {
		if strings.Contains(rich.Raising.EN, f.Phrase.EN) {
			t.Errorf("raising sentence names a fourth factor %q", f.Phrase.EN)
		}
	}
	// The rich family's assets, worded from the descriptions with values.
	for name, want := range map[string]Text{
		"floor_ceramic":        {ID: "rumah berlantai keramik/marmer/granit/parket/vinil", EN: "a ceramic/marble/granite/parquet/vinyl floor"},
		"cars":                 {ID: "jumlah mobil 2", EN: "cars owned (2)"},
		"installed_power_va":   {ID: "daya listrik PLN terpasang 2.200 VA", EN: "installed PLN power (2,200 VA)"},
		"log_land_area_sqm":    {ID: "luas tanah yang dimiliki 1.250 m²", EN: "area of the land owned (1,250 m²)"},
		"owns_air_conditioner": {ID: "memiliki AC", EN: "owning an air conditioner"},
	} {
		f, ok := factor(rich, name)
		if !ok {
			t.Errorf("%s is not among the rich family's factors", name)
			continue
		}
		if f.Phrase != want {
			t.Errorf("%s phrase = %+v, want %+v", name, f.Phrase, want)
		}
	}
	if f, _ := factor(rich, "floor_ceramic"); f.ValueText.EN != "Ceramic, marble/granite or parquet/vinyl floor: yes" ||
		f.ValueText.ID != "Lantai rumah keramik, marmer/granit atau parket/vinil: ya" {
		t.Errorf("floor value text %+v", f.ValueText)
	}
	if f, _ := factor(rich, "head_education_years"); f.ValueText != (Text{ID: "Lama sekolah kepala keluarga: 12 tahun", EN: "Schooling of the head of family: 12 years"}) {
		t.Errorf("schooling value text %+v", f.ValueText)
	}
	if f, _ := factor(rich, "installed_power_va"); f.ValueText != (Text{ID: "Daya listrik PLN terpasang: 2.200 VA", EN: "Installed PLN power: 2,200 VA"}) {
		t.Errorf("power value text %+v", f.ValueText)
	}

	poor := mustBuild(t, m, poorRow, len(testNames))
	t.Logf("poor:\n%s\n%s", poor.Summary.ID, poor.Summary.EN)
	if !strings.HasSuffix(poor.Lowering.ID, " menurunkan skor.") || !strings.HasSuffix(poor.Lowering.EN, " lower the score.") {
		t.Errorf("lowering sentence %q / %q", poor.Lowering.ID, poor.Lowering.EN)
	}
	for name, want := range map[string]Text{
		"floor_ceramic":        {ID: "rumah tidak berlantai keramik/marmer/granit/parket/vinil", EN: "no ceramic/marble/granite/parquet/vinyl floor"},
		"owns_air_conditioner": {ID: "tidak memiliki AC", EN: "not owning an air conditioner"},
		"household_size":       {ID: "jumlah anggota keluarga 7", EN: "household size (7)"},
		"programme_pkh":        {ID: "menerima PKH", EN: "receiving PKH"},
	} {
		if f, ok := factor(poor, name); ok && f.Phrase != want {
			t.Errorf("%s phrase = %+v, want %+v", name, f.Phrase, want)
		} else if ok && f.Contribution >= 0 {
			t.Errorf("%s raised the poor family's score (%v)", name, f.Contribution)
		}
	}
	if f, ok := factor(poor, "log_land_area_sqm"); ok && f.Phrase.EN != "no record of area of the land owned" {
		t.Errorf("missing land phrase = %+v", f.Phrase)
	}

	// One factor: the English verb agrees.
	one := mustBuild(t, m, richRow, 1)
	if !strings.HasSuffix(one.Raising.EN, " raises the score.") || strings.Contains(one.Raising.EN, " and ") {
		t.Errorf("single-factor sentence %q", one.Raising.EN)
	}
	if !strings.HasPrefix(one.Raising.ID, strings.ToUpper(one.Up[0].Phrase.ID[:1])) {
		t.Errorf("sentence %q does not start with its capitalised first phrase", one.Raising.ID)
	}
}

// TestNoIdentityInText: the text is built from descriptions and values
// only, so nothing that could be a NIK or KK number (16 digits) appears.
func TestNoIdentityInText(t *testing.T) {
	m := testModel(t)
	long := regexp.MustCompile(`\d{10,}`)
	for _, row := range [][]float64{richRow, poorRow} {
		e := mustBuild(t, m, row, len(testNames))
		for _, s := range []string{e.Summary.ID, e.Summary.EN} {
			if long.MatchString(s) {
				t.Errorf("long digit run in %q", s)
			}
		}
	}
}

func TestDeterministic(t *testing.T) {
	m := testModel(t)
	a := mustBuild(t, m, richRow, 4)
	b := mustBuild(t, m, richRow, 4)
	if !reflect.DeepEqual(a, b) {
		t.Error("two explanations of the same row differ")
	}
	raw, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	reloaded, err := model.Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	if c := mustBuild(t, reloaded, richRow, 4); !reflect.DeepEqual(a, c) {
		t.Error("a reloaded model explains the row differently")
	}
}

// skewed is a model whose attributions do not add up, and whose names can
// be replaced.
type skewed struct {
	model.Model
	shift float64
	names []string
}

func (s skewed) Explain(row []float64) (float64, []float64, error) {
	b, c, err := s.Model.Explain(row)
	return b + s.shift, c, err
}

func (s skewed) FeatureNames() []string {
	if s.names != nil {
		return s.names
	}
	return s.Model.FeatureNames()
}

func TestBuildErrors(t *testing.T) {
	m := testModel(t)
	if _, err := Build(skewed{Model: m, shift: 1e-6}, richRow, 3); !errors.Is(err, ErrNotAdditive) {
		t.Errorf("non-additive model: err = %v", err)
	}
	if _, err := Build(skewed{Model: m, shift: 1e-12}, richRow, 3); err != nil {
		t.Errorf("rounding-size error rejected: %v", err)
	}
	names := slices.Clone(testNames)
	names[2] = "electricity_va_old"
	if _, err := Build(skewed{Model: m, names: names}, richRow, 3); !errors.Is(err, ErrUnknownFeature) {
		t.Errorf("unknown feature: err = %v", err)
	}
	if _, err := Build(m, richRow, 0); !errors.Is(err, ErrTopK) {
		t.Errorf("k = 0: err = %v", err)
	}
	if _, err := Build(m, richRow[:3], 3); !errors.Is(err, model.ErrShape) {
		t.Errorf("short row: err = %v", err)
	}
}
