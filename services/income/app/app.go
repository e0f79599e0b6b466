// Package app holds the income context's use cases, one file per command or
// query. It speaks domain types only; ports/ translates protobuf, adapters/
// stores and talks to the registry.
package app

import (
	"context"
	"time"

	"github.com/dtsen-id/dtsen/services/income/domain"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/storage"
)

// ErrConcurrentChange means another writer stored or changed one of the
// records while the command ran; the caller may retry (a re-sent batch
// resumes).
var ErrConcurrentChange = domain.ErrConcurrentChange

// Importer is the storage half of a bulk import.
type Importer interface {
	ApplyImport(ctx context.Context, tx *storage.Tx, recs []importer.Record[domain.Record]) (importer.Outcome, error)
}

// Registry is what the use cases need from the registry context.
type Registry interface {
	domain.IdentityChecker
	domain.FamilyDirectory
	domain.ReadPolicy
}

// AuditLog records each read of personal data (platform/audit.Log). Read
// fails when the event cannot be written, and the read must then fail too.
type AuditLog interface {
	Read(ctx context.Context, records ...string) error
}

// Application is the income context's set of use cases.
type Application struct {
	repo     domain.Repository
	importer *importer.Importer
	bulk     Importer
	registry Registry
	audit    AuditLog
	now      func() time.Time
}

// New wires the use cases. Every read of personal data is authorised by reg
// and recorded in audit.
func New(repo domain.Repository, im *importer.Importer, bulk Importer, reg Registry, audit AuditLog) *Application {
	return &Application{repo: repo, importer: im, bulk: bulk, registry: reg, audit: audit, now: time.Now}
}
