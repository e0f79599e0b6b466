package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	grievancev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/grievance/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
)

// casesOptions are the cases command's flags.
type casesOptions struct {
	output string
	// list
	region, state, caseType string
	overdue, all            bool
	// triage, assign, decide
	to, reason      string
	approve, reject bool
	reasonSet       bool
	// verify
	visitDate      string
	lat, lon       float64
	latSet, lonSet bool
	answers        map[string]string
	photos         []*grievancev1.Photo
	notFound       bool
	notes          string
}

const casesActions = "list, show, triage, assign, verify or decide"

func init() {
	var o casesOptions
	register(&Command{
		Name: "cases",
		Args: "list [--region R] [--state S] [--type T] [--overdue] [--all] | show CASE_ID | " +
			"triage CASE_ID [--reason R] | assign CASE_ID --to SUBJECT [--reason R] | " +
			"verify CASE_ID --visit-date YYYY-MM-DD --lat F --lon F [--answer code=value ...] [--photo ref[:caption] ...] [--not-found] [--notes T] | " +
			"decide CASE_ID --approve|--reject --reason TEXT",
		Summary: "list grievance cases and drive them through triage, assignment, verification and decision",
		Help: `Works the grievance service's cases (objections, inclusion reports, data
corrections, new registrations and village deliberations).

  list                   lists the cases, the most overdue first: id, type, state, family,
                         village, deadline, OVERDUE when it has passed, and the region of
                         the office handling it now. --region (a code prefix), --state
                         (submitted, triaged, assigned, verified, approved, applied,
                         rejected), --type (exclusion_objection, inclusion_report,
                         data_correction, new_registration, village_deliberation) and
                         --overdue filter; region-bound officers stay within their region.
                         Prints the first page; --all follows every page.
  show CASE_ID           prints the case: its fields, the field verification, the decision
                         and its history (who moved it from which state to which, and why).
  triage CASE_ID [--reason R]
                         accepts a submitted case for handling (an officer of its region).
  assign CASE_ID --to SUBJECT [--reason R]
                         hands a triaged case to a field verifier of the region, by the
                         verifier's subject (a district officer).
  verify CASE_ID --visit-date YYYY-MM-DD --lat F --lon F [--answer code=value ...]
         [--photo ref[:caption] ...] [--not-found] [--notes T]
                         records the field visit (the assigned verifier): the date, the GPS
                         position, the answers to the disputed questions by code, photo
                         references in the document store, --not-found when the family was
                         not at its address, and notes. --answer and --photo repeat.
  decide CASE_ID --approve|--reject --reason TEXT
                         approves or rejects a verified case (a district officer). Exactly
                         one of --approve and --reject; --reason is required to reject, since
                         the complainant reads it.

CASE_ID may be given as cases/ID. -o json prints the API's protojson (list: a
ListCasesResponse with the pages read).`,
		Conn: true,
		Flags: func(fs *flag.FlagSet) {
			// Flag variables outlive a run in one process (tests): reset the
			// ones that flag does not.
			o.answers, o.photos, o.latSet, o.lonSet, o.reasonSet = nil, nil, false, false, false
			outputFlag(fs, &o.output)
			fs.StringVar(&o.region, "region", "", "list: region code prefix, e.g. 32.04")
			fs.StringVar(&o.state, "state", "", "list: only cases in this `state` (submitted, triaged, assigned, verified, approved, applied, rejected)")
			fs.StringVar(&o.caseType, "type", "", "list: only cases of this `type` (exclusion_objection, inclusion_report, data_correction, new_registration, village_deliberation)")
			fs.BoolVar(&o.overdue, "overdue", false, "list: only cases whose deadline has passed")
			fs.BoolVar(&o.all, "all", false, "list: follow every page instead of printing the first")
			fs.StringVar(&o.to, "to", "", "assign: the field verifier's `subject`")
			fs.Func("reason", "triage, assign, decide: why (required to reject; the complainant reads it)", func(s string) error {
				o.reason, o.reasonSet = s, true
				return nil
			})
			o.reason = ""
			fs.BoolVar(&o.approve, "approve", false, "decide: approve the case")
			fs.BoolVar(&o.reject, "reject", false, "decide: reject the case (needs --reason)")
			fs.StringVar(&o.visitDate, "visit-date", "", "verify: the day of the field visit, `YYYY-MM-DD`")
			fs.Func("lat", "verify: latitude of the visit (WGS 84), `F`", floatFlag(&o.lat, &o.latSet))
			fs.Func("lon", "verify: longitude of the visit (WGS 84), `F`", floatFlag(&o.lon, &o.lonSet))
			fs.Func("answer", "verify: an answer to a disputed question, `code=value` (repeatable)", func(s string) error {
				code, value, ok := strings.Cut(s, "=")
				if !ok || strings.TrimSpace(code) == "" {
					return fmt.Errorf("%q: want code=value", s)
				}
				if o.answers == nil {
					o.answers = map[string]string{}
				}
				o.answers[strings.TrimSpace(code)] = value
				return nil
			})
			fs.Func("photo", "verify: a photo's document-store reference, `ref[:caption]` (repeatable)", func(s string) error {
				ref, caption, _ := strings.Cut(s, ":")
				if strings.TrimSpace(ref) == "" {
					return fmt.Errorf("%q: want ref[:caption]", s)
				}
				o.photos = append(o.photos, &grievancev1.Photo{Ref: strings.TrimSpace(ref), Caption: caption})
				return nil
			})
			fs.BoolVar(&o.notFound, "not-found", false, "verify: the family was not found at its address")
			fs.StringVar(&o.notes, "notes", "", "verify: the verifier's notes")
		},
		Run: func(ctx context.Context, e *Env, args []string) error {
			if len(args) < 1 {
				return usagef("missing what to do: %s", casesActions)
			}
			if err := checkOutput(o.output); err != nil {
				return err
			}
			action, rest := args[0], args[1:]
			if err := o.check(action, rest); err != nil {
				return err
			}
			if err := e.Conn.authenticate(e, explicitAuth); err != nil {
				return err
			}
			defer e.Conn.Close()
			client, err := grievanceClient(e)
			if err != nil {
				return err
			}
			if action == "list" {
				return casesList(ctx, e, client, &o)
			}
			id := idOf(rest[0], "cases")
			name := "cases/" + id
			var c *grievancev1.Case
			cctx, cancel := e.Conn.unary(ctx)
			defer cancel()
			switch action {
			case "show":
				c, err = client.GetCase(cctx, &grievancev1.GetCaseRequest{Name: name})
			case "triage":
				c, err = client.TriageCase(cctx, &grievancev1.TriageCaseRequest{Name: name, Reason: strings.TrimSpace(o.reason)})
			case "assign":
				c, err = client.AssignCase(cctx, &grievancev1.AssignCaseRequest{Name: name, Assignee: strings.TrimSpace(o.to),
					Reason: strings.TrimSpace(o.reason)})
			case "verify":
				c, err = client.RecordVerification(cctx, &grievancev1.RecordVerificationRequest{Name: name, Verification: &grievancev1.Verification{
					VisitDate: o.visitDate, Latitude: o.lat, Longitude: o.lon, Answers: o.answers, Photos: o.photos,
					FamilyFound: !o.notFound, Notes: o.notes}})
			default:
				c, err = client.DecideCase(cctx, &grievancev1.DecideCaseRequest{Name: name, Approve: o.approve, Reason: strings.TrimSpace(o.reason)})
			}
			if err != nil {
				return fmt.Errorf("case %s: %w", id, describeCaseCall(ctx, err))
			}
			if o.output == "json" {
				return printProto(e.Stdout, c)
			}
			caseTable(e.Stdout, c)
			return nil
		},
	})
}

// floatFlag parses a flag into a float64 and notes that it was given.
func floatFlag(p *float64, set *bool) func(string) error {
	*p, *set = 0, false
	return func(s string) error {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%q is not a number", s)
		}
		*p, *set = v, true
		return nil
	}
}

// check refuses arguments and flags that do not belong to the action.
func (o *casesOptions) check(action string, rest []string) error {
	listSet := o.region != "" || o.state != "" || o.caseType != "" || o.overdue || o.all
	verifySet := o.visitDate != "" || o.latSet || o.lonSet || len(o.answers) > 0 || len(o.photos) > 0 || o.notFound || o.notes != ""
	decideSet := o.approve || o.reject
	switch action {
	case "list", "show", "triage", "assign", "verify", "decide":
	default:
		return usagef("unknown cases action %q (want %s)", action, casesActions)
	}
	switch {
	case action != "list" && listSet:
		return usagef("--region, --state, --type, --overdue and --all apply to cases list only")
	case action != "verify" && verifySet:
		return usagef("--visit-date, --lat, --lon, --answer, --photo, --not-found and --notes apply to cases verify only")
	case action != "decide" && decideSet:
		return usagef("--approve and --reject apply to cases decide only")
	case action != "assign" && o.to != "":
		return usagef("--to applies to cases assign only")
	case o.reasonSet && action != "triage" && action != "assign" && action != "decide":
		return usagef("--reason applies to cases triage, assign and decide only")
	}
	if action == "list" {
		if len(rest) > 0 {
			return usagef("cases list takes no arguments, got %q", rest)
		}
		if o.state != "" {
			if _, ok := caseStateOf(o.state); !ok {
				return usagef("--state %q: want one of %s", o.state, enumWords(grievancev1.CaseState_value, "CASE_STATE_"))
			}
		}
		if o.caseType != "" {
			if _, ok := caseTypeOf(o.caseType); !ok {
				return usagef("--type %q: want one of %s", o.caseType, enumWords(grievancev1.CaseType_value, "CASE_TYPE_"))
			}
		}
		return nil
	}
	if len(rest) != 1 || idOf(rest[0], "cases") == "" {
		return usagef("cases %s takes exactly one CASE_ID", action)
	}
	switch action {
	case "assign":
		if strings.TrimSpace(o.to) == "" {
			return usagef("cases assign needs --to: the field verifier's subject")
		}
	case "verify":
		if o.visitDate == "" {
			return usagef("cases verify needs --visit-date YYYY-MM-DD")
		}
		if _, err := time.Parse(time.DateOnly, o.visitDate); err != nil {
			return usagef("--visit-date %q: want YYYY-MM-DD", o.visitDate)
		}
		if !o.latSet || !o.lonSet {
			return usagef("cases verify needs --lat and --lon: where the visit was recorded")
		}
	case "decide":
		if o.approve == o.reject {
			return usagef("cases decide needs exactly one of --approve and --reject")
		}
		if o.reject && strings.TrimSpace(o.reason) == "" {
			return usagef("cases decide --reject needs --reason: the complainant reads it")
		}
	}
	return nil
}

// caseStateOf parses a --state word (submitted or CASE_STATE_SUBMITTED).
func caseStateOf(s string) (grievancev1.CaseState, bool) {
	v, ok := grievancev1.CaseState_value["CASE_STATE_"+strings.TrimPrefix(strings.ToUpper(s), "CASE_STATE_")]
	return grievancev1.CaseState(v), ok && v != 0
}

// caseTypeOf parses a --type word (exclusion_objection or CASE_TYPE_...).
func caseTypeOf(s string) (grievancev1.CaseType, bool) {
	v, ok := grievancev1.CaseType_value["CASE_TYPE_"+strings.TrimPrefix(strings.ToUpper(s), "CASE_TYPE_")]
	return grievancev1.CaseType(v), ok && v != 0
}

// enumWords lists an enum's values as flag words, in declaration order.
func enumWords(values map[string]int32, prefix string) string {
	names := slices.SortedFunc(maps.Keys(values), func(a, b string) int { return int(values[a] - values[b]) })
	var words []string
	for _, n := range names {
		if values[n] != 0 {
			words = append(words, strings.ToLower(strings.TrimPrefix(n, prefix)))
		}
	}
	return strings.Join(words, ", ")
}

// grievanceClient returns a client of the grievance service at --grievance-addr.
func grievanceClient(e *Env) (grievancev1.GrievanceServiceClient, error) {
	cc, err := e.Conn.Conn("grievance")
	if err != nil {
		return nil, err
	}
	return grievancev1.NewGrievanceServiceClient(cc), nil
}

// grievanceHints say what an operator can do about a grievance refusal, by
// its ErrorInfo reason.
var grievanceHints = map[string]string{
	"CASE_NOT_FOUND": "no such case, or it is outside your region: check the id with 'dtsenctl cases list'",
}

// describeCaseCall is describeCall for the cases command.
func describeCaseCall(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return errors.New("interrupted")
	}
	d := describe(err)
	if hint, ok := grievanceHints[apierror.ReasonOf(err)]; ok {
		return fmt.Errorf("%w; %s", d, hint)
	}
	return d
}

func casesList(ctx context.Context, e *Env, client grievancev1.GrievanceServiceClient, o *casesOptions) error {
	req := &grievancev1.ListCasesRequest{Region: o.region, Overdue: o.overdue}
	req.State, _ = caseStateOf(o.state)
	req.CaseType, _ = caseTypeOf(o.caseType)
	if o.all {
		req.PageSize = 1000
	}
	all := &grievancev1.ListCasesResponse{}
	for {
		cctx, cancel := e.Conn.unary(ctx)
		page, err := client.ListCases(cctx, req)
		cancel()
		if err != nil {
			return fmt.Errorf("listing cases: %w", describeCaseCall(ctx, err))
		}
		all.Cases = append(all.Cases, page.GetCases()...)
		all.NextPageToken = page.GetNextPageToken()
		if !o.all || page.GetNextPageToken() == "" {
			break
		}
		req.PageToken = page.GetNextPageToken()
	}
	if o.output == "json" {
		return printProto(e.Stdout, all)
	}
	if len(all.GetCases()) == 0 {
		fmt.Fprintln(e.Stdout, "no cases")
		return nil
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CASE\tTYPE\tSTATE\tFAMILY\tREGION\tDEADLINE\t\tHANDLING")
	for _, c := range all.GetCases() {
		overdue := ""
		if c.GetOverdue() {
			overdue = "OVERDUE"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", idOf(c.GetName(), "cases"), caseType(c.GetCaseType()),
			caseState(c.GetState()), orDash(familyKey(c.GetFamily())), orDash(c.GetRegion()), when(c.GetDeadline()), overdue,
			handling(c.GetHandlingRegion()))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if all.GetNextPageToken() != "" {
		fmt.Fprintln(e.Stdout, "\nmore cases: add --all to list every page")
	}
	return nil
}

func caseType(t grievancev1.CaseType) string {
	return strings.ToLower(strings.TrimPrefix(t.String(), "CASE_TYPE_"))
}

func caseState(s grievancev1.CaseState) string { return strings.TrimPrefix(s.String(), "CASE_STATE_") }

// handling names the office handling a case: a region, or the ministry.
func handling(region string) string {
	if region == "" {
		return "ministry"
	}
	return region
}

func caseTable(w io.Writer, c *grievancev1.Case) {
	fmt.Fprintf(w, "Case %s\n", c.GetName())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "  %s\t%s\n", k, v) }
	row("type", caseType(c.GetCaseType()))
	row("state", caseState(c.GetState()))
	row("family", orDash(familyKey(c.GetFamily())))
	row("region", orDash(c.GetRegion()))
	row("handling", handling(c.GetHandlingRegion()))
	row("reporter", orDash(c.GetReporter()))
	if c.GetProgramme() != "" {
		row("programme", c.GetProgramme())
	}
	row("description", orDash(c.GetDescription()))
	row("submitted", when(c.GetSubmitTime()))
	deadline := when(c.GetDeadline())
	if c.GetOverdue() {
		deadline += "  OVERDUE"
	}
	row("deadline", deadline)
	row("assignee", orDash(c.GetAssignee()))
	if k := c.GetCorrection(); k != nil {
		row("correction", fmt.Sprintf("%s %s: %q -> %q", k.GetContext(), k.GetField(), k.GetCurrentValue(), k.GetProposedValue()))
	}
	if r := c.GetRegistration(); r != nil {
		row("registration", fmt.Sprintf("%s (NIK %s), %s, %d members", r.GetHeadName(), r.GetHeadNik(), r.GetAddress(), r.GetMemberCount()))
	}
	if d := c.GetDeliberation(); d != nil {
		row("deliberation", fmt.Sprintf("%s, minutes %s: %s", d.GetMeetingDate(), d.GetMinutesRef(), strings.Join(d.GetFamilies(), ", ")))
	}
	tw.Flush()
	if v := c.GetVerification(); v != nil {
		fmt.Fprintln(w, "\nVerification:")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		row("visited", orDash(v.GetVisitDate())+" by "+orDash(v.GetVerifier()))
		row("position", fmt.Sprintf("%.6f, %.6f", v.GetLatitude(), v.GetLongitude()))
		found := "yes"
		if !v.GetFamilyFound() {
			found = "no"
		}
		row("family found", found)
		for _, q := range slices.Sorted(maps.Keys(v.GetAnswers())) {
			row("answer "+q, v.GetAnswers()[q])
		}
		for _, p := range v.GetPhotos() {
			photo := p.GetRef()
			if p.GetCaption() != "" {
				photo += " (" + p.GetCaption() + ")"
			}
			row("photo", photo)
		}
		row("notes", orDash(v.GetNotes()))
		tw.Flush()
	}
	if c.GetState() == grievancev1.CaseState_CASE_STATE_APPROVED || c.GetState() == grievancev1.CaseState_CASE_STATE_APPLIED ||
		c.GetState() == grievancev1.CaseState_CASE_STATE_REJECTED {
		decision := "rejected"
		if c.GetApproved() {
			decision = "approved"
		}
		fmt.Fprintf(w, "\nDecision: %s: %s\n", decision, orDash(c.GetDecisionReason()))
	}
	if e := c.GetApplyError(); e != "" {
		fmt.Fprintf(w, "\nNot applied: %s\n", e)
	}
	if len(c.GetHistory()) > 0 {
		fmt.Fprintln(w, "\nHistory:")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  SEQ\tTIME\tACTOR\tROLE\tFROM → TO\tACTION\tREASON")
		for _, h := range c.GetHistory() {
			from := caseState(h.GetFromState())
			if h.GetFromState() == grievancev1.CaseState_CASE_STATE_UNSPECIFIED {
				from = "-"
			}
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s → %s\t%s\t%s\n", h.GetSeq(), when(h.GetTime()), orDash(h.GetActor()), orDash(h.GetRole()),
				from, caseState(h.GetToState()), h.GetAction(), orDash(h.GetReason()))
		}
		tw.Flush()
	}
}
