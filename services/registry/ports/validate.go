package ports

import (
	"strings"
	"time"

	"google.golang.org/grpc/codes"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/validation"
	"github.com/dtsen-id/dtsen/services/registry/domain"
)

// Validators checks every request's shape before a handler runs: resource
// names, NIK and KK structure, page sizes and update masks. Rules that need
// stored data stay in the use cases.
func Validators() *validation.Registry {
	r := validation.NewRegistry()
	validation.Register(r, func(req *registryv1.GetPersonRequest) error {
		_, err := personName("name", req.GetName())
		return err
	})
	validation.Register(r, func(req *registryv1.GetFamilyRequest) error {
		_, err := familyName("name", req.GetName())
		return err
	})
	validation.Register(r, func(req *registryv1.ListFamiliesRequest) error {
		if req.GetPageSize() < 0 {
			return invalid("page_size", "PAGE_SIZE_NEGATIVE", "page_size must not be negative", "page_size tidak boleh negatif")
		}
		_, err := parseFilter(req.GetFilter())
		return err
	})
	validation.Register(r, func(req *registryv1.UpdateFamilyRequest) error {
		if _, err := familyName("family.name", req.GetFamily().GetName()); err != nil {
			return err
		}
		return checkMask(req.GetUpdateMask().GetPaths(), familyMaskFields)
	})
	validation.Register(r, func(req *registryv1.UpdatePersonRequest) error {
		if _, err := personName("person.name", req.GetPerson().GetName()); err != nil {
			return err
		}
		return checkMask(req.GetUpdateMask().GetPaths(), personMaskFields)
	})
	validation.Register(r, func(req *registryv1.RecordDeathRequest) error {
		if _, err := personName("name", req.GetName()); err != nil {
			return err
		}
		if _, v := domain.ParseDate("death_date", req.GetDeathDate()); v != nil {
			return violationsStatus(domain.Violations{*v}, "")
		}
		return nil
	})
	validation.Register(r, func(req *registryv1.MovePersonRequest) error {
		if _, err := personName("name", req.GetName()); err != nil {
			return err
		}
		if _, err := familyName("target_family", req.GetTargetFamily()); err != nil {
			return err
		}
		if !domain.FamilyRelation(req.GetRelationToHead()).Valid() || req.GetRelationToHead() == registryv1.FamilyRelation_FAMILY_RELATION_HEAD {
			return invalid("relation_to_head", "PERSON_RELATION_INVALID",
				"relation_to_head must be a relation other than head", "hubungan dengan kepala keluarga tidak valid")
		}
		return nil
	})
	validation.Register(r, func(req *registryv1.SplitFamilyRequest) error {
		if _, err := familyName("name", req.GetName()); err != nil {
			return err
		}
		if v := domain.ValidateKK(req.GetNewKkNumber()); v != nil {
			v.Field = "new_kk_number"
			return violationsStatus(domain.Violations{*v}, "")
		}
		if len(req.GetMemberNiks()) == 0 {
			return invalid("member_niks", "SPLIT_NO_MEMBERS", "name at least one member to move", "sebutkan minimal satu anggota yang pindah")
		}
		found := false
		for _, n := range req.GetMemberNiks() {
			found = found || n == req.GetNewHeadNik()
		}
		if !found {
			return invalid("new_head_nik", "FAMILY_HEAD_NOT_MEMBER", "new_head_nik must be one of member_niks",
				"kepala keluarga baru harus salah satu anggota yang pindah")
		}
		return nil
	})
	validation.Register(r, func(req *registryv1.WatchChangesRequest) error {
		if req.GetAfterSequence() < 0 {
			return invalid("after_sequence", "SEQUENCE_NEGATIVE", "after_sequence must not be negative", "after_sequence tidak boleh negatif")
		}
		return nil
	})
	registerLookupValidator(r)
	return r
}

// personName parses `persons/{nik}` and checks the NIK's structure.
func personName(field, name string) (string, error) {
	nik, ok := strings.CutPrefix(name, "persons/")
	if !ok {
		return "", invalid(field, "RESOURCE_NAME_INVALID", "expected persons/{nik}", "format harus persons/{nik}")
	}
	if _, v := domain.ParseNIK(nik, time.Now()); v != nil {
		return "", violationsStatus(domain.Violations{{Field: field, Reason: v.Reason, Description: v.Description}}, "")
	}
	return nik, nil
}

// familyName parses `families/{kk}` and checks the KK number's structure.
func familyName(field, name string) (string, error) {
	kk, ok := strings.CutPrefix(name, "families/")
	if !ok {
		return "", invalid(field, "RESOURCE_NAME_INVALID", "expected families/{kk}", "format harus families/{kk}")
	}
	if v := domain.ValidateKK(kk); v != nil {
		return "", violationsStatus(domain.Violations{{Field: field, Reason: v.Reason, Description: v.Description}}, "")
	}
	return kk, nil
}

var familyMaskFields = map[string]bool{"head_nik": true, "address": true, "region_code": true, "settlement": true}

var personMaskFields = map[string]bool{"full_name": true, "birth_place": true, "marital_status": true,
	"relation_to_head": true, "education": true, "occupation": true, "disability": true, "severe_disability": true}

// checkMask requires a non-empty update_mask of updatable fields. AIP-134
// allows an absent mask to mean "every field", but for a registry that
// decides benefits a silent full overwrite is the wrong default.
func checkMask(paths []string, allowed map[string]bool) error {
	if len(paths) == 0 {
		return invalid("update_mask", "UPDATE_MASK_REQUIRED", "update_mask must name the fields to change",
			"update_mask harus menyebut kolom yang diubah")
	}
	for _, p := range paths {
		if !allowed[p] {
			return invalid("update_mask", "UPDATE_MASK_FIELD_NOT_UPDATABLE", "field "+p+" cannot be updated",
				"kolom "+p+" tidak dapat diubah")
		}
	}
	return nil
}

// parseFilter supports the AIP-160 subset `region = "32.04"`.
func parseFilter(filter string) (string, error) {
	f := strings.TrimSpace(filter)
	if f == "" {
		return "", nil
	}
	bad := invalid("filter", "FILTER_INVALID", `supported filter: region = "<region code>"`,
		`filter yang didukung: region = "<kode wilayah>"`)
	field, value, ok := strings.Cut(f, "=")
	if !ok || strings.TrimSpace(field) != "region" {
		return "", bad
	}
	value = strings.TrimSpace(value)
	if len(value) < 2 || value[0] != '"' || value[len(value)-1] != '"' {
		return "", bad
	}
	code := value[1 : len(value)-1]
	if strings.Contains(code, `"`) {
		return "", bad // two quoted strings: a conjunction or other syntax we do not support
	}
	if _, v := domain.ParseRegionCode(code); v != nil {
		// FILTER_INVALID for every bad filter, so clients branch on one
		// reason; the field violation says what is wrong with the region.
		return "", apierror.New(codes.InvalidArgument, Domain, "FILTER_INVALID").
			Message("the filter's region code is invalid: "+v.Description, "kode wilayah pada filter tidak valid").
			Field("filter", v.Reason, v.Description).Err()
	}
	return code, nil
}
