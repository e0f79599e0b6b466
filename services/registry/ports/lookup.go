package ports

import (
	"context"
	"time"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/validation"
	"github.com/dtsen-id/dtsen/services/registry/domain"
)

// maxLookup bounds one LookupIdentities call per kind of key.
const maxLookup = 1000

// LookupIdentities implements RegistryService.LookupIdentities.
func (s *Server) LookupIdentities(ctx context.Context, req *registryv1.LookupIdentitiesRequest) (*registryv1.LookupIdentitiesResponse, error) {
	persons, families, err := s.app.LookupIdentities(ctx, req.GetNiks(), req.GetKkNumbers())
	if err != nil {
		return nil, toStatus(err, reasonPersonNotFound)
	}
	if err := s.auditLookup(ctx, req); err != nil {
		return nil, err
	}
	resp := &registryv1.LookupIdentitiesResponse{
		Persons:  make([]*registryv1.PersonIdentity, len(req.GetNiks())),
		Families: make([]*registryv1.FamilyIdentity, len(req.GetKkNumbers())),
	}
	for i, nik := range req.GetNiks() {
		out := &registryv1.PersonIdentity{Nik: nik}
		if id, ok := persons[nik]; ok {
			out.Registered = true
			out.Family = familyRecord(id.FamilyKK)
			out.RegionCode = id.FamilyRegion
			out.VitalStatus = registryv1.VitalStatus(id.Vital)
		}
		resp.Persons[i] = out
	}
	for i, kk := range req.GetKkNumbers() {
		region, ok := families[kk]
		resp.Families[i] = &registryv1.FamilyIdentity{KkNumber: kk, Registered: ok, RegionCode: region}
	}
	return resp, nil
}

// auditLookup records every NIK and KK number asked about, registered or
// not: the answer tells the caller whether each exists, where the family
// lives and whether the person is alive. DTSEN workloads (RoleService) are
// not audited here: their lookups are the import-time cross-checks of every
// record a source agency submits, which are already attributed to that
// agency's import, and auditing them would double every import's writes.
// Whatever those services later return to a person is audited by them.
func (s *Server) auditLookup(ctx context.Context, req *registryv1.LookupIdentitiesRequest) error {
	p, err := auth.Caller(ctx)
	if err != nil {
		return err
	}
	if p.Role == auth.RoleService {
		return nil
	}
	records := make([]string, 0, len(req.GetNiks())+len(req.GetKkNumbers()))
	for _, nik := range req.GetNiks() {
		records = append(records, personRecord(nik))
	}
	for _, kk := range req.GetKkNumbers() {
		records = append(records, familyRecord(kk))
	}
	return s.audit.Read(ctx, records...)
}

// registerLookupValidator bounds the request and checks each key's structure:
// a malformed NIK is a caller bug, not an unregistered person.
func registerLookupValidator(r *validation.Registry) {
	validation.Register(r, func(req *registryv1.LookupIdentitiesRequest) error {
		if len(req.GetNiks()) > maxLookup || len(req.GetKkNumbers()) > maxLookup {
			return invalid("niks", "LOOKUP_TOO_MANY", "at most 1000 NIKs and 1000 KK numbers per call",
				"paling banyak 1000 NIK dan 1000 nomor KK per panggilan")
		}
		now := time.Now()
		for i, nik := range req.GetNiks() {
			if _, v := domain.ParseNIK(nik, now); v != nil {
				return violationsStatus(domain.Violations{{Field: "niks[" + itoa(i) + "]", Reason: v.Reason, Description: v.Description}}, "")
			}
		}
		for i, kk := range req.GetKkNumbers() {
			if v := domain.ValidateKK(kk); v != nil {
				return violationsStatus(domain.Violations{{Field: "kk_numbers[" + itoa(i) + "]", Reason: v.Reason, Description: v.Description}}, "")
			}
		}
		return nil
	})
}
