package citustest

import (
	"testing"

	"github.com/dtsen-id/dtsen/services/platform/audit"
	"github.com/dtsen-id/dtsen/services/platform/feed"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
)

// The platform's own tables are in every service's database; each service's
// schema test checks them again together with its own.
func TestPlatformTablesAreCitusReady(t *testing.T) {
	CheckSchema(t, outbox.Migrations, audit.Migrations, feed.Migrations, importer.Migrations)
}
