package adapters_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/adapters"
	"github.com/dtsen-id/dtsen/services/registry/app"
	"github.com/dtsen-id/dtsen/services/registry/domain"
)

// Persons are stored with their family (persons is distributed by
// family_kk) and person_keys maps each NIK to that family. These tests hold
// the two in step through every write, on every engine.

// keyOf returns the family person_keys names for nik, "" when there is none.
func (fx *fixture) keyOf(t *testing.T, nik string) string {
	t.Helper()
	var kk string
	err := fx.db.QueryRowContext(context.Background(), "SELECT family_kk FROM person_keys WHERE nik = $1", nik).Scan(&kk)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("person key: %v", err)
	}
	return kk
}

// rowsOf counts nik's person rows in every family.
func (fx *fixture) rowsOf(t *testing.T, nik string) int {
	t.Helper()
	var n int
	if err := fx.db.QueryRowContext(context.Background(),
		"SELECT /* dtsen:fanout test counts a NIK's rows in every family */ count(*) FROM persons WHERE nik = $1", nik).Scan(&n); err != nil {
		t.Fatalf("count person rows: %v", err)
	}
	return n
}

// checkKeys fails unless person_keys holds exactly one row per person row,
// naming the person's family.
func checkKeys(t *testing.T, db *storage.DB) {
	t.Helper()
	var persons, keys, matched int
	ctx := context.Background()
	if err := db.QueryRowContext(ctx, "SELECT /* dtsen:fanout test counts every person */ count(*) FROM persons").Scan(&persons); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, "SELECT /* dtsen:fanout test counts every person key */ count(*) FROM person_keys").Scan(&keys); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, "SELECT /* dtsen:fanout test matches every person with its key */ count(*) "+
		"FROM persons p JOIN person_keys k ON k.nik = p.nik AND k.family_kk = p.family_kk").Scan(&matched); err != nil {
		t.Fatal(err)
	}
	if persons == 0 || persons != keys || persons != matched {
		t.Fatalf("%d person rows, %d keys, %d keys naming their person's family", persons, keys, matched)
	}
}

func TestMoveAndSplitKeepPersonKeys(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		ctx := context.Background()
		a := app.New(fx.repo, nil, nil)
		f0, f1 := family(0), family(1)
		fx.create(t, f0, f1)
		checkKeys(t, fx.db)

		// MovePerson: the row leaves f0 and lands in f1, once, and the key
		// follows it; GetPerson and the identity lookup find it in f1.
		child := f0.Members[3].NIK
		moved, err := a.MovePerson(ctx, child, f1.KK, domain.RelationOtherRelative, "")
		if err != nil {
			t.Fatal(err)
		}
		if moved.FamilyKK != f1.KK || fx.keyOf(t, child) != f1.KK || fx.rowsOf(t, child) != 1 {
			t.Fatalf("after the move: person in %s, key %s, %d rows", moved.FamilyKK, fx.keyOf(t, child), fx.rowsOf(t, child))
		}
		checkKeys(t, fx.db)
		p, err := fx.repo.GetPerson(ctx, child)
		if err != nil || p.FamilyKK != f1.KK || p.Version != 2 || p.Relation != domain.RelationOtherRelative {
			t.Fatalf("GetPerson after the move: %+v, %v", p, err)
		}
		if _, f, err := a.GetPersonWithFamily(ctx, child); err != nil || f.KK != f1.KK || fx.get(t, f0.KK).Member(child) != nil {
			t.Fatalf("GetPersonWithFamily after the move: %v, %v", f, err)
		}
		ids, _, err := fx.repo.LookupIdentities(ctx, []string{child, f0.HeadNIK}, nil)
		if err != nil || ids[child].FamilyKK != f1.KK || ids[child].FamilyRegion != f1.RegionCode || ids[f0.HeadNIK].FamilyKK != f0.KK {
			t.Fatalf("LookupIdentities after the move: %+v, %v", ids, err)
		}

		// And back: a person can return to a family they left.
		if _, err := a.MovePerson(ctx, child, f0.KK, domain.RelationChild, ""); err != nil {
			t.Fatal(err)
		}
		if fx.keyOf(t, child) != f0.KK || fx.rowsOf(t, child) != 1 || fx.get(t, f1.KK).Member(child) != nil {
			t.Fatal("the move back left the person in the wrong family")
		}
		checkKeys(t, fx.db)

		// SplitFamily: the leaving members' rows and keys move to the new
		// family, which is created in the same transaction; the others stay.
		daughter := f0.Members[2].NIK
		orig, created, err := a.SplitFamily(ctx, app.Split{KK: f0.KK, NewKK: "3204120900000001", MemberNIKs: []string{daughter},
			NewHeadNIK: daughter, Address: domain.Address{Street: "Jl. Melati 3", RT: "001", RW: "002"},
			RegionCode: "32.04.12.2002", Settlement: domain.SettlementUrban})
		if err != nil {
			t.Fatal(err)
		}
		if len(orig.Members) != 3 || len(created.Members) != 1 {
			t.Fatalf("split: %d and %d members", len(orig.Members), len(created.Members))
		}
		if fx.keyOf(t, daughter) != created.KK || fx.rowsOf(t, daughter) != 1 || fx.keyOf(t, f0.HeadNIK) != f0.KK {
			t.Fatalf("after the split: key %s, %d rows", fx.keyOf(t, daughter), fx.rowsOf(t, daughter))
		}
		checkKeys(t, fx.db)
		if p, err := fx.repo.GetPerson(ctx, daughter); err != nil || p.FamilyKK != created.KK || p.Relation != domain.RelationHead {
			t.Fatalf("GetPerson after the split: %+v, %v", p, err)
		}
		if got := fx.get(t, created.KK); got.HeadNIK != daughter || got.Member(daughter) == nil {
			t.Fatalf("the new family: %+v", got)
		}

		// A move refused by the family rules writes neither row nor key.
		if _, err := a.MovePerson(ctx, f0.HeadNIK, f1.KK, domain.RelationHead, ""); err == nil {
			t.Fatal("moved a second head into a family")
		}
		if fx.keyOf(t, f0.HeadNIK) != f0.KK || fx.rowsOf(t, f0.HeadNIK) != 1 {
			t.Fatal("a refused move changed the person's row or key")
		}
		checkKeys(t, fx.db)
	})
}

// person_keys' primary key is the database's own guard that a NIK is in at
// most one family: persons' key is (family_kk, nik), so it no longer is.
func TestPersonKeysRefuseASecondFamily(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		ctx := context.Background()
		f0 := family(0)
		fx.create(t, f0, family(1))
		nik := f0.Members[0].NIK

		err := fx.db.InTx(ctx, func(tx *storage.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO person_keys (nik, family_kk) VALUES ($1, $2)", nik, family(1).KK)
			return err
		})
		if !storage.IsUniqueViolation(err) {
			t.Fatalf("a second key for a stored NIK: %v, want a unique violation", err)
		}

		// Through the repository: a new family claiming a stored person.
		dup := family(7)
		dup.Members[3] = family(0).Members[3]
		dup.Members[3].Relation = domain.RelationOtherRelative
		err = fx.repo.UpdateFamilies(ctx, []string{dup.KK}, func(set domain.FamilySet) error {
			set.Create(dup)
			return nil
		})
		var pre *domain.Precondition
		if !errors.As(err, &pre) || pre.Reason != "PERSON_IN_TWO_FAMILIES" {
			t.Fatalf("person in two families: %v", err)
		}
		// And through a bulk import chunk whose COPY meets a stored key (as
		// when another batch stored the person after this chunk's check): the
		// chunk fails whole with a unique violation, which the use case turns
		// into a retry.
		err = fx.db.InTx(ctx, func(tx *storage.Tx) error {
			_, err := tx.CopyFrom(ctx, "person_keys", []string{"nik", "family_kk"}, [][]any{{family(7).Members[0].NIK, family(7).KK}, {nik, family(7).KK}})
			return err
		})
		if !storage.IsUniqueViolation(err) {
			t.Fatalf("a COPY of a stored NIK's key: %v, want a unique violation", err)
		}
		if fx.rowsOf(t, nik) != 1 || fx.keyOf(t, nik) != f0.KK {
			t.Fatal("the stored person changed")
		}
		checkKeys(t, fx.db)
	})
}

// A key that names a family without the person (a move between a read's two
// steps, here made permanent) is retried, then reported as a concurrent
// change: never as "not registered", and never as the wrong person.
func TestReadByNIKRetriesAStaleKey(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		ctx := context.Background()
		f0, f1 := family(0), family(1)
		fx.create(t, f0, f1)
		nik := f0.Members[3].NIK
		if _, err := fx.db.SQL().ExecContext(ctx, "UPDATE person_keys SET family_kk = $1 WHERE nik = $2", f1.KK, nik); err != nil {
			t.Fatal(err)
		}
		if _, err := fx.repo.GetPerson(ctx, nik); !errors.Is(err, domain.ErrConcurrentChange) || !errors.Is(err, app.ErrConcurrentChange) {
			t.Fatalf("GetPerson with a stale key: %v", err)
		}
		if _, _, err := fx.repo.LookupIdentities(ctx, []string{nik}, nil); !errors.Is(err, domain.ErrConcurrentChange) {
			t.Fatalf("LookupIdentities with a stale key: %v", err)
		}
		// The join is by any of the families and any of the NIKs, so with
		// another member of the person's real family in the same call the
		// row is found where it is, and reported there.
		ids, _, err := fx.repo.LookupIdentities(ctx, []string{f0.HeadNIK, nik}, nil)
		if err != nil || ids[nik].FamilyKK != f0.KK {
			t.Fatalf("LookupIdentities with a stale key and its real family: %+v, %v", ids, err)
		}
		// An unregistered NIK is still just absent.
		ids, _, err = fx.repo.LookupIdentities(ctx, []string{f0.HeadNIK, family(9).HeadNIK}, nil)
		if err != nil || len(ids) != 1 || ids[f0.HeadNIK].FamilyKK != f0.KK {
			t.Fatalf("LookupIdentities: %+v, %v", ids, err)
		}
	})
}

// Migration 0002 moves persons to the key (family_kk, nik) and fills
// person_keys from the persons already stored, on every engine.
func TestPersonKeysMigrationBackfills(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		ctx := context.Background()
		first := storagetest.Before(t, adapters.Migrations, 2)
		db := storagetest.Open(t, url, outbox.Migrations, first)

		// Stored as the code before the migration stored them: persons only.
		fams := []*domain.Family{family(0), family(1), family(2)}
		for _, f := range fams {
			if _, err := db.SQL().ExecContext(ctx, "INSERT INTO families (kk, head_nik, region_code, settlement, version, create_time, update_time) "+
				"VALUES ($1, $2, $3, $4, 1, 0, 0)", f.KK, f.HeadNIK, f.RegionCode, int64(f.Settlement)); err != nil {
				t.Fatal(err)
			}
			for _, m := range f.Members {
				if _, err := db.SQL().ExecContext(ctx, "INSERT INTO persons (nik, family_kk, full_name, birth_date, sex, marital_status, "+
					"relation, education, occupation, disability, vital_status, version, create_time, update_time) "+
					"VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, 0, 1, 1, 0, 0)",
					m.NIK, f.KK, m.FullName, m.BirthDate.Format("2006-01-02"), int64(m.Sex), int64(m.MaritalStatus), int64(m.Relation)); err != nil {
					t.Fatal(err)
				}
			}
		}

		if err := db.Migrate(ctx, outbox.Migrations, adapters.Migrations); err != nil {
			t.Fatal(err)
		}
		checkKeys(t, db)
		repo := adapters.NewRepository(db, outbox.New(db, time.Second))
		for _, f := range fams {
			for _, m := range f.Members {
				p, err := repo.GetPerson(ctx, m.NIK)
				if err != nil || p.FamilyKK != f.KK || p.FullName != m.FullName {
					t.Fatalf("GetPerson %s after the migration: %+v, %v", m.NIK, p, err)
				}
			}
			if got, err := repo.GetFamily(ctx, f.KK); err != nil || len(got.Members) != 4 {
				t.Fatalf("GetFamily after the migration: %+v, %v", got, err)
			}
		}
		ids, _, err := repo.LookupIdentities(ctx, []string{fams[1].Members[2].NIK}, nil)
		if err != nil || ids[fams[1].Members[2].NIK].FamilyRegion != fams[1].RegionCode {
			t.Fatalf("LookupIdentities after the migration: %+v, %v", ids, err)
		}

		// The new shape: the members-of-a-family index is gone (the primary
		// key serves that read), and on PostgreSQL every key column sorts
		// bytewise, so Citus can co-locate them.
		var indexes int
		query := "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'persons_family'"
		if db.Engine() == storage.Postgres {
			query = "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'persons_family'"
		}
		if err := db.QueryRowContext(ctx, query).Scan(&indexes); err != nil || indexes != 0 {
			t.Fatalf("persons_family after the migration: %d, %v", indexes, err)
		}
		if db.Engine() == storage.Postgres {
			rows, err := db.QueryContext(ctx, `SELECT table_name || '.' || column_name, coalesce(collation_name, '')
				FROM information_schema.columns WHERE table_schema = current_schema()
				AND table_name IN ('families', 'persons', 'person_keys') AND column_name IN ('kk', 'family_kk', 'nik')`)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for rows.Next() {
				var col, coll string
				if err := rows.Scan(&col, &coll); err != nil {
					t.Fatal(err)
				}
				got[col] = coll
			}
			rows.Close()
			if len(got) != 5 {
				t.Fatalf("key columns: %v", got)
			}
			for col, coll := range got {
				if coll != "C" {
					t.Errorf("%s collates %q, want \"C\"", col, coll)
				}
			}
		}
	})
}
