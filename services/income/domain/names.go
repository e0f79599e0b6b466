package domain

import (
	"strings"
	"time"
)

// Resource names (AIP-122). Person records live under persons/{nik}, family
// records under families/{kk}; the last segment is built from the rest of
// the record's natural key, so re-importing a record always lands on the same
// name:
//
//	persons/{nik}/incomes/{source}-{YYYY-MM}          e.g. formal-wage-2025-01
//	persons/{nik}/employments/{agency}-{YYYY-MM-DD}   e.g. bps-2025-03-01
//	persons/{nik}/bankingPatterns/{agreement}-{YYYY-MM-DD}
//	families/{kk}/consumptions/{survey_id}
//
// The date is a fixed-length suffix, so an agency or agreement containing
// '-' still parses unambiguously.

// AnyOwner is the AIP-159 wildcard parent: persons/- or families/-.
const AnyOwner = "-"

func nameViolation(field, want string) *Violation {
	return &Violation{Field: field, Reason: ReasonResourceNameInvalid, Description: "expected " + want}
}

// splitName cuts "<root>/<owner>/<collection>/<id>".
func splitName(field, name, root string, coll Kind, want string) (owner, id string, v *Violation) {
	parts := strings.Split(name, "/")
	if len(parts) != 4 || parts[0] != root || parts[2] != string(coll) || parts[3] == "" {
		return "", "", nameViolation(field, want)
	}
	return parts[1], parts[3], nil
}

func ownerNIK(field, nik string, now time.Time) *Violation {
	if vs := checkNIK(nil, nik, now); len(vs) > 0 {
		vs[0].Field = field
		return &vs[0]
	}
	return nil
}

func ownerKK(field, kk string) *Violation {
	if vs := checkKK(nil, kk); len(vs) > 0 {
		vs[0].Field = field
		return &vs[0]
	}
	return nil
}

// ParseIncomeName returns an Income holding only its key.
func ParseIncomeName(field, name string, now time.Time) (*Income, *Violation) {
	const want = "persons/{nik}/incomes/{source}-{YYYY-MM}"
	nik, id, v := splitName(field, name, "persons", KindIncome, want)
	if v != nil {
		return nil, v
	}
	if v := ownerNIK(field, nik, now); v != nil {
		return nil, v
	}
	if len(id) < 9 || id[len(id)-8] != '-' || !monthPattern.MatchString(id[len(id)-7:]) {
		return nil, nameViolation(field, want)
	}
	slug := id[:len(id)-8]
	for s := IncomeSourceFormalWage; s <= IncomeSourceSurveySelfReport; s++ {
		if s.Slug() == slug {
			return &Income{NIK: nik, Source: s, PeriodStart: id[len(id)-7:]}, nil
		}
	}
	return nil, nameViolation(field, want)
}

// cutDated splits "{prefix}-{YYYY-MM-DD}".
func cutDated(id string) (prefix, date string, ok bool) {
	if len(id) < 12 || id[len(id)-11] != '-' {
		return "", "", false
	}
	date = id[len(id)-10:]
	if _, v := parseDate(date); v != nil {
		return "", "", false
	}
	return id[:len(id)-11], date, true
}

// ParseEmploymentName returns an Employment holding only its key.
func ParseEmploymentName(field, name string, now time.Time) (*Employment, *Violation) {
	const want = "persons/{nik}/employments/{source_agency}-{YYYY-MM-DD}"
	nik, id, v := splitName(field, name, "persons", KindEmployment, want)
	if v != nil {
		return nil, v
	}
	if v := ownerNIK(field, nik, now); v != nil {
		return nil, v
	}
	agency, date, ok := cutDated(id)
	if !ok || !agencyPattern.MatchString(agency) {
		return nil, nameViolation(field, want)
	}
	return &Employment{NIK: nik, Provenance: Provenance{SourceAgency: agency, ObservationDate: date}}, nil
}

// ParseBankingPatternName returns a BankingPattern holding only its key.
func ParseBankingPatternName(field, name string, now time.Time) (*BankingPattern, *Violation) {
	const want = "persons/{nik}/bankingPatterns/{agreement_reference}-{YYYY-MM-DD}"
	nik, id, v := splitName(field, name, "persons", KindBankingPattern, want)
	if v != nil {
		return nil, v
	}
	if v := ownerNIK(field, nik, now); v != nil {
		return nil, v
	}
	ref, date, ok := cutDated(id)
	if !ok || !idPattern.MatchString(ref) {
		return nil, nameViolation(field, want)
	}
	return &BankingPattern{NIK: nik, AgreementReference: ref, Provenance: Provenance{ObservationDate: date}}, nil
}

// ParseConsumptionName returns a Consumption holding only its key.
func ParseConsumptionName(field, name string) (*Consumption, *Violation) {
	const want = "families/{kk}/consumptions/{survey_id}"
	kk, id, v := splitName(field, name, "families", KindConsumption, want)
	if v != nil {
		return nil, v
	}
	if v := ownerKK(field, kk); v != nil {
		return nil, v
	}
	if !idPattern.MatchString(id) {
		return nil, nameViolation(field, want)
	}
	return &Consumption{KK: kk, SurveyID: id}, nil
}

// ParsePersonParent parses a List parent persons/{nik} or persons/-; it
// returns "" for the wildcard.
func ParsePersonParent(field, parent string, now time.Time) (string, *Violation) {
	nik, ok := strings.CutPrefix(parent, "persons/")
	if !ok || nik == "" || strings.Contains(nik, "/") {
		return "", nameViolation(field, "persons/{nik} or persons/-")
	}
	if nik == AnyOwner {
		return "", nil
	}
	if v := ownerNIK(field, nik, now); v != nil {
		return "", v
	}
	return nik, nil
}

// ParseFamilyParent parses families/{kk} or families/-; "" is the wildcard.
func ParseFamilyParent(field, parent string) (string, *Violation) {
	kk, ok := strings.CutPrefix(parent, "families/")
	if !ok || kk == "" || strings.Contains(kk, "/") {
		return "", nameViolation(field, "families/{kk} or families/-")
	}
	if kk == AnyOwner {
		return "", nil
	}
	if v := ownerKK(field, kk); v != nil {
		return "", v
	}
	return kk, nil
}

// ParseEconomicsName parses families/{kk}/economics.
func ParseEconomicsName(field, name string) (string, *Violation) {
	kk, ok := strings.CutPrefix(name, "families/")
	if ok {
		kk, ok = strings.CutSuffix(kk, "/economics")
	}
	if !ok || kk == "" || strings.Contains(kk, "/") {
		return "", nameViolation(field, "families/{kk}/economics")
	}
	if v := ownerKK(field, kk); v != nil {
		return "", v
	}
	return kk, nil
}
