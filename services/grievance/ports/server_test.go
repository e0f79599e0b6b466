package ports_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	grievancev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/grievance/v1"
	"github.com/dtsen-id/dtsen/services/grievance/grievancetest"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/audit"
	"github.com/dtsen-id/dtsen/services/platform/auth"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
)

type env struct {
	*grievancetest.Grievance
}

func start(t *testing.T, url string) *env {
	t.Helper()
	reg := registrytest.Start(t, storagetest.SQLiteURL(t), registrytest.Options{})
	registrytest.Seed(t, reg.Client, 6)
	return &env{grievancetest.Start(t, url, reg.Addr, reg.Auth)}
}

func (e *env) as(t *testing.T, c auth.Claims) grievancev1.GrievanceServiceClient {
	return e.ClientAs(t, c)
}

func want(t *testing.T, what string, err error, code codes.Code, reason string) {
	t.Helper()
	if status.Code(err) != code || (reason != "" && apierror.ReasonOf(err) != reason) {
		t.Errorf("%s: %v (reason %q), want %s %s", what, err, apierror.ReasonOf(err), code, reason)
	}
}

func TestGrievanceService(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		fams := registrytest.Families(0, 6)
		own, other := fams[0], fams[3]
		citizen := e.as(t, authtest.Citizen(own.GetHeadNik()))
		region := own.GetRegionCode()
		district := e.as(t, authtest.Officer(auth.RoleDistrictOfficer, region[:5]))
		verifierClaims := authtest.Officer(auth.RoleFieldVerifier, region[:8])
		verifier := e.as(t, verifierClaims)
		outsider := e.as(t, authtest.Officer(auth.RoleDistrictOfficer, "91.01"))

		req := &grievancev1.SubmitCaseRequest{RequestId: "req-000001", CaseType: grievancev1.CaseType_CASE_TYPE_EXCLUSION_OBJECTION,
			Family: "families/" + own.GetKkNumber(), Description: "rumah kami berlantai tanah"}
		res, err := citizen.SubmitCase(ctx, req)
		if err != nil || res.GetExisting() || res.GetCase().GetRegion() != region || res.GetCase().GetState() != grievancev1.CaseState_CASE_STATE_SUBMITTED {
			t.Fatalf("submit: %v, %v", res, err)
		}
		name := res.GetCase().GetName()
		if again, err := citizen.SubmitCase(ctx, req); err != nil || !again.GetExisting() || again.GetCase().GetName() != name {
			t.Errorf("retried submit: %v, %v", again, err)
		}
		_, err = citizen.SubmitCase(ctx, &grievancev1.SubmitCaseRequest{CaseType: grievancev1.CaseType_CASE_TYPE_EXCLUSION_OBJECTION,
			Family: "families/" + other.GetKkNumber()})
		want(t, "objecting for another family", err, codes.PermissionDenied, auth.ReasonNotOwnFamily)
		_, err = citizen.SubmitCase(ctx, &grievancev1.SubmitCaseRequest{CaseType: grievancev1.CaseType_CASE_TYPE_VILLAGE_DELIBERATION,
			Region: region, Deliberation: &grievancev1.Deliberation{MeetingDate: "2026-11-01", MinutesRef: "BA/1",
				Families: []string{"families/" + own.GetKkNumber()}}})
		want(t, "a citizen entering a deliberation", err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
		_, err = citizen.SubmitCase(ctx, &grievancev1.SubmitCaseRequest{CaseType: grievancev1.CaseType_CASE_TYPE_EXCLUSION_OBJECTION,
			Family: "families/123"})
		want(t, "a malformed KK", err, codes.InvalidArgument, "")

		// An inclusion report about another family: officers see who filed
		// it; the family concerned never does.
		rep, err := citizen.SubmitCase(ctx, &grievancev1.SubmitCaseRequest{CaseType: grievancev1.CaseType_CASE_TYPE_INCLUSION_REPORT,
			Family: "families/" + other.GetKkNumber(), Description: "punya mobil"})
		if err != nil {
			t.Fatal(err)
		}
		reported := e.as(t, authtest.Citizen(other.GetHeadNik()))
		_, err = reported.GetCase(ctx, &grievancev1.GetCaseRequest{Name: rep.GetCase().GetName()})
		want(t, "the reported family reading the report", err, codes.NotFound, "CASE_NOT_FOUND")

		// A citizen lists the cases they reported, and only those: the
		// objection and the inclusion report, not the reported family's.
		mineList, err := citizen.ListCases(ctx, &grievancev1.ListCasesRequest{Region: "91"})
		if err != nil {
			t.Fatal(err)
		}
		gotNames := map[string]bool{}
		for _, c := range mineList.GetCases() {
			gotNames[c.GetName()] = true
			if c.GetReporter() != authtest.Citizen(own.GetHeadNik()).Subject {
				t.Errorf("a citizen's list holds %s reported by %q", c.GetName(), c.GetReporter())
			}
		}
		if len(gotNames) != 2 || !gotNames[name] || !gotNames[rep.GetCase().GetName()] {
			t.Errorf("the citizen's own cases: %v", mineList.GetCases())
		}
		if theirs, err := reported.ListCases(ctx, &grievancev1.ListCasesRequest{}); err != nil || len(theirs.GetCases()) != 0 {
			t.Errorf("the reported family's list: %v, %v", theirs, err)
		}

		// The officer's queue and the workflow.
		list, err := district.ListCases(ctx, &grievancev1.ListCasesRequest{})
		if err != nil || len(list.GetCases()) == 0 {
			t.Fatalf("district queue: %v, %v", list, err)
		}
		_, err = outsider.GetCase(ctx, &grievancev1.GetCaseRequest{Name: name})
		want(t, "an officer of another region reading", err, codes.NotFound, "CASE_NOT_FOUND")
		_, err = outsider.ListCases(ctx, &grievancev1.ListCasesRequest{Region: region[:5]})
		want(t, "an officer listing another region", err, codes.PermissionDenied, auth.ReasonRegionOutOfScope)
		_, err = outsider.TriageCase(ctx, &grievancev1.TriageCaseRequest{Name: name})
		want(t, "an officer of another region triaging", err, codes.PermissionDenied, "CASE_REGION_OUT_OF_SCOPE")
		_, err = district.DecideCase(ctx, &grievancev1.DecideCaseRequest{Name: name, Approve: true})
		want(t, "deciding before the visit", err, codes.FailedPrecondition, "CASE_STATE_INVALID")

		if _, err := district.TriageCase(ctx, &grievancev1.TriageCaseRequest{Name: name}); err != nil {
			t.Fatal(err)
		}
		if _, err := district.AssignCase(ctx, &grievancev1.AssignCaseRequest{Name: name, Assignee: verifierClaims.Subject}); err != nil {
			t.Fatal(err)
		}
		visit := &grievancev1.Verification{VisitDate: time.Now().Format(time.DateOnly), Latitude: -6.98, Longitude: 107.55,
			FamilyFound: true, Answers: map[string]string{"floor_material": "EARTH"},
			Photos: []*grievancev1.Photo{{Ref: "photos/1.jpg", Caption: "lantai"}}}
		_, err = verifier.RecordVerification(ctx, &grievancev1.RecordVerificationRequest{Name: name,
			Verification: &grievancev1.Verification{VisitDate: "27-11-2026"}})
		want(t, "a malformed visit date", err, codes.InvalidArgument, "DATE_INVALID")
		if _, err := verifier.RecordVerification(ctx, &grievancev1.RecordVerificationRequest{Name: name, Verification: visit}); err != nil {
			t.Fatal(err)
		}
		_, err = district.DecideCase(ctx, &grievancev1.DecideCaseRequest{Name: name})
		want(t, "rejecting without a reason", err, codes.InvalidArgument, "CASE_REASON_REQUIRED")
		done, err := district.DecideCase(ctx, &grievancev1.DecideCaseRequest{Name: name, Approve: true, Reason: "lantai memang tanah"})
		if err != nil || done.GetState() != grievancev1.CaseState_CASE_STATE_APPROVED || len(done.GetHistory()) != 5 {
			t.Fatalf("decided: %v, %v", done, err)
		}

		// The complainant follows it: status, history and the reason.
		mine, err := citizen.GetCase(ctx, &grievancev1.GetCaseRequest{Name: name})
		if err != nil || !mine.GetApproved() || mine.GetDecisionReason() != "lantai memang tanah" ||
			mine.GetVerification().GetAnswers()["floor_material"] != "EARTH" {
			t.Errorf("the complainant's view: %v, %v", mine, err)
		}
		// The change feed: one event per submission and step, naming the
		// case and its family, for scoring and the web pages to follow.
		stream, err := e.as(t, authtest.Admin()).WatchChanges(ctx, &grievancev1.WatchChangesRequest{})
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for len(kinds) < 6 {
			msg, err := stream.Recv()
			if err != nil {
				t.Fatal(err)
			}
			ev := msg.GetEvent()
			if ev.GetResource() == name {
				if ev.GetFamily() != "families/"+own.GetKkNumber() {
					t.Errorf("event %v names family %q", ev, ev.GetFamily())
				}
				kinds = append(kinds, ev.GetEventType())
			} else if ev.GetResource() == rep.GetCase().GetName() {
				kinds = append(kinds, "report:"+ev.GetEventType())
			}
		}
		wantKinds := "[grievance.case.submit report:grievance.case.submit grievance.case.triage grievance.case.assign " +
			"grievance.case.record_verification grievance.case.approve]"
		if fmt.Sprint(kinds) != wantKinds {
			t.Errorf("feed %v, want %s", kinds, wantKinds)
		}
		// A server stream reports its refusal on the first receive.
		officerStream, err := district.WatchChanges(ctx, &grievancev1.WatchChangesRequest{})
		if err == nil {
			_, err = officerStream.Recv()
		}
		want(t, "an officer following the feed", err, codes.PermissionDenied, "")

		// The inclusion report's reporter follows it, but what the verifier
		// found in the reported family's house is for the officers only.
		repName := rep.GetCase().GetName()
		oRegion := other.GetRegionCode()
		oDistrict := e.as(t, authtest.Officer(auth.RoleDistrictOfficer, oRegion[:5]))
		oVerifierClaims := authtest.Officer(auth.RoleFieldVerifier, oRegion[:8])
		if _, err := oDistrict.TriageCase(ctx, &grievancev1.TriageCaseRequest{Name: repName}); err != nil {
			t.Fatal(err)
		}
		if _, err := oDistrict.AssignCase(ctx, &grievancev1.AssignCaseRequest{Name: repName, Assignee: oVerifierClaims.Subject}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.as(t, oVerifierClaims).RecordVerification(ctx, &grievancev1.RecordVerificationRequest{Name: repName,
			Verification: visit}); err != nil {
			t.Fatal(err)
		}
		if mine, err := citizen.GetCase(ctx, &grievancev1.GetCaseRequest{Name: repName}); err != nil ||
			mine.GetState() != grievancev1.CaseState_CASE_STATE_VERIFIED || mine.GetVerification() != nil {
			t.Errorf("the reporter's view of the visited report: %v, %v", mine, err)
		}
		if theirs, err := oDistrict.GetCase(ctx, &grievancev1.GetCaseRequest{Name: repName}); err != nil || theirs.GetVerification() == nil {
			t.Errorf("the officer's view of the visited report: %v, %v", theirs, err)
		}

		events, err := e.Audit.List(ctx, audit.Query{Record: name, Limit: 50})
		if err != nil || len(events) < 3 {
			t.Errorf("audit of the case's reads: %d, %v", len(events), err)
		}
	})
}
