// Package app holds the scoring context's use cases (DESIGN.md §4): training
// a welfare model, activating it, ranking every family into national deciles
// and scoring one family between runs. Each file is one command; they compose
// the domain's repositories and source interfaces, the feature code, the
// models, the ranking and the explanations, and know nothing of SQL or gRPC.
package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/dtsen-id/dtsen/services/scoring/domain"
	"github.com/dtsen-id/dtsen/services/scoring/eligibility"
	"github.com/dtsen-id/dtsen/services/scoring/explain"
	"github.com/dtsen-id/dtsen/services/scoring/features"
	"github.com/dtsen-id/dtsen/services/scoring/model"
)

// Defaults for Deps' tuning knobs.
const (
	// DefaultBatchSize is how many families a ranking run scores between two
	// progress records: a crash repeats at most one batch.
	DefaultBatchSize = 500
	// DefaultWorkers is how many families are fetched at once (each four
	// RPCs).
	DefaultWorkers = 8
	// ExplanationFactors is how many factors each way ScoreFamily explains.
	ExplanationFactors = 3
)

// Deps are what App is built from.
type Deps struct {
	Models domain.Models
	Runs   domain.Runs
	Scores domain.Scores
	// Families fetches one family's data; Lister walks the registered
	// families; Labels walks the survey-measured ones. adapters.Sources
	// implements all three.
	Families domain.FamilySource
	Lister   domain.FamilyLister
	Labels   domain.LabelSource
	// Eligibility stores the runs' decisions; Notices the notices they
	// issue.
	Eligibility domain.Eligibility
	Notices     domain.Notices
	// Rules is the eligibility rules table; nil means
	// eligibility.DefaultTable().
	Rules *eligibility.Table
	// ObjectionWindow is how long a family may object to a loss; 0 means
	// eligibility.DefaultObjectionWindow.
	ObjectionWindow time.Duration
	// ObjectionsPending returns, for those of the families with open
	// objections (grievance cases scoring follows, package objections), the
	// programmes they contest (eligibility.AllProgrammes: every one). A
	// ranking run asks once per batch, and holds those losses from the
	// start. nil means no objection is ever pending.
	ObjectionsPending func(ctx context.Context, kks []string) (map[string][]string, error)
	// Clock is "now": the reference date of the features and the source of
	// generated ids. nil means time.Now.
	Clock func() time.Time
	// BatchSize and Workers tune ranking runs and training; 0 means the
	// defaults.
	BatchSize, Workers int
}

// App runs the scoring context's use cases.
type App struct {
	models          domain.Models
	runs            domain.Runs
	scores          domain.Scores
	families        domain.FamilySource
	lister          domain.FamilyLister
	labels          domain.LabelSource
	eligibility     domain.Eligibility
	notices         domain.Notices
	rules           *eligibility.Table
	objectionWindow time.Duration
	objections      func(ctx context.Context, kks []string) (map[string][]string, error)
	now             func() time.Time
	batchSize       int
	workers         int
	loadedMu        sync.Mutex
	loaded          map[string]*loaded

	// stateMu serialises the writers of families' entitlement states: a
	// run's decide pass and the objection use cases each read a state,
	// change it and save it, and either would overwrite the other's change.
	// It is in-process because scoring runs as one replica today: ranking
	// runs and the grievance feed both execute in that process
	// (docs/scoring.md, "Pending objections"). Several replicas would need
	// a version check on the eligibility row instead.
	stateMu sync.Mutex
}

// New returns the App over deps. Every repository and source must be set.
func New(d Deps) (*App, error) {
	if d.Models == nil || d.Runs == nil || d.Scores == nil || d.Eligibility == nil || d.Notices == nil ||
		d.Families == nil || d.Lister == nil || d.Labels == nil {
		return nil, errors.New("scoring app: every repository and source must be set")
	}
	a := &App{models: d.Models, runs: d.Runs, scores: d.Scores, eligibility: d.Eligibility, notices: d.Notices,
		rules: d.Rules, objectionWindow: d.ObjectionWindow, objections: d.ObjectionsPending,
		families: d.Families, lister: d.Lister, labels: d.Labels, now: d.Clock, batchSize: d.BatchSize,
		workers: d.Workers, loaded: make(map[string]*loaded)}
	if a.rules == nil {
		a.rules = eligibility.DefaultTable()
	}
	if a.objectionWindow <= 0 {
		a.objectionWindow = eligibility.DefaultObjectionWindow
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.batchSize <= 0 {
		a.batchSize = DefaultBatchSize
	}
	if a.workers <= 0 {
		a.workers = DefaultWorkers
	}
	return a, nil
}

// loaded is a stored model ready to score: decoded once, with the
// projection from the current feature definitions onto its own list.
type loaded struct {
	stored *domain.Model
	model  model.Model
	proj   *features.Projection
}

func load(m *domain.Model) (*loaded, error) {
	mm, err := m.Load()
	if err != nil {
		return nil, fmt.Errorf("load model %s: %w", m.ID, err)
	}
	proj, err := features.NewProjection(m.Features)
	if err != nil {
		return nil, fmt.Errorf("model %s cannot be served by the current features: %w", m.ID, err)
	}
	return &loaded{stored: m, model: mm, proj: proj}, nil
}

// row builds the family's vector and projects it onto the model's features,
// appending to dst.
func (l *loaded) row(in features.Input, dst []float64) ([]float64, error) {
	v, err := features.Build(in)
	if err != nil {
		return dst, err
	}
	return append(dst, l.proj.Apply(v, nil)...), nil
}

// assess derives the flags a score carries from the family's data and the
// prediction.
func assess(in features.Input, predicted float64) ([]explain.Flag, error) {
	findings, err := features.DeriveFlags(in, features.DefaultStalePolicy)
	if err != nil {
		return nil, err
	}
	declared, has := features.DeclaredConsumption(in.Economics)
	return explain.Assess(findings, predicted, declared, has), nil
}

// flagCodes are the flags as the stored score carries them: one code per
// kind of problem, the context being in the full flags ScoreFamily returns.
func flagCodes(flags []explain.Flag) []string {
	var codes []string
	for _, f := range flags {
		if c := string(f.Code); !slices.Contains(codes, c) {
			codes = append(codes, c)
		}
	}
	return codes
}

// needsVisit reports whether a flag sends the family to field verification.
func needsVisit(flags []explain.Flag) bool {
	for _, f := range flags {
		if f.FieldVerification {
			return true
		}
	}
	return false
}

// newID names a model or run after the time it was made; the microseconds
// keep two made in the same second apart.
func (a *App) newID(prefix string) string {
	return prefix + "-" + a.now().UTC().Format("20060102-150405.000000")
}

// ctxErr prefers the context's error, so that a cancelled call reports the
// cancellation rather than whichever RPC noticed it first.
func ctxErr(ctx context.Context, err error) error {
	if e := ctx.Err(); e != nil {
		return e
	}
	return err
}
