package adapters_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/serviceusage/adapters"
	"github.com/dtsen-id/dtsen/services/serviceusage/domain"
)

const kkC = "3204120000030001"

// raceWith puts write, a second writer, between the read of the next
// chunk's stored rows and the chunk's writes. On PostgreSQL it commits in
// its own transaction, as a concurrent import would. SQLite's write lock
// serialises writers, so the race cannot happen there: write runs in the
// chunk's own transaction and is rolled back with it.
func (fx *fixture) raceWith(t *testing.T, write func(ctx context.Context, tx *storage.Tx) error) {
	t.Helper()
	done := false
	fx.repo.SetAfterRead(func(ctx context.Context, tx *storage.Tx) error {
		if done {
			return nil
		}
		done = true
		if fx.db.Engine() == storage.Postgres {
			return fx.db.InTx(ctx, func(other *storage.Tx) error { return write(ctx, other) })
		}
		return write(ctx, tx)
	})
}

// importBy is a second writer importing recs through its own repository.
func (fx *fixture) importBy(recs ...domain.Record) func(context.Context, *storage.Tx) error {
	other := adapters.NewRepository(fx.db, fx.ob)
	return func(ctx context.Context, tx *storage.Tx) error {
		_, err := other.ApplyImport(ctx, tx, chunk(recs))
		return err
	}
}

// A chunk whose stored record another import changes between the chunk's
// read and its update fails with ErrConcurrentChange and writes nothing,
// not even its new records; sent again, it applies over the other change.
func TestConcurrentUpdateAbortsTheChunk(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		ctx := context.Background()
		fx.apply(t, records()...)
		changed := func(visits int32) *domain.HealthCoverage {
			h := records()[0].(*domain.HealthCoverage) // nikA's coverage, stored at version 1
			h.ObservationDate, h.OutpatientVisits = day("2025-07-31"), visits
			return h
		}
		theirs, ours := changed(7), changed(5)
		fresh := &domain.HealthCoverage{NIK: "3204125005900003", Class: domain.MembershipClass1,
			Common: common("2025-07-31", domain.Matched, kkB)}

		fx.raceWith(t, fx.importBy(theirs))
		if _, err := fx.tryApply(ours, fresh); !errors.Is(err, domain.ErrConcurrentChange) {
			t.Fatalf("chunk that lost the race: %v, want ErrConcurrentChange", err)
		}
		wantVisits, wantVersion, wantEvents := records()[0].(*domain.HealthCoverage).OutpatientVisits, int64(1), 8
		if fx.db.Engine() == storage.Postgres {
			wantVisits, wantVersion, wantEvents = theirs.OutpatientVisits, 2, 9 // the other import committed
		}
		got, err := fx.repo.Get(ctx, ours.Kind(), ours.Name())
		if err != nil || got.(*domain.HealthCoverage).OutpatientVisits != wantVisits || got.Meta().Version != wantVersion {
			t.Fatalf("contested record: %+v, %v; want %d visits at version %d", got, err, wantVisits, wantVersion)
		}
		if _, err := fx.repo.Get(ctx, fresh.Kind(), fresh.Name()); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("the failed chunk's new record: %v, want not found", err)
		}
		if evs := fx.events(t); len(evs) != wantEvents {
			t.Fatalf("%d events, want %d: %v", len(evs), wantEvents, evs)
		}

		if out := fx.apply(t, ours, fresh); out.Accepted != 2 {
			t.Fatalf("re-sent chunk: %+v", out)
		}
		got, _ = fx.repo.Get(ctx, ours.Kind(), ours.Name())
		if got.(*domain.HealthCoverage).OutpatientVisits != 5 || got.Meta().Version != wantVersion+1 {
			t.Fatalf("after the re-send: %+v", got)
		}
	})
}

// A person's own participation that another import changes in place, or
// moves to a third family, between the chunk's read and its own move: the
// chunk's delete finds no row at the version it read, so the chunk fails
// and the record stays once, as the other import left it, with its key row
// in step.
func TestConcurrentMoveAbortsTheChunk(t *testing.T) {
	movedTo := func(kk string) *domain.ProgrammeParticipation {
		p := records()[6].(*domain.ProgrammeParticipation) // nikA's own, stored under kkA
		p.KK, p.FamilyKK, p.ObservationDate = kk, kk, day("2025-08-31")
		return p
	}
	for race, theirs := range map[string]*domain.ProgrammeParticipation{"changed": movedTo(kkA), "moved": movedTo(kkC)} {
		t.Run(race, func(t *testing.T) {
			storagetest.Engines(t, func(t *testing.T, url string) {
				fx := open(t, url)
				fx.apply(t, records()...)
				ours := movedTo(kkB)

				fx.raceWith(t, fx.importBy(theirs))
				if _, err := fx.tryApply(ours); !errors.Is(err, domain.ErrConcurrentChange) {
					t.Fatalf("move that lost the race: %v, want ErrConcurrentChange", err)
				}
				want, wantVersion := kkA, int64(1)
				if fx.db.Engine() == storage.Postgres {
					want, wantVersion = theirs.KK, 2 // the other import committed
				}
				if rows, key := fx.copies(t, ours); !slices.Equal(rows, []string{want}) || key != want {
					t.Fatalf("stored under %v, key %q; want once under %s", rows, key, want)
				}
				if got, err := fx.repo.Get(context.Background(), ours.Kind(), ours.Name()); err != nil || got.Meta().Version != wantVersion {
					t.Fatalf("contested record: %+v, %v; want version %d", got, err, wantVersion)
				}
			})
		})
	}
}

// A move also checks that the key row still names the KK number it was read
// with, so a key changed by another writer fails the chunk even though the
// row's version did not move.
func TestMoveChecksTheKeyRow(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		fx.apply(t, records()...)
		ours := records()[6].(*domain.ProgrammeParticipation)
		ours.KK, ours.FamilyKK, ours.ObservationDate = kkB, kkB, day("2025-08-31")

		fx.raceWith(t, func(ctx context.Context, tx *storage.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE participation_keys SET kk = $1 WHERE nik = $2 AND name = $3",
				kkC, nikA, ours.Name())
			return err
		})
		if _, err := fx.tryApply(ours); !errors.Is(err, domain.ErrConcurrentChange) {
			t.Fatalf("move over a changed key: %v, want ErrConcurrentChange", err)
		}
		if rows, _ := fx.copies(t, ours); !slices.Equal(rows, []string{kkA}) {
			t.Fatalf("the failed move's row is stored under %v, want %s", rows, kkA)
		}
	})
}
