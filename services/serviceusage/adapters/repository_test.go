package adapters_test

import (
	"context"
	"testing"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/serviceusage/adapters"
	"github.com/dtsen-id/dtsen/services/serviceusage/domain"
)

const (
	nikA = "3204124507700001"
	nikB = "3204120101150002"
	kkA  = "3204120000010001"
	kkB  = "3204120000020001"
)

func day(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }

func common(obs string, match domain.MatchStatus, familyKK string) domain.Common {
	c := domain.Common{SourceAgency: "bpjs-kesehatan", ObservationDate: day(obs), Match: match, FamilyKK: familyKK}
	if match == domain.Unmatched {
		c.UnmatchedReason = domain.ReasonNIKNotRegistered
	}
	return c
}

type fixture struct {
	db   *storage.DB
	ob   *outbox.Outbox
	repo *adapters.Repository
}

func open(t *testing.T, url string) *fixture {
	db := storagetest.Open(t, url, outbox.Migrations, adapters.Migrations)
	ob := outbox.New(db, 10*time.Millisecond)
	return &fixture{db: db, ob: ob, repo: adapters.NewRepository(db, ob)}
}

func (fx *fixture) apply(t *testing.T, recs ...domain.Record) importer.Outcome {
	t.Helper()
	out, err := fx.tryApply(recs...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// tryApply imports recs as one chunk in its own transaction.
func (fx *fixture) tryApply(recs ...domain.Record) (importer.Outcome, error) {
	var out importer.Outcome
	err := fx.db.InTx(context.Background(), func(tx *storage.Tx) error {
		var err error
		out, err = fx.repo.ApplyImport(context.Background(), tx, chunk(recs))
		return err
	})
	return out, err
}

// chunk numbers recs as the importer does.
func chunk(recs []domain.Record) []importer.Record[domain.Record] {
	in := make([]importer.Record[domain.Record], len(recs))
	for i, r := range recs {
		in[i] = importer.Record[domain.Record]{Index: int64(i), Value: r}
	}
	return in
}

func (fx *fixture) events(t *testing.T) []string {
	t.Helper()
	recs, err := fx.ob.Read(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, r.Event.Type+" "+r.Event.Family)
	}
	return out
}

func records() []domain.Record {
	return []domain.Record{
		&domain.HealthCoverage{NIK: nikA, Class: domain.MembershipClass3, OutpatientVisits: 2, ChronicIllness: true,
			Common: common("2025-06-30", domain.Matched, kkA)},
		&domain.HealthCoverage{NIK: nikB, Class: domain.MembershipNone, Common: common("2025-06-30", domain.Unmatched, "")},
		&domain.Enrolment{NIK: nikB, SchoolYear: "2025/2026", Level: domain.LevelPrimary, Ownership: domain.OwnershipPrivate,
			FeeBand: domain.FeeLow, KIPRecipient: true, Common: common("2025-07-30", domain.Matched, kkA)},
		&domain.UtilityUsage{KK: kkA, Month: "2025-05", ElectricityKWh: 80, SubsidisedTariff: true, PLNCustomerID: "512345678901",
			SubsidisedLPGPurchases: 4, Common: common("2025-06-30", domain.Matched, kkA)},
		&domain.UtilityUsage{KK: kkA, Month: "2025-06", ElectricityKWh: 85, Common: common("2025-06-30", domain.Matched, kkA)},
		&domain.ProgrammeParticipation{KK: kkA, Programme: domain.ProgrammePKH, PeriodStart: day("2024-01-01"),
			DisbursingAgency: "kemensos", Common: common("2025-06-30", domain.Matched, kkA)},
		&domain.ProgrammeParticipation{KK: kkA, NIK: nikA, Programme: domain.ProgrammePBIJK, PeriodStart: day("2024-01-01"),
			PeriodEnd: day("2024-12-31"), DisbursingAgency: "kemenkes",
			Common: domain.Common{SourceAgency: "kemensos", ObservationDate: day("2025-06-30"), Match: domain.Matched,
				Flags: domain.Flags(0).With(domain.FlagPersonDeceased), FamilyKK: kkA}},
		&domain.ProgrammeParticipation{KK: kkB, Programme: domain.ProgrammeBLT, PeriodStart: day("2022-01-01"),
			DisbursingAgency: "pos-indonesia", Common: common("2025-06-30", domain.Matched, kkB)},
	}
}

func TestRepositoryRoundTripAndImport(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		ctx := context.Background()
		out := fx.apply(t, records()...)
		if out.Accepted != 8 || out.Unchanged != 0 || len(out.Rejections) != 0 {
			t.Fatalf("first apply: %+v", out)
		}
		// Every field survives the round trip on this engine.
		for _, want := range records() {
			got, err := fx.repo.Get(ctx, want.Kind(), want.Name())
			if err != nil {
				t.Fatalf("get %s: %v", want.Name(), err)
			}
			w := want.Meta()
			*w = *got.Meta() // times and version are set by the store
			if g, wv := got, want; !equal(g, wv) {
				t.Fatalf("round trip of %s:\n got %+v\nwant %+v", want.Name(), g, wv)
			}
			if got.Meta().Version != 1 || got.Meta().CreateTime.IsZero() {
				t.Fatalf("new record meta: %+v", got.Meta())
			}
		}
		if _, err := fx.repo.Get(ctx, domain.KindEnrolment, "persons/"+nikA+"/enrolments/2025-2026"); err != domain.ErrNotFound {
			t.Fatalf("missing record: %v", err)
		}

		// Same again: unchanged; duplicate in the chunk: rejected; older: rejected; newer: updated.
		recs := records()
		newer := records()[0].(*domain.HealthCoverage)
		newer.ObservationDate, newer.OutpatientVisits = day("2025-07-31"), 5
		older := records()[3].(*domain.UtilityUsage)
		older.ObservationDate, older.ElectricityKWh = day("2025-06-01"), 1
		out = fx.apply(t, recs[1], recs[1], newer, older)
		if out.Accepted != 1 || out.Unchanged != 1 || len(out.Rejections) != 2 ||
			out.Rejections[0].GetViolations()[0].GetReason() != domain.ReasonRecordDuplicateInBatch ||
			out.Rejections[1].GetViolations()[0].GetReason() != domain.ReasonObservationOlderThanStore {
			t.Fatalf("second apply: %+v", out)
		}
		if out.Rejections[0].GetKey() != "persons/320412********02/healthCoverages/bpjs-kesehatan" {
			t.Fatalf("rejection key must mask the NIK: %q", out.Rejections[0].GetKey())
		}
		got, _ := fx.repo.Get(ctx, domain.KindHealthCoverage, newer.Name())
		if got.(*domain.HealthCoverage).OutpatientVisits != 5 || got.Meta().Version != 2 {
			t.Fatalf("updated: %+v", got)
		}
		evs := fx.events(t)
		if len(evs) != 9 || evs[0] != "serviceusage.healthCoverage.created families/"+kkA ||
			evs[1] != "serviceusage.healthCoverage.created " || evs[8] != "serviceusage.healthCoverage.updated families/"+kkA {
			t.Fatalf("events: %v", evs)
		}
	})
}

func equal(a, b domain.Record) bool {
	switch x := a.(type) {
	case *domain.HealthCoverage:
		return *x == *b.(*domain.HealthCoverage)
	case *domain.Enrolment:
		return *x == *b.(*domain.Enrolment)
	case *domain.UtilityUsage:
		return *x == *b.(*domain.UtilityUsage)
	case *domain.ProgrammeParticipation:
		return *x == *b.(*domain.ProgrammeParticipation)
	}
	return false
}

func TestRepositoryQueries(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		ctx := context.Background()
		fx.apply(t, records()...)

		names := func(recs []domain.Record) []string {
			var out []string
			for _, r := range recs {
				out = append(out, r.Name())
			}
			return out
		}
		list := func(q domain.Query) []string {
			t.Helper()
			if q.Limit == 0 {
				q.Limit = 100
			}
			recs, err := fx.repo.List(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			return names(recs)
		}
		if got := list(domain.Query{Kind: domain.KindHealthCoverage}); len(got) != 2 || got[0] > got[1] {
			t.Fatalf("all health: %v", got)
		}
		if got := list(domain.Query{Kind: domain.KindHealthCoverage, Match: domain.Unmatched}); len(got) != 1 || got[0] != "persons/"+nikB+"/healthCoverages/bpjs-kesehatan" {
			t.Fatalf("unmatched: %v", got)
		}
		if got := list(domain.Query{Kind: domain.KindHealthCoverage, Limit: 1, AfterName: "persons/" + nikA}); len(got) != 1 {
			t.Fatalf("after: %v", got)
		}
		if got := list(domain.Query{Kind: domain.KindUtilityUsage, FamilyKK: kkA, Month: "2025-06"}); len(got) != 1 {
			t.Fatalf("utility month: %v", got)
		}
		if got := list(domain.Query{Kind: domain.KindProgrammeParticipation, Programme: domain.ProgrammeBLT}); len(got) != 1 {
			t.Fatalf("programme filter: %v", got)
		}
		if got := list(domain.Query{Kind: domain.KindEnrolment, FamilyKK: kkA, SchoolYear: "2025/2026", NIK: nikB}); len(got) != 1 {
			t.Fatalf("enrolment filter: %v", got)
		}

		fam, err := fx.repo.FamilyRecords(ctx, kkA, []string{nikA, nikB}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(fam.HealthCoverages) != 2 || len(fam.Enrolments) != 1 || len(fam.Utilities) != 1 || fam.Utilities[0].Month != "2025-06" ||
			len(fam.Programmes) != 2 {
			t.Fatalf("family records: %+v", fam)
		}

		touched, err := fx.repo.RecordsFor(ctx, []string{nikB}, []string{kkB})
		if err != nil {
			t.Fatal(err)
		}
		if got := names(touched); len(got) != 3 { // nikB's coverage and enrolment, kkB's programme
			t.Fatalf("records for: %v", got)
		}
	})
}

func TestRepositorySaveAssessments(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		ctx := context.Background()
		fx.apply(t, records()...)
		rec, _ := fx.repo.Get(ctx, domain.KindHealthCoverage, "persons/"+nikB+"/healthCoverages/bpjs-kesehatan")
		stale, _ := fx.repo.Get(ctx, domain.KindHealthCoverage, "persons/"+nikB+"/healthCoverages/bpjs-kesehatan")
		domain.Assess(rec, domain.Identities{Persons: map[string]domain.PersonStatus{nikB: {Registered: true, FamilyKK: kkA}}})
		n, err := fx.repo.SaveAssessments(ctx, []domain.Record{rec})
		if err != nil || n != 1 {
			t.Fatalf("save: %d %v", n, err)
		}
		got, _ := fx.repo.Get(ctx, domain.KindHealthCoverage, rec.Name())
		if got.Meta().Match != domain.Matched || got.Meta().FamilyKK != kkA || got.Meta().UnmatchedReason != "" || got.Meta().Version != 2 {
			t.Fatalf("saved: %+v", got.Meta())
		}
		// A record that moved since it was loaded is not overwritten.
		domain.Assess(stale, domain.Identities{})
		if n, err := fx.repo.SaveAssessments(ctx, []domain.Record{stale}); err != nil || n != 0 {
			t.Fatalf("stale save wrote %d: %v", n, err)
		}
		evs := fx.events(t)
		if len(evs) != 9 || evs[8] != "serviceusage.healthCoverage.reconciled families/"+kkA {
			t.Fatalf("events: %v", evs)
		}
	})
}
