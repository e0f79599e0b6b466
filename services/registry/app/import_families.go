package app

import (
	"context"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/importer"
	"github.com/dtsen-id/dtsen/services/registry/domain"
)

// CheckImportHeader validates a batch header before any record is read.
func (a *Application) CheckImportHeader(h *typev1.ImportBatchHeader) error {
	return a.importer.CheckHeader(h)
}

// ImportFamilies imports one batch of Dukcapil family records. next yields
// each family in stream order and io.EOF at the end.
func (a *Application) ImportFamilies(ctx context.Context, h *typev1.ImportBatchHeader, next func() (*domain.Family, error)) (*typev1.ImportSummary, error) {
	now := a.now()
	return importer.Run(ctx, a.importer, h, next, importer.Spec[*domain.Family]{
		Check: func(f *domain.Family) (string, []*typev1.RecordViolation) {
			f.Normalize()
			vs := f.Validate(now)
			if len(vs) == 0 {
				return f.KK, nil
			}
			out := make([]*typev1.RecordViolation, len(vs))
			for i, v := range vs {
				out[i] = &typev1.RecordViolation{Field: v.Field, Reason: v.Reason, Description: v.Description}
			}
			return f.KK, out
		},
		Apply: a.bulk.ApplyImport,
	})
}

