package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	scoringv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/scoring/v1"
	"google.golang.org/protobuf/proto"
)

func init() {
	var output, lang string
	register(&Command{
		Name:    "score",
		Args:    "KK",
		Summary: "show a family's welfare score, decile, flags and the explanation",
		Help: `Reads a family's current score from the scoring service (GetFamilyScore): the
national decile (1 = poorest tenth), the predicted consumption per person per
month in rupiah, the model and ranking run it came from, when it was scored, the
flags (and whether one sends the family to field verification), and the
explanation: a summary sentence and the factors that raised and lowered the
prediction with their contributions (to the log of consumption, and as a
percentage of it).

Texts are in Bahasa Indonesia by default; --lang en prints them in English.
-o json prints the API's protojson (both languages).

Needs a token (--token or DTSEN_TOKEN) or client credentials: a citizen reads
their own family, an officer the families of their region; an analyst is refused
(AGGREGATES_ONLY).`,
		Conn: true,
		Flags: func(fs *flag.FlagSet) {
			outputFlag(fs, &output)
			langFlag(fs, &lang)
		},
		Run: func(ctx context.Context, e *Env, args []string) error {
			return readFamily(ctx, e, args, "score", output, lang,
				func(ctx context.Context, c scoringv1.ScoringServiceClient, kk string) (proto.Message, error) {
					return c.GetFamilyScore(ctx, &scoringv1.GetFamilyScoreRequest{Name: "families/" + kk + "/score"})
				},
				func(w io.Writer, kk string, m proto.Message) { scoreTable(w, kk, m.(*scoringv1.FamilyScore), lang) })
		},
	})

	var eligOutput, eligLang string
	register(&Command{
		Name:    "eligibility",
		Args:    "KK",
		Summary: "show a family's eligibility for each programme, with reasons and objection deadlines",
		Help: `Reads a family's programme eligibility as the last ranking run decided it
(GetFamilyEligibility): for every programme of the rules table its status
(eligible or not), the reasons, and where the family's entitlement stands:
inactive, active, loss noticed (with the deadline to object and when the loss
takes effect) or loss held by an objection.

Texts are in Bahasa Indonesia by default; --lang en prints them in English.
-o json prints the API's protojson. Needs a token, as 'dtsenctl score'.`,
		Conn: true,
		Flags: func(fs *flag.FlagSet) {
			outputFlag(fs, &eligOutput)
			langFlag(fs, &eligLang)
		},
		Run: func(ctx context.Context, e *Env, args []string) error {
			return readFamily(ctx, e, args, "eligibility", eligOutput, eligLang,
				func(ctx context.Context, c scoringv1.ScoringServiceClient, kk string) (proto.Message, error) {
					return c.GetFamilyEligibility(ctx, &scoringv1.GetFamilyEligibilityRequest{Name: "families/" + kk + "/eligibility"})
				},
				func(w io.Writer, kk string, m proto.Message) {
					eligibilityTable(w, kk, m.(*scoringv1.FamilyEligibility), eligLang)
				})
		},
	})
}

func scoreTable(w io.Writer, kk string, s *scoringv1.FamilyScore, lang string) {
	fmt.Fprintf(w, "Family %s: score\n", kk)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "  %s\t%s\n", k, v) }
	if d := s.GetDecile(); d > 0 {
		row("decile", fmt.Sprintf("%d of 10 (1 = poorest tenth nationally)", d))
	} else {
		row("decile", "- (no ranking run has succeeded yet)")
	}
	row("consumption", fmt.Sprintf("%s per person per month, predicted (log %.4f)",
		rupiah(s.GetPredictedConsumptionPerCapita()), s.GetPredictedLogConsumption()))
	row("model", orDash(s.GetModel()))
	switch {
	case s.GetRankingRun() != "":
		row("run", s.GetRankingRun())
	case s.GetCutPointsRun() != "":
		row("run", "- (re-scored after its data changed; decile from the cut-points of "+s.GetCutPointsRun()+")")
	default:
		row("run", "-")
	}
	row("scored", when(s.GetScoredTime()))
	if s.GetNeedsFieldVerification() {
		row("field visit", "NEEDED: a flag sends the family to field verification before its ranking is used")
	} else {
		row("field visit", "not needed")
	}
	tw.Flush()

	fmt.Fprintln(w, "\nFlags:")
	if len(s.GetFlags()) == 0 {
		fmt.Fprintln(w, "  none")
	} else {
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  FLAG\tCONTEXT\tFIELD VISIT\tTEXT")
		for _, f := range s.GetFlags() {
			visit := "no"
			if f.GetFieldVerification() {
				visit = "yes"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", f.GetCode(), orDash(f.GetContext()), visit, localized(f.GetText(), lang))
		}
		tw.Flush()
	}

	x := s.GetExplanation()
	fmt.Fprintf(w, "\nExplanation (log consumption: base %.4f, prediction %.4f):\n", x.GetBase(), x.GetPrediction())
	fmt.Fprintf(w, "  %s\n", localized(x.GetSummary(), lang))
	factors := func(title string, fs []*scoringv1.Factor) {
		fmt.Fprintf(w, "\n%s:\n", title)
		if len(fs) == 0 {
			fmt.Fprintln(w, "  none")
			return
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  FACTOR\tVALUE\tCONTRIBUTION\tCHANGE\tFEATURE")
		for _, f := range fs {
			fmt.Fprintf(tw, "  %s\t%s\t%+.4f\t%+.1f%%\t%s (%s)\n", localized(f.GetDescription(), lang), localized(f.GetValue(), lang),
				f.GetContribution(), f.GetPercent(), f.GetFeature(), orDash(f.GetGroup()))
		}
		tw.Flush()
	}
	factors("Raising the score", x.GetRaising())
	factors("Lowering the score", x.GetLowering())
}

func eligibilityTable(w io.Writer, kk string, el *scoringv1.FamilyEligibility, lang string) {
	fmt.Fprintf(w, "Family %s: eligibility\n", kk)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "  %s\t%s\n", k, v) }
	row("region", orDash(el.GetRegion()))
	if d := el.GetDecile(); d > 0 {
		row("decile", fmt.Sprint(d))
	} else {
		row("decile", "-")
	}
	row("rules", orDash(el.GetRulesVersion()))
	row("run", orDash(el.GetRankingRun()))
	row("decided", when(el.GetDecidedTime()))
	tw.Flush()
	fmt.Fprintln(w)

	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  PROGRAMME\tNAME\tSTATUS\tPHASE\tOBJECTION DEADLINE\tLOSS TAKES EFFECT")
	for _, p := range el.GetProgrammes() {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", p.GetProgramme(), localized(p.GetProgrammeName(), lang),
			enumWord(p.GetStatus().String(), "ELIGIBILITY_STATUS_"), enumWord(p.GetPhase().String(), "ENTITLEMENT_PHASE_"),
			when(p.GetObjectionDeadline()), when(p.GetLossEffectiveTime()))
	}
	tw.Flush()

	fmt.Fprintln(w, "\nReasons:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, p := range el.GetProgrammes() {
		name := p.GetProgramme()
		if len(p.GetReasons()) == 0 {
			fmt.Fprintf(tw, "  %s\t-\t\n", name)
		}
		for _, r := range p.GetReasons() {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", name, r.GetCode(), strings.TrimSpace(localized(r.GetText(), lang)))
			name = ""
		}
	}
	tw.Flush()
}

// readFamily is score's and eligibility's common run: check the arguments,
// authenticate, make one scoring call for the family and print its answer
// as JSON or as table.
func readFamily(ctx context.Context, e *Env, args []string, name, output, lang string,
	call func(context.Context, scoringv1.ScoringServiceClient, string) (proto.Message, error),
	table func(io.Writer, string, proto.Message)) error {
	if len(args) != 1 {
		return usagef("%s takes exactly one KK", name)
	}
	if err := checkOutput(output); err != nil {
		return err
	}
	if err := checkLang(lang); err != nil {
		return err
	}
	kk := familyKey(args[0])
	if err := e.Conn.authenticate(e, explicitAuth); err != nil {
		return err
	}
	defer e.Conn.Close()
	client, err := scoringClient(e)
	if err != nil {
		return err
	}
	cctx, cancel := e.Conn.unary(ctx)
	defer cancel()
	m, err := call(cctx, client, kk)
	if err != nil {
		return fmt.Errorf("family %s: %w", kk, describeCall(ctx, err))
	}
	if output == "json" {
		return printProto(e.Stdout, m)
	}
	table(e.Stdout, kk, m)
	return nil
}
