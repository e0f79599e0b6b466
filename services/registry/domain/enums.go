package domain

// The enums mirror proto/dtsen/registry/v1/registry.proto value for value
// (0 = unspecified) so the ports layer converts with a plain cast. Valid
// rejects 0 as well as numbers the proto does not define, because a client
// built against a newer proto may send values this build cannot interpret.

// Sex as recorded by Dukcapil; it must agree with the NIK.
type Sex int32

const (
	SexUnspecified Sex = iota
	SexMale
	SexFemale
)

func (x Sex) Valid() bool { return x > SexUnspecified && x <= SexFemale }

// MaritalStatus is the status perkawinan.
type MaritalStatus int32

const (
	MaritalUnspecified MaritalStatus = iota
	MaritalSingle
	MaritalMarried
	MaritalDivorced
	MaritalWidowed
)

func (x MaritalStatus) Valid() bool { return x > MaritalUnspecified && x <= MaritalWidowed }

// FamilyRelation is the status hubungan dalam keluarga.
type FamilyRelation int32

const (
	RelationUnspecified FamilyRelation = iota
	RelationHead
	RelationSpouse
	RelationChild
	RelationChildInLaw
	RelationGrandchild
	RelationParent
	RelationParentInLaw
	RelationOtherRelative
	RelationHouseholdHelper
	RelationOther
)

func (x FamilyRelation) Valid() bool { return x > RelationUnspecified && x <= RelationOther }

// EducationLevel is the highest education completed (pendidikan terakhir).
type EducationLevel int32

const (
	EducationUnspecified EducationLevel = iota
	EducationNone
	EducationPrimaryIncomplete
	EducationPrimary
	EducationJuniorSecondary
	EducationSeniorSecondary
	EducationDiplomaIOrII // D1/D2
	EducationDiplomaIII   // D3
	EducationBachelor
	EducationMaster
	EducationDoctorate
)

func (x EducationLevel) Valid() bool { return x > EducationUnspecified && x <= EducationDoctorate }

// Occupation group. The groups that exclude a family from assistance (civil
// servants, TNI/Polri, BUMN/BUMD staff; DESIGN.md §1.4) are distinct values.
type Occupation int32

const (
	OccupationUnspecified Occupation = iota
	OccupationNotWorking
	OccupationStudent
	OccupationHomemaker
	OccupationFarmer
	OccupationFisher
	OccupationLaborer
	OccupationTrader
	OccupationPrivateEmployee
	OccupationSelfEmployed
	OccupationCivilServant
	OccupationMilitary
	OccupationPolice
	OccupationStateEnterpriseEmployee
	OccupationRetired
	OccupationOther
)

func (x Occupation) Valid() bool { return x > OccupationUnspecified && x <= OccupationOther }

// Disability is the kind of disability, if any.
type Disability int32

const (
	DisabilityUnspecified Disability = iota
	DisabilityNone
	DisabilityPhysical
	DisabilityIntellectual
	DisabilityMental
	DisabilitySensory
	DisabilityMultiple
)

func (x Disability) Valid() bool { return x > DisabilityUnspecified && x <= DisabilityMultiple }

// VitalStatus says whether the person is alive.
type VitalStatus int32

const (
	VitalUnspecified VitalStatus = iota
	VitalAlive
	VitalDeceased
)

func (x VitalStatus) Valid() bool { return x > VitalUnspecified && x <= VitalDeceased }

// Settlement is the urban (perkotaan) or rural (perdesaan) class of the village.
type Settlement int32

const (
	SettlementUnspecified Settlement = iota
	SettlementUrban
	SettlementRural
)

func (x Settlement) Valid() bool { return x > SettlementUnspecified && x <= SettlementRural }
