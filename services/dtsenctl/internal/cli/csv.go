package cli

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
)

// csvColumns are the columns of registry.csv as services/population/export
// writes it: one row per person, the family's columns repeated on each of its
// rows, enums as full proto names, dates as YYYY-MM-DD. Column order is free.
var csvColumns = []string{"kk_number", "region_code", "settlement", "street", "rt", "rw", "postal_code", "head_nik",
	"nik", "full_name", "birth_place", "birth_date", "sex", "marital_status", "relation_to_head", "education",
	"occupation", "disability", "severe_disability", "vital_status", "death_date"}

// csvReader assembles families from consecutive rows with the same KK number.
type csvReader struct {
	r      *csv.Reader
	col    map[string]int
	next   []string // a row read ahead: the first of the next family
	line   int      // line of next
	closer io.Closer
	err    error
}

func newCSVReader(r io.Reader, name string) (*csvReader, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = false
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: reading the CSV header: %w", name, err)
	}
	c := &csvReader{r: cr, col: map[string]int{}}
	for i, h := range head {
		c.col[h] = i
	}
	for _, want := range csvColumns {
		if _, ok := c.col[want]; !ok {
			return nil, fmt.Errorf("%s: the CSV header has no %q column (registry.csv columns: kk_number, ..., death_date)", name, want)
		}
	}
	return c, nil
}

func (c *csvReader) readRow() {
	row, err := c.r.Read()
	if err != nil {
		c.next, c.err = nil, err
		return
	}
	c.line, _ = c.r.FieldPos(0)
	c.next = row
}

// Next returns the next family. A row that cannot be read as CSV ends the
// file with an error; a family whose fields do not parse is returned with
// its error set, so it is reported as a rejection and the import goes on.
func (c *csvReader) Next() (rawRecord, error) {
	if c.next == nil && c.err == nil {
		c.readRow()
	}
	if c.next == nil {
		if errors.Is(c.err, io.EOF) {
			return rawRecord{}, io.EOF
		}
		return rawRecord{}, c.err
	}
	first, line := c.next, c.line
	kk := c.get(first, "kk_number")
	rows := [][]string{first}
	for {
		c.readRow()
		if c.next == nil || c.get(c.next, "kk_number") != kk {
			break
		}
		rows = append(rows, c.next)
	}
	if c.next == nil && !errors.Is(c.err, io.EOF) {
		return rawRecord{}, c.err
	}
	fam, err := c.family(rows)
	rec := rawRecord{line: line, err: err}
	if err == nil {
		rec.msg = &registryv1.ImportRecordsRequest{Payload: &registryv1.ImportRecordsRequest_Family{Family: fam}}
	}
	return rec, nil
}

func (c *csvReader) Close() error {
	if c.closer != nil {
		return c.closer.Close()
	}
	return nil
}

func (c *csvReader) get(row []string, col string) string {
	i := c.col[col]
	if i >= len(row) {
		return ""
	}
	return row[i]
}

func (c *csvReader) family(rows [][]string) (*registryv1.Family, error) {
	r0 := rows[0]
	var errs []error
	enum := func(row []string, col string, values map[string]int32) int32 {
		s := c.get(row, col)
		if s == "" {
			return 0
		}
		v, ok := values[s]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: unknown value %q", col, s))
		}
		return v
	}
	f := &registryv1.Family{
		KkNumber:   c.get(r0, "kk_number"),
		RegionCode: c.get(r0, "region_code"),
		HeadNik:    c.get(r0, "head_nik"),
		Settlement: registryv1.Settlement(enum(r0, "settlement", registryv1.Settlement_value)),
		Address: &registryv1.Address{Street: c.get(r0, "street"), Rt: c.get(r0, "rt"), Rw: c.get(r0, "rw"),
			PostalCode: c.get(r0, "postal_code")},
	}
	for _, row := range rows {
		severe := false
		if s := c.get(row, "severe_disability"); s != "" {
			b, err := strconv.ParseBool(s)
			if err != nil {
				errs = append(errs, fmt.Errorf("severe_disability: %q is not true or false", s))
			}
			severe = b
		}
		f.Members = append(f.Members, &registryv1.Person{
			Nik:              c.get(row, "nik"),
			FullName:         c.get(row, "full_name"),
			BirthPlace:       c.get(row, "birth_place"),
			BirthDate:        c.get(row, "birth_date"),
			Sex:              registryv1.Sex(enum(row, "sex", registryv1.Sex_value)),
			MaritalStatus:    registryv1.MaritalStatus(enum(row, "marital_status", registryv1.MaritalStatus_value)),
			RelationToHead:   registryv1.FamilyRelation(enum(row, "relation_to_head", registryv1.FamilyRelation_value)),
			Education:        registryv1.EducationLevel(enum(row, "education", registryv1.EducationLevel_value)),
			Occupation:       registryv1.Occupation(enum(row, "occupation", registryv1.Occupation_value)),
			Disability:       registryv1.Disability(enum(row, "disability", registryv1.Disability_value)),
			SevereDisability: severe,
			VitalStatus:      registryv1.VitalStatus(enum(row, "vital_status", registryv1.VitalStatus_value)),
			DeathDate:        c.get(row, "death_date"),
		})
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("family %s: %w", f.KkNumber, errors.Join(errs...))
	}
	return f, nil
}
