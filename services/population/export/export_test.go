package export_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	"github.com/dtsen-id/dtsen/services/population/export"
	"github.com/dtsen-id/dtsen/services/population/population"
)

func write(t *testing.T, cfg population.Config, opt export.Options) (string, *export.Summary) {
	t.Helper()
	dir := t.TempDir()
	sum, err := export.Write(dir, cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	return dir, sum
}

func readFile(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDeterministic: the same seed gives the same bytes, whatever the number
// of workers; another seed gives another population.
func TestDeterministic(t *testing.T) {
	a, sa := write(t, population.Config{Families: 1000, Seed: 5, Workers: 1}, export.Options{CSV: true})
	b, _ := write(t, population.Config{Families: 1000, Seed: 5, Workers: 3}, export.Options{CSV: true})
	c, _ := write(t, population.Config{Families: 1000, Seed: 6, Workers: 3}, export.Options{CSV: true})
	for _, f := range sa.Files {
		x, y, z := readFile(t, a, f.Name), readFile(t, b, f.Name), readFile(t, c, f.Name)
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same seed", f.Name)
		}
		if len(x) > 0 && bytes.Equal(x, z) {
			t.Errorf("%s is the same for seeds 5 and 6", f.Name)
		}
	}
	if !bytes.Equal(readFile(t, a, "manifest.json"), readFile(t, b, "manifest.json")) {
		t.Error("manifest.json differs between two runs with the same seed")
	}
}

// TestReadBack writes 1,000 families and reads every line back as the
// protojson of its context's ImportRecordsRequest, with the payload set.
func TestReadBack(t *testing.T) {
	dir, sum := write(t, population.Config{Families: 1000, Seed: 9}, export.Options{CSV: true})
	if sum.Families != 1000 || sum.Persons < 3000 {
		t.Fatalf("summary %+v", sum)
	}
	var manifest export.Summary
	if err := json.Unmarshal(readFile(t, dir, "manifest.json"), &manifest); err != nil {
		t.Fatal(err)
	}
	newMsg := map[string]func() proto.Message{
		"registry":     func() proto.Message { return &registryv1.ImportRecordsRequest{} },
		"asset":        func() proto.Message { return &assetv1.ImportRecordsRequest{} },
		"income":       func() proto.Message { return &incomev1.ImportRecordsRequest{} },
		"serviceusage": func() proto.Message { return &serviceusagev1.ImportRecordsRequest{} },
	}
	kkSeen := map[string]bool{}
	for _, f := range manifest.Files {
		fh, err := os.Open(filepath.Join(dir, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		if filepath.Ext(f.Name) == ".csv" {
			rows, err := csv.NewReader(fh).ReadAll()
			fh.Close()
			if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			if int64(len(rows)-1) != f.Records || len(rows[0]) != 21 {
				t.Fatalf("%s: %d rows of %d columns, manifest says %d", f.Name, len(rows)-1, len(rows[0]), f.Records)
			}
			continue
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			n++
			switch f.Name {
			case "truth.jsonl":
				var tr export.TruthRecord
				if err := json.Unmarshal(sc.Bytes(), &tr); err != nil || tr.KKNumber == "" || tr.PerCapitaConsumption <= 0 {
					t.Fatalf("%s line %d: %v %+v", f.Name, n, err, tr)
				}
				kkSeen[tr.KKNumber] = true
			case "dtks.jsonl":
				var d export.DTKSRecord
				if err := json.Unmarshal(sc.Bytes(), &d); err != nil || len(d.KKNumber) != 16 {
					t.Fatalf("%s line %d: %v", f.Name, n, err)
				}
			default:
				m := newMsg[f.Context]()
				if err := protojson.Unmarshal(sc.Bytes(), m); err != nil {
					t.Fatalf("%s line %d: %v", f.Name, n, err)
				}
				oneof := m.ProtoReflect().Descriptor().Oneofs().ByName("payload")
				fd := m.ProtoReflect().WhichOneof(oneof)
				if fd == nil || fd.Name() == "header" {
					t.Fatalf("%s line %d: payload %v", f.Name, n, fd)
				}
				if f.Context == "asset" {
					if src := m.ProtoReflect().Get(fd).Message().Get(fd.Message().Fields().ByName("source")).String(); src != f.Source {
						t.Fatalf("%s line %d: source %q in a file imported with header source %q", f.Name, n, src, f.Source)
					}
				}
			}
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		if n != f.Records {
			t.Errorf("%s: %d lines, manifest says %d", f.Name, n, f.Records)
		}
		if n == 0 {
			t.Errorf("%s is empty", f.Name)
		}
	}
	if len(kkSeen) != 1000 {
		t.Errorf("truth.jsonl has %d distinct KKs", len(kkSeen))
	}
}

// BenchmarkWrite measures generation plus serialisation of every file.
func BenchmarkWrite(b *testing.B) {
	dir := b.TempDir()
	const n = 20000
	for b.Loop() {
		if _, err := export.Write(dir, population.Config{Families: n, Seed: 1}, export.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "households/s")
}

func TestCompact(t *testing.T) {
	in := `{"a": "x y\" z",  "b":[1, 2], "c":"\\"}`
	var want bytes.Buffer
	if err := json.Compact(&want, []byte(in)); err != nil {
		t.Fatal(err)
	}
	if got := export.Compact([]byte(in)); string(got) != want.String() {
		t.Fatalf("compact = %s, want %s", got, want.String())
	}
}
