package domain

import "context"

// Models stores trained models. Implementations live in adapters/.
type Models interface {
	// Create stores a new TRAINED model, stamping CreatedAt if zero;
	// ErrInvalid if it breaks Model's invariants, ErrConflict if the id is
	// taken.
	Create(ctx context.Context, m *Model) error
	// Get returns a model with its blob; ErrNotFound if absent.
	Get(ctx context.Context, id string) (*Model, error)
	// List returns a page of models, newest first, without their blobs
	// (which can be megabytes); Page.After is the last model id seen.
	List(ctx context.Context, p Page) ([]*Model, error)
	// Activate makes the model ACTIVE and retires the one active before it,
	// in one transaction, recording who did it and why. It fails with
	// ErrNotFound for an unknown id and ErrConflict if the model is already
	// active; on failure nothing changes. by and reason must not be empty.
	Activate(ctx context.Context, id, by, reason string) (*Model, error)
	// Active returns the active model with its blob; ErrNoActiveModel if
	// none was ever activated.
	Active(ctx context.Context) (*Model, error)
}

// Runs stores ranking runs.
type Runs interface {
	// Create stores a new run, stamping StartedAt if zero; ErrNotFound if
	// its model does not exist, ErrConflict if the id is taken.
	Create(ctx context.Context, r *RankingRun) error
	// Get returns a run; ErrNotFound if absent.
	Get(ctx context.Context, id string) (*RankingRun, error)
	// List returns a page of runs, newest first; Page.After is the last run
	// id seen.
	List(ctx context.Context, p Page) ([]*RankingRun, error)
	// UpdateProgress records that scored families are done up to cursor,
	// and moves a PENDING run to RUNNING. Progress may not go back.
	UpdateProgress(ctx context.Context, id string, scored int64, cursor string) error
	// UpdateDecided records the progress of the run's eligibility pass;
	// ErrConflict once the run is finished.
	UpdateDecided(ctx context.Context, id string, decided, notices int64) error
	// Finish ends the run as SUCCEEDED (with cut-points) or FAILED (with an
	// error); a finished run cannot be finished again.
	Finish(ctx context.Context, id string, state RunState, cutPoints []byte, errMsg string) error
	// LatestSucceeded returns the most recently finished successful run,
	// whose cut-points place families re-scored between runs;
	// ErrNotFound if no run ever succeeded.
	LatestSucceeded(ctx context.Context) (*RankingRun, error)
}

// Scores stores families' current scores and their history.
type Scores interface {
	// Put stores the scores, replacing each family's current score, and
	// appends one history record per score, all in one transaction: either
	// every score is stored or none is. A batch may name each KK only once;
	// its models and runs must exist.
	Put(ctx context.Context, scores []FamilyScore) error
	// Get returns a family's current score; ErrNotFound if never scored.
	Get(ctx context.Context, kk string) (*FamilyScore, error)
	// History returns a family's score records, newest first, at most limit
	// (DefaultPageSize when limit <= 0).
	History(ctx context.Context, kk string, limit int) ([]ScoreRecord, error)
	// ListByDecile returns a page of the current scores in one decile, in
	// KK order; Page.After is the last KK seen.
	ListByDecile(ctx context.Context, decile int, p Page) ([]FamilyScore, error)
	// ListForVerification returns a page of the families whose current
	// score asks for a field visit, within regionPrefix ("" nationwide), in
	// (region, KK) order; Page.After is RegionCursor of the last row.
	ListForVerification(ctx context.Context, regionPrefix string, p Page) ([]FamilyScore, error)
	// ListByRun returns a page of the current scores a ranking run stored,
	// in KK order, whatever decile they are in yet; Page.After is the last
	// KK seen.
	ListByRun(ctx context.Context, runID string, p Page) ([]FamilyScore, error)
}

// Notices stores eligibility notices.
type Notices interface {
	// Upsert stores notices; a notice whose id is already stored is left as
	// it is (see Notice). All or none are stored.
	Upsert(ctx context.Context, notices []Notice) error
	// ListByKK returns a family's notices, oldest first.
	ListByKK(ctx context.Context, kk string) ([]Notice, error)
}
