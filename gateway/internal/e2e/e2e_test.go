package e2e_test

import (
	"testing"

	_ "github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	_ "github.com/dtsen-id/dtsen/services/registry/registrytest"
)

func TestX(t *testing.T) {}
