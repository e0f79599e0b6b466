package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	scoringv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/scoring/v1"
)

// modelOptions are the model command's flags.
type modelOptions struct {
	output, kind, reason string
	validFraction        float64
	seed                 uint64
	gbt                  gbtFlags
	trainTimeout         time.Duration
}

// gbtFlags are the boosted-trees hyper-parameters; zero takes the
// service's default.
type gbtFlags struct {
	rounds, maxDepth, minSamplesLeaf, maxBins, earlyStoppingRounds int32
	learningRate                                                   float64
	seed                                                           uint64
}

func (g gbtFlags) set() bool { return g != gbtFlags{} }

const modelActions = "train, list, activate or evaluate"

func init() {
	var o modelOptions
	register(&Command{
		Name: "model",
		Args: "train --kind gbt|ols [--valid-fraction F] [--seed N] [--rounds N ...] | list | " +
			"activate MODEL_ID --reason TEXT | evaluate MODEL_ID",
		Summary: "train, list, activate and evaluate the welfare models",
		Help: `Manages the scoring service's welfare models.

  train --kind gbt|ols   trains a model on the families whose consumption an enumerator
                         measured (TrainModel) and prints it, TRAINED. --valid-fraction
                         is the share held out for evaluation (default 0.2), --seed picks
                         them; boosted trees (gbt) also take --rounds, --learning-rate,
                         --max-depth, --min-samples-leaf, --max-bins,
                         --early-stopping-rounds and --gbt-seed (0: the service's
                         default). Training runs within the call, bounded by
                         --train-timeout rather than --timeout.
  list                   lists the models, newest first: kind, state, labels, held-out RMSE
                         and the last activation.
  activate MODEL_ID --reason TEXT
                         makes the model the one new scores are computed with, retiring
                         the active one. The reason is required and recorded with who
                         activated it.
  evaluate MODEL_ID      prints the model's targeting metrics on its held-out families
                         (exclusion and inclusion error at 10% and 40% coverage, Spearman,
                         by province, urban/rural and sex of the head), with the OLS
                         baseline's beside them: the Markdown the service returns, or the
                         metrics as protojson with -o json.

MODEL_ID may be given as models/ID. train and activate are for administrators;
list and evaluate for administrators and analysts.`,
		Conn: true,
		Flags: func(fs *flag.FlagSet) {
			outputFlag(fs, &o.output)
			fs.StringVar(&o.kind, "kind", "", "train: gbt (gradient-boosted trees) or ols (the regression baseline)")
			fs.Float64Var(&o.validFraction, "valid-fraction", 0, "train: share of the labelled families held out for evaluation (0: the service's 0.2)")
			fs.Uint64Var(&o.seed, "seed", 0, "train: picks the held-out families; the same seed and data hold out the same (0: the service's 1)")
			g := &o.gbt
			fs.Func("rounds", "train, gbt: boosting rounds, `N`", int32Flag(&g.rounds))
			fs.Float64Var(&g.learningRate, "learning-rate", 0, "train, gbt: learning rate")
			fs.Func("max-depth", "train, gbt: maximum tree depth, `N`", int32Flag(&g.maxDepth))
			fs.Func("min-samples-leaf", "train, gbt: minimum families in a leaf, `N`", int32Flag(&g.minSamplesLeaf))
			fs.Func("max-bins", "train, gbt: histogram bins per feature, `N`", int32Flag(&g.maxBins))
			fs.Func("early-stopping-rounds", "train, gbt: stop after `N` rounds without improvement", int32Flag(&g.earlyStoppingRounds))
			fs.Uint64Var(&g.seed, "gbt-seed", 0, "train, gbt: seed of the row and column subsampling")
			fs.DurationVar(&o.trainTimeout, "train-timeout", 30*time.Minute, "train: deadline of the training call")
			fs.StringVar(&o.reason, "reason", "", "activate: why this model goes into service (required; recorded)")
		},
		Run: func(ctx context.Context, e *Env, args []string) error {
			if len(args) < 1 {
				return usagef("missing what to do: %s", modelActions)
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
			client, err := scoringClient(e)
			if err != nil {
				return err
			}
			switch action {
			case "train":
				return modelTrain(ctx, e, client, &o)
			case "list":
				return modelList(ctx, e, client, o.output)
			case "activate":
				return modelActivate(ctx, e, client, idOf(rest[0], "models"), o)
			default:
				return modelEvaluate(ctx, e, client, idOf(rest[0], "models"), o.output)
			}
		},
	})
}

// int32Flag parses a flag into an int32 (and resets it: flag variables
// outlive a run in one process, as in tests).
func int32Flag(p *int32) func(string) error {
	*p = 0
	return func(s string) error {
		v, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", s)
		}
		*p = int32(v)
		return nil
	}
}

// check refuses arguments and flags that do not belong to the action.
func (o *modelOptions) check(action string, rest []string) error {
	gbtSet := o.gbt.set()
	trainSet := o.kind != "" || o.validFraction != 0 || o.seed != 0 || gbtSet
	switch action {
	case "train":
		if len(rest) > 0 {
			return usagef("model train takes no arguments, got %q", rest)
		}
		switch strings.ToLower(o.kind) {
		case "":
			return usagef("model train needs --kind gbt or --kind ols")
		case "gbt":
		case "ols":
			if gbtSet {
				return usagef("--rounds, --learning-rate, --max-depth, --min-samples-leaf, --max-bins, --early-stopping-rounds and --gbt-seed apply to --kind gbt only")
			}
		default:
			return usagef("--kind %q: want gbt or ols", o.kind)
		}
		if o.reason != "" {
			return usagef("--reason applies to model activate only")
		}
		return nil
	case "list", "activate", "evaluate":
	default:
		return usagef("unknown model action %q (want %s)", action, modelActions)
	}
	if trainSet {
		return usagef("--kind, --valid-fraction, --seed and the boosted-trees flags apply to model train only")
	}
	switch {
	case action == "list" && len(rest) > 0:
		return usagef("model list takes no arguments, got %q", rest)
	case action != "list" && len(rest) != 1:
		return usagef("model %s takes exactly one MODEL_ID", action)
	case action == "activate" && strings.TrimSpace(o.reason) == "":
		return usagef("model activate needs --reason: say why this model goes into service (it is recorded with the activation)")
	case action != "activate" && o.reason != "":
		return usagef("--reason applies to model activate only")
	}
	return nil
}

func modelTrain(ctx context.Context, e *Env, client scoringv1.ScoringServiceClient, o *modelOptions) error {
	req := &scoringv1.TrainModelRequest{ValidFraction: o.validFraction, SplitSeed: o.seed}
	if strings.EqualFold(o.kind, "ols") {
		req.Kind = scoringv1.ModelKind_MODEL_KIND_OLS
	} else {
		req.Kind = scoringv1.ModelKind_MODEL_KIND_GBT
		g := o.gbt
		req.Gbt = &scoringv1.GBTParams{Rounds: g.rounds, LearningRate: g.learningRate, MaxDepth: g.maxDepth,
			MinSamplesLeaf: g.minSamplesLeaf, MaxBins: g.maxBins, EarlyStoppingRounds: g.earlyStoppingRounds, Seed: g.seed}
	}
	cctx, cancel := ctx, context.CancelFunc(func() {})
	if o.trainTimeout > 0 {
		cctx, cancel = context.WithTimeout(ctx, o.trainTimeout)
	}
	defer cancel()
	if !e.Quiet {
		fmt.Fprintf(e.Stderr, "dtsenctl: training a %s model (this runs within the call; at most %s)...\n",
			strings.ToLower(o.kind), o.trainTimeout)
	}
	m, err := client.TrainModel(cctx, req)
	if err != nil {
		return fmt.Errorf("training: %w", describeCall(ctx, err))
	}
	if o.output == "json" {
		return printProto(e.Stdout, m)
	}
	modelTable(e.Stdout, m)
	fmt.Fprintf(e.Stdout, "\nevaluate it with: dtsenctl model evaluate %s\nput it into service with: dtsenctl model activate %s --reason \"...\"\n",
		idOf(m.GetName(), "models"), idOf(m.GetName(), "models"))
	return nil
}

func modelList(ctx context.Context, e *Env, client scoringv1.ScoringServiceClient, output string) error {
	all := &scoringv1.ListModelsResponse{}
	token := ""
	for {
		cctx, cancel := e.Conn.unary(ctx)
		page, err := client.ListModels(cctx, &scoringv1.ListModelsRequest{PageSize: 1000, PageToken: token})
		cancel()
		if err != nil {
			return fmt.Errorf("listing models: %w", describeCall(ctx, err))
		}
		all.Models = append(all.Models, page.GetModels()...)
		if token = page.GetNextPageToken(); token == "" {
			break
		}
	}
	if output == "json" {
		return printProto(e.Stdout, all)
	}
	if len(all.GetModels()) == 0 {
		fmt.Fprintln(e.Stdout, "no models yet: train one with 'dtsenctl model train --kind gbt'")
		return nil
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MODEL\tKIND\tSTATE\tCREATED\tLABELS\tVALID RMSE\tACTIVATED")
	for _, m := range all.GetModels() {
		activated := "-"
		if m.GetActivateTime() != nil {
			activated = when(m.GetActivateTime()) + " by " + orDash(m.GetActivatedBy()) + ": " + m.GetActivationReason()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", idOf(m.GetName(), "models"), enumWord(m.GetKind().String(), "MODEL_KIND_"),
			enumWord(m.GetState().String(), "MODEL_STATE_"), when(m.GetCreateTime()), thousands(int64(m.GetTrainingLabels())),
			validRMSE(m), activated)
	}
	return tw.Flush()
}

func modelActivate(ctx context.Context, e *Env, client scoringv1.ScoringServiceClient, id string, o modelOptions) error {
	cctx, cancel := e.Conn.unary(ctx)
	defer cancel()
	m, err := client.ActivateModel(cctx, &scoringv1.ActivateModelRequest{Name: "models/" + id, Reason: strings.TrimSpace(o.reason)})
	if err != nil {
		return fmt.Errorf("model %s: %w", id, describeCall(ctx, err))
	}
	if o.output == "json" {
		return printProto(e.Stdout, m)
	}
	modelTable(e.Stdout, m)
	fmt.Fprintln(e.Stdout, "\nnew scores use this model; rank every family with it: dtsenctl rank --wait")
	return nil
}

func modelEvaluate(ctx context.Context, e *Env, client scoringv1.ScoringServiceClient, id, output string) error {
	cctx, cancel := e.Conn.unary(ctx)
	defer cancel()
	ev, err := client.EvaluateModel(cctx, &scoringv1.EvaluateModelRequest{Name: "models/" + id})
	if err != nil {
		return fmt.Errorf("model %s: %w", id, describeCall(ctx, err))
	}
	if output == "json" {
		return printProto(e.Stdout, ev)
	}
	fmt.Fprint(e.Stdout, strings.TrimRight(ev.GetMarkdown(), "\n")+"\n")
	return nil
}

// validRMSE is the held-out RMSE from the model's metrics JSON, "-" when it
// has none.
func validRMSE(m *scoringv1.Model) string {
	var metrics struct {
		ValidRMSE *float64 `json:"valid_rmse"`
	}
	if json.Unmarshal([]byte(m.GetMetricsJson()), &metrics) != nil || metrics.ValidRMSE == nil {
		return "-"
	}
	return fmt.Sprintf("%.4f", *metrics.ValidRMSE)
}

func modelTable(w io.Writer, m *scoringv1.Model) {
	fmt.Fprintf(w, "Model %s\n", m.GetName())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "  %s\t%s\n", k, v) }
	row("kind", enumWord(m.GetKind().String(), "MODEL_KIND_"))
	row("state", enumWord(m.GetState().String(), "MODEL_STATE_"))
	row("created", when(m.GetCreateTime()))
	row("features", fmt.Sprint(len(m.GetFeatures())))
	row("labels", thousands(int64(m.GetTrainingLabels()))+" measured families ("+orDash(m.GetTrainingFingerprint())+")")
	row("valid RMSE", validRMSE(m))
	row("params", orDash(m.GetParamsJson()))
	if m.GetActivateTime() != nil {
		row("activated", when(m.GetActivateTime())+" by "+orDash(m.GetActivatedBy()))
		row("reason", orDash(m.GetActivationReason()))
	}
	if m.GetRetireTime() != nil {
		row("retired", when(m.GetRetireTime()))
	}
	tw.Flush()
}
