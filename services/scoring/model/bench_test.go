package model

import (
	"sync"
	"testing"
)

// The benchmark model has the size the national ranking will run: 60
// features and 300 trees of depth 6, trained on PMT-like data.
var bench = sync.OnceValues(func() (map[string]Model, *Dataset) {
	train := synthPMT(30_000, 60, 101)
	p := DefaultGBTParams()
	p.Rounds = 300
	p.EarlyStoppingRounds = 0
	g, err := TrainGBT(train, nil, p)
	if err != nil {
		panic(err)
	}
	o, err := TrainOLS(train, DefaultOLSParams())
	if err != nil {
		panic(err)
	}
	return map[string]Model{KindOLS: o, KindGBT: g}, synthPMT(8192, 60, 102)
})

func BenchmarkPredict(b *testing.B) {
	models, rows := bench()
	for _, kind := range []string{KindOLS, KindGBT} {
		m := models[kind]
		b.Run(kind, func(b *testing.B) {
			if g, ok := m.(*GBT); ok {
				b.Logf("%d trees, %d nodes", g.NumTrees(), g.NumNodes())
			}
			out := make([]float64, rows.Rows())
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := m.PredictBatch(rows.X, out); err != nil {
					b.Fatal(err)
				}
			}
			n := float64(b.N * rows.Rows())
			b.ReportMetric(n/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/row")
		})
	}
}

// BenchmarkPredictCompact walks the same trees in their compact
// (serialised) layout, row by row: the baseline the dense layout is
// measured against.
func BenchmarkPredictCompact(b *testing.B) {
	models, rows := bench()
	g := models[KindGBT].(*GBT)
	out := make([]float64, rows.Rows())
	p := rows.Cols()
	b.ResetTimer()
	for range b.N {
		for i := range out {
			s := g.baseScore
			for _, r := range g.roots {
				s += leafValue(g.nodes, r, rows.X[i*p:(i+1)*p])
			}
			out[i] = s
		}
	}
	n := float64(b.N * rows.Rows())
	b.ReportMetric(n/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/row")
}

func BenchmarkPredictRow(b *testing.B) {
	models, rows := bench()
	for _, kind := range []string{KindOLS, KindGBT} {
		m := models[kind]
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				if _, err := m.Predict(rows.Row(i % rows.Rows())); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

func BenchmarkExplain(b *testing.B) {
	models, rows := bench()
	for _, kind := range []string{KindOLS, KindGBT} {
		m := models[kind]
		b.Run(kind, func(b *testing.B) {
			c := make([]float64, rows.Cols())
			b.ReportAllocs()
			for i := range b.N {
				if _, err := m.ExplainInto(rows.Row(i%rows.Rows()), c); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkTrain trains on 200,000 survey households × 60 features with
// the default hyper-parameters and early stopping on 20,000 more. Run it
// with -benchtime 1x.
func BenchmarkTrain(b *testing.B) {
	train, valid := synthPMT(200_000, 60, 103), synthPMT(20_000, 60, 104)
	b.Run(KindOLS, func(b *testing.B) {
		var o *OLS
		for range b.N {
			var err error
			if o, err = TrainOLS(train, DefaultOLSParams()); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/model")
		b.StopTimer()
		b.ReportMetric(rmseOf(b, o, valid), "valid-rmse")
	})
	b.Run(KindGBT, func(b *testing.B) {
		var g *GBT
		for range b.N {
			var err error
			if g, err = TrainGBT(train, valid, DefaultGBTParams()); err != nil {
				b.Fatal(err)
			}
		}
		tr := g.Training()
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/model")
		b.ReportMetric(float64(tr.Rounds), "rounds")
		b.ReportMetric(1e3*b.Elapsed().Seconds()/float64(b.N*tr.Rounds), "ms/round")
		b.ReportMetric(tr.ValidRMSE[tr.BestIteration-1], "valid-rmse")
		b.Logf("rounds %d, best %d, validation RMSE %.4f", tr.Rounds, tr.BestIteration, tr.ValidRMSE[tr.BestIteration-1])
	})
}
