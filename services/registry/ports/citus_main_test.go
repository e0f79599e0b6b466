package ports_test

import (
	"os"
	"testing"

	"github.com/dtsen-id/dtsen/services/platform/storage/citustest"
)

// Every statement these tests send to PostgreSQL is linted for Citus (ADR 0010).
func TestMain(m *testing.M) { os.Exit(citustest.RunLinted(m)) }
