package ports

import (
	"strings"
	"time"

	"google.golang.org/grpc/codes"

	grievancev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/grievance/v1"
	"github.com/dtsen-id/dtsen/services/grievance/domain"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/validation"
)

func invalid(field, reason, en string) error {
	return apierror.New(codes.InvalidArgument, Domain, reason).Message(en, "permintaan tidak valid").Field(field, reason, en).Err()
}

func caseID(name string) string { return strings.TrimPrefix(name, "cases/") }

func caseName(name string) error {
	id, ok := strings.CutPrefix(name, "cases/")
	if !ok || id == "" || len(id) > 64 || strings.ContainsAny(id, "/ ") {
		return invalid("name", "RESOURCE_NAME_INVALID", "expected cases/{id}")
	}
	return nil
}

// Validators check every request's shape before a handler runs; the case's
// own rules (domain.NewCase, Case.Take) check the rest.
func Validators() *validation.Registry {
	r := validation.NewRegistry()
	validation.Register(r, func(req *grievancev1.SubmitCaseRequest) error {
		_, err := submissionFromProto(req)
		return err
	})
	validation.Register(r, func(req *grievancev1.GetCaseRequest) error { return caseName(req.GetName()) })
	validation.Register(r, func(req *grievancev1.TriageCaseRequest) error { return caseName(req.GetName()) })
	validation.Register(r, func(req *grievancev1.AssignCaseRequest) error { return caseName(req.GetName()) })
	validation.Register(r, func(req *grievancev1.DecideCaseRequest) error { return caseName(req.GetName()) })
	validation.Register(r, func(req *grievancev1.RecordVerificationRequest) error {
		if err := caseName(req.GetName()); err != nil {
			return err
		}
		_, err := verificationFromProto(req.GetVerification())
		return err
	})
	validation.Register(r, func(req *grievancev1.WatchChangesRequest) error {
		if req.GetAfterSequence() < 0 {
			return invalid("after_sequence", "SEQUENCE_NEGATIVE", "after_sequence must not be negative")
		}
		return nil
	})
	validation.Register(r, func(req *grievancev1.ListCasesRequest) error {
		if n := req.GetPageSize(); n < 0 || n > 1000 {
			return invalid("page_size", "PAGE_SIZE_OUT_OF_RANGE", "page_size must be 0-1000")
		}
		return nil
	})
	return r
}

func submissionFromProto(req *grievancev1.SubmitCaseRequest) (domain.Submission, error) {
	typ, ok := typeNames[req.GetCaseType()]
	if !ok {
		return domain.Submission{}, invalid("case_type", "CASE_TYPE_INVALID", "case_type must be one of the five case types")
	}
	s := domain.Submission{Type: typ, RequestID: req.GetRequestId(), Region: req.GetRegion(), Programme: req.GetProgramme(),
		Description: req.GetDescription()}
	if f := req.GetFamily(); f != "" {
		kk, ok := strings.CutPrefix(f, "families/")
		if !ok || len(kk) != 16 || strings.Trim(kk, "0123456789") != "" {
			return s, invalid("family", "RESOURCE_NAME_INVALID", "expected families/{kk} with the 16-digit KK number")
		}
		s.KK = kk
	}
	if c := req.GetCorrection(); c != nil {
		s.Correction = &domain.Correction{Context: c.GetContext(), Field: c.GetField(), CurrentValue: c.GetCurrentValue(),
			ProposedValue: c.GetProposedValue()}
	}
	if g := req.GetRegistration(); g != nil {
		s.Registration = &domain.Registration{HeadName: g.GetHeadName(), HeadNIK: g.GetHeadNik(), Address: g.GetAddress(),
			MemberCount: int(g.GetMemberCount())}
	}
	if d := req.GetDeliberation(); d != nil {
		day, err := time.Parse(time.DateOnly, d.GetMeetingDate())
		if err != nil {
			return s, invalid("deliberation.meeting_date", "DATE_INVALID", "meeting_date must be YYYY-MM-DD")
		}
		s.Deliberation = &domain.Deliberation{MeetingDate: day, MinutesRef: d.GetMinutesRef()}
		for _, f := range d.GetFamilies() {
			s.Deliberation.Proposals = append(s.Deliberation.Proposals, strings.TrimPrefix(f, "families/"))
		}
	}
	return s, nil
}

func verificationFromProto(v *grievancev1.Verification) (*domain.Verification, error) {
	if v == nil {
		return nil, invalid("verification", "VERIFICATION_REQUIRED", "the visit record is required")
	}
	day, err := time.Parse(time.DateOnly, v.GetVisitDate())
	if err != nil {
		return nil, invalid("verification.visit_date", "DATE_INVALID", "visit_date must be YYYY-MM-DD")
	}
	out := &domain.Verification{VisitDate: day, Latitude: v.GetLatitude(), Longitude: v.GetLongitude(),
		Answers: v.GetAnswers(), Found: v.GetFamilyFound(), Notes: v.GetNotes()}
	for _, p := range v.GetPhotos() {
		out.Photos = append(out.Photos, domain.Photo{Ref: p.GetRef(), Caption: p.GetCaption()})
	}
	return out, nil
}
