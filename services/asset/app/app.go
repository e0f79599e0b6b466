// Package app holds the asset context's use cases, one file per command or
// query. It speaks domain types only; ports/ translates protobuf, adapters/
// stores and talks to the registry. Each use case applies the shared access
// policy (services/platform/auth) itself, so no entry point can skip it.
package app

import (
	"context"
	"time"

	"github.com/dtsen-id/dtsen/services/asset/domain"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/storage"
)

// BulkWriter is the storage half of a bulk import.
type BulkWriter interface {
	ApplyImport(ctx context.Context, tx *storage.Tx, c domain.Chunk) (importer.Outcome, error)
}

// Registry is what the use cases need from the registry context.
type Registry interface {
	domain.Identities
	domain.FamilyDirectory
	domain.ReadPolicy
}

// Application is the asset context's set of use cases.
type Application struct {
	repo     domain.Repository
	bulk     BulkWriter
	importer *importer.Importer
	registry Registry
	audit    domain.AuditLog
	now      func() time.Time
}

// New wires the use cases to their storage, to the registry and to the
// audit log that records every read of personal data.
func New(repo domain.Repository, bulk BulkWriter, im *importer.Importer, reg Registry, audit domain.AuditLog) *Application {
	return &Application{repo: repo, bulk: bulk, importer: im, registry: reg, audit: audit, now: time.Now}
}
