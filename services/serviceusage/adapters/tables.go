package adapters

import (
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/dtsen-id/dtsen/services/serviceusage/domain"
)

// table maps one record kind to its SQL table. Columns are listed once here
// and drive every statement, so reads, writes and COPY cannot disagree.
type table struct {
	kind domain.Kind
	name string
	own  []string // the kind's own columns, after "name"
	nik  string   // column holding a NIK to reconcile on, or ""
	kk   string   // column holding a KK number to reconcile on, or ""
	// dist is the Citus distribution column, the first column of the
	// primary key (nik, name) or (kk, name); it is nik or kk.
	dist string
	// keyed tables keep a participation_keys row for each record that has a
	// NIK: the record's name carries the NIK, not the KK number it is
	// stored under.
	keyed bool
	row   func(domain.Record) []any
	scan  func(dest func(own ...any) error) (domain.Record, error)
	order string // ORDER BY inside a family summary
}

// commonColumns follow the kind's own columns; metaColumns end every row.
var (
	commonColumns = []string{"source_agency", "observation_date", "match_status", "unmatched_reason", "flags", "family_kk"}
	metaColumns   = []string{"version", "create_time", "update_time"}
)

// columns is name, own, common and meta columns in row order.
func (t *table) columns() []string {
	cols := append([]string{"name"}, t.own...)
	cols = append(cols, commonColumns...)
	return append(cols, metaColumns...)
}

func (t *table) selectList() string { return strings.Join(t.columns(), ", ") }

// fullRow is the row of a record: name, own, common, meta.
func (t *table) fullRow(r domain.Record) []any {
	m := r.Meta()
	row := append([]any{r.Name()}, t.row(r)...)
	row = append(row, dataCommon(m)...)
	return append(row, m.Version, m.CreateTime.UnixMicro(), m.UpdateTime.UnixMicro())
}

// dataCommon is the common part that an import compares for "unchanged".
func dataCommon(m *domain.Common) []any {
	return []any{m.SourceAgency, dateText(m.ObservationDate), int64(m.Match), m.UnmatchedReason, int64(m.Flags), m.FamilyKK}
}

// distValue is the record's value of t's distribution column.
func (t *table) distValue(r domain.Record) string {
	nik, kk := r.Identity()
	if t.dist == "nik" {
		return nik
	}
	return kk
}

// keyedRecord reports whether r has a participation_keys row.
func (t *table) keyedRecord(r domain.Record) bool {
	nik, _ := r.Identity()
	return t.keyed && nik != ""
}

var tables = map[domain.Kind]*table{
	domain.KindHealthCoverage: {
		kind: domain.KindHealthCoverage, name: "health_coverages", nik: "nik", dist: "nik", order: "name",
		own: []string{"nik", "membership_class", "outpatient_visits", "inpatient_admissions", "chronic_illness"},
		row: func(r domain.Record) []any {
			h := r.(*domain.HealthCoverage)
			return []any{h.NIK, int64(h.Class), int64(h.OutpatientVisits), int64(h.InpatientAdmissions), h.ChronicIllness}
		},
		scan: func(dest func(...any) error) (domain.Record, error) {
			h := &domain.HealthCoverage{}
			var class int32
			err := dest(&h.NIK, &class, &h.OutpatientVisits, &h.InpatientAdmissions, &h.ChronicIllness)
			h.Class = domain.MembershipClass(class)
			return h, err
		},
	},
	domain.KindEnrolment: {
		kind: domain.KindEnrolment, name: "enrolments", nik: "nik", dist: "nik", order: "nik, school_year DESC",
		own: []string{"nik", "school_year", "level", "ownership", "fee_band", "kip_recipient"},
		row: func(r domain.Record) []any {
			e := r.(*domain.Enrolment)
			return []any{e.NIK, e.SchoolYear, int64(e.Level), int64(e.Ownership), int64(e.FeeBand), e.KIPRecipient}
		},
		scan: func(dest func(...any) error) (domain.Record, error) {
			e := &domain.Enrolment{}
			var level, owner, fee int32
			err := dest(&e.NIK, &e.SchoolYear, &level, &owner, &fee, &e.KIPRecipient)
			e.Level, e.Ownership, e.FeeBand = domain.SchoolLevel(level), domain.SchoolOwnership(owner), domain.FeeBand(fee)
			return e, err
		},
	},
	domain.KindUtilityUsage: {
		kind: domain.KindUtilityUsage, name: "utility_usages", kk: "kk", dist: "kk",
		// A family's names sort by month: newest first walks the primary key.
		order: "name DESC",
		own:   []string{"kk", "month", "electricity_kwh", "subsidised_tariff", "pln_customer_id", "subsidised_lpg_purchases"},
		row: func(r domain.Record) []any {
			u := r.(*domain.UtilityUsage)
			return []any{u.KK, u.Month, int64(u.ElectricityKWh), u.SubsidisedTariff, u.PLNCustomerID, int64(u.SubsidisedLPGPurchases)}
		},
		scan: func(dest func(...any) error) (domain.Record, error) {
			u := &domain.UtilityUsage{}
			err := dest(&u.KK, &u.Month, &u.ElectricityKWh, &u.SubsidisedTariff, &u.PLNCustomerID, &u.SubsidisedLPGPurchases)
			return u, err
		},
	},
	domain.KindProgrammeParticipation: {
		kind: domain.KindProgrammeParticipation, name: "programme_participations", nik: "nik", kk: "kk",
		dist: "kk", keyed: true, order: "period_start DESC, name",
		own: []string{"kk", "nik", "programme", "period_start", "period_end", "disbursing_agency"},
		row: func(r domain.Record) []any {
			p := r.(*domain.ProgrammeParticipation)
			return []any{p.KK, p.NIK, int64(p.Programme), dateText(p.PeriodStart), dateText(p.PeriodEnd), p.DisbursingAgency}
		},
		scan: func(dest func(...any) error) (domain.Record, error) {
			p := &domain.ProgrammeParticipation{}
			var prog int32
			var start, end string
			err := dest(&p.KK, &p.NIK, &prog, &start, &end, &p.DisbursingAgency)
			p.Programme, p.PeriodStart, p.PeriodEnd = domain.Programme(prog), parseDate(start), parseDate(end)
			return p, err
		},
	},
}

// scanRecords reads rows of t's full column list.
func (t *table) scanRecords(rows *sql.Rows) ([]domain.Record, error) {
	defer rows.Close()
	var out []domain.Record
	for rows.Next() {
		var name, obs string
		var match, flags int64
		var c domain.Common
		var created, updated int64
		rec, err := t.scan(func(own ...any) error {
			dest := append([]any{&name}, own...)
			dest = append(dest, &c.SourceAgency, &obs, &match, &c.UnmatchedReason, &flags, &c.FamilyKK,
				&c.Version, &created, &updated)
			return rows.Scan(dest...)
		})
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", t.name, err)
		}
		c.ObservationDate = parseDate(obs)
		c.Match, c.Flags = domain.MatchStatus(match), domain.Flags(flags)
		c.CreateTime, c.UpdateTime = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
		*rec.Meta() = c
		out = append(out, rec)
	}
	return out, rows.Err()
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func parseDate(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, _ := time.Parse(time.DateOnly, s)
	return t
}
