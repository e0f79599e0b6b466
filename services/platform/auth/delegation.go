package auth

import (
	"context"
	"slices"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	"github.com/dtsen-id/dtsen/services/platform/apierror"
)

// Delegation (ADR 0009): a workload whose token lists DelegateCitizen in
// dtsen_delegates (only the gateway's client) may send these two metadata
// entries with its own token, and the call is then made by a citizen
// principal for that NIK, known by that subject. Every citizen rule (own
// family only, own cases only) and the audit apply unchanged.
const (
	// CitizenNIKHeader carries the NIK of the citizen the caller acts for.
	CitizenNIKHeader = "x-dtsen-citizen-nik"
	// CitizenSubjectHeader carries the citizen's stable pseudonym, which
	// becomes the principal's Subject (and so the audit log's): never the
	// NIK itself.
	CitizenSubjectHeader = "x-dtsen-citizen-subject"
	// DelegateCitizen is the dtsen_delegates value that allows it.
	DelegateCitizen = "citizen"
	// SelfServicePurpose is the audit purpose of every citizen read.
	SelfServicePurpose = "self_service"
)

// Reasons of refused delegations.
const (
	// ReasonDelegationNotAllowed: the caller sent delegation metadata but
	// is not a workload allowed to act for citizens.
	ReasonDelegationNotAllowed = "DELEGATION_NOT_ALLOWED"
	// ReasonDelegationInvalid: a delegating workload sent a malformed NIK
	// or subject (one value each, a 16-digit NIK, a short printable subject
	// that does not contain the NIK).
	ReasonDelegationInvalid = "DELEGATION_INVALID"
)

// maxDelegatedSubject bounds the pseudonym a delegate may send; the
// gateway's are 28 characters.
const maxDelegatedSubject = 128

// ActAsCitizen returns ctx whose outgoing calls ask the next service to treat
// them as made by the citizen with nik, known by subject (a pseudonym, never
// the NIK). The call must also carry the workload's own token, and that
// workload must be allowed to delegate (dtsen_delegates: ["citizen"]);
// anyone else is refused with DELEGATION_NOT_ALLOWED.
func ActAsCitizen(ctx context.Context, nik, subject string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, CitizenNIKHeader, nik, CitizenSubjectHeader, subject)
}

// CanDelegate reports whether p is a workload allowed to act for citizens.
func (p *Principal) CanDelegate() bool {
	return p.Role == RoleService && slices.Contains(p.Delegates, DelegateCitizen)
}

// DelegatedCitizen is the citizen principal a delegating workload acts for:
// the citizen's NIK and subject, purpose self_service, the workload recorded
// as Actor, and the workload's token kept to forward on the calls the request
// makes (with the same delegation, see ClientOptions).
func DelegatedCitizen(workload *Principal, nik, subject string) *Principal {
	return &Principal{Subject: subject, Role: RoleCitizen, NIK: nik, Purpose: SelfServicePurpose,
		Token: workload.Token, Actor: workload.Subject}
}

// delegate turns the verified workload p into the citizen it acts for when
// md carries delegation metadata; without any, p is returned unchanged.
func delegate(p *Principal, md metadata.MD) (*Principal, error) {
	niks, subjects := md.Get(CitizenNIKHeader), md.Get(CitizenSubjectHeader)
	if len(niks) == 0 && len(subjects) == 0 {
		return p, nil
	}
	if !p.CanDelegate() {
		return nil, apierror.New(codes.PermissionDenied, Domain, ReasonDelegationNotAllowed).
			Message("this caller may not act on behalf of a citizen",
				"pemanggil ini tidak boleh bertindak atas nama warga").Err()
	}
	if len(niks) != 1 || len(subjects) != 1 || !validNIK(niks[0]) || !validDelegatedSubject(subjects[0], niks[0]) {
		return nil, apierror.New(codes.Unauthenticated, Domain, ReasonDelegationInvalid).
			Message("the delegation must name one 16-digit NIK and one pseudonymous subject",
				"delegasi harus memuat satu NIK 16 digit dan satu subjek samaran").Err()
	}
	return DelegatedCitizen(p, niks[0], subjects[0]), nil
}

func validNIK(nik string) bool {
	return len(nik) == 16 && strings.Trim(nik, "0123456789") == ""
}

// validDelegatedSubject accepts a short printable ASCII subject that does
// not carry the NIK: the subject reaches audit events and case histories.
func validDelegatedSubject(subject, nik string) bool {
	if subject == "" || len(subject) > maxDelegatedSubject || strings.Contains(subject, nik) {
		return false
	}
	for i := 0; i < len(subject); i++ {
		if c := subject[i]; c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

// OutgoingMetadata is what a call made while serving p carries to the next
// service: p's token, its declared purpose and, for a delegated citizen, the
// delegation, so the next service makes the same citizen principal.
func OutgoingMetadata(p *Principal) metadata.MD {
	md := metadata.Pairs(AuthorizationHeader, "Bearer "+p.Token)
	if p.Purpose != "" {
		md.Set(PurposeHeader, p.Purpose)
	}
	if p.Delegated() {
		md.Set(CitizenNIKHeader, p.NIK)
		md.Set(CitizenSubjectHeader, p.Subject)
	}
	return md
}
