package export

import (
	"bytes"
	"encoding/csv"
	"strconv"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
)

// csvColumns are registry.csv's columns: one row per person, with the
// family's columns repeated on each of its rows. Enums are written as their
// full proto names (SEX_FEMALE), dates as YYYY-MM-DD.
var csvColumns = []string{"kk_number", "region_code", "settlement", "street", "rt", "rw", "postal_code", "head_nik",
	"nik", "full_name", "birth_place", "birth_date", "sex", "marital_status", "relation_to_head", "education",
	"occupation", "disability", "severe_disability", "vital_status", "death_date"}

var csvHeader = func() string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(csvColumns)
	w.Flush()
	return b.String()
}()

func writeCSV(b *bytes.Buffer, f *registryv1.Family) int64 {
	w := csv.NewWriter(b)
	a := f.GetAddress()
	for _, p := range f.GetMembers() {
		_ = w.Write([]string{f.GetKkNumber(), f.GetRegionCode(), f.GetSettlement().String(), a.GetStreet(), a.GetRt(), a.GetRw(),
			a.GetPostalCode(), f.GetHeadNik(), p.GetNik(), p.GetFullName(), p.GetBirthPlace(), p.GetBirthDate(), p.GetSex().String(),
			p.GetMaritalStatus().String(), p.GetRelationToHead().String(), p.GetEducation().String(), p.GetOccupation().String(),
			p.GetDisability().String(), strconv.FormatBool(p.GetSevereDisability()), p.GetVitalStatus().String(), p.GetDeathDate()})
	}
	w.Flush()
	return int64(len(f.GetMembers()))
}
