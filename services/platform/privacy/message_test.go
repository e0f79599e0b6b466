package privacy_test

import (
	"strings"
	"testing"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/platform/privacy"
)

func TestMaskMessage(t *testing.T) {
	f := &registryv1.Family{
		Name: "families/3204120101100001", KkNumber: "3204120101100001", HeadNik: "3204121505900001",
		RegionCode: "32.04.12.2001",
		Address:    &registryv1.Address{Street: "Jl. Melati 4", Rt: "003", Rw: "011", PostalCode: "40911"},
		Members: []*registryv1.Person{{
			Name: "persons/3204121505900001", Nik: "3204121505900001", FullName: "Budi Santoso",
			BirthPlace: "Bandung", BirthDate: "1990-05-15", Family: "families/3204120101100001",
			Sex: registryv1.Sex_SEX_MALE,
		}},
	}
	privacy.MaskMessage(f)
	m := f.GetMembers()[0]
	for field, got := range map[string]string{
		"name": f.GetName(), "kk_number": f.GetKkNumber(), "head_nik": f.GetHeadNik(),
		"member name": m.GetName(), "member nik": m.GetNik(), "member family": m.GetFamily(),
	} {
		if want := "320412********01"; !strings.Contains(got, want) || strings.Contains(got, "3204121505900001") || strings.Contains(got, "3204120101100001") {
			t.Errorf("%s = %q, want the number masked as %s", field, got, want)
		}
	}
	if m.GetFullName() != "B*** S******" || m.GetBirthDate() != "1990-**-**" || m.GetBirthPlace() != "***" {
		t.Errorf("person %v", m)
	}
	if f.GetAddress().GetStreet() != "***" || f.GetAddress().GetRt() != "***" || f.GetAddress().GetPostalCode() != "40911" {
		t.Errorf("address %v", f.GetAddress())
	}
	if f.GetRegionCode() != "32.04.12.2001" || m.GetSex() != registryv1.Sex_SEX_MALE {
		t.Error("region or categories were masked; oversight needs them")
	}
}
