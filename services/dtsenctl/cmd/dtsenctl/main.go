// Command dtsenctl is the DTSEN operator CLI: bulk imports through each
// context's ImportRecords, seeding a synthetic population into every context,
// reading families and persons, a family's score and eligibility (score,
// eligibility), the national ranking (rank) and the welfare models (model
// train|list|activate|evaluate). See docs/dtsenctl.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/dtsen-id/dtsen/services/dtsenctl/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.New(os.Stdout, os.Stderr).Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
