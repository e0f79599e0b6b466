package adapters_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/serviceusage/adapters"
	"github.com/dtsen-id/dtsen/services/serviceusage/domain"
)

var tableOf = map[domain.Kind]string{
	domain.KindHealthCoverage:         "health_coverages",
	domain.KindEnrolment:              "enrolments",
	domain.KindUtilityUsage:           "utility_usages",
	domain.KindProgrammeParticipation: "programme_participations",
}

// copies returns the distribution value (nik or kk) of every stored row
// named name, on any shard, and the KK number its participation_keys row
// names ("" for none).
func (fx *fixture) copies(t *testing.T, rec domain.Record) (rows []string, key string) {
	t.Helper()
	ctx := context.Background()
	dist := "nik"
	if rec.Kind() == domain.KindUtilityUsage || rec.Kind() == domain.KindProgrammeParticipation {
		dist = "kk"
	}
	res, err := fx.db.QueryContext(ctx, "SELECT /* dtsen:fanout test: every copy of one record */ "+dist+
		" FROM "+tableOf[rec.Kind()]+" WHERE name = $1 ORDER BY "+dist, rec.Name())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	for res.Next() {
		var v string
		if err := res.Scan(&v); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, v)
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	err = fx.db.QueryRowContext(ctx, "SELECT /* dtsen:fanout test: the key row of one record */ kk FROM participation_keys "+
		"WHERE name = $1", rec.Name()).Scan(&key)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		t.Fatal(err)
	}
	return rows, key
}

func programmeNames(ps []*domain.ProgrammeParticipation) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name())
	}
	slices.Sort(out)
	return out
}

// A record sent again, unchanged or changed, stays one row under the new
// primary keys (nik, name) and (kk, name), with its key row in step.
func TestResendKeepsOneRow(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		fx.apply(t, records()...)
		if out := fx.apply(t, records()...); out.Unchanged != 8 || out.Accepted != 0 {
			t.Fatalf("resend: %+v", out)
		}
		changed := records()
		for _, r := range changed {
			r.Meta().ObservationDate = day("2025-08-31")
		}
		if out := fx.apply(t, changed...); out.Accepted != 8 {
			t.Fatalf("changed resend: %+v", out)
		}
		for _, r := range records() {
			rows, key := fx.copies(t, r)
			nik, kk := r.Identity()
			want := nik
			if r.Kind() == domain.KindUtilityUsage || r.Kind() == domain.KindProgrammeParticipation {
				want = kk
			}
			if !slices.Equal(rows, []string{want}) {
				t.Errorf("%s is stored under %v, want once under %s", r.Name(), rows, want)
			}
			wantKey := ""
			if r.Kind() == domain.KindProgrammeParticipation && nik != "" {
				wantKey = kk
			}
			if key != wantKey {
				t.Errorf("%s key row names %q, want %q", r.Name(), key, wantKey)
			}
			got, err := fx.repo.Get(context.Background(), r.Kind(), r.Name())
			if err != nil || got.Meta().Version != 2 {
				t.Errorf("get %s after two writes: %v, %v", r.Name(), got, err)
			}
		}
	})
}

// A person's own participation sent again under another KK number (the
// person moved, or the agency corrected the KK) changes shard: it is
// deleted and inserted again, never duplicated, and every read follows it.
func TestPersonParticipationMovesFamily(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		ctx := context.Background()
		fx.apply(t, records()...)
		moved := records()[6].(*domain.ProgrammeParticipation)
		if moved.NIK != nikA || moved.KK != kkA {
			t.Fatalf("fixture changed: %s", moved.Name())
		}
		moved.KK, moved.FamilyKK, moved.ObservationDate = kkB, kkB, day("2025-08-31")
		if out := fx.apply(t, moved); out.Accepted != 1 {
			t.Fatalf("move: %+v", out)
		}
		if rows, key := fx.copies(t, moved); !slices.Equal(rows, []string{kkB}) || key != kkB {
			t.Fatalf("after the move: rows under %v, key %q; want one under %s", rows, key, kkB)
		}
		got, err := fx.repo.Get(ctx, moved.Kind(), moved.Name())
		if err != nil || got.(*domain.ProgrammeParticipation).KK != kkB || got.Meta().Version != 2 ||
			got.Meta().CreateTime.IsZero() {
			t.Fatalf("get after the move: %+v, %v", got, err)
		}
		// Sent again unchanged: found under its new KK number, nothing written.
		if out := fx.apply(t, moved); out.Unchanged != 1 {
			t.Fatalf("resend after the move: %+v", out)
		}
		// nikA is still kkA's member: kkA's summary shows the participation
		// from its new home; kkB's does not, nikA not being a member there.
		fam, err := fx.repo.FamilyRecords(ctx, kkA, []string{nikA, nikB}, 12)
		if err != nil {
			t.Fatal(err)
		}
		if got := programmeNames(fam.Programmes); !slices.Contains(got, moved.Name()) || len(got) != 2 {
			t.Fatalf("kkA's programmes: %v", got)
		}
		fam, err = fx.repo.FamilyRecords(ctx, kkB, nil, 12)
		if err != nil {
			t.Fatal(err)
		}
		if got := programmeNames(fam.Programmes); len(got) != 1 || strings.HasPrefix(got[0], "persons/") {
			t.Fatalf("kkB's programmes: %v", got)
		}
		evs := fx.events(t)
		if evs[len(evs)-1] != "serviceusage.programmeParticipation.updated families/"+kkB {
			t.Fatalf("the move's event: %v", evs[len(evs)-1])
		}
	})
}

// The family read returns the family's own participations and each
// member's, wherever the member's are stored; not a former member's.
func TestFamilyReadParticipations(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		ctx := context.Background()
		const nikC = "3204125005900003" // a member who moved in from kkB
		fromB := &domain.ProgrammeParticipation{KK: kkB, NIK: nikC, Programme: domain.ProgrammeSembakoBPNT,
			PeriodStart: day("2023-07-01"), DisbursingAgency: "kemendikbud", Common: common("2025-06-30", domain.Matched, kkB)}
		fx.apply(t, append(records(), fromB)...)

		fam, err := fx.repo.FamilyRecords(ctx, kkA, []string{nikA, nikC}, 12)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"families/" + kkA + "/programmeParticipations/pkh.2024-01-01",
			"persons/" + nikA + "/programmeParticipations/pbi-jk.2024-01-01",
			fromB.Name(),
		}
		slices.Sort(want)
		if got := programmeNames(fam.Programmes); !slices.Equal(got, want) {
			t.Fatalf("kkA's programmes:\n got %v\nwant %v", got, want)
		}
		// nikA's participation is stored under kkA; once nikA is no longer a
		// member it leaves kkA's summary.
		fam, err = fx.repo.FamilyRecords(ctx, kkA, []string{nikC}, 12)
		if err != nil {
			t.Fatal(err)
		}
		if got := programmeNames(fam.Programmes); len(got) != 2 || slices.Contains(got, want[1]) {
			t.Fatalf("kkA's programmes without nikA: %v", got)
		}
		// The registry feed's reconciliation finds a person's participation
		// by NIK alone, under any family.
		recs, err := fx.repo.RecordsFor(ctx, []string{nikC}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 || recs[0].Name() != fromB.Name() {
			t.Fatalf("records for nikC: %v", recs)
		}
	})
}

// participation_keys keeps a person's participation name unique across
// shards, as the single-column primary key did.
func TestParticipationKeyIsUnique(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		fx.apply(t, records()...)
		name := records()[6].Name()
		_, err := fx.db.SQL().ExecContext(context.Background(),
			"INSERT INTO participation_keys (nik, name, kk) VALUES ($1, $2, $3)", nikA, name, kkB)
		if !storage.IsUniqueViolation(err) {
			t.Fatalf("a second key row for %s: %v", name, err)
		}
	})
}

// TestKeysMigration: rows stored before migration 0002 (primary key name
// alone) are read back after it, by name and by family, and the key table
// is filled from them.
func TestKeysMigration(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		before := storagetest.Before(t, adapters.Migrations, 2)
		db := storagetest.Open(t, url, outbox.Migrations,
			before)
		// Stored as the code before the migration stored them.
		for _, row := range []struct {
			query string
			args  []any
		}{
			{"INSERT INTO health_coverages (name, nik, membership_class, outpatient_visits, inpatient_admissions, " +
				"chronic_illness, source_agency, observation_date, match_status, flags, family_kk, version, create_time, update_time) " +
				"VALUES ($1, $2, 3, 2, 0, $3, 'bpjs-kesehatan', '2025-06-30', 1, 0, $4, 1, 1, 1)",
				[]any{"persons/" + nikA + "/healthCoverages/bpjs-kesehatan", nikA, true, kkA}},
			{"INSERT INTO enrolments (name, nik, school_year, level, ownership, fee_band, kip_recipient, source_agency, " +
				"observation_date, match_status, flags, family_kk, version, create_time, update_time) " +
				"VALUES ($1, $2, '2025/2026', 1, 2, 1, $3, 'kemendikbud', '2025-07-30', 1, 0, $4, 1, 1, 1)",
				[]any{"persons/" + nikB + "/enrolments/2025-2026", nikB, true, kkA}},
			{"INSERT INTO utility_usages (name, kk, month, electricity_kwh, subsidised_tariff, pln_customer_id, " +
				"subsidised_lpg_purchases, source_agency, observation_date, match_status, flags, family_kk, version, create_time, update_time) " +
				"VALUES ($1, $2, '2025-06', 85, $3, '', 0, 'pln', '2025-06-30', 1, 0, $2, 1, 1, 1)",
				[]any{"families/" + kkA + "/utilityUsages/2025-06", kkA, false}},
			{"INSERT INTO programme_participations (name, kk, nik, programme, period_start, disbursing_agency, " +
				"source_agency, observation_date, match_status, flags, family_kk, version, create_time, update_time) " +
				"VALUES ($1, $2, '', 1, '2024-01-01', 'kemensos', 'kemensos', '2025-06-30', 1, 0, $2, 1, 1, 1)",
				[]any{"families/" + kkA + "/programmeParticipations/pkh.2024-01-01", kkA}},
			{"INSERT INTO programme_participations (name, kk, nik, programme, period_start, disbursing_agency, " +
				"source_agency, observation_date, match_status, flags, family_kk, version, create_time, update_time) " +
				"VALUES ($1, $2, $3, 3, '2024-01-01', 'kemenkes', 'kemensos', '2025-06-30', 1, 0, $2, 1, 1, 1)",
				[]any{"persons/" + nikA + "/programmeParticipations/pbi-jk.2024-01-01", kkB, nikA}},
		} {
			if _, err := db.SQL().ExecContext(ctx, row.query, row.args...); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Migrate(ctx, outbox.Migrations, adapters.Migrations); err != nil {
			t.Fatal(err)
		}
		repo := adapters.NewRepository(db, outbox.New(db, 0))
		for kind, name := range map[domain.Kind]string{
			domain.KindHealthCoverage:         "persons/" + nikA + "/healthCoverages/bpjs-kesehatan",
			domain.KindEnrolment:              "persons/" + nikB + "/enrolments/2025-2026",
			domain.KindUtilityUsage:           "families/" + kkA + "/utilityUsages/2025-06",
			domain.KindProgrammeParticipation: "persons/" + nikA + "/programmeParticipations/pbi-jk.2024-01-01",
		} {
			if rec, err := repo.Get(ctx, kind, name); err != nil || rec.Name() != name {
				t.Errorf("get %s after the migration: %v, %v", name, rec, err)
			}
		}
		fam, err := repo.FamilyRecords(ctx, kkA, []string{nikA, nikB}, 12)
		if err != nil {
			t.Fatal(err)
		}
		if len(fam.HealthCoverages) != 1 || !fam.HealthCoverages[0].ChronicIllness || len(fam.Enrolments) != 1 ||
			len(fam.Utilities) != 1 || len(fam.Programmes) != 2 {
			t.Fatalf("family records after the migration: %+v", fam)
		}
	})
}
