package domain

import "errors"

// Errors every repository maps its failures to, so that the gRPC layer can
// translate them without knowing the engine.
var (
	// ErrNotFound: the model, run, score or family asked for does not exist.
	ErrNotFound = errors.New("scoring: not found")
	// ErrConflict: the write contradicts the stored state — a duplicate id,
	// a run that already finished, progress going backwards, activating the
	// model that is already active.
	ErrConflict = errors.New("scoring: conflict")
	// ErrNoActiveModel: scoring was asked for before any model was activated.
	ErrNoActiveModel = errors.New("scoring: no active model")
	// ErrRunInProgress: a ranking run has not finished; another cannot
	// start, and families are re-scored after it.
	ErrRunInProgress = errors.New("scoring: a ranking run is in progress")
	// ErrInvalid: the input breaks an entity's invariant; nothing was written.
	ErrInvalid = errors.New("scoring: invalid input")
)
