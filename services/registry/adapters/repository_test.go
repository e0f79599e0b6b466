package adapters_test

import (
	"context"
	"errors"
	"slices"
	"sort"
	"testing"
	"time"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/adapters"
	"github.com/dtsen-id/dtsen/services/registry/domain"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
)

// family converts fixture family i into the domain, as the ports would.
func family(i int) *domain.Family {
	pf := registrytest.Family(i)
	f := &domain.Family{KK: pf.KkNumber, HeadNIK: pf.HeadNik, RegionCode: pf.RegionCode,
		Settlement: domain.Settlement(pf.Settlement),
		Address:    domain.Address{Street: pf.Address.Street, RT: pf.Address.Rt, RW: pf.Address.Rw, PostalCode: pf.Address.PostalCode}}
	for _, m := range pf.Members {
		f.Members = append(f.Members, person(m))
	}
	f.Normalize()
	if vs := f.Validate(time.Now()); len(vs) > 0 {
		panic(vs)
	}
	return f
}

func person(m *registryv1.Person) *domain.Person {
	birth, _ := time.Parse(time.DateOnly, m.BirthDate)
	return &domain.Person{NIK: m.Nik, FullName: m.FullName, BirthPlace: m.BirthPlace, BirthDate: birth,
		Sex: domain.Sex(m.Sex), MaritalStatus: domain.MaritalStatus(m.MaritalStatus), Relation: domain.FamilyRelation(m.RelationToHead),
		Education: domain.EducationLevel(m.Education), Occupation: domain.Occupation(m.Occupation),
		Disability: domain.Disability(m.Disability), Vital: domain.VitalStatus(m.VitalStatus)}
}

type fixture struct {
	db   *storage.DB
	ob   *outbox.Outbox
	repo *adapters.Repository
}

func open(t *testing.T, url string) *fixture {
	db := storagetest.Open(t, url, outbox.Migrations, adapters.Migrations)
	ob := outbox.New(db, time.Second)
	return &fixture{db: db, ob: ob, repo: adapters.NewRepository(db, ob)}
}

func (fx *fixture) create(t *testing.T, fams ...*domain.Family) {
	t.Helper()
	kks := make([]string, len(fams))
	for i, f := range fams {
		kks[i] = f.KK
	}
	if err := fx.repo.UpdateFamilies(context.Background(), kks, func(set domain.FamilySet) error {
		for _, f := range fams {
			set.Create(f)
		}
		return nil
	}); err != nil {
		t.Fatalf("create: %v", err)
	}
}

// events returns the feed after the cursor as "type resource" strings.
func (fx *fixture) events(t *testing.T, after int64) []string {
	t.Helper()
	recs, err := fx.ob.Read(context.Background(), after, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, r := range recs {
		if r.Sequence != after+int64(i)+1 {
			t.Fatalf("feed gap: %d after %d", r.Sequence, after+int64(i))
		}
		out = append(out, r.Event.Type+" "+r.Event.Resource)
	}
	sort.Strings(out)
	return out
}

func (fx *fixture) head(t *testing.T) int64 {
	t.Helper()
	h, err := fx.ob.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (fx *fixture) get(t *testing.T, kk string) *domain.Family {
	t.Helper()
	f, err := fx.repo.GetFamily(context.Background(), kk)
	if err != nil {
		t.Fatalf("get family: %v", err)
	}
	return f
}

func versions(f *domain.Family) map[string]int64 {
	out := map[string]int64{}
	for _, m := range f.Members {
		out[m.NIK] = m.Version
	}
	return out
}

func TestRepositoryReadsAndCreates(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		ctx := context.Background()
		want := family(0)
		fx.create(t, want, family(1), family(2))

		got := fx.get(t, want.KK)
		if got.Version != 1 || got.HeadNIK != want.HeadNIK || got.RegionCode != want.RegionCode || got.Address != want.Address ||
			got.Settlement != want.Settlement || len(got.Members) != 4 || got.CreateTime.IsZero() || !got.CreateTime.Equal(got.UpdateTime) {
			t.Fatalf("family = %+v", got)
		}
		for _, w := range want.Members {
			p, err := fx.repo.GetPerson(ctx, w.NIK)
			if err != nil {
				t.Fatal(err)
			}
			p.CreateTime, p.UpdateTime = time.Time{}, time.Time{}
			w2 := *w
			w2.Version, w2.CreateTime, w2.UpdateTime = 1, time.Time{}, time.Time{}
			if *p != w2 {
				t.Fatalf("person round trip:\n got %+v\nwant %+v", *p, w2)
			}
		}
		if _, err := fx.repo.GetPerson(ctx, family(9).HeadNIK); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("absent person: %v", err)
		}
		if _, err := fx.repo.GetFamily(ctx, family(9).KK); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("absent family: %v", err)
		}
		// One created event per family and one per new person, in one gapless run.
		if ev := fx.events(t, 0); len(ev) != 3+12 || ev[0] != "registry.family.created families/"+family(0).KK {
			t.Fatalf("events = %v", ev)
		}

		// ListFamilies: region prefix and cursor.
		fx.create(t, family(5), family(10))
		page, err := fx.repo.ListFamilies(ctx, domain.FamilyQuery{RegionPrefix: "32.04.12", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var kks []string
		for _, f := range page {
			kks = append(kks, f.KK)
		}
		if want := []string{family(0).KK, family(5).KK, family(10).KK, family(1).KK}; !slices.Equal(kks, want) {
			t.Fatalf("32.04.12 = %v, want %v (region, KK order)", kks, want)
		}
		next, err := fx.repo.ListFamilies(ctx, domain.FamilyQuery{RegionPrefix: "32.04.12", Limit: 10,
			After: domain.FamilyCursor{RegionCode: page[1].RegionCode, KK: page[1].KK}})
		if err != nil || len(next) != 2 || next[0].KK != page[2].KK || len(next[0].Members) != 4 {
			t.Fatalf("after cursor: %v %v", next, err)
		}
		// "32.0" is no region: the prefix must match whole dotted parts.
		if none, err := fx.repo.ListFamilies(ctx, domain.FamilyQuery{RegionPrefix: "32.7", Limit: 10}); err != nil || len(none) != 0 {
			t.Fatalf("partial prefix matched %d families: %v", len(none), err)
		}
	})
}

func TestRepositoryUpdateFamilies(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		ctx := context.Background()
		f0, f1 := family(0), family(1)
		fx.create(t, f0, f1)
		cursor := fx.head(t)
		child := f0.Members[3].NIK

		// Nothing changed: nothing written, no versions bumped, no events.
		if err := fx.repo.UpdateFamilies(ctx, []string{f0.KK}, func(domain.FamilySet) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if fx.head(t) != cursor || fx.get(t, f0.KK).Version != 1 {
			t.Fatal("a no-op write bumped a version or appended events")
		}

		// One person's field: that person and the family move on, the rest stay.
		err := fx.repo.UpdateFamilies(ctx, []string{f0.KK}, func(set domain.FamilySet) error {
			set.Family(f0.KK).Member(child).Occupation = domain.OccupationLaborer
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got := fx.get(t, f0.KK)
		v := versions(got)
		if got.Version != 2 || v[child] != 2 || v[f0.HeadNIK] != 1 || got.Member(child).Occupation != domain.OccupationLaborer ||
			got.Member(child).UpdateTime.Before(got.Member(child).CreateTime) {
			t.Fatalf("after person update: family v%d, persons %v", got.Version, v)
		}
		if ev := fx.events(t, cursor); !slices.Equal(ev, []string{"registry.family.updated families/" + f0.KK, "registry.person.updated persons/" + child}) {
			t.Fatalf("events = %v", ev)
		}
		cursor = fx.head(t)

		// A family field only: no person version moves.
		err = fx.repo.UpdateFamilies(ctx, []string{f0.KK}, func(set domain.FamilySet) error {
			set.Family(f0.KK).Address.Street = "Jl. Baru"
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got = fx.get(t, f0.KK)
		if got.Version != 3 || got.Address.Street != "Jl. Baru" || !maps(versions(got), v) {
			t.Fatalf("after family update: v%d %q %v", got.Version, got.Address.Street, versions(got))
		}
		if ev := fx.events(t, cursor); !slices.Equal(ev, []string{"registry.family.updated families/" + f0.KK}) {
			t.Fatalf("events = %v", ev)
		}
		cursor = fx.head(t)

		// fn fails after changing things: nothing is saved, nothing is published.
		boom := errors.New("boom")
		err = fx.repo.UpdateFamilies(ctx, []string{f0.KK, f1.KK}, func(set domain.FamilySet) error {
			a, b := set.Family(f0.KK), set.Family(f1.KK)
			a.Address.Street = "Jl. Hilang"
			p, _ := a.RemoveMember(child, "")
			_ = b.AddMember(p, domain.RelationOtherRelative)
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		if got := fx.get(t, f0.KK); got.Version != 3 || got.Address.Street != "Jl. Baru" || got.Member(child) == nil {
			t.Fatalf("a failed fn left changes: %+v", got)
		}
		if fx.head(t) != cursor {
			t.Fatal("a failed fn appended events")
		}

		// A write that fails half-way in the repository (a member dropped
		// from every family, after another member's row was already
		// updated) rolls back the rows written before the failure as well.
		err = fx.repo.UpdateFamilies(ctx, []string{f0.KK}, func(set domain.FamilySet) error {
			f := set.Family(f0.KK)
			f.Member(f0.HeadNIK).FullName = "Renamed"
			f.Members = f.Members[:3] // drops a member without giving them a family
			return nil
		})
		var pre *domain.Precondition
		if !errors.As(err, &pre) || pre.Reason != "PERSON_WOULD_HAVE_NO_FAMILY" {
			t.Fatalf("dropping a member: %v", err)
		}
		if got := fx.get(t, f0.KK); got.Member(f0.HeadNIK).FullName == "Renamed" || len(got.Members) != 4 || fx.head(t) != cursor {
			t.Fatal("a failed write left part of its changes")
		}

		// A move: both families and the person change, with events for all.
		err = fx.repo.UpdateFamilies(ctx, []string{f1.KK, f0.KK}, func(set domain.FamilySet) error {
			p, err := set.Family(f0.KK).RemoveMember(child, "")
			if err != nil {
				return err
			}
			return set.Family(f1.KK).AddMember(p, domain.RelationOtherRelative)
		})
		if err != nil {
			t.Fatal(err)
		}
		a, b := fx.get(t, f0.KK), fx.get(t, f1.KK)
		if len(a.Members) != 3 || len(b.Members) != 5 || b.Member(child).FamilyKK != f1.KK || b.Member(child).Version != 3 ||
			a.Version != 4 || b.Version != 2 {
			t.Fatalf("after move: %d/%d members, versions %d/%d", len(a.Members), len(b.Members), a.Version, b.Version)
		}
		want := []string{"registry.family.updated families/" + f0.KK, "registry.family.updated families/" + f1.KK,
			"registry.person.updated persons/" + child}
		sort.Strings(want)
		if ev := fx.events(t, cursor); !slices.Equal(ev, want) {
			t.Fatalf("events = %v", ev)
		}
		cursor = fx.head(t)

		// Creating a family with a KK that exists, or a person who belongs to
		// a family not in the unit of work, fails and writes nothing.
		err = fx.repo.UpdateFamilies(ctx, []string{f1.KK}, func(set domain.FamilySet) error {
			set.Create(family(1))
			return nil
		})
		if !errors.As(err, &pre) || pre.Reason != "FAMILY_ALREADY_EXISTS" {
			t.Fatalf("duplicate KK: %v", err)
		}
		dup := family(7)
		dup.Members[3] = family(0).Members[0] // f0's head, stored in f0
		dup.Members[3].Relation = domain.RelationOtherRelative
		err = fx.repo.UpdateFamilies(ctx, []string{dup.KK}, func(set domain.FamilySet) error {
			set.Create(dup)
			return nil
		})
		if !errors.As(err, &pre) || pre.Reason != "PERSON_IN_TWO_FAMILIES" {
			t.Fatalf("person in two families: %v", err)
		}
		if _, err := fx.repo.GetFamily(ctx, dup.KK); !errors.Is(err, domain.ErrNotFound) || fx.head(t) != cursor {
			t.Fatalf("a failed create left the family or events: %v", err)
		}
		checkKeys(t, fx.db)
	})
}

func maps(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// applyImport runs one chunk through ApplyImport in its own transaction.
func (fx *fixture) applyImport(t *testing.T, fams ...*domain.Family) importer.Outcome {
	t.Helper()
	recs := make([]importer.Record[*domain.Family], len(fams))
	for i, f := range fams {
		recs[i] = importer.Record[*domain.Family]{Index: int64(i), Value: f}
	}
	var out importer.Outcome
	err := fx.db.InTx(context.Background(), func(tx *storage.Tx) error {
		var err error
		out, err = fx.repo.ApplyImport(context.Background(), tx, recs)
		return err
	})
	if err != nil {
		t.Fatalf("apply import: %v", err)
	}
	return out
}

func rejections(out importer.Outcome) map[int64]string {
	m := map[int64]string{}
	for _, r := range out.Rejections {
		m[r.GetIndex()] = r.GetViolations()[0].GetField() + " " + r.GetViolations()[0].GetReason()
	}
	return m
}

func TestRepositoryApplyImport(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		fx := open(t, url)
		ctx := context.Background()

		// New families.
		out := fx.applyImport(t, family(0), family(1), family(2))
		if out.Accepted != 3 || out.Unchanged != 0 || len(out.Rejections) != 0 {
			t.Fatalf("new: %+v", out)
		}
		if got := fx.get(t, family(1).KK); got.Version != 1 || len(got.Members) != 4 || got.Member(family(1).HeadNIK).Version != 1 {
			t.Fatalf("imported family = %+v", got)
		}
		cursor := fx.head(t)
		if cursor != 3 {
			t.Fatalf("%d events for 3 new families", cursor)
		}

		// The same records again: unchanged, nothing written.
		out = fx.applyImport(t, family(0), family(1), family(2))
		if out.Accepted != 0 || out.Unchanged != 3 || len(out.Rejections) != 0 || fx.head(t) != cursor || fx.get(t, family(0).KK).Version != 1 {
			t.Fatalf("unchanged: %+v", out)
		}

		// Changed: a new address on one, a newborn on another.
		moved := family(0)
		moved.Address.Street = "Jl. Pindah 2"
		born := family(1)
		baby := family(40).Members[3]
		baby.Relation = domain.RelationGrandchild
		born.Members = append(born.Members, baby)
		born.Normalize()
		out = fx.applyImport(t, moved, born, family(2))
		if out.Accepted != 2 || out.Unchanged != 1 || len(out.Rejections) != 0 {
			t.Fatalf("changed: %+v", out)
		}
		if got := fx.get(t, family(0).KK); got.Version != 2 || got.Address.Street != "Jl. Pindah 2" || versions(got)[family(0).HeadNIK] != 1 {
			t.Fatalf("changed family = %+v, %v", got, versions(got))
		}
		if got := fx.get(t, family(1).KK); got.Version != 2 || len(got.Members) != 5 || got.Member(baby.NIK) == nil {
			t.Fatalf("family with a newborn = %+v", got)
		}
		want := []string{"registry.family.updated families/" + family(0).KK, "registry.family.updated families/" + family(1).KK}
		if ev := fx.events(t, cursor); !slices.Equal(ev, want) {
			t.Fatalf("events = %v", ev)
		}
		cursor = fx.head(t)

		// Removed member; a person of a stored family; a person twice in the
		// chunk; a KK twice in the chunk. Each is rejected and writes nothing.
		dropped := family(2)
		dropped.Members = dropped.Members[:3]
		dropped.Address.Street = "Jl. Lain"
		thief := family(3)
		thief.Members[3] = family(0).Members[3]
		first := family(4)
		second := family(5)
		second.Members[2] = family(4).Members[2]
		again := family(4)
		out = fx.applyImport(t, dropped, thief, first, second, again)
		if out.Accepted != 1 || out.Unchanged != 0 {
			t.Fatalf("conflicts: %+v", out)
		}
		wantRej := map[int64]string{
			0: "members FAMILY_MEMBER_REMOVED",
			1: "members[3].nik PERSON_IN_TWO_FAMILIES",
			3: "members[2].nik PERSON_IN_TWO_FAMILIES",
			4: "kk_number FAMILY_DUPLICATE_IN_BATCH",
		}
		if got := rejections(out); !mapsStr(got, wantRej) {
			t.Fatalf("rejections = %v, want %v", got, wantRej)
		}
		if got := fx.get(t, family(2).KK); got.Version != 1 || len(got.Members) != 4 || got.Address.Street == "Jl. Lain" {
			t.Fatalf("a rejected refresh changed the family: %+v", got)
		}
		for _, kk := range []string{family(3).KK, family(5).KK} {
			if _, err := fx.repo.GetFamily(ctx, kk); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("rejected family %s stored: %v", kk, err)
			}
		}
		if p, err := fx.repo.GetPerson(ctx, family(0).Members[3].NIK); err != nil || p.FamilyKK != family(0).KK {
			t.Fatalf("contested person: %+v %v", p, err)
		}
		if ev := fx.events(t, cursor); !slices.Equal(ev, []string{"registry.family.created families/" + family(4).KK}) {
			t.Fatalf("events = %v", ev)
		}

		// An older extract that says alive cannot undo a recorded death.
		head := family(1).HeadNIK
		err := fx.repo.UpdateFamilies(ctx, []string{family(1).KK}, func(set domain.FamilySet) error {
			_, err := set.Family(family(1).KK).RecordDeath(head, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		stale := family(1)
		stale.Members = append(stale.Members, baby)
		stale.Normalize()
		out = fx.applyImport(t, stale)
		if got := rejections(out); !mapsStr(got, map[int64]string{0: "members PERSON_RECORDED_DECEASED"}) {
			t.Fatalf("stale alive record: %+v", got)
		}
		if p, _ := fx.repo.GetPerson(ctx, head); p.Vital != domain.VitalDeceased {
			t.Fatalf("the death was undone: %+v", p)
		}
		checkKeys(t, fx.db)
	})
}

func mapsStr(a, b map[int64]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
