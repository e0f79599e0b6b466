package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
)

func init() {
	var (
		families, n int
		seed        uint64
		dir, output string
	)
	register(&Command{
		Name:    "examples",
		Args:    "",
		Summary: "print KK and NIK numbers of a seeded population to try",
		Help: `Prints the first -n families of a generated population that carry no deliberate
error (so every context holds them): KK number, the head's NIK and name. Reads the
population files (default ./var/population-<families>-<seed>, as 'dtsenctl seed').
-o plain prints "KK NIK" per line, for scripts.`,
		Flags: func(fs *flag.FlagSet) {
			fs.IntVar(&families, "families", 20000, "number of households of the population")
			fs.Uint64Var(&seed, "seed", 1, "population seed")
			fs.StringVar(&dir, "dir", "", "population directory (default ./var/population-<families>-<seed>)")
			fs.IntVar(&n, "n", 3, "how many families")
			fs.StringVar(&output, "o", "table", "output format: table or plain")
		},
		Run: func(_ context.Context, e *Env, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected arguments %q", args)
			}
			if dir == "" {
				dir = defaultPopulationDir(families, seed)
			}
			ex, err := exampleFamilies(dir, n)
			if err != nil {
				return err
			}
			if output == "plain" {
				for _, x := range ex {
					fmt.Fprintf(e.Stdout, "%s %s\n", x.KK, x.NIK)
				}
				return nil
			}
			tw := tabwriter.NewWriter(e.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "KK\tHEAD NIK\tHEAD\tMEMBERS\tREGION")
			for _, x := range ex {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", x.KK, x.NIK, x.Name, x.Members, x.Region)
			}
			return tw.Flush()
		},
	})
}

type example struct {
	KK, NIK, Name, Region string
	Members               int
}

// exampleFamilies reads registry.jsonl and truth.jsonl in step (both are in
// household order) and returns the first n families without a deliberate
// error.
func exampleFamilies(dir string, n int) ([]example, error) {
	reg, err := openRecords(filepath.Join(dir, "registry.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("%v (run 'dtsenctl seed' first)", err)
	}
	defer reg.Close()
	truth, err := openRecords(filepath.Join(dir, "truth.jsonl"))
	if err != nil {
		return nil, err
	}
	defer truth.Close()
	ic := importContexts["registry"]
	var out []example
	for len(out) < n {
		t, err := truth.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		r, err := reg.Next()
		if err != nil {
			return nil, err
		}
		var tr struct {
			KKNumber string   `json:"kkNumber"`
			Errors   []string `json:"errors"`
		}
		if err := json.Unmarshal(t.data, &tr); err != nil {
			return nil, fmt.Errorf("truth.jsonl line %d: %v", t.line, err)
		}
		if len(tr.Errors) > 0 {
			continue
		}
		m, err := decode(ic, r)
		if err != nil {
			return nil, fmt.Errorf("registry.jsonl line %d: %v", r.line, err)
		}
		f := m.(*registryv1.ImportRecordsRequest).GetFamily()
		if f.GetKkNumber() != tr.KKNumber {
			return nil, fmt.Errorf("registry.jsonl and truth.jsonl are out of step at line %d", r.line)
		}
		x := example{KK: f.GetKkNumber(), NIK: f.GetHeadNik(), Region: f.GetRegionCode(), Members: len(f.GetMembers())}
		for _, p := range f.GetMembers() {
			if p.GetNik() == f.GetHeadNik() {
				x.Name = p.GetFullName()
			}
		}
		out = append(out, x)
	}
	return out, nil
}
