package ports

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	grievancev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/grievance/v1"
	"github.com/dtsen-id/dtsen/services/grievance/domain"
)

var typeNames = map[grievancev1.CaseType]domain.Type{
	grievancev1.CaseType_CASE_TYPE_EXCLUSION_OBJECTION:  domain.ExclusionObjection,
	grievancev1.CaseType_CASE_TYPE_INCLUSION_REPORT:     domain.InclusionReport,
	grievancev1.CaseType_CASE_TYPE_DATA_CORRECTION:      domain.DataCorrection,
	grievancev1.CaseType_CASE_TYPE_NEW_REGISTRATION:     domain.NewRegistration,
	grievancev1.CaseType_CASE_TYPE_VILLAGE_DELIBERATION: domain.VillageDeliberation,
}

var stateNames = map[domain.State]grievancev1.CaseState{
	domain.Submitted: grievancev1.CaseState_CASE_STATE_SUBMITTED,
	domain.Triaged:   grievancev1.CaseState_CASE_STATE_TRIAGED,
	domain.Assigned:  grievancev1.CaseState_CASE_STATE_ASSIGNED,
	domain.Verified:  grievancev1.CaseState_CASE_STATE_VERIFIED,
	domain.Approved:  grievancev1.CaseState_CASE_STATE_APPROVED,
	domain.Applied:   grievancev1.CaseState_CASE_STATE_APPLIED,
	domain.Rejected:  grievancev1.CaseState_CASE_STATE_REJECTED,
}

func stateFromProto(s grievancev1.CaseState) domain.State {
	for k, v := range stateNames {
		if v == s {
			return k
		}
	}
	return ""
}

func typeToProto(t domain.Type) grievancev1.CaseType {
	for k, v := range typeNames {
		if v == t {
			return k
		}
	}
	return grievancev1.CaseType_CASE_TYPE_UNSPECIFIED
}

func ts(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// caseToProto renders a case for a caller; showReporter is false when the
// reporter is protected from them.
func caseToProto(c domain.Case, sla domain.SLA, now time.Time, showReporter bool) *grievancev1.Case {
	out := &grievancev1.Case{Name: "cases/" + c.ID, CaseType: typeToProto(c.Type), State: stateNames[c.State],
		Region: c.Region, Programme: c.Programme, Description: c.Description, Assignee: c.Assignee,
		SubmitTime: ts(c.SubmittedAt), Deadline: ts(c.Deadline(sla)), Overdue: c.Overdue(sla, now),
		HandlingRegion: c.HandlingRegion(), ApplyError: c.ApplyError}
	if c.KK != "" {
		out.Family = "families/" + c.KK
	}
	if showReporter {
		out.Reporter = c.Reporter
	}
	if x := c.Correction; x != nil {
		out.Correction = &grievancev1.Correction{Context: x.Context, Field: x.Field, CurrentValue: x.CurrentValue, ProposedValue: x.ProposedValue}
	}
	if x := c.Registration; x != nil {
		out.Registration = &grievancev1.Registration{HeadName: x.HeadName, HeadNik: x.HeadNIK, Address: x.Address,
			MemberCount: int32(x.MemberCount)}
	}
	if x := c.Deliberation; x != nil {
		d := &grievancev1.Deliberation{MeetingDate: date(x.MeetingDate), MinutesRef: x.MinutesRef}
		for _, kk := range x.Proposals {
			d.Families = append(d.Families, "families/"+kk)
		}
		out.Deliberation = d
	}
	if v := c.Verification; v != nil {
		pv := &grievancev1.Verification{VisitDate: date(v.VisitDate), Verifier: v.Verifier, Latitude: v.Latitude,
			Longitude: v.Longitude, Answers: v.Answers, FamilyFound: v.Found, Notes: v.Notes}
		for _, p := range v.Photos {
			pv.Photos = append(pv.Photos, &grievancev1.Photo{Ref: p.Ref, Caption: p.Caption})
		}
		out.Verification = pv
	}
	if d := c.Decision; d != nil {
		out.Approved, out.DecisionReason = d.Approved, d.Reason
	}
	for _, t := range c.History {
		actor := t.By
		if !showReporter && t.Action == "SUBMIT" {
			actor = ""
		}
		out.History = append(out.History, &grievancev1.Transition{Seq: int32(t.Seq), Time: ts(t.At), Actor: actor,
			Role: string(t.Role), FromState: stateNames[t.From], ToState: stateNames[t.To], Action: string(t.Action), Reason: t.Reason})
	}
	return out
}
