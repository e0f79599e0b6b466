package main

import (
	"testing"

	"github.com/dtsen-id/dtsen/services/platform/service"
	"github.com/dtsen-id/dtsen/services/platform/storage/citustest"
)

// The registry database, as the service migrates it, keeps Citus's rules for
// its declared placements (docs/scale-out.md §4, §5).
func TestSchemaIsCitusReady(t *testing.T) {
	citustest.CheckSchema(t, service.AllMigrations(migrations...)...)
}
