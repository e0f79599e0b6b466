// Package app holds the service-usage use cases, one file per command or
// query. It speaks domain types only; ports/ translates protobuf and
// adapters/ stores and calls the registry.
package app

import (
	"context"
	"errors"
	"time"

	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/storage"
	"github.com/dtsen-id/dtsen/services/serviceusage/domain"
)

// ErrConcurrentChange means another writer stored, changed or moved the same
// record while an import chunk ran; the chunk rolled back and a re-send
// resumes the batch.
var ErrConcurrentChange = domain.ErrConcurrentChange

// ErrRegistryUnavailable wraps a failed call to the registry.
var ErrRegistryUnavailable = errors.New("registry unavailable")

// Importer is the storage half of a bulk import.
type Importer interface {
	ApplyImport(ctx context.Context, tx *storage.Tx, recs []importer.Record[domain.Record]) (importer.Outcome, error)
}

// Application is the context's set of use cases.
type Application struct {
	repo      domain.Repository
	importer  *importer.Importer
	bulk      Importer
	ids       domain.IdentityChecker
	directory domain.FamilyDirectory
	now       func() time.Time
}

// New wires the use cases.
func New(repo domain.Repository, im *importer.Importer, bulk Importer, ids domain.IdentityChecker, dir domain.FamilyDirectory) *Application {
	return &Application{repo: repo, importer: im, bulk: bulk, ids: ids, directory: dir, now: time.Now}
}
