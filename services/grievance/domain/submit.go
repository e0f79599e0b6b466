package domain

import (
	"regexp"
	"slices"
	"time"
)

// Submission is a new case as filed.
type Submission struct {
	ID        string
	RequestID string
	Type      Type
	KK        string
	// Region is the family's village (from the registry), or for a new
	// registration the village proposed.
	Region       string
	Reporter     string
	ReporterNIK  string
	Programme    string
	Description  string
	Correction   *Correction
	Registration *Registration
	Deliberation *Deliberation
	At           time.Time
}

var (
	digits16   = regexp.MustCompile(`^\d{16}$`)
	villageRe  = regexp.MustCompile(`^\d{2}\.\d{2}\.\d{2}\.\d{4}$`)
	contexts   = []string{"registry", "asset", "income", "serviceusage"}
	fieldRe    = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`)
	requestIDs = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,128}$`)
)

// NewCase validates a submission and returns the SUBMITTED case with its
// first transition. Every problem found is reported, not only the first, so
// a village operator fixes a form once.
func NewCase(s Submission) (Case, error) {
	var problems []string
	bad := func(p string) { problems = append(problems, p) }
	if !s.Type.Known() {
		bad("type is not a case type")
	}
	if s.ID == "" || s.Reporter == "" || s.At.IsZero() {
		bad("id, reporter and time are required")
	}
	if s.RequestID != "" && !requestIDs.MatchString(s.RequestID) {
		bad("request_id must be 8-128 letters, digits or ._:-")
	}
	if !villageRe.MatchString(s.Region) {
		bad("region must be a village code such as 32.04.12.2001")
	}
	if s.ReporterNIK != "" && !digits16.MatchString(s.ReporterNIK) {
		bad("reporter NIK must be 16 digits")
	}
	if !textOK(s.Description, maxText) || !textOK(s.Programme, 32) {
		bad("description or programme too long")
	}
	needsKK := s.Type != NewRegistration && s.Type != VillageDeliberation
	if needsKK && !digits16.MatchString(s.KK) {
		bad("kk must be the 16-digit KK number of the family concerned")
	}
	if !needsKK && s.KK != "" {
		bad("kk must be empty for this type")
	}
	if (s.Correction != nil) != (s.Type == DataCorrection) {
		bad("a data correction, and only it, carries a correction")
	} else if c := s.Correction; c != nil {
		if !slices.Contains(contexts, c.Context) || !fieldRe.MatchString(c.Field) || len(c.Field) > 128 ||
			trimmed(c.ProposedValue) == "" || !textOK(c.ProposedValue, 500) || !textOK(c.CurrentValue, 500) {
			bad("correction needs a context (registry, asset, income, serviceusage), a field and a proposed value")
		}
	}
	if (s.Registration != nil) != (s.Type == NewRegistration) {
		bad("a new registration, and only it, carries the proposed family")
	} else if r := s.Registration; r != nil {
		if trimmed(r.HeadName) == "" || !textOK(r.HeadName, 200) || !textOK(r.Address, 500) || r.MemberCount < 1 ||
			r.MemberCount > 50 || (r.HeadNIK != "" && !digits16.MatchString(r.HeadNIK)) {
			bad("registration needs the head's name, 1-50 members and a valid NIK if given")
		}
	}
	if (s.Deliberation != nil) != (s.Type == VillageDeliberation) {
		bad("a village deliberation, and only it, carries the meeting")
	} else if d := s.Deliberation; d != nil {
		if d.MeetingDate.IsZero() || d.MeetingDate.After(s.At) || trimmed(d.MinutesRef) == "" || !textOK(d.MinutesRef, 128) ||
			len(d.Proposals) == 0 || len(d.Proposals) > maxProposals {
			bad("deliberation needs a past meeting date, the minutes' reference and 1-500 proposed KK numbers")
		}
		seen := map[string]bool{}
		for _, kk := range d.Proposals {
			if !digits16.MatchString(kk) || seen[kk] {
				bad("deliberation proposals must be distinct 16-digit KK numbers")
				break
			}
			seen[kk] = true
		}
	}
	if len(problems) > 0 {
		return Case{}, refuse(ErrInvalid, ReasonSubmissionInvalid, "%s", joinProblems(problems))
	}
	c := Case{ID: s.ID, Type: s.Type, State: Submitted, KK: s.KK, Region: s.Region, Reporter: s.Reporter,
		ReporterNIK: s.ReporterNIK, Programme: s.Programme, Description: trimmed(s.Description), Correction: s.Correction,
		Registration: s.Registration, Deliberation: s.Deliberation, RequestID: s.RequestID,
		SubmittedAt: s.At, StateSince: s.At, LevelSince: s.At}
	c.History = []Transition{{Seq: 1, At: s.At, By: s.Reporter, To: Submitted, Action: "SUBMIT"}}
	return c, nil
}

func joinProblems(ps []string) string {
	out := ps[0]
	for _, p := range ps[1:] {
		out += "; " + p
	}
	return out
}
