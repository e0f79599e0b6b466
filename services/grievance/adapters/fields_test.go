package adapters

import (
	"errors"
	"testing"

	"github.com/dtsen-id/dtsen/services/grievance/domain"
)

// TestCatalogueFieldsExist keeps the catalogue honest against the protos:
// a renamed field must fail here, not at a citizen's submission.
func TestCatalogueFieldsExist(t *testing.T) {
	for _, r := range records {
		for _, f := range r.fields {
			fd := fieldAt(r.msg, f)
			if fd == nil || fd.IsList() || fd.IsMap() || fd.Message() != nil {
				t.Errorf("%s.%s.%s is not a scalar field of %s", r.context, r.name, f, r.msg.FullName())
			}
		}
	}
}

func TestCheck(t *testing.T) {
	const nik = "3204124501900001"
	ok := []domain.Change{
		{Context: "asset", Field: "housing.floor_material", Value: "CERAMIC"},
		{Context: "asset", Field: "housing.floor_material", Value: "floor_material_earth"},
		{Context: "asset", Field: "housing.floor_area_sqm", Value: "36.5"},
		{Context: "asset", Field: "holdings.goods.refrigerator", Value: "true"},
		{Context: "asset", Field: "holdings.livestock.cattle", Value: "2"},
		{Context: "registry", Field: "family.address.street", Value: "Jl. Melati 3"},
		{Context: "registry", Field: "person." + nik + ".occupation", Value: "FARMER"},
		{Context: "income", Field: "employment." + nik + ".hours_per_week", Value: "20"},
		{Context: "serviceusage", Field: "health_coverage." + nik + ".chronic_illness", Value: "true"},
	}
	for _, ch := range ok {
		if err := (Fields{}).Check(ch); err != nil {
			t.Errorf("%s = %q: %v", ch.Key(), ch.Value, err)
		}
	}
	bad := []domain.Change{
		{Context: "asset", Field: "housing.floor_material", Value: "UNSPECIFIED"},
		{Context: "asset", Field: "housing.floor_material", Value: "BRICK"}, // a suffix of CEMENT_BRICK, not a value
		{Context: "asset", Field: "housing.floor_material", Value: "LAVA"},
		{Context: "asset", Field: "housing.kk_number", Value: "3204120101200001"},
		{Context: "asset", Field: "housing.source", Value: "bps"},
		{Context: "asset", Field: "housing.floor_area_sqm", Value: "-3"},
		{Context: "asset", Field: "housing.floor_area_sqm", Value: "NaN"},
		{Context: "asset", Field: "holdings.livestock.cattle", Value: "dua"},
		{Context: "asset", Field: "holdings.goods.refrigerator", Value: "ya"},
		{Context: "asset", Field: "vehicle.plate", Value: "B 1234 XY"},
		{Context: "registry", Field: "person.occupation", Value: "FARMER"},
		{Context: "registry", Field: "person.12345.occupation", Value: "FARMER"},
		{Context: "registry", Field: "person." + nik + ".birth_date", Value: "1990-01-05"},
		{Context: "registry", Field: "family.region_code", Value: "32.04"},
		{Context: "income", Field: "consumption.monthly_expenditure", Value: "1"},
		{Context: "scoring", Field: "decile", Value: "1"},
	}
	for _, ch := range bad {
		err := (Fields{}).Check(ch)
		var de *domain.Error
		if !errors.As(err, &de) || !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("%s = %q: %v, want an invalid-input refusal", ch.Key(), ch.Value, err)
		}
	}
}
