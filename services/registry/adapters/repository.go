// Package adapters holds the registry's storage: one SQL repository that runs
// on SQLite and PostgreSQL alike, plus the bulk import path.
package adapters

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/registry/domain"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations creates the registry's tables.
var Migrations = storage.EmbeddedMigrations("registry", migrationFS, storage.Tables{
	// Members live on their family's shard, so a family with its members is
	// one router query (docs/scale-out.md §4.2).
	"families": storage.Distributed("kk"),
	"persons":  storage.Distributed("family_kk"),
	// The NIK -> KK index of a lookup by NIK alone, and the guard that a NIK
	// is in one family: its primary key is unique across all shards.
	"person_keys": storage.Distributed("nik"),
})

// Event types of the registry's change feed.
const (
	EventFamilyCreated = "registry.family.created"
	EventFamilyUpdated = "registry.family.updated"
	EventPersonUpdated = "registry.person.updated"
)

// Repository is the SQL implementation of domain.Repository.
type Repository struct {
	db     *storage.DB
	outbox *outbox.Outbox
	now    func() time.Time
}

// NewRepository returns a repository writing its events to ob.
func NewRepository(db *storage.DB, ob *outbox.Outbox) *Repository {
	return &Repository{db: db, outbox: ob, now: time.Now}
}

var _ domain.Repository = (*Repository)(nil)

// querier is what both a pool and a transaction offer for reads.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

const familyColumns = "kk, head_nik, region_code, settlement, street, rt, rw, postal_code, version, create_time, update_time"

const personColumns = "nik, family_kk, full_name, birth_place, birth_date, sex, marital_status, relation, education, " +
	"occupation, disability, severe_disability, vital_status, death_date, version, create_time, update_time"

var personColumnList = strings.Split(strings.ReplaceAll(personColumns, " ", ""), ",")
var familyColumnList = strings.Split(strings.ReplaceAll(familyColumns, " ", ""), ",")

// personReadAttempts bounds the retries of a read by NIK that finds the
// person gone from the family person_keys named: each retry means the person
// moved in between, a life event, so two in a row are already rare.
const personReadAttempts = 3

// GetPerson returns one person. Persons are stored with their family, so a
// read by NIK alone takes two router queries: the family from person_keys,
// then the row (docs/scale-out.md §4.2). A move between the two is seen as
// a missing row and the read starts over.
func (r *Repository) GetPerson(ctx context.Context, nik string) (*domain.Person, error) {
	for range personReadAttempts {
		var kk string
		err := r.db.QueryRowContext(ctx, "SELECT family_kk FROM person_keys WHERE nik = $1", nik).Scan(&kk)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, domain.ErrNotFound
		}
		if err != nil {
			return nil, fmt.Errorf("get person key: %w", err)
		}
		rows, err := r.db.QueryContext(ctx, "SELECT "+personColumns+" FROM persons WHERE family_kk = $1 AND nik = $2", kk, nik)
		if err != nil {
			return nil, fmt.Errorf("get person: %w", err)
		}
		ps, err := scanPersons(rows)
		if err != nil {
			return nil, err
		}
		if len(ps) > 0 {
			return ps[0], nil
		}
	}
	return nil, fmt.Errorf("get person: moved between reads %d times: %w", personReadAttempts, domain.ErrConcurrentChange)
}

// GetFamily returns one family with its members.
func (r *Repository) GetFamily(ctx context.Context, kk string) (*domain.Family, error) {
	fams, err := r.loadFamilies(ctx, r.db, []string{kk}, false)
	if err != nil {
		return nil, err
	}
	if len(fams) == 0 {
		return nil, domain.ErrNotFound
	}
	return fams[0], nil
}

// ListFamilies returns a page of families in (region code, KK) order.
func (r *Repository) ListFamilies(ctx context.Context, q domain.FamilyQuery) ([]*domain.Family, error) {
	var where []string
	var args []any
	if q.RegionPrefix != "" {
		// Every code within a region starts with the region's code followed
		// by '.', and '/' is the byte after '.', so this range is exactly the
		// region (and the code itself), and it walks the (region_code, kk) index.
		args = append(args, q.RegionPrefix, q.RegionPrefix+"/")
		where = append(where, "region_code >= $1 AND region_code < $2")
	}
	if q.After != (domain.FamilyCursor{}) {
		n := len(args)
		args = append(args, q.After.RegionCode, q.After.KK)
		where = append(where, fmt.Sprintf("(region_code > $%d OR (region_code = $%d AND kk > $%d))", n+1, n+1, n+2))
	}
	// Families are spread over the shards by KK, so a page of a region (or of
	// the nation) asks every shard for up to Limit rows and merges them: a
	// deliberate fan-out, fine for an officer's page (docs/scale-out.md §6).
	query := "SELECT /* dtsen:fanout officer list by region */ " + familyColumns + " FROM families"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, q.Limit)
	query += fmt.Sprintf(" ORDER BY region_code, kk LIMIT $%d", len(args))
	rows, err := r.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list families: %w", err)
	}
	fams, err := scanFamilies(rows)
	if err != nil {
		return nil, err
	}
	if err := r.attachMembers(ctx, r.db, fams); err != nil {
		return nil, err
	}
	return fams, nil
}

// loadFamilies reads families and their members, in KK order; forUpdate
// locks the family rows on PostgreSQL (SQLite's BEGIN IMMEDIATE already holds
// the write lock). The lock is one single-row SELECT ... FOR UPDATE per
// family, in KK order: Citus takes FOR UPDATE only in a single-shard query,
// and one order for every writer means two writers never deadlock. Once the
// families are locked their membership cannot change, since moving a person
// in or out locks the family too, so the members are read in one query.
func (r *Repository) loadFamilies(ctx context.Context, q querier, kks []string, forUpdate bool) ([]*domain.Family, error) {
	var fams []*domain.Family
	if forUpdate && r.db.Engine() == storage.Postgres {
		kks = append([]string(nil), kks...)
		sort.Strings(kks)
		for i, kk := range kks {
			if i > 0 && kk == kks[i-1] {
				continue
			}
			rows, err := q.QueryContext(ctx, "SELECT "+familyColumns+" FROM families WHERE kk = $1 FOR UPDATE", kk)
			if err != nil {
				return nil, fmt.Errorf("lock family: %w", err)
			}
			f, err := scanFamilies(rows)
			if err != nil {
				return nil, err
			}
			fams = append(fams, f...)
		}
	} else {
		cond, arg := r.anyOf("kk", kks, 1)
		rows, err := q.QueryContext(ctx, "SELECT "+familyColumns+" FROM families WHERE "+cond+" ORDER BY kk", arg)
		if err != nil {
			return nil, fmt.Errorf("load families: %w", err)
		}
		if fams, err = scanFamilies(rows); err != nil {
			return nil, err
		}
	}
	return fams, r.attachMembers(ctx, q, fams)
}

func (r *Repository) attachMembers(ctx context.Context, q querier, fams []*domain.Family) error {
	if len(fams) == 0 {
		return nil
	}
	byKK := make(map[string]*domain.Family, len(fams))
	kks := make([]string, len(fams))
	for i, f := range fams {
		byKK[f.KK] = f
		kks[i] = f.KK
	}
	cond, arg := r.anyOf("family_kk", kks, 1)
	rows, err := q.QueryContext(ctx, "SELECT "+personColumns+" FROM persons WHERE "+cond+" ORDER BY family_kk, relation, birth_date, nik", arg)
	if err != nil {
		return fmt.Errorf("load members: %w", err)
	}
	ps, err := scanPersons(rows)
	if err != nil {
		return err
	}
	for _, p := range ps {
		f := byKK[p.FamilyKK]
		f.Members = append(f.Members, p)
	}
	return nil
}

// anyOf renders "column is one of values" as one bind parameter: an array on
// PostgreSQL, a JSON array on SQLite. Either way a chunk of thousands of keys
// costs one parameter, far below SQLite's bind-variable limit.
func (r *Repository) anyOf(column string, values []string, param int) (string, any) {
	if r.db.Engine() == storage.Postgres {
		return fmt.Sprintf("%s = ANY($%d)", column, param), values
	}
	b, _ := json.Marshal(values)
	return fmt.Sprintf("%s IN (SELECT value FROM json_each($%d))", column, param), string(b)
}

func scanFamilies(rows *sql.Rows) ([]*domain.Family, error) {
	defer rows.Close()
	var out []*domain.Family
	for rows.Next() {
		f := &domain.Family{}
		var settlement int32
		var created, updated int64
		if err := rows.Scan(&f.KK, &f.HeadNIK, &f.RegionCode, &settlement, &f.Address.Street, &f.Address.RT,
			&f.Address.RW, &f.Address.PostalCode, &f.Version, &created, &updated); err != nil {
			return nil, fmt.Errorf("scan family: %w", err)
		}
		f.Settlement = domain.Settlement(settlement)
		f.CreateTime, f.UpdateTime = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}

func scanPersons(rows *sql.Rows) ([]*domain.Person, error) {
	defer rows.Close()
	var out []*domain.Person
	for rows.Next() {
		p := &domain.Person{}
		var birth, death string
		var sex, marital, relation, education, occupation, disability, vital int32
		var created, updated int64
		if err := rows.Scan(&p.NIK, &p.FamilyKK, &p.FullName, &p.BirthPlace, &birth, &sex, &marital, &relation,
			&education, &occupation, &disability, &p.SevereDisability, &vital, &death, &p.Version, &created, &updated); err != nil {
			return nil, fmt.Errorf("scan person: %w", err)
		}
		p.BirthDate, _ = time.Parse(time.DateOnly, birth)
		if death != "" {
			p.DeathDate, _ = time.Parse(time.DateOnly, death)
		}
		p.Sex, p.MaritalStatus, p.Relation = domain.Sex(sex), domain.MaritalStatus(marital), domain.FamilyRelation(relation)
		p.Education, p.Occupation, p.Disability = domain.EducationLevel(education), domain.Occupation(occupation), domain.Disability(disability)
		p.Vital = domain.VitalStatus(vital)
		p.CreateTime, p.UpdateTime = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func personRow(p *domain.Person) []any {
	return []any{p.NIK, p.FamilyKK, p.FullName, p.BirthPlace, dateText(p.BirthDate), int64(p.Sex), int64(p.MaritalStatus),
		int64(p.Relation), int64(p.Education), int64(p.Occupation), int64(p.Disability), p.SevereDisability,
		int64(p.Vital), dateText(p.DeathDate), p.Version, p.CreateTime.UnixMicro(), p.UpdateTime.UnixMicro()}
}

func familyRow(f *domain.Family) []any {
	return []any{f.KK, f.HeadNIK, f.RegionCode, int64(f.Settlement), f.Address.Street, f.Address.RT, f.Address.RW,
		f.Address.PostalCode, f.Version, f.CreateTime.UnixMicro(), f.UpdateTime.UnixMicro()}
}

// familySet tracks what a command loaded so the repository can save the
// differences.
type familySet struct {
	loaded  map[string]*domain.Family
	created []*domain.Family
}

func (s *familySet) Family(kk string) *domain.Family { return s.loaded[kk] }
func (s *familySet) Create(f *domain.Family)         { s.created = append(s.created, f) }

// UpdateFamilies implements domain.Repository.
func (r *Repository) UpdateFamilies(ctx context.Context, kks []string, fn func(domain.FamilySet) error) error {
	kks = append([]string(nil), kks...)
	sort.Strings(kks) // one lock order for every writer: no deadlocks between two moves
	return r.db.InTx(ctx, func(tx *storage.Tx) error {
		fams, err := r.loadFamilies(ctx, tx, kks, true)
		if err != nil {
			return err
		}
		set := &familySet{loaded: map[string]*domain.Family{}}
		beforeFamilies := map[string]domain.Family{}
		beforePersons := map[string]domain.Person{}
		for _, f := range fams {
			set.loaded[f.KK] = f
			beforeFamilies[f.KK] = *f
			for _, p := range f.Members {
				beforePersons[p.NIK] = *p
			}
		}
		if err := fn(set); err != nil {
			return err
		}
		return r.saveDiff(ctx, tx, set, beforeFamilies, beforePersons)
	})
}

// saveDiff writes every family and person that differs from its loaded state,
// bumping versions, and appends one event per changed family and person.
func (r *Repository) saveDiff(ctx context.Context, tx *storage.Tx, set *familySet,
	beforeFamilies map[string]domain.Family, beforePersons map[string]domain.Person) error {
	now := r.now().UTC().Truncate(time.Microsecond)
	var events []outbox.Event
	touched := map[string]bool{} // families whose membership or members changed
	seen := map[string]bool{}

	all := make([]*domain.Family, 0, len(set.loaded)+len(set.created))
	for _, kk := range sortedKeys(set.loaded) {
		all = append(all, set.loaded[kk])
	}
	for _, f := range set.created {
		if _, exists := set.loaded[f.KK]; exists {
			return &domain.Precondition{Reason: "FAMILY_ALREADY_EXISTS", Description: "a family with this KK number already exists"}
		}
		f.Version, f.CreateTime, f.UpdateTime = 1, now, now
		if _, err := tx.ExecContext(ctx, "INSERT INTO families ("+familyColumns+") VALUES ("+placeholders(len(familyColumnList))+")", familyRow(f)...); err != nil {
			if storage.IsUniqueViolation(err) {
				return &domain.Precondition{Reason: "FAMILY_ALREADY_EXISTS", Description: "a family with this KK number already exists"}
			}
			return fmt.Errorf("insert family: %w", err)
		}
		events = append(events, outbox.Event{Type: EventFamilyCreated, Resource: "families/" + f.KK, Family: "families/" + f.KK})
		all = append(all, f)
	}

	for _, f := range all {
		for _, p := range f.Members {
			if seen[p.NIK] {
				return &domain.Precondition{Reason: "PERSON_IN_TWO_FAMILIES", Description: "a person cannot be a member of two families"}
			}
			seen[p.NIK] = true
			p.FamilyKK = f.KK
			before, existed := beforePersons[p.NIK]
			switch {
			case !existed:
				p.Version, p.CreateTime, p.UpdateTime = 1, now, now
				if err := insertPerson(ctx, tx, p); err != nil {
					if storage.IsUniqueViolation(err) {
						return &domain.Precondition{Reason: "PERSON_IN_TWO_FAMILIES", Description: "this person already belongs to another family"}
					}
					return err
				}
			case before.FamilyKK != f.KK:
				p.Version, p.UpdateTime = before.Version+1, now
				if err := movePerson(ctx, tx, before.FamilyKK, p); err != nil {
					return err
				}
				touched[before.FamilyKK] = true
			case !samePerson(&before, p):
				p.Version, p.UpdateTime = before.Version+1, now
				if err := updatePerson(ctx, tx, p); err != nil {
					return err
				}
			default:
				continue
			}
			touched[f.KK] = true
			events = append(events, outbox.Event{Type: EventPersonUpdated, Resource: "persons/" + p.NIK, Family: "families/" + f.KK})
		}
	}
	for nik, p := range beforePersons {
		if !seen[nik] {
			return &domain.Precondition{Reason: "PERSON_WOULD_HAVE_NO_FAMILY",
				Description: fmt.Sprintf("a member of family %s would belong to no family", p.FamilyKK)}
		}
	}

	for _, kk := range sortedKeys(set.loaded) {
		f := set.loaded[kk]
		before := beforeFamilies[kk]
		if sameFamilyRow(&before, f) && !touched[kk] {
			continue
		}
		f.Version, f.UpdateTime = before.Version+1, now
		if _, err := tx.ExecContext(ctx, "UPDATE families SET "+assignments(familyColumnList[1:], 2)+" WHERE kk = $1", familyRow(f)...); err != nil {
			return fmt.Errorf("update family: %w", err)
		}
		events = append(events, outbox.Event{Type: EventFamilyUpdated, Resource: "families/" + kk, Family: "families/" + kk})
	}
	return r.outbox.Append(ctx, tx, events...)
}

// Person rows live on their family's shard (persons is distributed by
// family_kk) and person_keys maps each NIK to that family. Every write of a
// person below names the row's family and NIK, and keeps the key in step in
// the same transaction. A person is never deleted outright today: a member
// leaves a family only by moving, and a death is a field of the row.

// insertPerson writes a new person and their key. The key goes first: its
// primary key is what refuses a NIK already stored in another family.
func insertPerson(ctx context.Context, tx *storage.Tx, p *domain.Person) error {
	if _, err := tx.ExecContext(ctx, "INSERT INTO person_keys (nik, family_kk) VALUES ($1, $2)", p.NIK, p.FamilyKK); err != nil {
		return fmt.Errorf("insert person key: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO persons ("+personColumns+") VALUES ("+placeholders(len(personColumnList))+")", personRow(p)...); err != nil {
		return fmt.Errorf("insert person: %w", err)
	}
	return nil
}

// updatePersonSQL rewrites every column of a person but its key (nik,
// family_kk), in place in its family, from personRow's arguments.
var updatePersonSQL = "UPDATE persons SET " + assignments(personColumnList[2:], 3) + " WHERE family_kk = $2 AND nik = $1"

// updatePerson rewrites a stored person who stays in family p.FamilyKK.
func updatePerson(ctx context.Context, tx *storage.Tx, p *domain.Person) error {
	res, err := tx.ExecContext(ctx, updatePersonSQL, personRow(p)...)
	if err != nil {
		return fmt.Errorf("update person: %w", err)
	}
	return oneRow(res, "update person")
}

// movePerson moves a stored person from family from into p.FamilyKK. The
// row changes shard, and Citus never updates a distribution column, so it is
// deleted from the old family and inserted into the new one, and the key
// follows.
func movePerson(ctx context.Context, tx *storage.Tx, from string, p *domain.Person) error {
	res, err := tx.ExecContext(ctx, "DELETE FROM persons WHERE family_kk = $1 AND nik = $2", from, p.NIK)
	if err != nil {
		return fmt.Errorf("move person: delete: %w", err)
	}
	if err := oneRow(res, "move person: delete"); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO persons ("+personColumns+") VALUES ("+placeholders(len(personColumnList))+")", personRow(p)...); err != nil {
		return fmt.Errorf("move person: insert: %w", err)
	}
	res, err = tx.ExecContext(ctx, "UPDATE person_keys SET family_kk = $1 WHERE nik = $2", p.FamilyKK, p.NIK)
	if err != nil {
		return fmt.Errorf("move person: key: %w", err)
	}
	return oneRow(res, "move person: key")
}

// oneRow checks that a write by key found its row. The families are locked,
// so a miss means persons and person_keys disagree: fail rather than write
// half a change.
func oneRow(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n != 1 {
		return fmt.Errorf("%s: %d rows where the registry holds one", what, n)
	}
	return nil
}

func samePerson(a, b *domain.Person) bool {
	return a.FamilyKK == b.FamilyKK && a.FullName == b.FullName && a.BirthPlace == b.BirthPlace &&
		a.BirthDate.Equal(b.BirthDate) && a.Sex == b.Sex && a.MaritalStatus == b.MaritalStatus &&
		a.Relation == b.Relation && a.Education == b.Education && a.Occupation == b.Occupation &&
		a.Disability == b.Disability && a.SevereDisability == b.SevereDisability && a.Vital == b.Vital &&
		a.DeathDate.Equal(b.DeathDate)
}

func sameFamilyRow(a, b *domain.Family) bool {
	return a.HeadNIK == b.HeadNIK && a.RegionCode == b.RegionCode && a.Settlement == b.Settlement && a.Address == b.Address
}

func placeholders(n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = fmt.Sprintf("$%d", i+1)
	}
	return strings.Join(ps, ", ")
}

// assignments renders "c1 = $first, c2 = $first+1, ...".
func assignments(cols []string, first int) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = fmt.Sprintf("%s = $%d", c, first+i)
	}
	return strings.Join(parts, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
