package adapters_test

import (
	"os"
	"testing"

	"github.com/dtsen-id/dtsen/services/platform/storage/citustest"
)

func TestMain(m *testing.M) { os.Exit(citustest.RunLinted(m)) }
