package domain_test

import (
	"errors"
	"math"
	"testing"

	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/eligibility"
	"github.com/dtsen-id/dtsen/services/scoring/model"
)

func olsBlob(t *testing.T, names ...string) []byte {
	t.Helper()
	const n = 40
	x := make([]float64, 0, n*len(names))
	y := make([]float64, n)
	for i := range n {
		for j := range names {
			x = append(x, float64((i*(j+3))%11))
		}
		y[i] = 10 + 0.1*float64(i%7)
	}
	d, err := model.NewDataset(names, x, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.TrainOLS(d, model.DefaultOLSParams())
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestModelValidate(t *testing.T) {
	blob := olsBlob(t, "a", "b")
	good := func() *domain.Model {
		return &domain.Model{ID: "ols-1", Kind: model.KindOLS, Features: []string{"a", "b"}, Blob: blob,
			State: domain.ModelTrained, Params: []byte(`{"ridge":1e-9}`)}
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("valid model refused: %v", err)
	}
	for name, mutate := range map[string]func(m *domain.Model){
		"no id":             func(m *domain.Model) { m.ID = "" },
		"unknown kind":      func(m *domain.Model) { m.Kind = "svm" },
		"kind differs":      func(m *domain.Model) { m.Kind = model.KindGBT },
		"created active":    func(m *domain.Model) { m.State = domain.ModelActive },
		"no features":       func(m *domain.Model) { m.Features = nil },
		"features differ":   func(m *domain.Model) { m.Features = []string{"b", "a"} },
		"corrupt blob":      func(m *domain.Model) { m.Blob = []byte("garbage") },
		"params not json":   func(m *domain.Model) { m.Params = []byte("{") },
		"negative labels":   func(m *domain.Model) { m.Training.Labels = -1 },
		"metrics not json":  func(m *domain.Model) { m.Metrics = []byte("nan") },
		"missing the blob":  func(m *domain.Model) { m.Blob = nil },
		"retired on create": func(m *domain.Model) { m.State = domain.ModelRetired },
	} {
		m := good()
		mutate(m)
		if err := m.Validate(); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

func TestRunRules(t *testing.T) {
	run := domain.RankingRun{ID: "r1", ModelID: "m", State: domain.RunPending, Total: 10}
	if err := run.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := run
	bad.State = domain.RunSucceeded
	if err := bad.Validate(); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("run created finished: %v", err)
	}
	run.Scored, run.Cursor = 5, "k5"
	if err := run.CheckProgress(4, "k6"); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("scored going back: %v", err)
	}
	if err := run.CheckProgress(6, "k4"); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("cursor going back: %v", err)
	}
	if err := run.CheckProgress(11, "k9"); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("more than total: %v", err)
	}
	if err := run.CheckProgress(5, "k5"); err != nil {
		t.Errorf("repeating the same progress (a retried call) refused: %v", err)
	}
	for _, c := range []struct {
		state domain.RunState
		cp    []byte
		msg   string
	}{{domain.RunSucceeded, nil, ""}, {domain.RunFailed, nil, ""}, {domain.RunRunning, []byte{1}, ""}, {domain.RunSucceeded, []byte{1}, "x"}} {
		if err := run.CheckFinish(c.state, c.cp, c.msg); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("finish %s cp=%v err=%q: %v", c.state, c.cp, c.msg, err)
		}
	}
	run.State = domain.RunFailed
	if err := run.CheckFinish(domain.RunSucceeded, []byte{1}, ""); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("finishing twice: %v", err)
	}
	if err := run.CheckProgress(6, "k6"); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("progress after finish: %v", err)
	}
}

func TestScoreAndNoticeValidate(t *testing.T) {
	for name, s := range map[string]domain.FamilyScore{
		"no kk":      {ModelID: "m"},
		"no model":   {KK: "k"},
		"nan":        {KK: "k", ModelID: "m", Score: math.NaN()},
		"decile 11":  {KK: "k", ModelID: "m", Decile: 11},
		"empty flag": {KK: "k", ModelID: "m", Flags: []string{""}},
	} {
		if err := s.Validate(); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	ok := domain.FamilyScore{KK: "k", ModelID: "m", Decile: 10, Flags: []string{"ASSET_SOURCE_DOWN"}}
	if err := ok.Validate(); err != nil {
		t.Error(err)
	}
	n := domain.Notice{Notice: eligibility.Notice{ID: "n", KK: "k", Programme: "PKH", Kind: eligibility.NoticeGain}, State: "SENT?"}
	if err := n.Validate(); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("unknown state: %v", err)
	}
}

func TestPageSize(t *testing.T) {
	for limit, want := range map[int]int{0: domain.DefaultPageSize, -3: domain.DefaultPageSize, 7: 7, 1 << 20: domain.MaxPageSize} {
		if got := (domain.Page{Limit: limit}).Size(); got != want {
			t.Errorf("Size(%d) = %d, want %d", limit, got, want)
		}
	}
}
