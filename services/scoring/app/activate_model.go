package app

import (
	"context"

	"github.com/dtsen-id/dtsen/services/scoring/domain"
)

// ActivateModel puts a trained (or retired) model into service, recording
// who did it and why; the model active before it is retired. New scores use
// it from then on; existing deciles change only with the next ranking run.
func (a *App) ActivateModel(ctx context.Context, id, by, reason string) (*domain.Model, error) {
	return a.models.Activate(ctx, id, by, reason)
}
