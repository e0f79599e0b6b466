package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if err := run([]string{"-families", "500", "-seed", "3", "-out", dir, "-format", "jsonl+csv", "-quiet"}, &out, &errOut); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	for _, want := range []string{"wrote 500 households", "below the poverty line", "registry.jsonl", "asset-korlantas.jsonl"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	for _, f := range []string{"registry.jsonl", "registry.csv", "truth.jsonl", "dtks.jsonl", "manifest.json", "income.jsonl", "serviceusage.jsonl"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if err := run([]string{"-format", "xml", "-out", dir}, &out, &errOut); err == nil {
		t.Error("-format xml accepted")
	}
}
