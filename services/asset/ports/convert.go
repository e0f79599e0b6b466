package ports

import (
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	"github.com/dtsen-id/dtsen/services/asset/domain"
	regdomain "github.com/dtsen-id/dtsen/services/registry/domain"
)

// The domain enums mirror the proto numbering, so conversion is a cast; a
// test pins every value so the two cannot drift apart.

func timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func dateString(t time.Time) string { return regdomain.DateString(t) }

func familyName(kk string) string {
	if kk == "" {
		return ""
	}
	return "families/" + kk
}

func housingToProto(h *domain.Housing) *assetv1.Housing {
	return &assetv1.Housing{
		Name:             h.Name(),
		KkNumber:         h.KK,
		Source:           h.Source,
		ObservationDate:  dateString(h.ObservationDate),
		FloorAreaSqm:     h.FloorAreaSqm,
		FloorMaterial:    assetv1.FloorMaterial(h.FloorMaterial),
		FloorCondition:   assetv1.Condition(h.FloorCondition),
		WallMaterial:     assetv1.WallMaterial(h.WallMaterial),
		WallCondition:    assetv1.Condition(h.WallCondition),
		RoofMaterial:     assetv1.RoofMaterial(h.RoofMaterial),
		RoofCondition:    assetv1.Condition(h.RoofCondition),
		Tenure:           assetv1.Tenure(h.Tenure),
		Bedrooms:         h.Bedrooms,
		DrinkingWater:    assetv1.DrinkingWaterSource(h.DrinkingWater),
		Lighting:         assetv1.LightingSource(h.Lighting),
		ElectricityPower: assetv1.ElectricityPower(h.Power),
		PlnCustomerId:    h.PLNCustomerID,
		CookingFuel:      assetv1.CookingFuel(h.CookingFuel),
		Toilet:           assetv1.ToiletFacility(h.Toilet),
		Sewage:           assetv1.SewageDisposal(h.Sewage),
		MatchStatus:      assetv1.MatchStatus(h.Match),
		MatchReason:      h.MatchReason,
		Flags:            slices.Clone(h.Flags),
		Etag:             regdomain.Etag(h.Version),
		CreateTime:       timestamp(h.CreateTime),
		UpdateTime:       timestamp(h.UpdateTime),
	}
}

func holdingsToProto(h *domain.Holdings) *assetv1.Holdings {
	l, g := h.Livestock, h.Goods
	return &assetv1.Holdings{
		Name:            h.Name(),
		KkNumber:        h.KK,
		Source:          h.Source,
		ObservationDate: dateString(h.ObservationDate),
		Livestock: &assetv1.Livestock{Cattle: l.Cattle, Buffalo: l.Buffalo, Horse: l.Horse, Pig: l.Pig,
			GoatSheep: l.GoatSheep, Poultry: l.Poultry},
		Goods: &assetv1.DurableGoods{GasCylinderLarge: g.GasCylinderLarge, Refrigerator: g.Refrigerator,
			AirConditioner: g.AirConditioner, WaterHeater: g.WaterHeater, Telephone: g.Telephone,
			Television: g.Television, Computer: g.Computer},
		GoldOrSavings: h.GoldOrSavings10g,
		MatchStatus:   assetv1.MatchStatus(h.Match),
		MatchReason:   h.MatchReason,
		Flags:         slices.Clone(h.Flags),
		Etag:          regdomain.Etag(h.Version),
		CreateTime:    timestamp(h.CreateTime),
		UpdateTime:    timestamp(h.UpdateTime),
	}
}

func landToProto(l *domain.LandParcel) *assetv1.LandParcel {
	return &assetv1.LandParcel{
		Name:            l.Name(),
		CertificateId:   l.CertificateID,
		OwnerNik:        l.OwnerNIK,
		Source:          l.Source,
		ObservationDate: dateString(l.ObservationDate),
		AreaSqm:         l.AreaSqm,
		NjopValue:       l.NJOPValue,
		RegionCode:      l.RegionCode,
		HouseElsewhere:  l.HouseElsewhere,
		OwnerFamily:     familyName(l.OwnerFamilyKK),
		MatchStatus:     assetv1.MatchStatus(l.Match),
		MatchReason:     l.MatchReason,
		Flags:           slices.Clone(l.Flags),
		Etag:            regdomain.Etag(l.Version),
		CreateTime:      timestamp(l.CreateTime),
		UpdateTime:      timestamp(l.UpdateTime),
	}
}

func vehicleToProto(v *domain.Vehicle) *assetv1.Vehicle {
	return &assetv1.Vehicle{
		Name:            v.Name(),
		FrameNumber:     v.FrameNumber,
		OwnerNik:        v.OwnerNIK,
		Source:          v.Source,
		ObservationDate: dateString(v.ObservationDate),
		Type:            assetv1.VehicleType(v.Type),
		Year:            v.Year,
		EstimatedValue:  v.EstimatedValue,
		PlateNumber:     v.PlateNumber,
		OwnerFamily:     familyName(v.OwnerFamilyKK),
		MatchStatus:     assetv1.MatchStatus(v.Match),
		MatchReason:     v.MatchReason,
		Flags:           slices.Clone(v.Flags),
		Etag:            regdomain.Etag(v.Version),
		CreateTime:      timestamp(v.CreateTime),
		UpdateTime:      timestamp(v.UpdateTime),
	}
}

func familyAssetsToProto(fa *domain.FamilyAssets) *assetv1.FamilyAssets {
	out := &assetv1.FamilyAssets{
		Name:                  fa.Name(),
		Family:                "families/" + fa.KK,
		MemberCount:           int32(fa.MemberCount),
		FloorAreaPerCapitaSqm: fa.FloorAreaPerCapitaSqm,
		Truncated:             fa.Truncated,
	}
	if fa.Housing != nil {
		out.Housing = housingToProto(fa.Housing)
	}
	if fa.Holdings != nil {
		out.Holdings = holdingsToProto(fa.Holdings)
	}
	for _, l := range fa.Land {
		out.LandParcels = append(out.LandParcels, landToProto(l))
	}
	for _, v := range fa.Vehicles {
		out.Vehicles = append(out.Vehicles, vehicleToProto(v))
	}
	t := fa.Totals
	totals := &assetv1.AssetTotals{
		LandParcelCount: int32(t.LandCount),
		LandAreaSqm:     t.LandAreaSqm,
		LandNjopTotal:   t.LandNJOP,
		HouseElsewhere:  t.HouseElsewhere,
	}
	types := make([]domain.VehicleType, 0, len(t.VehiclesByType))
	for typ := range t.VehiclesByType {
		types = append(types, typ)
	}
	slices.Sort(types)
	for _, typ := range types {
		tt := t.VehiclesByType[typ]
		totals.VehicleCount += int32(tt.Count)
		totals.VehicleValueTotal += tt.Value
		totals.VehiclesByType = append(totals.VehiclesByType, &assetv1.VehicleTypeTotal{
			Type: assetv1.VehicleType(typ), Count: int32(tt.Count), EstimatedValueTotal: tt.Value})
	}
	out.Totals = totals
	return out
}

// observation parses a record's observation date; problems are returned for
// the use case to report with the record's other violations.
func observation(s string) (time.Time, domain.Violations) {
	t, v := domain.ParseObservationDate(s)
	if v != nil {
		return t, domain.Violations{*v}
	}
	return t, nil
}

func housingFromProto(h *assetv1.Housing) (*domain.Housing, domain.Violations) {
	obs, vs := observation(h.GetObservationDate())
	return &domain.Housing{
		KK:             h.GetKkNumber(),
		FloorAreaSqm:   h.GetFloorAreaSqm(),
		FloorMaterial:  domain.FloorMaterial(h.GetFloorMaterial()),
		FloorCondition: domain.Condition(h.GetFloorCondition()),
		WallMaterial:   domain.WallMaterial(h.GetWallMaterial()),
		WallCondition:  domain.Condition(h.GetWallCondition()),
		RoofMaterial:   domain.RoofMaterial(h.GetRoofMaterial()),
		RoofCondition:  domain.Condition(h.GetRoofCondition()),
		Tenure:         domain.Tenure(h.GetTenure()),
		Bedrooms:       h.GetBedrooms(),
		DrinkingWater:  domain.DrinkingWaterSource(h.GetDrinkingWater()),
		Lighting:       domain.LightingSource(h.GetLighting()),
		Power:          domain.ElectricityPower(h.GetElectricityPower()),
		PLNCustomerID:  h.GetPlnCustomerId(),
		CookingFuel:    domain.CookingFuel(h.GetCookingFuel()),
		Toilet:         domain.ToiletFacility(h.GetToilet()),
		Sewage:         domain.SewageDisposal(h.GetSewage()),
		Record:         domain.Record{Source: h.GetSource(), ObservationDate: obs},
	}, vs
}

func holdingsFromProto(h *assetv1.Holdings) (*domain.Holdings, domain.Violations) {
	obs, vs := observation(h.GetObservationDate())
	l, g := h.GetLivestock(), h.GetGoods()
	return &domain.Holdings{
		KK: h.GetKkNumber(),
		Livestock: domain.Livestock{Cattle: l.GetCattle(), Buffalo: l.GetBuffalo(), Horse: l.GetHorse(), Pig: l.GetPig(),
			GoatSheep: l.GetGoatSheep(), Poultry: l.GetPoultry()},
		Goods: domain.DurableGoods{GasCylinderLarge: g.GetGasCylinderLarge(), Refrigerator: g.GetRefrigerator(),
			AirConditioner: g.GetAirConditioner(), WaterHeater: g.GetWaterHeater(), Telephone: g.GetTelephone(),
			Television: g.GetTelevision(), Computer: g.GetComputer()},
		GoldOrSavings10g: h.GetGoldOrSavings(),
		Record:           domain.Record{Source: h.GetSource(), ObservationDate: obs},
	}, vs
}

func landFromProto(l *assetv1.LandParcel) (*domain.LandParcel, domain.Violations) {
	obs, vs := observation(l.GetObservationDate())
	return &domain.LandParcel{
		CertificateID:  l.GetCertificateId(),
		OwnerNIK:       l.GetOwnerNik(),
		AreaSqm:        l.GetAreaSqm(),
		NJOPValue:      l.GetNjopValue(),
		RegionCode:     l.GetRegionCode(),
		HouseElsewhere: l.GetHouseElsewhere(),
		Record:         domain.Record{Source: l.GetSource(), ObservationDate: obs},
	}, vs
}

func vehicleFromProto(v *assetv1.Vehicle) (*domain.Vehicle, domain.Violations) {
	obs, vs := observation(v.GetObservationDate())
	return &domain.Vehicle{
		FrameNumber:    v.GetFrameNumber(),
		OwnerNIK:       v.GetOwnerNik(),
		Type:           domain.VehicleType(v.GetType()),
		Year:           v.GetYear(),
		EstimatedValue: v.GetEstimatedValue(),
		PlateNumber:    v.GetPlateNumber(),
		Record:         domain.Record{Source: v.GetSource(), ObservationDate: obs},
	}, vs
}
