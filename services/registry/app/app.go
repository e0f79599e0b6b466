// Package app holds the registry's use cases, one file per command or query.
// It speaks domain types only; ports/ translates protobuf, adapters/ stores.
package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/registry/domain"
)

// ErrEtagMismatch means the caller's etag is stale (AIP-154): someone else
// changed the resource since the caller read it.
var ErrEtagMismatch = errors.New("etag mismatch")

// ErrFamilyNotFound is a family named by a request other than the one the
// request is about (MovePerson's target) that does not exist. It wraps
// domain.ErrNotFound, so the ports can tell which resource is missing.
var ErrFamilyNotFound = fmt.Errorf("family: %w", domain.ErrNotFound)

// ErrConcurrentChange means the resource moved while the command ran; the
// caller may retry. It is the repository's error of the same name, so a read
// that gave up on a moving person maps to the same status.
var ErrConcurrentChange = domain.ErrConcurrentChange

// Importer is the storage half of a bulk import.
type Importer interface {
	ApplyImport(ctx context.Context, tx *storage.Tx, recs []importer.Record[*domain.Family]) (importer.Outcome, error)
}

// Application is the registry's set of use cases.
type Application struct {
	repo     domain.Repository
	importer *importer.Importer
	bulk     Importer
	now      func() time.Time
}

// New wires the use cases to their storage.
func New(repo domain.Repository, im *importer.Importer, bulk Importer) *Application {
	return &Application{repo: repo, importer: im, bulk: bulk, now: time.Now}
}

// checkEtag accepts an empty etag (an unconditional write, AIP-154).
func checkEtag(given string, version int64) error {
	if given != "" && given != domain.Etag(version) {
		return ErrEtagMismatch
	}
	return nil
}
