package domain

import "testing"

func TestNamesRoundTrip(t *testing.T) {
	in := validIncome()
	got, v := ParseIncomeName("name", in.Name(), now)
	if v != nil || got.NIK != in.NIK || got.Source != in.Source || got.PeriodStart != in.PeriodStart {
		t.Fatalf("income %s: %+v %v", in.Name(), got, v)
	}
	if in.Name() != "persons/"+nikMale+"/incomes/formal-wage-2025-01" {
		t.Fatalf("income name %s", in.Name())
	}
	em := validEmployment()
	em.SourceAgency = "bpjs-tk" // an agency with '-' still parses: the date is a fixed suffix
	gotE, v := ParseEmploymentName("name", em.Name(), now)
	if v != nil || gotE.NIK != em.NIK || gotE.SourceAgency != "bpjs-tk" || gotE.ObservationDate != em.ObservationDate {
		t.Fatalf("employment %s: %+v %v", em.Name(), gotE, v)
	}
	bp := validBanking()
	gotB, v := ParseBankingPatternName("name", bp.Name(), now)
	if v != nil || gotB.AgreementReference != bp.AgreementReference || gotB.ObservationDate != bp.ObservationDate {
		t.Fatalf("banking %s: %+v %v", bp.Name(), gotB, v)
	}
	c := validConsumption()
	gotC, v := ParseConsumptionName("name", c.Name())
	if v != nil || gotC.KK != c.KK || gotC.SurveyID != c.SurveyID {
		t.Fatalf("consumption %s: %+v %v", c.Name(), gotC, v)
	}
}

func TestNamesRejected(t *testing.T) {
	parse := map[string]func(string) *Violation{
		"income":      func(n string) *Violation { _, v := ParseIncomeName("name", n, now); return v },
		"employment":  func(n string) *Violation { _, v := ParseEmploymentName("name", n, now); return v },
		"banking":     func(n string) *Violation { _, v := ParseBankingPatternName("name", n, now); return v },
		"consumption": func(n string) *Violation { _, v := ParseConsumptionName("name", n); return v },
		"economics":   func(n string) *Violation { _, v := ParseEconomicsName("name", n); return v },
		"person":      func(n string) *Violation { _, v := ParsePersonParent("parent", n, now); return v },
		"family":      func(n string) *Violation { _, v := ParseFamilyParent("parent", n); return v },
	}
	for _, tc := range []struct{ kind, name, reason string }{
		{"income", "", ReasonResourceNameInvalid},
		{"income", "persons/" + nikMale + "/incomes/salary-2025-01", ReasonResourceNameInvalid},
		{"income", "persons/" + nikMale + "/incomes/formal-wage-2025-13", ReasonResourceNameInvalid},
		{"income", "persons/" + nikMale + "/employments/formal-wage-2025-01", ReasonResourceNameInvalid},
		{"income", "persons/123/incomes/formal-wage-2025-01", "NIK_INVALID_LENGTH"},
		{"income", "persons/" + nikMale + "/incomes/formal-wage-2025-01/x", ReasonResourceNameInvalid},
		{"employment", "persons/" + nikMale + "/employments/bps-2026-02-30", ReasonResourceNameInvalid},
		{"employment", "persons/" + nikMale + "/employments/BPS-2026-02-01", ReasonResourceNameInvalid},
		{"employment", "persons/" + nikMale + "/employments/2026-02-01", ReasonResourceNameInvalid},
		{"banking", "persons/" + nikMale + "/bankingPatterns/pks", ReasonResourceNameInvalid},
		{"banking", "persons/3204120101700000/bankingPatterns/pks-2026-01-01", "NIK_INVALID_SERIAL"},
		{"consumption", "families/" + kk + "/consumptions/", ReasonResourceNameInvalid},
		{"consumption", "families/" + kk + "/consumptions/Susenas", ReasonResourceNameInvalid},
		{"consumption", "families/320412/consumptions/susenas", "KK_INVALID_LENGTH"},
		{"economics", "families/" + kk, ReasonResourceNameInvalid},
		{"economics", "families/" + kk + "/economic", ReasonResourceNameInvalid},
		{"economics", "families/3204120000000000/economics", "KK_INVALID_SERIAL"},
		{"person", "persons/", ReasonResourceNameInvalid},
		{"person", "families/-", ReasonResourceNameInvalid},
		{"person", "persons/12", "NIK_INVALID_LENGTH"},
		{"family", "families/a/b", ReasonResourceNameInvalid},
		{"family", "families/9934567890123456", "KK_INVALID_REGION"},
	} {
		v := parse[tc.kind](tc.name)
		if v == nil || v.Reason != tc.reason {
			t.Errorf("%s %q: got %v, want %s", tc.kind, tc.name, v, tc.reason)
		}
	}
	if owner, v := ParsePersonParent("parent", "persons/-", now); v != nil || owner != "" {
		t.Errorf("persons/- is the wildcard: %q %v", owner, v)
	}
	if owner, v := ParseFamilyParent("parent", "families/-"); v != nil || owner != "" {
		t.Errorf("families/- is the wildcard: %q %v", owner, v)
	}
}

func TestRejectionKeyMasksNIK(t *testing.T) {
	got := RejectionKey(validIncome())
	if got != "persons/320412********01/incomes/formal-wage-2025-01" {
		t.Fatalf("got %s", got)
	}
	if got := RejectionKey(validConsumption()); got != "families/"+kk+"/consumptions/susenas-2026-03" {
		t.Fatalf("got %s", got)
	}
}
