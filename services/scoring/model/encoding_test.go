package model

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	d := synthPMT(4000, 15, 31)
	train, valid := mustSplit(t, d, 0.25, 31)
	p := fastParams()
	p.Rounds = 80
	for _, m := range []Model{mustOLS(t, train), mustGBT(t, train, valid, p)} {
		t.Run(m.Kind(), func(t *testing.T) {
			enc, err := m.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			back, err := Unmarshal(enc)
			if err != nil {
				t.Fatal(err)
			}
			if back.Kind() != m.Kind() || strings.Join(back.FeatureNames(), ",") != strings.Join(m.FeatureNames(), ",") {
				t.Fatalf("kind/features changed: %s %v", back.Kind(), back.FeatureNames())
			}
			again, err := back.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, again) {
				t.Error("re-encoding a loaded model changed its bytes")
			}
			if math.Float64bits(back.BaseValue()) != math.Float64bits(m.BaseValue()) {
				t.Errorf("base value %v → %v", m.BaseValue(), back.BaseValue())
			}
			a, b := make([]float64, valid.Rows()), make([]float64, valid.Rows())
			if err := m.PredictBatch(valid.X, a); err != nil {
				t.Fatal(err)
			}
			if err := back.PredictBatch(valid.X, b); err != nil {
				t.Fatal(err)
			}
			ca, cb := make([]float64, valid.Cols()), make([]float64, valid.Cols())
			for i := range a {
				if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
					t.Fatalf("row %d: %v before, %v after the round trip", i, a[i], b[i])
				}
				single, _ := back.Predict(valid.Row(i))
				if math.Float64bits(single) != math.Float64bits(b[i]) {
					t.Fatalf("row %d: Predict %v, PredictBatch %v", i, single, b[i])
				}
				if i%50 == 0 {
					m.ExplainInto(valid.Row(i), ca)
					back.ExplainInto(valid.Row(i), cb)
					for j := range ca {
						if math.Float64bits(ca[j]) != math.Float64bits(cb[j]) {
							t.Fatalf("row %d: explanation changed", i)
						}
					}
				}
			}
		})
	}
	g := mustGBT(t, train, valid, p)
	enc, _ := g.MarshalBinary()
	back, err := UnmarshalGBT(enc)
	if err != nil {
		t.Fatal(err)
	}
	if tr := back.Training(); tr.BestIteration != g.Training().BestIteration || len(tr.ValidRMSE) != len(g.Training().ValidRMSE) ||
		back.Params() != g.Params() {
		t.Errorf("metadata lost: %+v", tr)
	}
}

func TestUnmarshalRejectsDamage(t *testing.T) {
	d := synthPMT(1000, 10, 32)
	p := fastParams()
	p.Rounds = 5
	g := mustGBT(t, d, nil, p)
	enc, _ := g.MarshalBinary()

	check := func(name string, data []byte) {
		t.Helper()
		if _, err := Unmarshal(data); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: err = %v, want ErrFormat", name, err)
		}
	}
	check("empty", nil)
	check("garbage", []byte("hello"))
	check("magic only", []byte(gbtMagic))
	check("truncated", enc[:len(enc)/2])
	flipped := bytes.Clone(enc)
	flipped[len(flipped)-30] ^= 0x40
	check("flipped bit", flipped)
	future := bytes.Clone(enc)
	binary.LittleEndian.PutUint32(future[len(gbtMagic):], 99)
	check("future version", future)

	// A well-formed file whose trees are not trees: a child pointing back
	// at its parent must be refused (it would loop forever at prediction).
	bad := slices.Clone(g.nodes)
	for i := range bad {
		if bad[i].left != 0 {
			bad[i].left = int32(i)
			break
		}
	}
	g2 := &GBT{names: g.names, params: g.params, training: g.training, baseScore: g.baseScore, roots: g.roots, nodes: bad, cover: g.cover}
	enc2, _ := g2.MarshalBinary()
	check("cyclic tree", enc2)
	g3 := &GBT{names: g.names, params: g.params, training: g.training, baseScore: g.baseScore, roots: g.roots, nodes: g.nodes, cover: slices.Clone(g.cover)}
	g3.cover[0] = 0
	enc3, _ := g3.MarshalBinary()
	check("zero cover", enc3)

	o := mustOLS(t, d)
	oj, _ := o.MarshalBinary()
	check("OLS wrong version", bytes.Replace(oj, []byte(`"version": 1`), []byte(`"version": 2`), 1))
	check("OLS short coefficients", bytes.Replace(oj, []byte(`"coefficients": [`), []byte(`"coefficients": [1,`), 1))
	check("OLS not JSON", append(bytes.Clone(oj), '}'))
	check("OLS duplicate feature names", bytes.Replace(oj, []byte(`"owns_car"`), []byte(`"urban"`), 1))
}
