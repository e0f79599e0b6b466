package adapters

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/dtsen-id/dtsen/services/income/domain"
)

// kind describes how one record kind maps to its table, so that Get, List,
// import and reconciliation are written once for all four kinds.
type kind[T domain.Record] struct {
	table string
	// event prefixes the change-feed event types, e.g. "income.income".
	event string
	// keyCols is the natural key in primary-key order; the first column is
	// the owner (nik or kk).
	keyCols []string
	// cols lists every column: the key first, then the data, then
	// match_status, match_reason, flags and the stamps (create_time,
	// update_time, version).
	cols []string
	// values returns a record's column values in cols order (int64 or
	// string only, so two rows compare with ==).
	values func(T) []any
	// scan reads one row selected in cols order.
	scan func(*sql.Rows) (T, error)
	// filters maps a List filter field to its column.
	filters map[string]string
}

var trailer = []string{"match_status", "match_reason", "flags", "create_time", "update_time", "version"}

// stampCols is the number of trailer columns at the end of every row that
// the persistence layer sets (create_time, update_time, version).
const stampCols = 3

func columns(cols ...string) []string { return append(cols, trailer...) }

func trailerValues(m *domain.Match, s *domain.Stamps) []any {
	return []any{int64(m.Status), m.Reason, int64(m.Flags), s.CreateTime.UnixMicro(), s.UpdateTime.UnixMicro(), s.Version}
}

// trailerDest returns scan destinations for the trailer columns and a
// function that stores them into the record once scanned.
func trailerDest(m *domain.Match, s *domain.Stamps) ([]any, func()) {
	var status, flags, created, updated int64
	dest := []any{&status, &m.Reason, &flags, &created, &updated, &s.Version}
	return dest, func() {
		m.Status, m.Flags = domain.MatchStatus(status), domain.Flags(flags)
		s.CreateTime, s.UpdateTime = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	}
}

var incomeKind = kind[*domain.Income]{
	table:   "incomes",
	event:   "income.income",
	keyCols: []string{"nik", "source", "period_start"},
	cols:    columns("nik", "source", "period_start", "period_end", "monthly_amount", "source_agency", "observation_date"),
	values: func(x *domain.Income) []any {
		return append([]any{x.NIK, int64(x.Source), x.PeriodStart, x.PeriodEnd, x.MonthlyAmount, x.SourceAgency,
			x.ObservationDate}, trailerValues(&x.Match, &x.Stamps)...)
	},
	scan: func(rows *sql.Rows) (*domain.Income, error) {
		x := &domain.Income{}
		var source int64
		tail, done := trailerDest(&x.Match, &x.Stamps)
		err := rows.Scan(append([]any{&x.NIK, &source, &x.PeriodStart, &x.PeriodEnd, &x.MonthlyAmount, &x.SourceAgency,
			&x.ObservationDate}, tail...)...)
		x.Source = domain.IncomeSource(source)
		done()
		return x, err
	},
	filters: map[string]string{"source": "source", "match_status": "match_status"},
}

var employmentKind = kind[*domain.Employment]{
	table:   "employments",
	event:   "income.employment",
	keyCols: []string{"nik", "source_agency", "observation_date"},
	cols:    columns("nik", "source_agency", "observation_date", "sector", "status", "hours_per_week"),
	values: func(x *domain.Employment) []any {
		return append([]any{x.NIK, x.SourceAgency, x.ObservationDate, int64(x.Sector), int64(x.Status),
			int64(x.HoursPerWeek)}, trailerValues(&x.Match, &x.Stamps)...)
	},
	scan: func(rows *sql.Rows) (*domain.Employment, error) {
		x := &domain.Employment{}
		var sector, status, hours int64
		tail, done := trailerDest(&x.Match, &x.Stamps)
		err := rows.Scan(append([]any{&x.NIK, &x.SourceAgency, &x.ObservationDate, &sector, &status, &hours}, tail...)...)
		x.Sector, x.Status, x.HoursPerWeek = domain.EmploymentSector(sector), domain.EmploymentStatus(status), int32(hours)
		done()
		return x, err
	},
	filters: map[string]string{"sector": "sector", "status": "status", "match_status": "match_status"},
}

var consumptionKind = kind[*domain.Consumption]{
	table:   "consumptions",
	event:   "income.consumption",
	keyCols: []string{"kk", "survey_id"},
	cols: columns("kk", "survey_id", "monthly_expenditure", "food_share_bp", "survey_date", "measurement",
		"source_agency", "observation_date"),
	values: func(x *domain.Consumption) []any {
		return append([]any{x.KK, x.SurveyID, x.MonthlyExpenditure, int64(x.FoodShareBP), x.SurveyDate,
			int64(x.Measurement), x.SourceAgency, x.ObservationDate}, trailerValues(&x.Match, &x.Stamps)...)
	},
	scan: func(rows *sql.Rows) (*domain.Consumption, error) {
		x := &domain.Consumption{}
		var share, measurement int64
		tail, done := trailerDest(&x.Match, &x.Stamps)
		err := rows.Scan(append([]any{&x.KK, &x.SurveyID, &x.MonthlyExpenditure, &share, &x.SurveyDate, &measurement,
			&x.SourceAgency, &x.ObservationDate}, tail...)...)
		x.FoodShareBP, x.Measurement = int32(share), domain.Measurement(measurement)
		done()
		return x, err
	},
	filters: map[string]string{"measurement": "measurement", "survey_id": "survey_id", "match_status": "match_status"},
}

// loanJSON is the stored form of one loan.
type loanJSON struct {
	LenderType        int32 `json:"lender_type"`
	OutstandingAmount int64 `json:"outstanding_amount"`
}

func encodeLoans(loans []domain.Loan) string {
	out := make([]loanJSON, len(loans))
	for i, l := range loans {
		out[i] = loanJSON{int32(l.LenderType), l.OutstandingAmount}
	}
	b, _ := json.Marshal(out) // cannot fail: plain ints
	return string(b)
}

func decodeLoans(s string) ([]domain.Loan, error) {
	var in []loanJSON
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, fmt.Errorf("stored loans: %w", err)
	}
	var out []domain.Loan
	for _, l := range in {
		out = append(out, domain.Loan{LenderType: domain.LenderType(l.LenderType), OutstandingAmount: l.OutstandingAmount})
	}
	return out, nil
}

var bankingKind = kind[*domain.BankingPattern]{
	table:   "banking_patterns",
	event:   "income.bankingPattern",
	keyCols: []string{"nik", "agreement_reference", "observation_date"},
	cols: columns("nik", "agreement_reference", "observation_date", "savings_balance_band", "loans", "loans_total",
		"monthly_card_spending", "monthly_ewallet_spending", "source_agency"),
	values: func(x *domain.BankingPattern) []any {
		return append([]any{x.NIK, x.AgreementReference, x.ObservationDate, int64(x.SavingsBalanceBand),
			encodeLoans(x.Loans), x.TotalOutstanding(), x.MonthlyCardSpending, x.MonthlyEwalletSpending,
			x.SourceAgency}, trailerValues(&x.Match, &x.Stamps)...)
	},
	scan: func(rows *sql.Rows) (*domain.BankingPattern, error) {
		x := &domain.BankingPattern{}
		var band, total int64
		var loans string
		tail, done := trailerDest(&x.Match, &x.Stamps)
		err := rows.Scan(append([]any{&x.NIK, &x.AgreementReference, &x.ObservationDate, &band, &loans, &total,
			&x.MonthlyCardSpending, &x.MonthlyEwalletSpending, &x.SourceAgency}, tail...)...)
		if err != nil {
			return nil, err
		}
		x.SavingsBalanceBand = domain.SavingsBalanceBand(band)
		done()
		x.Loans, err = decodeLoans(loans)
		return x, err
	},
	filters: map[string]string{"agreement_reference": "agreement_reference", "match_status": "match_status"},
}
