package auth

import (
	"context"
	"slices"
)

// Role sets of the method table.
var (
	// everyone authenticated.
	anyRole = Roles
	// personalReaders read personal rows, each within its own scope; the
	// handler narrows further (AuthorizeFamily, RegionScope).
	personalReaders = PersonalDataReaders
	// nationwideReaders list personal rows across families. Region-bound
	// officers and citizens read family by family instead.
	nationwideReaders = []Role{RoleIntegrationClient, RoleAdmin, RoleService}
	// importers submit agency data; the handler checks the agency. DTSEN
	// workloads import only as FieldVerificationAgency: approved grievance
	// corrections.
	importers = []Role{RoleIntegrationClient, RoleService}
	// feedReaders follow change feeds: DTSEN workloads and administrators.
	feedReaders = []Role{RoleService, RoleAdmin}
	// registryWriters change the civil registry: Dukcapil's integration
	// client (checked by agency in the handler) and DTSEN workloads applying
	// approved corrections (grievance).
	registryWriters = []Role{RoleIntegrationClient, RoleService}
	// identityCheckers confirm NIKs and KK numbers in bulk.
	identityCheckers = []Role{RoleService, RoleAdmin, RoleIntegrationClient}
	admins           = []Role{RoleAdmin}
	// regionListers list families of a region: its officers (the handler
	// keeps them inside it) and nationwide roles.
	regionListers = []Role{RoleVillageOperator, RoleDistrictOfficer, RoleFieldVerifier, RoleProvincialOfficer,
		RoleIntegrationClient, RoleAdmin, RoleService}
	// modelReaders see models, their evaluations and ranking runs: no
	// personal data, so analysts too.
	modelReaders = []Role{RoleAnalyst, RoleAdmin, RoleService}
)

// MethodRoles is which roles may call each gRPC method at all. It is the one
// table the gateway checks before routing a REST call and every service's
// interceptor checks before its handler runs; the handler then applies the
// record-level rules (own family, region, agency). A method missing here is
// refused: new methods are closed until someone decides who may call them.
var MethodRoles = map[string][]Role{
	"/dtsen.audit.v1.AuditService/ListAuditEvents": admins,

	"/dtsen.registry.v1.RegistryService/GetPerson":        personalReaders,
	"/dtsen.registry.v1.RegistryService/GetFamily":        personalReaders,
	"/dtsen.registry.v1.RegistryService/ListFamilies":     regionListers,
	"/dtsen.registry.v1.RegistryService/UpdateFamily":     registryWriters,
	"/dtsen.registry.v1.RegistryService/UpdatePerson":     registryWriters,
	"/dtsen.registry.v1.RegistryService/RecordDeath":      registryWriters,
	"/dtsen.registry.v1.RegistryService/MovePerson":       registryWriters,
	"/dtsen.registry.v1.RegistryService/SplitFamily":      registryWriters,
	"/dtsen.registry.v1.RegistryService/LookupIdentities": identityCheckers,
	"/dtsen.registry.v1.RegistryService/ListProvinces":    anyRole,
	"/dtsen.registry.v1.RegistryService/ImportRecords":    importers,
	"/dtsen.registry.v1.RegistryService/WatchChanges":     feedReaders,

	"/dtsen.asset.v1.AssetService/GetHousing":      personalReaders,
	"/dtsen.asset.v1.AssetService/ListHousing":     nationwideReaders,
	"/dtsen.asset.v1.AssetService/GetLandParcel":   personalReaders,
	"/dtsen.asset.v1.AssetService/ListLandParcels": nationwideReaders,
	"/dtsen.asset.v1.AssetService/GetVehicle":      personalReaders,
	"/dtsen.asset.v1.AssetService/ListVehicles":    nationwideReaders,
	"/dtsen.asset.v1.AssetService/GetHoldings":     personalReaders,
	"/dtsen.asset.v1.AssetService/ListHoldings":    nationwideReaders,
	"/dtsen.asset.v1.AssetService/GetFamilyAssets": personalReaders,
	"/dtsen.asset.v1.AssetService/ImportRecords":   importers,
	"/dtsen.asset.v1.AssetService/WatchChanges":    feedReaders,

	"/dtsen.income.v1.IncomeService/GetIncome":           personalReaders,
	"/dtsen.income.v1.IncomeService/ListIncomes":         nationwideReaders,
	"/dtsen.income.v1.IncomeService/GetEmployment":       personalReaders,
	"/dtsen.income.v1.IncomeService/ListEmployments":     nationwideReaders,
	"/dtsen.income.v1.IncomeService/GetConsumption":      personalReaders,
	"/dtsen.income.v1.IncomeService/ListConsumptions":    nationwideReaders,
	"/dtsen.income.v1.IncomeService/GetBankingPattern":   personalReaders,
	"/dtsen.income.v1.IncomeService/ListBankingPatterns": nationwideReaders,
	"/dtsen.income.v1.IncomeService/GetFamilyEconomics":  personalReaders,
	"/dtsen.income.v1.IncomeService/ImportRecords":       importers,
	"/dtsen.income.v1.IncomeService/WatchChanges":        feedReaders,

	"/dtsen.serviceusage.v1.ServiceUsageService/GetHealthCoverage":           personalReaders,
	"/dtsen.serviceusage.v1.ServiceUsageService/ListHealthCoverages":         nationwideReaders,
	"/dtsen.serviceusage.v1.ServiceUsageService/GetEnrolment":                personalReaders,
	"/dtsen.serviceusage.v1.ServiceUsageService/ListEnrolments":              nationwideReaders,
	"/dtsen.serviceusage.v1.ServiceUsageService/GetUtilityUsage":             personalReaders,
	"/dtsen.serviceusage.v1.ServiceUsageService/ListUtilityUsages":           nationwideReaders,
	"/dtsen.serviceusage.v1.ServiceUsageService/GetProgrammeParticipation":   personalReaders,
	"/dtsen.serviceusage.v1.ServiceUsageService/ListProgrammeParticipations": nationwideReaders,
	"/dtsen.serviceusage.v1.ServiceUsageService/GetFamilyServiceUsage":       personalReaders,
	"/dtsen.serviceusage.v1.ServiceUsageService/ImportRecords":               importers,
	"/dtsen.serviceusage.v1.ServiceUsageService/WatchChanges":                feedReaders,

	// Who may act on which case is the grievance workflow's table
	// (grievance/domain); these are the roles that may call at all.
	"/dtsen.grievance.v1.GrievanceService/SubmitCase": {RoleCitizen, RoleVillageOperator, RoleDistrictOfficer,
		RoleFieldVerifier, RoleProvincialOfficer, RoleAdmin},
	"/dtsen.grievance.v1.GrievanceService/GetCase": {RoleCitizen, RoleVillageOperator, RoleDistrictOfficer,
		RoleFieldVerifier, RoleProvincialOfficer, RoleAdmin, RoleService},
	// A citizen lists only the cases they reported (the handler filters).
	"/dtsen.grievance.v1.GrievanceService/ListCases": {RoleCitizen, RoleVillageOperator, RoleDistrictOfficer,
		RoleFieldVerifier, RoleProvincialOfficer, RoleAdmin, RoleService},
	"/dtsen.grievance.v1.GrievanceService/TriageCase":         {RoleVillageOperator, RoleDistrictOfficer, RoleProvincialOfficer, RoleAdmin},
	"/dtsen.grievance.v1.GrievanceService/AssignCase":         {RoleDistrictOfficer, RoleProvincialOfficer, RoleAdmin},
	"/dtsen.grievance.v1.GrievanceService/RecordVerification": {RoleFieldVerifier},
	"/dtsen.grievance.v1.GrievanceService/WatchChanges":       feedReaders,
	"/dtsen.grievance.v1.GrievanceService/DecideCase":         {RoleDistrictOfficer, RoleProvincialOfficer, RoleAdmin},

	"/dtsen.scoring.v1.ScoringService/GetFamilyScore":         personalReaders,
	"/dtsen.scoring.v1.ScoringService/ListScoreHistory":       personalReaders,
	"/dtsen.scoring.v1.ScoringService/GetFamilyEligibility":   personalReaders,
	"/dtsen.scoring.v1.ScoringService/ListNotices":            personalReaders,
	"/dtsen.scoring.v1.ScoringService/ListEligible":           regionListers,
	"/dtsen.scoring.v1.ScoringService/ListFieldVerifications": regionListers,
	// Counts for analysts; the handler lists families to officers only.
	"/dtsen.scoring.v1.ScoringService/GetTransitionReport": {RoleVillageOperator, RoleDistrictOfficer, RoleFieldVerifier,
		RoleProvincialOfficer, RoleAnalyst, RoleAdmin, RoleService},
	"/dtsen.scoring.v1.ScoringService/GetRegionStatistics": {RoleVillageOperator, RoleDistrictOfficer, RoleFieldVerifier,
		RoleProvincialOfficer, RoleAnalyst, RoleAdmin, RoleService},
	"/dtsen.scoring.v1.ScoringService/TrainModel":      admins,
	"/dtsen.scoring.v1.ScoringService/ActivateModel":   admins,
	"/dtsen.scoring.v1.ScoringService/GetModel":        modelReaders,
	"/dtsen.scoring.v1.ScoringService/ListModels":      modelReaders,
	"/dtsen.scoring.v1.ScoringService/EvaluateModel":   modelReaders,
	"/dtsen.scoring.v1.ScoringService/StartRankingRun": admins,
	"/dtsen.scoring.v1.ScoringService/GetRankingRun":   modelReaders,
	"/dtsen.scoring.v1.ScoringService/ListRankingRuns": modelReaders,
}

// AllowMethod checks the method table for the caller in ctx: nil when their
// role may call method, PERMISSION_DENIED otherwise (AGGREGATES_ONLY for an
// analyst, whose refusals are always about personal data).
func AllowMethod(ctx context.Context, table map[string][]Role, method string) error {
	p, err := Caller(ctx)
	if err != nil {
		return err
	}
	if slices.Contains(table[method], p.Role) {
		return nil
	}
	if p.Role == RoleAnalyst {
		return denied(ReasonAggregatesOnly, "this role sees aggregates only, never personal data",
			"peran ini hanya melihat data agregat, bukan data pribadi").Err()
	}
	return denied(ReasonRoleNotAllowed, "this role may not call this method", "peran ini tidak boleh memanggil metode ini").
		Meta("method", method).Err()
}
