// Package export writes a synthetic population as import files, one JSONL
// file per context and source, plus the ground truth and the old DTKS list.
package export

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	"github.com/dtsen-id/dtsen/services/population/population"
)

// File is one output file: which service imports it, with which batch
// header source, and how many records it holds.
type File struct {
	Name    string `json:"name"`
	Context string `json:"context"`          // registry, asset, income, serviceusage; "" for truth and dtks
	Source  string `json:"source,omitempty"` // the ImportBatchHeader.source to send it with
	Records int64  `json:"records"`
}

// The files. The asset service refuses a record whose source differs from
// its batch header's (SOURCE_MISMATCH), so asset records are split by source;
// the other contexts carry the agency per record and take one file each.
var files = []File{
	{Name: "registry.jsonl", Context: "registry", Source: "dukcapil"},
	{Name: "asset-bps.jsonl", Context: "asset", Source: population.SourceBPS},
	{Name: "asset-atr-bpn.jsonl", Context: "asset", Source: population.SourceATRBPN},
	{Name: "asset-korlantas.jsonl", Context: "asset", Source: population.SourceKorlantas},
	{Name: "income.jsonl", Context: "income", Source: "dtsen-population"},
	{Name: "serviceusage.jsonl", Context: "serviceusage", Source: "dtsen-population"},
	{Name: "truth.jsonl"},
	{Name: "dtks.jsonl"},
}

const (
	fRegistry = iota
	fAssetBPS
	fAssetLand
	fAssetVehicles
	fIncome
	fServiceUsage
	fTruth
	fDTKS
	fCSV // registry.csv, when Options.CSV
)

// Options selects what Write produces.
type Options struct {
	// CSV also writes registry.csv: one row per person with the family
	// columns repeated.
	CSV bool
	// Progress, when set, is called every 10,000 households and at the end.
	Progress func(done int)
}

// Summary describes what was written.
type Summary struct {
	Families int    `json:"families"`
	Seed     uint64 `json:"seed"`
	// ReferenceDate is the population's "today" (YYYY-MM-DD).
	ReferenceDate string `json:"referenceDate"`
	Files         []File `json:"files"`

	Persons        int64            `json:"persons"`        // living members on the KKs
	PoorPersons    int64            `json:"poorPersons"`    // living members of poor households
	Labelled       int64            `json:"labelled"`       // households with measured consumption
	SelfDeclaring  int64            `json:"selfDeclaring"`  // households with self-declared consumption
	UnderReporting int64            `json:"underReporting"` // of which deliberately low
	DTKS           int64            `json:"dtks"`           // households on the old DTKS list
	Errors         map[string]int64 `json:"errors"`         // households per deliberate error kind
}

// PovertyShare is the share of people below the poverty line.
func (s *Summary) PovertyShare() float64 { return ratio(s.PoorPersons, s.Persons) }

// LabelShare is the share of households with survey-measured consumption.
func (s *Summary) LabelShare() float64 { return ratio(s.Labelled, int64(s.Families)) }

// UnderReportingShare is the share of households that under-report.
func (s *Summary) UnderReportingShare() float64 { return ratio(s.UnderReporting, int64(s.Families)) }

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// TruthRecord is one line of truth.jsonl.
type TruthRecord struct {
	Index                int      `json:"index"`
	KKNumber             string   `json:"kkNumber"`
	PerCapitaConsumption float64  `json:"perCapitaConsumption"`
	Poor                 bool     `json:"poor"`
	Province             string   `json:"province"`
	Urban                bool     `json:"urban"`
	HeadFemale           bool     `json:"headFemale"`
	Members              int      `json:"members"`
	DTKSRecipient        bool     `json:"dtksRecipient"`
	UnderReports         bool     `json:"underReports"`
	Errors               []string `json:"errors,omitempty"`
}

// DTKSRecord is one line of dtks.jsonl.
type DTKSRecord struct {
	KKNumber string `json:"kkNumber"`
}

// chunk is the serialised output of one household, per file.
type chunk struct {
	buf   [fCSV + 1]bytes.Buffer
	count [fCSV + 1]int64
	h     *population.Household
}

// Write generates cfg's population into dir (created if needed) and writes
// manifest.json last. Households are generated and serialised in parallel
// and written in index order through buffered writers, so memory stays
// constant whatever the size.
func Write(dir string, cfg population.Config, opt Options) (*Summary, error) {
	g, err := population.New(cfg)
	if err != nil {
		return nil, err
	}
	cfg = g.Config()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	outs := append([]File(nil), files...)
	if opt.CSV {
		outs = append(outs, File{Name: "registry.csv", Context: "registry", Source: "dukcapil"})
	}
	var fhs []*os.File
	var ws []*bufio.Writer
	defer func() {
		for _, f := range fhs {
			f.Close()
		}
	}()
	for _, f := range outs {
		fh, err := os.Create(filepath.Join(dir, f.Name))
		if err != nil {
			return nil, err
		}
		fhs = append(fhs, fh)
		ws = append(ws, bufio.NewWriterSize(fh, 1<<20))
	}
	if opt.CSV {
		ws[fCSV].WriteString(csvHeader)
	}
	sum := &Summary{Families: cfg.Families, Seed: cfg.Seed, ReferenceDate: cfg.ReferenceDate.Format("2006-01-02"),
		Errors: map[string]int64{}}
	done := 0
	err = population.Parallel(cfg.Families, cfg.Workers, func(i int) *chunk {
		c := &chunk{h: g.Household(i)}
		if err := serialise(c, opt.CSV); err != nil {
			panic(err) // marshalling generated messages cannot fail
		}
		return c
	}, func(c *chunk) error {
		for k := range outs {
			if _, err := ws[k].Write(c.buf[k].Bytes()); err != nil {
				return err
			}
			outs[k].Records += c.count[k]
		}
		tally(sum, c.h)
		done++
		if opt.Progress != nil && done%10000 == 0 {
			opt.Progress(done)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for k, w := range ws {
		if err := w.Flush(); err != nil {
			return nil, err
		}
		if err := fhs[k].Close(); err != nil {
			return nil, err
		}
	}
	fhs = nil
	if opt.Progress != nil && done%10000 != 0 {
		opt.Progress(done)
	}
	sum.Files = outs
	manifest, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), append(manifest, '\n'), 0o644); err != nil {
		return nil, err
	}
	return sum, nil
}

func tally(s *Summary, h *population.Household) {
	t := h.Truth
	s.Persons += int64(t.Members)
	if t.Poor {
		s.PoorPersons += int64(t.Members)
	}
	for _, c := range h.Consumption {
		switch c.GetMeasurement() {
		case incomev1.Measurement_MEASUREMENT_MEASURED_BY_ENUMERATOR:
			s.Labelled++
		case incomev1.Measurement_MEASUREMENT_SELF_DECLARED:
			s.SelfDeclaring++
		}
	}
	if t.UnderReports {
		s.UnderReporting++
	}
	if t.DTKSRecipient {
		s.DTKS++
	}
	for _, e := range h.Errors {
		s.Errors[e]++
	}
}

var marshal = protojson.MarshalOptions{}

// line appends m as one compact protojson line. protojson randomises
// whitespace between builds on purpose; compacting makes the bytes depend
// only on the data, so the same seed gives the same files from any build.
func line(b *bytes.Buffer, m proto.Message) error {
	raw, err := marshal.Marshal(m)
	if err != nil {
		return err
	}
	b.Write(compact(raw))
	b.WriteByte('\n')
	return nil
}

// compact drops whitespace outside strings in place. protojson's single-line
// output is valid JSON whose only insignificant whitespace is the random
// space it adds, so this is json.Compact without the validation.
func compact(raw []byte) []byte {
	out := raw[:0]
	inString, escaped := false, false
	for _, c := range raw {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\n' || c == '\t' || c == '\r':
			continue
		}
		out = append(out, c)
	}
	return out
}

func serialise(c *chunk, csv bool) error {
	h := c.h
	emit := func(k int, m proto.Message) error {
		c.count[k]++
		return line(&c.buf[k], m)
	}
	var errs []error
	try := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	try(emit(fRegistry, &registryv1.ImportRecordsRequest{Payload: &registryv1.ImportRecordsRequest_Family{Family: h.Family}}))
	try(emit(fAssetBPS, &assetv1.ImportRecordsRequest{Payload: &assetv1.ImportRecordsRequest_Housing{Housing: h.Housing}}))
	try(emit(fAssetBPS, &assetv1.ImportRecordsRequest{Payload: &assetv1.ImportRecordsRequest_Holdings{Holdings: h.Holdings}}))
	for _, l := range h.Land {
		try(emit(fAssetLand, &assetv1.ImportRecordsRequest{Payload: &assetv1.ImportRecordsRequest_LandParcel{LandParcel: l}}))
	}
	for _, v := range h.Vehicles {
		k := fAssetVehicles
		if v.GetSource() == population.SourceBPS {
			k = fAssetBPS
		}
		try(emit(k, &assetv1.ImportRecordsRequest{Payload: &assetv1.ImportRecordsRequest_Vehicle{Vehicle: v}}))
	}
	for _, x := range h.Incomes {
		try(emit(fIncome, &incomev1.ImportRecordsRequest{Payload: &incomev1.ImportRecordsRequest_Income{Income: x}}))
	}
	for _, x := range h.Employment {
		try(emit(fIncome, &incomev1.ImportRecordsRequest{Payload: &incomev1.ImportRecordsRequest_Employment{Employment: x}}))
	}
	for _, x := range h.Consumption {
		try(emit(fIncome, &incomev1.ImportRecordsRequest{Payload: &incomev1.ImportRecordsRequest_Consumption{Consumption: x}}))
	}
	for _, x := range h.Banking {
		try(emit(fIncome, &incomev1.ImportRecordsRequest{Payload: &incomev1.ImportRecordsRequest_BankingPattern{BankingPattern: x}}))
	}
	for _, x := range h.Health {
		try(emit(fServiceUsage, &serviceusagev1.ImportRecordsRequest{Payload: &serviceusagev1.ImportRecordsRequest_HealthCoverage{HealthCoverage: x}}))
	}
	for _, x := range h.Enrolments {
		try(emit(fServiceUsage, &serviceusagev1.ImportRecordsRequest{Payload: &serviceusagev1.ImportRecordsRequest_Enrolment{Enrolment: x}}))
	}
	for _, x := range h.Utilities {
		try(emit(fServiceUsage, &serviceusagev1.ImportRecordsRequest{Payload: &serviceusagev1.ImportRecordsRequest_UtilityUsage{UtilityUsage: x}}))
	}
	for _, x := range h.Programmes {
		try(emit(fServiceUsage, &serviceusagev1.ImportRecordsRequest{Payload: &serviceusagev1.ImportRecordsRequest_ProgrammeParticipation{ProgrammeParticipation: x}}))
	}
	t := h.Truth
	tr, err := json.Marshal(TruthRecord{Index: h.Index, KKNumber: t.KK, PerCapitaConsumption: t.PerCapitaConsumption, Poor: t.Poor,
		Province: t.Province, Urban: t.Urban, HeadFemale: t.HeadFemale, Members: t.Members, DTKSRecipient: t.DTKSRecipient,
		UnderReports: t.UnderReports, Errors: h.Errors})
	try(err)
	c.buf[fTruth].Write(tr)
	c.buf[fTruth].WriteByte('\n')
	c.count[fTruth]++
	if t.DTKSRecipient {
		d, err := json.Marshal(DTKSRecord{KKNumber: t.KK})
		try(err)
		c.buf[fDTKS].Write(d)
		c.buf[fDTKS].WriteByte('\n')
		c.count[fDTKS]++
	}
	if csv {
		c.count[fCSV] += writeCSV(&c.buf[fCSV], h.Family)
	}
	if len(errs) > 0 {
		return fmt.Errorf("export: household %d: %v", h.Index, errs[0])
	}
	return nil
}
