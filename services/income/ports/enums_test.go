package ports

import (
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	"github.com/dtsen-id/dtsen/services/income/domain"
)

// TestEnumsMirrorProto pins the domain enums to the proto numbering, which
// the converters rely on with plain casts: every proto value is Valid in the
// domain exactly when it is not UNSPECIFIED, and one past the last is not.
func TestEnumsMirrorProto(t *testing.T) {
	check := func(name string, desc protoreflect.EnumDescriptor, valid func(int32) bool) {
		values := desc.Values()
		for i := 0; i < values.Len(); i++ {
			n := int32(values.Get(i).Number())
			if valid(n) != (n != 0) {
				t.Errorf("%s: value %d (%s) valid=%v", name, n, values.Get(i).Name(), valid(n))
			}
		}
		if valid(int32(values.Len())) {
			t.Errorf("%s: value %d beyond the proto is valid", name, values.Len())
		}
	}
	check("IncomeSource", incomev1.IncomeSource(0).Descriptor(), func(n int32) bool { return domain.IncomeSource(n).Valid() })
	check("EmploymentSector", incomev1.EmploymentSector(0).Descriptor(), func(n int32) bool { return domain.EmploymentSector(n).Valid() })
	check("EmploymentStatus", incomev1.EmploymentStatus(0).Descriptor(), func(n int32) bool { return domain.EmploymentStatus(n).Valid() })
	check("Measurement", incomev1.Measurement(0).Descriptor(), func(n int32) bool { return domain.Measurement(n).Valid() })
	check("SavingsBalanceBand", incomev1.SavingsBalanceBand(0).Descriptor(), func(n int32) bool { return domain.SavingsBalanceBand(n).Valid() })
	check("LenderType", incomev1.LenderType(0).Descriptor(), func(n int32) bool { return domain.LenderType(n).Valid() })
	check("MatchStatus", incomev1.MatchStatus(0).Descriptor(), func(n int32) bool { return domain.MatchStatus(n).Valid() })

	pins := map[string][2]int32{
		"formal wage":        {int32(incomev1.IncomeSource_INCOME_SOURCE_FORMAL_WAGE), int32(domain.IncomeSourceFormalWage)},
		"survey self-report": {int32(incomev1.IncomeSource_INCOME_SOURCE_SURVEY_SELF_REPORT), int32(domain.IncomeSourceSurveySelfReport)},
		"sector none":        {int32(incomev1.EmploymentSector_EMPLOYMENT_SECTOR_NONE), int32(domain.SectorNone)},
		"fishery":            {int32(incomev1.EmploymentSector_EMPLOYMENT_SECTOR_FISHERY), int32(domain.SectorFishery)},
		"casual agri":        {int32(incomev1.EmploymentStatus_EMPLOYMENT_STATUS_CASUAL_AGRICULTURAL), int32(domain.StatusCasualAgricultural)},
		"not working":        {int32(incomev1.EmploymentStatus_EMPLOYMENT_STATUS_NOT_WORKING), int32(domain.StatusNotWorking)},
		"measured":           {int32(incomev1.Measurement_MEASUREMENT_MEASURED_BY_ENUMERATOR), int32(domain.MeasuredByEnumerator)},
		"self-declared":      {int32(incomev1.Measurement_MEASUREMENT_SELF_DECLARED), int32(domain.SelfDeclared)},
		"online lending":     {int32(incomev1.LenderType_LENDER_TYPE_ONLINE_LENDING), int32(domain.LenderOnlineLending)},
		"unmatched":          {int32(incomev1.MatchStatus_MATCH_STATUS_UNMATCHED), int32(domain.Unmatched)},
		"owner deceased":     {int32(incomev1.RecordFlag_RECORD_FLAG_OWNER_DECEASED), int32(domain.FlagOwnerDeceased)},
		"savings top band":   {int32(incomev1.SavingsBalanceBand_SAVINGS_BALANCE_BAND_FIVE_HUNDRED_MILLION_OR_MORE), int32(domain.SavingsFiveHundredMillionOrMore)},
	}
	for name, p := range pins {
		if p[0] != p[1] {
			t.Errorf("%s: proto %d, domain %d", name, p[0], p[1])
		}
	}
}
