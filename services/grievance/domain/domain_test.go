package domain_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dtsen-id/dtsen/services/grievance/domain"
	"github.com/dtsen-id/dtsen/services/platform/auth"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

const village = "32.04.12.2001"

func submitted(t *testing.T) domain.Case {
	t.Helper()
	c, err := domain.NewCase(domain.Submission{ID: "case-1", Type: domain.ExclusionObjection, KK: "3204120101100001",
		Region: village, Reporter: "citizen-1", ReporterNIK: "3204121505900001", Description: "rumah kami berlantai tanah",
		RequestID: "req-00000001", At: t0})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var (
	district = domain.Actor{Subject: "dinsos-32.04", Role: auth.RoleDistrictOfficer, Region: "32.04"}
	verifier = domain.Actor{Subject: "tksk-1", Role: auth.RoleFieldVerifier, Region: "32.04.12"}
	workload = domain.Actor{Subject: "dtsen-grievance", Role: auth.RoleService}
)

func visit() *domain.Verification {
	return &domain.Verification{VisitDate: t0.Add(48 * time.Hour), Latitude: -6.98, Longitude: 107.55, Found: true,
		Answers: map[string]string{"floor_material": "EARTH"}, Photos: []domain.Photo{{Ref: "photos/abc.jpg", Caption: "lantai"}}}
}

// step is a legal step from each state, by an actor who may take it.
func stepFor(s domain.State, a domain.Action) domain.Step {
	st := domain.Step{Action: a, At: t0.Add(72 * time.Hour), Reason: "ok"}
	switch a {
	case domain.Triage, domain.Approve, domain.Reject:
		st.By = district
	case domain.Assign:
		st.By, st.Assignee = district, verifier.Subject
	case domain.RecordVerification:
		st.By, st.Verification = verifier, visit()
	case domain.Apply:
		st.By = workload
	}
	return st
}

// caseIn brings a case to state s along the happy path (or rejects it).
func caseIn(t *testing.T, s domain.State) domain.Case {
	t.Helper()
	c := submitted(t)
	path := map[domain.State][]domain.Action{
		domain.Submitted: nil,
		domain.Triaged:   {domain.Triage},
		domain.Assigned:  {domain.Triage, domain.Assign},
		domain.Verified:  {domain.Triage, domain.Assign, domain.RecordVerification},
		domain.Approved:  {domain.Triage, domain.Assign, domain.RecordVerification, domain.Approve},
		domain.Applied:   {domain.Triage, domain.Assign, domain.RecordVerification, domain.Approve, domain.Apply},
		domain.Rejected:  {domain.Reject},
	}[s]
	for _, a := range path {
		var err error
		if c, err = c.Take(stepFor(c.State, a)); err != nil {
			t.Fatalf("to %s: %s: %v", s, a, err)
		}
	}
	return c
}

// legal is the workflow of issue 7, written out independently of the
// rules table it checks.
var legal = map[domain.State]map[domain.Action]domain.State{
	domain.Submitted: {domain.Triage: domain.Triaged, domain.Reject: domain.Rejected},
	domain.Triaged:   {domain.Assign: domain.Assigned, domain.Reject: domain.Rejected},
	domain.Assigned:  {domain.Assign: domain.Assigned, domain.RecordVerification: domain.Verified, domain.Reject: domain.Rejected},
	domain.Verified:  {domain.Approve: domain.Approved, domain.Reject: domain.Rejected},
	domain.Approved:  {domain.Apply: domain.Applied},
	domain.Applied:   {},
	domain.Rejected:  {},
}

func reasonOf(err error) string {
	var e *domain.Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

func TestEveryTransition(t *testing.T) {
	for _, s := range domain.States {
		for _, a := range domain.Actions {
			t.Run(fmt.Sprintf("%s/%s", s, a), func(t *testing.T) {
				c := caseIn(t, s)
				next, err := c.Take(stepFor(s, a))
				want, ok := legal[s][a]
				if !ok {
					if !errors.Is(err, domain.ErrWrongState) || reasonOf(err) != domain.ReasonStateInvalid {
						t.Fatalf("illegal move: %v", err)
					}
					if next.State != s || len(next.History) != len(c.History) {
						t.Fatal("a refused move changed the case")
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				last := next.History[len(next.History)-1]
				if next.State != want || last.From != s || last.To != want || last.Action != a || last.Seq != len(next.History) {
					t.Fatalf("got %s with %+v, want %s", next.State, last, want)
				}
				if len(c.History) == len(next.History) {
					t.Fatal("the original case's history grew: Take must not modify its receiver")
				}
			})
		}
	}
}

func TestRolesAndRegions(t *testing.T) {
	allowed := map[domain.Action][]auth.Role{
		domain.Triage:             {auth.RoleVillageOperator, auth.RoleDistrictOfficer, auth.RoleProvincialOfficer, auth.RoleAdmin},
		domain.Assign:             {auth.RoleDistrictOfficer, auth.RoleProvincialOfficer, auth.RoleAdmin},
		domain.RecordVerification: {auth.RoleFieldVerifier},
		domain.Approve:            {auth.RoleDistrictOfficer, auth.RoleProvincialOfficer, auth.RoleAdmin},
		domain.Reject:             {auth.RoleDistrictOfficer, auth.RoleProvincialOfficer, auth.RoleAdmin},
		domain.Apply:              {auth.RoleService},
	}
	from := map[domain.Action]domain.State{domain.Triage: domain.Submitted, domain.Assign: domain.Triaged,
		domain.RecordVerification: domain.Assigned, domain.Approve: domain.Verified, domain.Reject: domain.Verified,
		domain.Apply: domain.Approved}
	inRegion := map[auth.Role]string{auth.RoleVillageOperator: village, auth.RoleDistrictOfficer: "32.04",
		auth.RoleFieldVerifier: "32.04.12", auth.RoleProvincialOfficer: "32"}
	for a, roles := range allowed {
		for _, r := range auth.Roles {
			c := caseIn(t, from[a])
			st := stepFor(c.State, a)
			st.By = domain.Actor{Subject: st.By.Subject, Role: r, Region: inRegion[r]}
			_, err := c.Take(st)
			ok := false
			for _, x := range roles {
				ok = ok || x == r
			}
			if ok && err != nil {
				t.Errorf("%s by %s in region: %v", a, r, err)
			}
			if !ok && reasonOf(err) != domain.ReasonRoleNotAllowed {
				t.Errorf("%s by %s: %v, want %s", a, r, err, domain.ReasonRoleNotAllowed)
			}
			if ok && r.RegionBound() {
				st.By.Region = "33.01"
				if _, err := c.Take(st); reasonOf(err) != domain.ReasonRegionOutOfScope {
					t.Errorf("%s by %s of another region: %v", a, r, err)
				}
			}
		}
	}
}

func TestStepRules(t *testing.T) {
	assigned := caseIn(t, domain.Assigned)
	other := stepFor(domain.Assigned, domain.RecordVerification)
	other.By.Subject = "tksk-2"
	if _, err := assigned.Take(other); reasonOf(err) != domain.ReasonNotAssignee {
		t.Errorf("a verifier not assigned recorded the visit: %v", err)
	}
	for name, mutate := range map[string]func(v *domain.Verification){
		"future visit":      func(v *domain.Verification) { v.VisitDate = t0.Add(30 * 24 * time.Hour) },
		"outside Indonesia": func(v *domain.Verification) { v.Latitude, v.Longitude = 48.85, 2.35 },
		"empty photo ref":   func(v *domain.Verification) { v.Photos = []domain.Photo{{Ref: " "}} },
	} {
		st := stepFor(domain.Assigned, domain.RecordVerification)
		mutate(st.Verification)
		if _, err := assigned.Take(st); reasonOf(err) != domain.ReasonVerificationInvalid {
			t.Errorf("%s: %v", name, err)
		}
	}
	st := stepFor(domain.Assigned, domain.RecordVerification)
	done, err := assigned.Take(st)
	if err != nil || done.Verification.Verifier != verifier.Subject || done.Verification.Answers["floor_material"] != "EARTH" {
		t.Fatalf("visit: %+v, %v", done.Verification, err)
	}
	// The stored record is a copy: the caller's map cannot change it later.
	st.Verification.Answers["floor_material"] = "CERAMIC"
	if done.Verification.Answers["floor_material"] != "EARTH" {
		t.Error("the verification shares the caller's answers map")
	}

	rej := stepFor(domain.Verified, domain.Reject)
	rej.Reason = "  "
	if _, err := caseIn(t, domain.Verified).Take(rej); reasonOf(err) != domain.ReasonReasonRequired {
		t.Errorf("rejection without a reason: %v", err)
	}
	rejected := caseIn(t, domain.Rejected)
	if rejected.Decision == nil || rejected.Decision.Approved || rejected.Decision.Reason != "ok" {
		t.Errorf("rejected decision %+v", rejected.Decision)
	}
	asg := stepFor(domain.Triaged, domain.Assign)
	asg.Assignee = ""
	if _, err := caseIn(t, domain.Triaged).Take(asg); reasonOf(err) != domain.ReasonAssigneeRequired {
		t.Errorf("assigning nobody: %v", err)
	}
}

func TestDeadlinesAndEscalation(t *testing.T) {
	sla := domain.DefaultSLA
	c := submitted(t)
	if got := c.Deadline(sla); !got.Equal(t0.Add(3 * 24 * time.Hour)) {
		t.Fatalf("deadline %v", got)
	}
	if c.Overdue(sla, t0.Add(71*time.Hour)) || !c.Overdue(sla, t0.Add(72*time.Hour)) {
		t.Error("overdue at exactly the deadline, not before")
	}
	if _, ok := c.Escalate(sla, t0.Add(time.Hour), "sweeper"); ok {
		t.Error("a case within its deadline escalated")
	}
	if c.HandlingRegion() != "32.04" {
		t.Errorf("handled by %q, want the regency 32.04", c.HandlingRegion())
	}
	late := t0.Add(4 * 24 * time.Hour)
	up, ok := c.Escalate(sla, late, "sweeper")
	if !ok || up.Escalations != 1 || up.HandlingRegion() != "32" || up.State != domain.Submitted {
		t.Fatalf("first escalation: %+v", up)
	}
	if !up.Deadline(sla).Equal(late.Add(3*24*time.Hour)) || up.Overdue(sla, late) {
		t.Errorf("the province's deadline %v", up.Deadline(sla))
	}
	last := up.History[len(up.History)-1]
	if last.Action != "ESCALATE" || !strings.Contains(last.Reason, "province") || len(c.History) != 1 {
		t.Errorf("escalation history %+v (original %d entries)", last, len(c.History))
	}
	top, ok := up.Escalate(sla, late.Add(4*24*time.Hour), "sweeper")
	if !ok || top.HandlingRegion() != "" {
		t.Fatalf("second escalation: %+v", top)
	}
	if _, ok := top.Escalate(sla, late.Add(30*24*time.Hour), "sweeper"); ok {
		t.Error("escalated past the ministry")
	}
	if !top.Overdue(sla, late.Add(30*24*time.Hour)) {
		t.Error("the ministry's overdue case stopped being overdue")
	}
	// Handling the step returns the case to its regency with a fresh deadline.
	st := stepFor(domain.Submitted, domain.Triage)
	st.At = late.Add(9 * 24 * time.Hour)
	tri, err := top.Take(st)
	if err != nil || tri.Escalations != 0 || tri.HandlingRegion() != "32.04" || !tri.Deadline(sla).Equal(st.At.Add(5*24*time.Hour)) {
		t.Errorf("after triage: %+v, %v", tri, err)
	}
	if d := caseIn(t, domain.Applied).Deadline(sla); !d.IsZero() {
		t.Errorf("a final case has a deadline %v", d)
	}
}

func TestSubmissions(t *testing.T) {
	base := domain.Submission{ID: "c", Reporter: "r", Region: village, At: t0}
	good := map[domain.Type]func(s *domain.Submission){
		domain.ExclusionObjection: func(s *domain.Submission) { s.KK = "3204120101100001" },
		domain.InclusionReport:    func(s *domain.Submission) { s.KK = "3204120101100002" },
		domain.DataCorrection: func(s *domain.Submission) {
			s.KK = "3204120101100001"
			s.Correction = &domain.Correction{Context: "asset", Field: "housing.floor_material", ProposedValue: "EARTH"}
		},
		domain.NewRegistration: func(s *domain.Submission) {
			s.Registration = &domain.Registration{HeadName: "Siti Aminah", MemberCount: 4}
		},
		domain.VillageDeliberation: func(s *domain.Submission) {
			s.Deliberation = &domain.Deliberation{MeetingDate: t0.Add(-48 * time.Hour), MinutesRef: "BA/12/2026",
				Proposals: []string{"3204120101100001", "3204120101100003"}}
		},
	}
	for typ, fill := range good {
		s := base
		s.Type = typ
		fill(&s)
		c, err := domain.NewCase(s)
		if err != nil || c.State != domain.Submitted || len(c.History) != 1 {
			t.Errorf("%s: %+v, %v", typ, c, err)
		}
		if c.ReporterProtected() != (typ == domain.InclusionReport) {
			t.Errorf("%s: reporter protected = %v", typ, c.ReporterProtected())
		}
	}
	bad := map[string]func(s *domain.Submission){
		"unknown type":         func(s *domain.Submission) { s.Type = "PRAISE"; s.KK = "3204120101100001" },
		"objection without KK": func(s *domain.Submission) { s.Type = domain.ExclusionObjection },
		"regency, not village": func(s *domain.Submission) {
			s.Type = domain.ExclusionObjection
			s.KK = "3204120101100001"
			s.Region = "32.04"
		},
		"correction of nothing": func(s *domain.Submission) { s.Type = domain.DataCorrection; s.KK = "3204120101100001" },
		"correction of an unknown context": func(s *domain.Submission) {
			s.Type, s.KK = domain.DataCorrection, "3204120101100001"
			s.Correction = &domain.Correction{Context: "tax", Field: "x", ProposedValue: "y"}
		},
		"meeting in the future": func(s *domain.Submission) {
			s.Type = domain.VillageDeliberation
			s.Deliberation = &domain.Deliberation{MeetingDate: t0.Add(time.Hour), MinutesRef: "BA/1", Proposals: []string{"3204120101100001"}}
		},
		"duplicate proposals": func(s *domain.Submission) {
			s.Type = domain.VillageDeliberation
			s.Deliberation = &domain.Deliberation{MeetingDate: t0.Add(-time.Hour), MinutesRef: "BA/1",
				Proposals: []string{"3204120101100001", "3204120101100001"}}
		},
		"bad request id": func(s *domain.Submission) {
			s.Type, s.KK, s.RequestID = domain.ExclusionObjection, "3204120101100001", "x"
		},
	}
	for name, fill := range bad {
		s := base
		fill(&s)
		if _, err := domain.NewCase(s); !errors.Is(err, domain.ErrInvalid) || reasonOf(err) != domain.ReasonSubmissionInvalid {
			t.Errorf("%s: %v", name, err)
		}
	}
}
