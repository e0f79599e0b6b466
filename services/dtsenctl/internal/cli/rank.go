package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	scoringv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/scoring/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
)

// rankPoll is how often rank --wait asks for the run's progress (tests
// shorten it).
var rankPoll = time.Second

func init() {
	var (
		wait          bool
		runID, output string
	)
	register(&Command{
		Name:    "rank",
		Args:    "[--wait] [--run-id ID]",
		Summary: "start a national ranking run with the active model, and optionally wait for it",
		Help: `Starts a national ranking run with the active model (StartRankingRun): every
registered family is scored, the national deciles are cut, and eligibility is
decided. The service runs it in the background; without --wait dtsenctl prints
the run and exits.

--wait polls the run every second (GetRankingRun) and shows its progress on
stderr (families scored of the total, families decided, notices issued) until it
SUCCEEDED or FAILED, then prints the run with its 9 cut-points: the upper bound
of deciles 1 to 9, in log consumption per person and in rupiah per month. A
FAILED run exits 1. Interrupting the wait (Ctrl-C) leaves the run going in the
service.

--run-id names the run; starting it again with the same id returns that run
instead of starting another, so 'dtsenctl rank --run-id ID --wait' also follows a
run already started. Only one run is in progress at a time
(RANKING_RUN_IN_PROGRESS). Administrators only.`,
		Conn: true,
		Flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&wait, "wait", false, "wait for the run to finish, showing its progress, then print the cut-points")
			fs.StringVar(&runID, "run-id", "", "the run's id (default: the service picks one); a run id already taken returns that run")
			outputFlag(fs, &output)
		},
		Run: func(ctx context.Context, e *Env, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected arguments %q", args)
			}
			if err := checkOutput(output); err != nil {
				return err
			}
			runID = idOf(runID, "rankingRuns")
			if err := e.Conn.authenticate(e, explicitAuth); err != nil {
				return err
			}
			defer e.Conn.Close()
			client, err := scoringClient(e)
			if err != nil {
				return err
			}
			cctx, cancel := e.Conn.unary(ctx)
			run, err := client.StartRankingRun(cctx, &scoringv1.StartRankingRunRequest{RunId: runID})
			cancel()
			if err != nil {
				if apierror.ReasonOf(err) == "RANKING_RUN_IN_PROGRESS" && ctx.Err() == nil {
					if open := unfinishedRun(ctx, e, client); open != nil {
						return fmt.Errorf("starting a ranking run: %w\n%s; follow it with 'dtsenctl rank --run-id %s --wait'",
							describe(err), runProgress(open), idOf(open.GetName(), "rankingRuns"))
					}
				}
				return fmt.Errorf("starting a ranking run: %w", describeCall(ctx, err))
			}
			if wait {
				run, err = waitRun(ctx, e, client, run)
				if err != nil {
					return err
				}
			}
			if output == "json" {
				if err := printProto(e.Stdout, run); err != nil {
					return err
				}
			} else {
				runTable(e.Stdout, run)
				if !wait && !finished(run) {
					fmt.Fprintf(e.Stdout, "\nfollow it with: dtsenctl rank --run-id %s --wait\n", idOf(run.GetName(), "rankingRuns"))
				}
			}
			if run.GetState() == scoringv1.RunState_RUN_STATE_FAILED {
				return fmt.Errorf("ranking run %s failed: %s", run.GetName(), orDash(run.GetError()))
			}
			return nil
		},
	})
}

// unfinishedRun is the newest run not yet finished, or nil (none, or it
// cannot be listed).
func unfinishedRun(ctx context.Context, e *Env, client scoringv1.ScoringServiceClient) *scoringv1.RankingRun {
	cctx, cancel := e.Conn.unary(ctx)
	defer cancel()
	runs, err := client.ListRankingRuns(cctx, &scoringv1.ListRankingRunsRequest{PageSize: 20})
	if err != nil {
		return nil
	}
	for _, r := range runs.GetRuns() {
		if !finished(r) {
			return r
		}
	}
	return nil
}

func finished(run *scoringv1.RankingRun) bool {
	s := run.GetState()
	return s == scoringv1.RunState_RUN_STATE_SUCCEEDED || s == scoringv1.RunState_RUN_STATE_FAILED
}

// waitRun polls the run every rankPoll until it has finished, showing its
// progress on stderr: one redrawn line on a terminal, else a line whenever
// the progress changes. --quiet shows none.
func waitRun(ctx context.Context, e *Env, client scoringv1.ScoringServiceClient, run *scoringv1.RankingRun) (*scoringv1.RankingRun, error) {
	show := !e.Quiet
	last, width := "", 0
	draw := func(run *scoringv1.RankingRun, final bool) {
		if !show {
			return
		}
		line := runProgress(run)
		switch {
		case e.Terminal:
			pad := ""
			if len(line) < width {
				pad = strings.Repeat(" ", width-len(line))
			}
			width = len(line)
			fmt.Fprint(e.Stderr, "\r"+line+pad)
			if final {
				fmt.Fprintln(e.Stderr)
			}
		case line != last:
			fmt.Fprintln(e.Stderr, line)
		}
		last = line
	}
	for {
		draw(run, finished(run))
		if finished(run) {
			return run, nil
		}
		select {
		case <-ctx.Done():
			if show && e.Terminal {
				fmt.Fprintln(e.Stderr)
			}
			return nil, fmt.Errorf("stopped waiting; the run %s goes on in the service: follow it with 'dtsenctl rank --run-id %s --wait'",
				run.GetName(), idOf(run.GetName(), "rankingRuns"))
		case <-time.After(rankPoll):
		}
		cctx, cancel := e.Conn.unary(ctx)
		next, err := client.GetRankingRun(cctx, &scoringv1.GetRankingRunRequest{Name: run.GetName()})
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				continue // the select above reports the interruption
			}
			if show && e.Terminal {
				fmt.Fprintln(e.Stderr)
			}
			return nil, fmt.Errorf("ranking run %s: %w", run.GetName(), describeCall(ctx, err))
		}
		run = next
	}
}

// runProgress is one line: rankingRuns/ID running: scored 1,200/20,000 (6%), decided 0, notices 0.
func runProgress(run *scoringv1.RankingRun) string {
	pct := ""
	if t := run.GetTotal(); t > 0 {
		pct = fmt.Sprintf(" (%.0f%%)", 100*float64(run.GetScored())/float64(t))
	}
	return fmt.Sprintf("%s %s: scored %s/%s%s, decided %s, notices %s", run.GetName(),
		enumWord(run.GetState().String(), "RUN_STATE_"), thousands(run.GetScored()), thousands(run.GetTotal()), pct,
		thousands(run.GetDecided()), thousands(run.GetNotices()))
}

func runTable(w io.Writer, run *scoringv1.RankingRun) {
	fmt.Fprintf(w, "Ranking run %s\n", run.GetName())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "  %s\t%s\n", k, v) }
	row("state", enumWord(run.GetState().String(), "RUN_STATE_"))
	row("model", orDash(run.GetModel()))
	row("started", when(run.GetStartTime()))
	row("finished", when(run.GetFinishTime()))
	row("scored", thousands(run.GetScored())+" of "+thousands(run.GetTotal())+" families")
	row("decided", thousands(run.GetDecided())+" families")
	row("notices", thousands(run.GetNotices()))
	if run.GetError() != "" {
		row("error", run.GetError())
	}
	tw.Flush()
	if len(run.GetCutPoints()) == 0 {
		return
	}
	fmt.Fprintln(w, "\nCut-points (upper bound of each decile; predicted consumption per person per month):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  DECILE\tLOG CONSUMPTION\tRUPIAH")
	for i, c := range run.GetCutPoints() {
		fmt.Fprintf(tw, "  %d\t%.4f\t%s\n", i+1, c, rupiah(math.Exp(c)))
	}
	tw.Flush()
}
