package ports

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	suv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	"github.com/dtsen-id/dtsen/services/serviceusage/domain"
)

// decoder collects date-parsing problems while a message is translated.
type decoder struct{ problems domain.Violations }

// date parses an optional wire date; "" is the zero time, and the domain
// decides whether the field is required.
func (d *decoder) date(field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, v := domain.ParseDate(field, s)
	if v != nil {
		d.problems = append(d.problems, *v)
	}
	return t
}

func (d *decoder) common(source, observed string) domain.Common {
	return domain.Common{SourceAgency: source, ObservationDate: d.date("observation_date", observed)}
}

func healthFromProto(m *suv1.HealthCoverage) (domain.Record, domain.Violations) {
	d := &decoder{}
	return &domain.HealthCoverage{
		NIK: m.GetNik(), Class: domain.MembershipClass(m.GetMembershipClass()),
		OutpatientVisits: m.GetOutpatientVisits(), InpatientAdmissions: m.GetInpatientAdmissions(),
		ChronicIllness: m.GetChronicIllness(), Common: d.common(m.GetSourceAgency(), m.GetObservationDate()),
	}, d.problems
}

func enrolmentFromProto(m *suv1.Enrolment) (domain.Record, domain.Violations) {
	d := &decoder{}
	return &domain.Enrolment{
		NIK: m.GetNik(), SchoolYear: m.GetSchoolYear(), Level: domain.SchoolLevel(m.GetLevel()),
		Ownership: domain.SchoolOwnership(m.GetOwnership()), FeeBand: domain.FeeBand(m.GetFeeBand()),
		KIPRecipient: m.GetKipRecipient(), Common: d.common(m.GetSourceAgency(), m.GetObservationDate()),
	}, d.problems
}

func utilityFromProto(m *suv1.UtilityUsage) (domain.Record, domain.Violations) {
	d := &decoder{}
	return &domain.UtilityUsage{
		KK: m.GetKkNumber(), Month: m.GetMonth(), ElectricityKWh: m.GetElectricityKwh(),
		SubsidisedTariff: m.GetSubsidisedTariff(), PLNCustomerID: m.GetPlnCustomerId(),
		SubsidisedLPGPurchases: m.GetSubsidisedLpgPurchases(), Common: d.common(m.GetSourceAgency(), m.GetObservationDate()),
	}, d.problems
}

func programmeFromProto(m *suv1.ProgrammeParticipation) (domain.Record, domain.Violations) {
	d := &decoder{}
	return &domain.ProgrammeParticipation{
		KK: m.GetKkNumber(), NIK: m.GetNik(), Programme: domain.Programme(m.GetProgramme()),
		PeriodStart: d.date("period_start", m.GetPeriodStart()), PeriodEnd: d.date("period_end", m.GetPeriodEnd()),
		DisbursingAgency: m.GetDisbursingAgency(), Common: d.common(m.GetSourceAgency(), m.GetObservationDate()),
	}, d.problems
}

func metaToProto(m *domain.Common) *suv1.RecordMeta {
	out := &suv1.RecordMeta{
		MatchStatus:     suv1.MatchStatus(m.Match),
		UnmatchedReason: m.UnmatchedReason,
		Etag:            domain.Etag(m.Version),
		CreateTime:      timestamppb.New(m.CreateTime),
		UpdateTime:      timestamppb.New(m.UpdateTime),
	}
	if m.FamilyKK != "" {
		out.Family = "families/" + m.FamilyKK
	}
	for _, f := range m.Flags.List() {
		out.Flags = append(out.Flags, suv1.RecordFlag(f))
	}
	return out
}

func healthToProto(h *domain.HealthCoverage) *suv1.HealthCoverage {
	return &suv1.HealthCoverage{
		Name: h.Name(), Nik: h.NIK, SourceAgency: h.SourceAgency, ObservationDate: domain.DateString(h.ObservationDate),
		MembershipClass: suv1.HealthMembershipClass(h.Class), OutpatientVisits: h.OutpatientVisits,
		InpatientAdmissions: h.InpatientAdmissions, ChronicIllness: h.ChronicIllness, Meta: metaToProto(&h.Common),
	}
}

func enrolmentToProto(e *domain.Enrolment) *suv1.Enrolment {
	return &suv1.Enrolment{
		Name: e.Name(), Nik: e.NIK, SourceAgency: e.SourceAgency, ObservationDate: domain.DateString(e.ObservationDate),
		SchoolYear: e.SchoolYear, Level: suv1.SchoolLevel(e.Level), Ownership: suv1.SchoolOwnership(e.Ownership),
		FeeBand: suv1.SchoolFeeBand(e.FeeBand), KipRecipient: e.KIPRecipient, Meta: metaToProto(&e.Common),
	}
}

func utilityToProto(u *domain.UtilityUsage) *suv1.UtilityUsage {
	return &suv1.UtilityUsage{
		Name: u.Name(), KkNumber: u.KK, SourceAgency: u.SourceAgency, ObservationDate: domain.DateString(u.ObservationDate),
		Month: u.Month, ElectricityKwh: u.ElectricityKWh, SubsidisedTariff: u.SubsidisedTariff,
		PlnCustomerId: u.PLNCustomerID, SubsidisedLpgPurchases: u.SubsidisedLPGPurchases, Meta: metaToProto(&u.Common),
	}
}

func programmeToProto(p *domain.ProgrammeParticipation) *suv1.ProgrammeParticipation {
	return &suv1.ProgrammeParticipation{
		Name: p.Name(), KkNumber: p.KK, Nik: p.NIK, SourceAgency: p.SourceAgency,
		ObservationDate: domain.DateString(p.ObservationDate), Programme: suv1.SocialProgramme(p.Programme),
		PeriodStart: domain.DateString(p.PeriodStart), PeriodEnd: domain.DateString(p.PeriodEnd),
		DisbursingAgency: p.DisbursingAgency, Meta: metaToProto(&p.Common),
	}
}
