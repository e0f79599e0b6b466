// Package population generates a deterministic synthetic national
// population: Indonesian families with the records each DTSEN context would
// hold about them (registry, asset, income, service usage), a latent true
// welfare behind those records, and deliberate data errors. See
// docs/population.md for what is modelled and how it is calibrated.
package population
