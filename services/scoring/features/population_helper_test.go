package features_test

import (
	"github.com/dtsen-id/dtsen/services/population/population"
	"github.com/dtsen-id/dtsen/services/scoring/features"
	"github.com/dtsen-id/dtsen/services/scoring/internal/popinput"
)

// generate yields n households of a fixed population with their inputs.
func generate(n int, yield func(h *population.Household, in features.Input) error) error {
	cfg := population.Config{Families: n, Seed: 1, Workers: 1}
	return population.Generate(cfg, func(h *population.Household) error {
		return yield(h, popinput.Assemble(h, population.DefaultReferenceDate))
	})
}
