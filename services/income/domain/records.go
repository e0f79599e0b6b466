package domain

import (
	"strconv"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/privacy"
)

// Kind names a record kind; it is the resource collection's name too.
type Kind string

const (
	KindIncome         Kind = "incomes"
	KindEmployment     Kind = "employments"
	KindConsumption    Kind = "consumptions"
	KindBankingPattern Kind = "bankingPatterns"
)

// Match is the outcome of the cross-check against the registry.
type Match struct {
	Status MatchStatus
	// Reason is set when Status is Unmatched: NIK_NOT_REGISTERED or
	// KK_NOT_REGISTERED.
	Reason string
	Flags  Flags
	// FamilyKK is the family the registry put the owner in at check time. It
	// is not stored (people move); it only fills the family of change events.
	FamilyKK string
}

// Provenance says who supplied a record and when they observed it.
type Provenance struct {
	SourceAgency    string // e.g. "bpjs-tk", "djp", "bps"
	ObservationDate string // YYYY-MM-DD
}

// Agency is the source agency that supplied the record: an import accepts it
// only from that agency's integration client.
func (p *Provenance) Agency() string { return p.SourceAgency }

// Stamps are set by the persistence layer.
type Stamps struct {
	CreateTime, UpdateTime time.Time
	// Version counts the stored row's writes, from 1. A writer updates a row
	// only if it still has the version the writer read (optimistic
	// concurrency); it is not part of the API.
	Version int64
}

// Record is what the four kinds share.
type Record interface {
	Kind() Kind
	// Name is the resource name, e.g. persons/{nik}/incomes/formal-wage-2025-01.
	Name() string
	// OwnerNIK is the person the record belongs to ("" for family records).
	OwnerNIK() string
	// OwnerKK is the family the record belongs to ("" for person records).
	OwnerKK() string
	// Agency is the source agency that supplied the record.
	Agency() string
	// Validate checks the record on its own; now fixes "today".
	Validate(now time.Time) Violations
	// MatchInfo gives access to the cross-check outcome.
	MatchInfo() *Match
	// Times gives access to the persistence stamps.
	Times() *Stamps
}

// Plausible upper bounds of rupiah amounts. An int64 holds far more, but a
// figure beyond these is not a household's: it is almost always a unit error
// (an amount in sen instead of rupiah, an annual figure in a monthly field,
// extra zeros) or a corporate account. Rp 10 billion a month is about a
// thousand times the median wage and above the highest published executive
// salaries; rejecting it costs a real person nothing in a welfare registry,
// while accepting a unit error would make a poor family look rich. The bounds
// also keep every family total far from int64 overflow (50 members x 6 sources
// x 1e10 < 1e13).
const (
	MaxMonthlyAmount    int64 = 10_000_000_000  // Rp 10 billion
	MaxLoanOutstanding  int64 = 100_000_000_000 // Rp 100 billion
	MaxLoansPerPattern        = 50
	MaxHoursPerWeek           = 98 // Sakernas records at most 98 hours
	MaxFoodShareBP            = 10000
	earliestObservation       = "1990-01-01"
)

// Income is one person's income from one source over a period.
type Income struct {
	NIK           string
	Source        IncomeSource
	MonthlyAmount int64
	PeriodStart   string // YYYY-MM
	PeriodEnd     string // YYYY-MM, "" while ongoing
	Provenance
	Match
	Stamps
}

func (x *Income) Kind() Kind        { return KindIncome }
func (x *Income) OwnerNIK() string  { return x.NIK }
func (x *Income) OwnerKK() string   { return "" }
func (x *Income) MatchInfo() *Match { return &x.Match }
func (x *Income) Times() *Stamps    { return &x.Stamps }
func (x *Income) ID() string        { return x.Source.Slug() + "-" + x.PeriodStart }
func (x *Income) Name() string      { return "persons/" + x.NIK + "/incomes/" + x.ID() }
func (x *Employment) Kind() Kind    { return KindEmployment }
func (x *Employment) OwnerNIK() string {
	return x.NIK
}
func (x *Employment) OwnerKK() string   { return "" }
func (x *Employment) MatchInfo() *Match { return &x.Match }
func (x *Employment) Times() *Stamps    { return &x.Stamps }
func (x *Employment) ID() string        { return x.SourceAgency + "-" + x.ObservationDate }
func (x *Employment) Name() string      { return "persons/" + x.NIK + "/employments/" + x.ID() }

// Employment is one person's main job as one agency observed it on one date.
type Employment struct {
	NIK          string
	Sector       EmploymentSector
	Status       EmploymentStatus
	HoursPerWeek int32
	Provenance
	Match
	Stamps
}

// Consumption is one family's monthly consumption from one survey round.
type Consumption struct {
	KK                 string
	MonthlyExpenditure int64
	FoodShareBP        int32
	SurveyID           string
	SurveyDate         string // YYYY-MM-DD
	Measurement        Measurement
	Provenance
	Match
	Stamps
}

func (x *Consumption) Kind() Kind          { return KindConsumption }
func (x *Consumption) OwnerNIK() string    { return "" }
func (x *Consumption) OwnerKK() string     { return x.KK }
func (x *Consumption) MatchInfo() *Match   { return &x.Match }
func (x *Consumption) Times() *Stamps      { return &x.Stamps }
func (x *Consumption) Name() string        { return "families/" + x.KK + "/consumptions/" + x.SurveyID }
func (x *BankingPattern) Kind() Kind       { return KindBankingPattern }
func (x *BankingPattern) OwnerNIK() string { return x.NIK }
func (x *BankingPattern) OwnerKK() string  { return "" }
func (x *BankingPattern) MatchInfo() *Match {
	return &x.Match
}
func (x *BankingPattern) Times() *Stamps { return &x.Stamps }
func (x *BankingPattern) ID() string     { return x.AgreementReference + "-" + x.ObservationDate }
func (x *BankingPattern) Name() string {
	return "persons/" + x.NIK + "/bankingPatterns/" + x.ID()
}

// Loan is one outstanding loan or financing facility.
type Loan struct {
	LenderType        LenderType
	OutstandingAmount int64
}

// BankingPattern is one person's banking pattern as one institution reported
// it under a data-sharing agreement.
type BankingPattern struct {
	NIK                    string
	AgreementReference     string
	SavingsBalanceBand     SavingsBalanceBand
	Loans                  []Loan
	MonthlyCardSpending    int64
	MonthlyEwalletSpending int64
	Provenance
	Match
	Stamps
}

// TotalOutstanding sums the loans.
func (x *BankingPattern) TotalOutstanding() int64 {
	var n int64
	for _, l := range x.Loans {
		n += l.OutstandingAmount
	}
	return n
}

func itoa(i int) string { return strconv.Itoa(i) }

// RejectionKey is a record's key in an import rejection: its resource name
// with the NIK masked, because summaries are stored and may end up in logs
// (DESIGN.md §6).
func RejectionKey(rec Record) string {
	nik, name := rec.OwnerNIK(), rec.Name()
	if nik == "" || len(name) < len("persons/")+len(nik) {
		return name
	}
	return "persons/" + privacy.MaskNIK(nik) + name[len("persons/")+len(nik):]
}
