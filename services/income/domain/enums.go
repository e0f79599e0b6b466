package domain

// The enums mirror proto/dtsen/income/v1/income.proto value for value (0 =
// unspecified) so the ports convert with a plain cast. Valid rejects 0 and
// numbers the proto does not define: a client built against a newer proto
// may send values this build cannot interpret.

// IncomeSource says where an income figure comes from.
type IncomeSource int32

const (
	IncomeSourceUnspecified IncomeSource = iota
	IncomeSourceFormalWage               // reported to BPJS Ketenagakerjaan
	IncomeSourceTaxDeclaration
	IncomeSourceBusiness
	IncomeSourcePension
	IncomeSourceTransfer
	IncomeSourceSurveySelfReport
)

func (x IncomeSource) Valid() bool {
	return x > IncomeSourceUnspecified && x <= IncomeSourceSurveySelfReport
}

var incomeSourceSlugs = []string{"", "formal-wage", "tax-declaration", "business", "pension", "transfer", "survey-self-report"}

// Slug is the source as it appears in a resource name, e.g. "formal-wage".
func (x IncomeSource) Slug() string {
	if !x.Valid() {
		return ""
	}
	return incomeSourceSlugs[x]
}

// EmploymentSector is the industry of the main job, grouped from KBLI.
type EmploymentSector int32

const (
	SectorUnspecified EmploymentSector = iota
	SectorNone
	SectorAgriculture
	SectorFishery
	SectorMining
	SectorManufacturing
	SectorUtilities
	SectorConstruction
	SectorTrade
	SectorTransport
	SectorHospitality
	SectorInformationCommunication
	SectorFinance
	SectorPublicAdministration
	SectorEducation
	SectorHealth
	SectorOtherServices
)

func (x EmploymentSector) Valid() bool { return x > SectorUnspecified && x <= SectorOtherServices }

// EmploymentStatus is the BPS Sakernas status in employment.
type EmploymentStatus int32

const (
	StatusUnspecified EmploymentStatus = iota
	StatusSelfEmployed
	StatusSelfEmployedWithTemporaryHelp
	StatusEmployer
	StatusEmployee
	StatusCasualAgricultural
	StatusCasualNonAgricultural
	StatusUnpaidFamilyWorker
	StatusNotWorking
)

func (x EmploymentStatus) Valid() bool { return x > StatusUnspecified && x <= StatusNotWorking }

// Measurement says how a household's consumption was obtained.
type Measurement int32

const (
	MeasurementUnspecified Measurement = iota
	MeasuredByEnumerator
	SelfDeclared
)

func (x Measurement) Valid() bool { return x > MeasurementUnspecified && x <= SelfDeclared }

// SavingsBalanceBand is a savings balance in bands.
type SavingsBalanceBand int32

const (
	SavingsUnspecified SavingsBalanceBand = iota
	SavingsNoAccount
	SavingsBelowOneMillion
	SavingsOneToTenMillion
	SavingsTenToFiftyMillion
	SavingsFiftyToHundredMillion
	SavingsHundredToFiveHundredMillion
	SavingsFiveHundredMillionOrMore
)

func (x SavingsBalanceBand) Valid() bool {
	return x > SavingsUnspecified && x <= SavingsFiveHundredMillionOrMore
}

// LenderType is the kind of lender of a loan or financing.
type LenderType int32

const (
	LenderUnspecified LenderType = iota
	LenderBank
	LenderKUR
	LenderLeasing
	LenderOnlineLending
)

func (x LenderType) Valid() bool { return x > LenderUnspecified && x <= LenderOnlineLending }

// MatchStatus says whether the registry knows a record's NIK or KK number.
type MatchStatus int32

const (
	MatchUnspecified MatchStatus = iota
	Matched
	Unmatched
)

func (x MatchStatus) Valid() bool { return x > MatchUnspecified && x <= Unmatched }

// Flag is a cross-check finding that does not stop a record from being
// stored. Flags are kept as a bit set.
type Flag int32

const (
	FlagUnspecified Flag = iota
	FlagOwnerDeceased
)

// Flags is a set of Flag, bit (1 << flag).
type Flags uint32

// Has reports whether f is in the set.
func (s Flags) Has(f Flag) bool { return s&(1<<uint(f)) != 0 }

// With returns the set with f added.
func (s Flags) With(f Flag) Flags { return s | 1<<uint(f) }

// List returns the flags in the set in numeric order.
func (s Flags) List() []Flag {
	var out []Flag
	for f := FlagOwnerDeceased; f <= FlagOwnerDeceased; f++ {
		if s.Has(f) {
			out = append(out, f)
		}
	}
	return out
}
