package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	scoringv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/scoring/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
)

// Helpers shared by the scoring commands (score, eligibility, rank, model).

// scoringClient returns a client of the scoring service at --scoring-addr.
func scoringClient(e *Env) (scoringv1.ScoringServiceClient, error) {
	cc, err := e.Conn.Conn("scoring")
	if err != nil {
		return nil, err
	}
	return scoringv1.NewScoringServiceClient(cc), nil
}

// outputFlag declares -o/--output table|json, as get does.
func outputFlag(fs *flag.FlagSet, output *string) {
	fs.StringVar(output, "o", "table", "output format: table or json")
	fs.StringVar(output, "output", "table", "output format: table or json")
}

func checkOutput(output string) error {
	if output != "table" && output != "json" {
		return usagef("-o %q: want table or json", output)
	}
	return nil
}

// langFlag declares --lang id|en: the language of the texts the scoring
// service returns in both (explanations, flags, reasons, programme names).
func langFlag(fs *flag.FlagSet, lang *string) {
	fs.StringVar(lang, "lang", "id", "language of explanations, flags and reasons: id (Bahasa Indonesia) or en (English)")
}

func checkLang(lang string) error {
	if lang != "id" && lang != "en" {
		return usagef("--lang %q: want id or en", lang)
	}
	return nil
}

// scoringHints say what an operator can do about a scoring refusal, by its
// ErrorInfo reason.
var scoringHints = map[string]string{
	"FAMILY_NOT_SCORED": "no score for this KK: it is not registered, or no ranking run has scored it yet ('dtsenctl rank --wait')",
	"FAMILY_NOT_DECIDED": "no eligibility for this KK: it is not registered, or no ranking run has decided it yet " +
		"('dtsenctl rank --wait')",
	"NO_ACTIVE_MODEL": "'dtsenctl model train --kind gbt', then 'dtsenctl model activate MODEL_ID --reason ...'",
}

// describeCall is describe for the scoring commands' calls, with what to do
// about scoring's own refusals; an interrupted call says only that
// (describe's advice is about resuming imports).
func describeCall(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return errors.New("interrupted")
	}
	d := describe(err)
	if hint, ok := scoringHints[apierror.ReasonOf(err)]; ok {
		return fmt.Errorf("%w; %s", d, hint)
	}
	return d
}

// localized picks lang's text, falling back to the other language.
func localized(t *scoringv1.LocalizedText, lang string) string {
	first, second := t.GetId(), t.GetEn()
	if lang == "en" {
		first, second = second, first
	}
	if first != "" {
		return first
	}
	if second != "" {
		return second
	}
	return "-"
}

// printProto writes m as indented protojson, as get -o json does.
func printProto(w io.Writer, m proto.Message) error {
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(m)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, string(b))
	return nil
}

// familyKey accepts KK, families/KK or families/KK/<anything>.
func familyKey(arg string) string {
	kk := strings.TrimPrefix(arg, "families/")
	kk, _, _ = strings.Cut(kk, "/")
	return kk
}

// idOf accepts ID or collection/ID.
func idOf(arg, collection string) string {
	return strings.TrimPrefix(arg, collection+"/")
}

// when formats a timestamp in the local zone; "-" when unset.
func when(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return "-"
	}
	return ts.AsTime().Local().Format("2006-01-02 15:04:05 MST")
}

// rupiah formats an amount of rupiah: Rp 1,234,567.
func rupiah(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	return "Rp " + thousands(int64(math.Round(v)))
}

// orDash is s, or "-" when it is empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
